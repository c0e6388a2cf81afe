// The audio mode's TTS through dist/lk with the real audio echo agent: a --tts-command of the test's
// own (with --voice passed through), a turn the agent never hears (that command writing silence),
// and a machine with no TTS at all, which `start --audio` refuses before anything runs.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { shellQuote } from "../../src/render/shell-quote.ts";
import { cleanupAll, portIsFree, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";
import { AUDIO_AGENT, requireAudioAgent } from "../helpers/real-agents.ts";

const SLOW = 120_000;

type Json = Record<string, unknown>;

function result(run: RunResult): Json {
  return JSON.parse(run.stdout.trim().split("\n").at(-1) as string) as Json;
}

/**
 * A TTS command of our own: it logs the text and the voice it was given, then speaks with espeak-ng
 * itself (macOS: say), unless the text asks for silence: then it writes a second of it (a WAV made
 * by hand).
 */
function ttsScript(dir: string): { path: string; log: string } {
  const path = join(dir, "my-tts.sh");
  const log = join(dir, "said.txt");
  writeFileSync(
    path,
    `#!/bin/sh
text=$(cat)
printf '%s|%s\\n' "$LK_TTS_VOICE" "$text" >> '${log}'
case "$text" in
  *silence*)
    python3 -c 'import sys, struct; n = 22050; sys.stdout.buffer.write(b"RIFF" + struct.pack("<I", 36 + 2 * n) + b"WAVEfmt " + struct.pack("<IHHIIHH", 16, 1, 1, 22050, 44100, 2, 16) + b"data" + struct.pack("<I", 2 * n) + bytes(2 * n))' ;;
  *)
    if command -v espeak-ng >/dev/null; then
      printf '%s' "$text" | espeak-ng -v "$LK_TTS_VOICE" --stdout --stdin
      exit
    fi
    out="$(mktemp -d)/speech.wav"
    say --file-format=WAVE --data-format=LEI16@48000 -o "$out" "$text" && cat "$out" && rm -r "$(dirname "$out")" ;;
esac
`,
  );
  chmodSync(path, 0o755);
  return { path, log };
}

// A sh script: Windows runs a --tts-command through cmd.exe.
describe.skipIf(process.platform === "win32")("--tts-command: a sh script of the test's own (POSIX)", () => {
  let box: Sandbox;
  let tts: { path: string; log: string };

  beforeAll(async () => {
    requireAudioAgent();
    box = await Sandbox.create();
    tts = ttsScript(tempDir("lk-tts-"));
    const start = await box.session(
      [
        "start",
        "agent.py",
        "--audio",
        "--tts-command",
        tts.path,
        ...(process.platform === "darwin" ? [] : ["--voice", "en-us+klatt"]),
        "--fast-playback",
      ],
      { cwd: AUDIO_AGENT.dir, env: { ECHO_AGENT_NO_GREETING: "1" } },
    );
    expect(start.code).toBe(0);
    expect(start.stdout).toContain(
      `Audio mode: each turn spoken with tts command ${JSON.stringify(tts.path)}; the agent's speech counted as played at once (--fast-playback)`,
    );
  }, SLOW);
  afterAll(cleanupAll);

  test(
    "speaks each turn with it, the voice passed in LK_TTS_VOICE",
    async () => {
      const say = await box.session(["say", "transfer me to billing", "--json"]);
      expect(say.code).toBe(0);
      const r = result(say);
      expect(r.heard).toMatch(/^transfer me to billing$/i);
      expect((r.events as Json[]).some((e) => e.type === "handoff" && e.to === "billing_agent")).toBe(true);
      const voice = process.platform === "darwin" ? "" : "en-us+klatt";
      expect(readFileSync(tts.log, "utf8")).toBe(`${voice}|transfer me to billing\n`);
    },
    SLOW,
  );

  test(
    "a turn the agent never hears (the command writes silence) is an error that says so: exit 1",
    async () => {
      const say = await box.session(["say", "a minute of silence"]);
      expect(say.code).toBe(1);
      expect(say.stdout).toContain("● You\n    a minute of silence");
      expect(say.stderr).toContain(
        "the agent did not hear anything: no transcript within 5 s of the end of speech (the TTS wrote only silence)",
      );
      const json = await box.session(["say", "more silence", "--json"]);
      expect(json.code).toBe(1);
      expect(result(json)).toMatchObject({ ok: false, exitCode: 1 });
      expect(result(json).error).toContain("the agent did not hear anything");
      // The session goes on: the next turn is heard.
      const next = await box.session(["say", "goodbye"]);
      expect(next.code).toBe(0);
      expect(next.stdout).toMatch(/● You \(heard\)\n {4}Goodbye\n/);
    },
    SLOW,
  );

  test(
    "restart keeps the --tts-command (the daemon's own, not read back from a file); the ended record's start command names it",
    async () => {
      const before = result(await box.session(["status", "--json"])).status as Json;
      const restart = await box.session(["restart"], { env: { ECHO_AGENT_NO_GREETING: "1" } });
      expect(restart.code).toBe(0);
      const status = result(await box.session(["status", "--json"])).status as Json;
      expect(status.agentPid).not.toBe(before.agentPid);
      expect(status.mode).toBe("audio");
      expect(status.audio).toMatchObject({ ttsCommand: tts.path, fastPlayback: true });
      // The new agent is spoken to with that same command, and hears it.
      const say = await box.session(["say", "goodbye", "--json"]);
      expect(say.code).toBe(0);
      expect(result(say).heard).toMatch(/^goodbye$/i);
      expect(readFileSync(tts.log, "utf8").trimEnd().split("\n").at(-1)).toMatch(/\|goodbye$/);
      expect((await box.session(["end"])).code).toBe(0);
      const voice = process.platform === "darwin" ? [] : ["--voice", "en-us+klatt"];
      const command = [
        ...["lk", "agent", "session", "start", join(AUDIO_AGENT.dir, "agent.py")],
        ...(box.port === 8775 ? [] : ["--port", String(box.port)]),
        ...["--audio", ...voice, "--tts-command", tts.path, "--fast-playback"],
      ]
        .map(shellQuote)
        .join(" ");
      const after = await box.session(["status"]);
      expect(after.code).toBe(1);
      expect(after.stderr).toEndWith(`  to start it again, run: ${command}\n`);
    },
    SLOW,
  );
});

describe("no TTS on the machine", () => {
  afterAll(cleanupAll);

  test("start --audio fails at once, saying what to install; nothing is started or left", async () => {
    const box = await Sandbox.create();
    // No espeak-ng, espeak, say or PowerShell on this PATH.
    const empty = tempDir("lk-no-tts-");
    for (const json of [false, true]) {
      const start = await box.session(["start", "agent.py", "--audio", ...(json ? ["--json"] : [])], {
        cwd: AUDIO_AGENT.dir,
        env: { PATH: empty },
      });
      expect(start.code).toBe(1);
      const message = json ? (result(start).error as string) : start.stderr;
      expect(message).toContain("no text-to-speech program found");
      expect(message).toContain("--tts-command");
      if (process.platform === "linux") expect(message).toContain("apt-get install espeak-ng");
      if (json) expect(start.stdout.trim().split("\n")).toHaveLength(1);
    }
    expect(await portIsFree(box.port)).toBe(true);
    expect(existsSync(box.stateDir) ? readdirSync(box.stateDir) : []).toEqual([]);
    await box.cleanup();
  });
});
