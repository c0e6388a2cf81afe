// One `bun build --compile`: the same options for the local binary and every release target,
// so the tests exercise what ships.

import { join } from "node:path";

export interface CompileOptions {
  /** Omitted: this machine (what `bun run build.ts --local` makes). */
  target?: Bun.Build.CompileTarget;
  outfile: string;
  version: string;
  /**
   * Embed JavaScriptCore bytecode: `lk --version` starts about 2x faster on linux-x64, 21 -> 10 ms (see
   * scripts/release/bench-startup.ts), for ~2 MB more per binary. ESM bytecode needs `format: "esm"`.
   */
  bytecode?: boolean;
  /** Another entry point than src/main.ts (the bench's no-op binary: the floor, built the same way). */
  entry?: string;
}

export async function compile(opts: CompileOptions): Promise<void> {
  const bytecode = opts.bytecode ?? true;
  const result = await Bun.build({
    entrypoints: [opts.entry ?? join(import.meta.dir, "..", "..", "src", "main.ts")],
    compile: {
      ...(opts.target ? { target: opts.target } : {}),
      outfile: opts.outfile,
      // A CLI run inside someone's project must not pick up that project's .env or bunfig.toml.
      // (The agent, run by this binary as `bun` with BUN_BE_BUN=1, still loads its own .env.)
      autoloadDotenv: false,
      autoloadBunfig: false,
    },
    format: "esm",
    // Commands are imported lazily; split, each loads only its own code (`--version` ~8 ms, not ~14).
    splitting: true,
    bytecode,
    minify: true,
    sourcemap: "none",
    define: { LK_BUILD_VERSION: JSON.stringify(opts.version) },
  });
  if (!result.success) {
    for (const message of result.logs) console.error(message);
    throw new Error(`build failed for ${opts.target ?? "this machine"}`);
  }
}
