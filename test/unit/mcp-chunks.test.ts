// The MCP SDK stays out of every other command's way: in a split build like the release one, what
// `--version`, `say` and the mcp command's own declaration (loaded by help) import never reaches it.

import { afterAll, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { cleanupAll, REPO, tempDir } from "../helpers/lk.ts";

afterAll(cleanupAll);

/** A string only the SDK's code holds (its protocol's method names). */
const SDK_MARK = "tools/list";

test("the SDK is only in a chunk that the mcp command imports when it runs", async () => {
  const outdir = tempDir("lk-chunks-");
  // scripts/release/compile.ts's bundling options, without the compile step.
  const built = await Bun.build({
    entrypoints: [join(REPO, "src", "main.ts")],
    outdir,
    target: "bun",
    format: "esm",
    splitting: true,
    minify: true,
    define: { LK_BUILD_VERSION: '"test"' },
  });
  expect(built.success).toBe(true);
  const text = (file: string) => readFileSync(join(outdir, file), "utf8");
  const files = readdirSync(outdir);
  const holding = (needle: string) => files.find((f) => text(f).includes(needle)) as string;
  /** A chunk and everything it imports statically: what loading it loads. */
  const loads = (start: string) => {
    const seen = new Set<string>();
    const queue = [start];
    while (queue.length) {
      const file = queue.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const m of text(file).matchAll(/from\s*"\.\/(chunk-[^"]+\.js)"/g)) queue.push(m[1] as string);
    }
    return [...seen];
  };
  const sdk = files.filter((f) => text(f).includes(SDK_MARK));
  expect(sdk.length).toBeGreaterThan(0);
  const say = holding("Send one user turn and print what the agent says and does");
  const mcp = holding("Serve the session as MCP tools");
  for (const start of ["main.js", say, mcp]) {
    for (const file of loads(start)) expect(text(file)).not.toContain(SDK_MARK);
  }
});
