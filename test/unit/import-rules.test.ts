// The folder rules of .dependency-cruiser.cjs hold on src/ and catch what they are for: a copy of
// src/ with one bad import added must fail `npm run lint`'s import check.

import { afterAll, describe, expect, test } from "bun:test";
import { appendFileSync, cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO } from "../helpers/lk.ts";
import { runProcess } from "../helpers/process.ts";

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** Runs the import check on a copy of the repo's src/ with `edit` applied. */
async function checkCopy(edit?: (dir: string) => void) {
  const dir = mkdtempSync(join(tmpdir(), "lk-imports-"));
  copies.push(dir);
  cpSync(join(REPO, "src"), join(dir, "src"), { recursive: true });
  for (const file of [".dependency-cruiser.cjs", "tsconfig.json", "package.json"])
    cpSync(join(REPO, file), join(dir, file));
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "junction");
  edit?.(dir);
  return runProcess(
    [
      process.execPath,
      "--bun",
      join(REPO, "node_modules/.bin/depcruise"),
      "src",
      "--config",
      ".dependency-cruiser.cjs",
    ],
    { cwd: dir },
  );
}

describe("import rules", () => {
  test("src/ as it is passes", async () => {
    const result = await checkCopy();
    expect(result.output).toContain("no dependency violations found");
    expect(result.code).toBe(0);
  });

  test("a cycle between folders fails: protocol importing commands", async () => {
    const result = await checkCopy((dir) =>
      appendFileSync(join(dir, "src/protocol/events.ts"), '\nimport "../commands/say.ts";\n'),
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("protocol-imports");
    expect(result.output).toContain("no-circular");
  });

  test("an import against the direction fails: render importing the control client", async () => {
    const result = await checkCopy((dir) =>
      appendFileSync(
        join(dir, "src/render/text.ts"),
        '\nexport { sendCommand } from "../control/client.ts";\n',
      ),
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("render-imports");
  });

  test("a type-only import counts too: the daemon importing the session client", async () => {
    const result = await checkCopy((dir) =>
      appendFileSync(
        join(dir, "src/daemon/turn.ts"),
        '\nexport type { Done } from "../control/client.ts";\n',
      ),
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("daemon-imports");
  });

  test("the audio leaf folder imports nothing of ours: audio importing the protocol fails", async () => {
    const result = await checkCopy((dir) =>
      appendFileSync(
        join(dir, "src/audio/pcm.ts"),
        '\nexport type { SessionEvent } from "../protocol/events.ts";\n',
      ),
    );
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("audio-imports");
  });
});
