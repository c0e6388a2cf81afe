// `npm run demo`: build lk, start a session with the bundled Node echo agent (the real
// @livekit/agents, offline), say a few lines, end it. Exactly what a user types.

import { existsSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dir, "..");
const agentDir = join(repo, "test", "fixtures", "echo-agent-node");
const lk = join(repo, "dist", process.platform === "win32" ? "lk.exe" : "lk");
const port = process.env.LK_SESSION_PORT ?? "8775";

function run(argv: string[], cwd = repo): number {
  const shown = argv.map((a) => (a.includes(" ") ? `"${a}"` : a)).join(" ");
  console.log(`\n$ ${shown.replace(lk, "lk")}`);
  return Bun.spawnSync(argv, {
    cwd,
    stdio: ["inherit", "inherit", "inherit"],
    env: { ...process.env, LK_SESSION_PORT: port },
  }).exitCode;
}

if (run([process.execPath, "run", "build.ts", "--local"]) !== 0) process.exit(1);
if (!existsSync(join(agentDir, "node_modules", "@livekit", "agents"))) {
  if (run(["npm", "ci", "--no-audit", "--no-fund"], agentDir) !== 0) process.exit(1);
}

let code = run([lk, "agent", "session", "start", "agent.mjs"], agentDir);
if (code === 0) {
  for (const line of [
    "what's the weather in San Francisco?",
    "transfer me to billing",
    "thanks, that's all",
  ]) {
    code ||= run([lk, "agent", "session", "say", line], agentDir);
  }
  const ended = run([lk, "agent", "session", "end"], agentDir);
  code ||= ended;
}
process.exit(code);
