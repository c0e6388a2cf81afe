// `end`'s decisions with a fake session client: the transcript first, then the stop, never the other way.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import end, { type EndOptions } from "../../src/commands/end.ts";
import { env, fake, PORT } from "../helpers/fake-session.ts";

const dir = mkdtempSync(join(tmpdir(), "lk-unit-end-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const options = (over: Partial<EndOptions> = {}): EndOptions => ({
  json: false,
  port: PORT,
  transcript: undefined,
  ...over,
});

describe("end", () => {
  test("parse: --transcript is resolved against the working directory", () => {
    expect(end.parse(["--transcript", "talk.md"], env({}, { cwd: "/home/me" })).transcript).toBe(
      "/home/me/talk.md",
    );
    expect(end.parse([], env()).transcript).toBeUndefined();
  });

  test("stops the session and says so", async () => {
    const f = fake({ command: "end" });
    const outcome = await end.run(options(), f.io);
    expect(f.stops).toHaveLength(1);
    expect(f.out()).toBe("Session ended.\n");
    expect(outcome.fields).toEqual({ port: PORT });
  });

  test("--transcript: the history is written before the session stops", async () => {
    const file = join(dir, "talk.md");
    const f = fake({
      command: "end",
      answer: (cmd) => ({
        events: cmd.cmd === "history" ? [{ type: "message", role: "user", text: "weather in Lima?" }] : [],
      }),
    });
    const outcome = await end.run(options({ transcript: file }), f.io);
    expect(f.sent).toEqual([{ cmd: "history" }]);
    expect(f.stops).toHaveLength(1);
    expect(readFileSync(file, "utf8")).toContain("**You:** weather in Lima?");
    expect(outcome.fields).toEqual({ port: PORT, transcript: file });
  });

  test("a transcript that cannot be fetched or written leaves the session running", async () => {
    const failing = fake({ command: "end", answer: () => ({ done: { ok: false, error: "busy" } }) });
    await expect(end.run(options({ transcript: join(dir, "x.md") }), failing.io)).rejects.toThrow(
      "could not get the conversation for the transcript: busy",
    );
    expect(failing.stops).toEqual([]);
    const unwritable = fake({ command: "end" });
    await expect(end.run(options({ transcript: "/nonexistent-dir/t.md" }), unwritable.io)).rejects.toThrow(
      "could not write the transcript to /nonexistent-dir/t.md",
    );
    expect(unwritable.stops).toEqual([]);
  });

  test("no session: nothing to stop", async () => {
    const f = fake({ command: "end", found: { kind: "none", port: PORT } });
    await expect(end.run(options(), f.io)).rejects.toThrow("no session running");
    expect(f.stops).toEqual([]);
  });
});
