// Builds the `lk` binary.
//   bun run build.ts --local        this machine only, to dist/lk (what the tests and the demo use)
//   bun run build.ts                every release target into dist/release/: archives, SHA256SUMS,
//                                   Homebrew formula, scoop manifest, install.sh, install.ps1
// Release options: --out DIR, --targets linux-x64,windows-x64 (a subset, for development),
// --no-bytecode. Environment: LK_VERSION (default package.json's), LK_RELEASE_REPO (owner/name,
// default livekit/lk-agent-session), SOURCE_DATE_EPOCH (archive timestamps).

import { parseArgs } from "node:util";
import pkg from "./package.json" with { type: "json" };
import { compile } from "./scripts/release/compile.ts";
import { buildRelease } from "./scripts/release/release.ts";
import { checkRepo, checkVersion, DESCRIPTION, findTargets, TARGETS } from "./scripts/release/targets.ts";

const { values } = parseArgs({
  options: {
    local: { type: "boolean", default: false },
    out: { type: "string", default: "dist/release" },
    targets: { type: "string" },
    "no-bytecode": { type: "boolean", default: false },
  },
});

const version = checkVersion(process.env.LK_VERSION || pkg.version);
const bytecode = !values["no-bytecode"];

if (values.local) {
  const outfile = process.platform === "win32" ? "dist/lk.exe" : "dist/lk";
  await compile({ outfile, version, bytecode });
  console.log(`built ${outfile} (${version})`);
} else {
  const started = performance.now();
  const result = await buildRelease({
    version,
    repo: checkRepo(process.env.LK_RELEASE_REPO || "livekit/lk-agent-session"),
    description: DESCRIPTION,
    license: (pkg as { license?: string }).license,
    targets: values.targets ? findTargets(values.targets.split(",")) : TARGETS,
    outDir: values.out,
    bytecode,
    mtime: Number(process.env.SOURCE_DATE_EPOCH) || Math.floor(Date.now() / 1000),
    log: (line) => console.log(line),
  });
  console.log(
    `release ${version} in ${result.outDir} (${((performance.now() - started) / 1000).toFixed(1)} s): ${result.assets.join(", ")}`,
  );
}
