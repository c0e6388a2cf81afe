// The `start` command printed once a session has ended: exact, pasteable into a POSIX shell, and
// never with a secret's value.

import { describe, expect, test } from "bun:test";
import { shellQuote } from "../../src/render/shell-quote.ts";
import { exactDuration, secretsToGive, startCommand } from "../../src/session/start-command.ts";

describe("start command", () => {
  test("the default port and timeouts are left out: the entrypoint's full path is enough", () => {
    expect(
      startCommand(
        {
          entry: "agent.py",
          root: "/work/agent",
          runtimeArgs: [],
          connectTimeoutMs: 60_000,
          idleTimeoutMs: 1_800_000,
        },
        8775,
      ),
    ).toBe("lk agent session start /work/agent/agent.py");
  });

  test("every choice that differs: port, runtime, SDK check, timeouts, overrides, runtime args", () => {
    const command = startCommand(
      {
        entry: "src/agent.ts",
        root: "/work/my agent",
        runtimeArgs: ["--smol", "it's"],
        runtime: "bun",
        skipSdkCheck: true,
        connectTimeoutMs: 90_000,
        idleTimeoutMs: 0,
        env: { LOG_LEVEL: "debug", GREETING: "hi there; rm -rf /", OPENAI_API_KEY: null },
      },
      8790,
    );
    expect(command).toBe(
      "lk agent session start '/work/my agent/src/agent.ts' --port 8790 --runtime bun --skip-sdk-check " +
        "--timeout 1m30s --idle-timeout 0 --env LOG_LEVEL=debug --env 'GREETING=hi there; rm -rf /' " +
        "--env OPENAI_API_KEY -- --smol 'it'\\''s'",
    );
  });

  test("for a fresh shell: start's --env-file files (not their variables), --env, and what chose the interpreter", () => {
    const command = startCommand(
      {
        entry: "agent.py",
        root: "/work/agent",
        runtimeArgs: [],
        // The older field, all the overrides: not used once the record says where they came from.
        env: { FROM_FILE: "1", DB_PASSWORD: null, LOG_LEVEL: "debug", OPENAI_API_KEY: null },
        envFiles: ["/work/agent/.env.local", "/work/my env/.env"],
        envFlags: { LOG_LEVEL: "debug", OPENAI_API_KEY: null },
        fromShell: { VIRTUAL_ENV: "/work/my venv", pathDir: "/opt/uv's/bin" },
      },
      8775,
    );
    expect(command).toBe(
      "VIRTUAL_ENV='/work/my venv' PATH='/opt/uv'\\''s/bin':\"$PATH\" lk agent session start /work/agent/agent.py " +
        "--env-file /work/agent/.env.local --env-file '/work/my env/.env' --env LOG_LEVEL=debug --env OPENAI_API_KEY",
    );
    expect(
      secretsToGive({ entry: "a.py", root: "/", runtimeArgs: [], envFlags: { OPENAI_API_KEY: null } }),
    ).toEqual(["OPENAI_API_KEY"]);
    // Read back by a shell: the prefix sets what it says.
    const shown = Bun.spawnSync([
      "sh",
      "-c",
      `${command.slice(0, command.indexOf(" lk "))} sh -c 'printf "%s|%s" "$VIRTUAL_ENV" "\${PATH%%:*}"'`,
    ]);
    expect(shown.stdout.toString()).toBe("/work/my venv|/opt/uv's/bin");
  });

  test("an --env of VIRTUAL_ENV or PATH is the one printed: no prefix for it", () => {
    const command = startCommand(
      {
        entry: "agent.py",
        root: "/a",
        runtimeArgs: [],
        envFiles: [],
        envFlags: { VIRTUAL_ENV: "/v" },
        fromShell: { VIRTUAL_ENV: "/v" },
      },
      8775,
    );
    expect(command).toBe("lk agent session start /a/agent.py --env VIRTUAL_ENV=/v");
  });

  test("an audio session: --audio with its voice, its --tts-command quoted, --fast-playback", () => {
    const command = startCommand(
      {
        entry: "agent.py",
        root: "/work/agent",
        runtimeArgs: [],
        audio: {
          voice: "en-us",
          ttsCommand: "piper --model it's.onnx --output_file /dev/stdout",
          fastPlayback: true,
        },
      },
      8775,
    );
    expect(command).toBe(
      "lk agent session start /work/agent/agent.py --audio --voice en-us " +
        "--tts-command 'piper --model it'\\''s.onnx --output_file /dev/stdout' --fast-playback",
    );
    const text = startCommand({ entry: "agent.py", root: "/w", runtimeArgs: [] }, 8775);
    expect(text).not.toContain("--audio");
  });

  test("read back by a POSIX shell, the words are the same", () => {
    const words = ["/a b/agent.py", "it's", 'say "hi" $HOME `x`', "", "a\nb", "--env=X=1"];
    const line = words.map(shellQuote).join(" ");
    const echoed = Bun.spawnSync(["sh", "-c", `for w in ${line}; do printf '%s\\0' "$w"; done`]);
    expect(echoed.stdout.toString().split("\0").slice(0, -1)).toEqual(words);
  });

  test("durations as --timeout reads them back, to the ms", () => {
    expect(exactDuration(0)).toBe("0");
    expect(exactDuration(90_000)).toBe("1m30s");
    expect(exactDuration(3_725_500)).toBe("1h2m5s500ms");
    expect(exactDuration(2 * 3_600_000)).toBe("2h");
  });
});
