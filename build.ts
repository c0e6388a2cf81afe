// Builds the `lk` binary. `--local`: this machine only, to dist/lk (what tests and the demo use).
// Without it: every release target, archived, with checksums (see scripts/release.ts).

import pkg from "./package.json" with { type: "json" };

const version = process.env.LK_VERSION ?? pkg.version;
const local = process.argv.includes("--local");

async function compile(target: string | undefined, outfile: string): Promise<void> {
  const result = await Bun.build({
    entrypoints: ["./src/main.ts"],
    compile: target ? { target: target as Bun.Build.CompileTarget, outfile } : { outfile },
    minify: true,
    sourcemap: "none",
    define: { LK_BUILD_VERSION: JSON.stringify(version) },
  });
  if (!result.success) {
    for (const message of result.logs) console.error(message);
    throw new Error(`build failed for ${target ?? "this machine"}`);
  }
}

if (local) {
  const outfile = process.platform === "win32" ? "dist/lk.exe" : "dist/lk";
  await compile(undefined, outfile);
  console.log(`built ${outfile} (${version})`);
} else {
  console.error("release builds: not yet implemented; use --local");
  process.exit(1);
}
