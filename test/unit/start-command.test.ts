// The `start` command printed once a session has ended: exact, pasteable into a POSIX shell, and
// never with a secret's value.

import { describe, expect, test } from "bun:test";
import { shellQuote } from "../../src/render/shell-quote.ts";
import { exactDuration, startCommand } from "../../src/session/start-command.ts";

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
