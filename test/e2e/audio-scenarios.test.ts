// `lk agent session test` with `audio: true` scenarios through dist/lk and the real audio echo agent:
// each turn spoken, and `heard:` judged by the one matcher (passing, and failing with what was heard).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { cleanupAll, type RunResult, Sandbox, tempDir } from "../helpers/lk.ts";
import { AUDIO_AGENT, requireAudioAgent } from "../helpers/real-agents.ts";

const SLOW = 120_000;

type Json = Record<string, unknown>;

function records(run: RunResult): Json[] {
  return run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Json);
}

/**
 * A folder with these scenario files, each pointing at the audio echo agent, which does not greet
 * (but in those named in `greeting`).
 */
function scenarios(files: Record<string, string>, greeting: string[] = []): string {
  const dir = tempDir("lk-audio-scenarios-");
  const agent = relative(dir, join(AUDIO_AGENT.dir, AUDIO_AGENT.entry));
  for (const [name, body] of Object.entries(files)) {
    const env = greeting.includes(name) ? "" : `env: { ECHO_AGENT_NO_GREETING: "1" }\n`;
    writeFileSync(join(dir, name), `agent: ${JSON.stringify(agent)}\n${env}${body}`);
  }
  return dir;
}

describe("audio scenarios", () => {
  beforeAll(requireAudioAgent);
  afterAll(cleanupAll);

  test(
    "audio: true speaks each turn (greeting: checked too); heard: passes on what the agent heard and fails, saying what it heard",
    async () => {
      const dir = scenarios(
        {
          "tokyo.lktest.yaml": `name: spoken weather
audio: true
speed: 2
greeting: /echo agent/
turns:
  - user: what's the weather in Tokyo
    expect:
      - heard: "WHAT'S THE WEATHER IN TOKYO"
      - heard: /weather in tokyo$/i
      - tool: lookup_weather
        args: { location: Tokyo }
      - reply: /sunny/
`,
          "misheard.lktest.yaml": `name: expects another city
audio: true
turns:
  - user: what's the weather in London
    expect:
      - heard: Paris
`,
        },
        ["tokyo.lktest.yaml"],
      );
      const box = await Sandbox.create();
      const run = await box.lk(["agent", "session", "test", dir, "--jobs", "2", "--json"]);
      expect(run.code).toBe(2);
      const all = records(run);
      const result = all.at(-1) as Json;
      expect(result).toMatchObject({ scenarios: 2, passed: 1, failed: 1, errors: 0 });
      const byName = (name: string) => all.find((r) => r.kind === "scenario" && r.name === name) as Json;
      expect(byName("spoken weather").status).toBe("passed");
      // Its greeting, spoken and played at start, checked as a typed session's is.
      expect(byName("spoken weather").greeting).toMatchObject({ ok: true, source: "start" });
      const failed = byName("expects another city");
      expect(failed.status).toBe("failed");
      const failure = (failed.failures as Json[])[0] as Json;
      expect(failure.message).toBe("expectation failed: expected the agent to hear Paris");
      expect((failure.detail as string[]).join("\n")).toMatch(
        /\+ the agent heard: what's the weather in london/i,
      );

      // The text report says the same.
      const text = await box.lk(["agent", "session", "test", join(dir, "misheard.lktest.yaml")]);
      expect(text.code).toBe(2);
      expect(text.stdout).toContain("expectation failed: expected the agent to hear Paris");
      await box.cleanup();
    },
    SLOW,
  );

  test("heard: without audio: true (and voice:, speed: without it) is refused before any agent starts", async () => {
    const dir = scenarios({
      "typed.lktest.yaml": `voice: en-us
turns:
  - user: hello
    expect:
      - heard: hello
`,
    });
    const box = await Sandbox.create();
    const run = await box.lk(["agent", "session", "test", dir]);
    expect(run.code).toBe(1);
    expect(run.output).toContain("voice: needs `audio: true`");
    expect(run.output).toContain("turns[0].expect[0].heard: needs `audio: true` at the top");
    await box.cleanup();
  });
});
