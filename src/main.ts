// The command tree and the process around the one runner (src/cli/runner.ts): each command is
// loaded only when it runs, so a `say` never parses `start`'s or the daemon's code.

// First: its evaluation marks when our own code begins (LK_PROFILE=1).
import "./profile.ts";
import type { CommandGroup } from "./cli/runner.ts";
import { execute, interrupted } from "./cli/runner.ts";
import { flushAndExit, isTerminal, stderr, stdout } from "./cli/stdio.ts";
import type { CommandIO } from "./commands/_shared.ts";
import { runInterruptCleanups } from "./interrupt.ts";
import { mark } from "./profile.ts";
import { VERSION } from "./version.ts";

mark("main");

const session: CommandGroup<CommandIO> = {
  name: "session",
  description: "Drive an agent in text mode: start it once, then say, then end",
  children: {
    start: () => import("./commands/start.ts").then((m) => m.default),
    say: () => import("./commands/say.ts").then((m) => m.default),
    end: () => import("./commands/end.ts").then((m) => m.default),
    status: () => import("./commands/status.ts").then((m) => m.default),
    logs: () => import("./commands/logs.ts").then((m) => m.default),
    events: () => import("./commands/events.ts").then((m) => m.default),
    history: () => import("./commands/history.ts").then((m) => m.default),
    listen: () => import("./commands/listen.ts").then((m) => m.default),
    restart: () => import("./commands/restart.ts").then((m) => m.default),
    replay: () => import("./commands/replay.ts").then((m) => m.default),
    test: () => import("./commands/test.ts").then((m) => m.default),
    mcp: () => import("./mcp/command.ts").then((m) => m.default),
    daemon: () => import("./commands/daemon.ts").then((m) => m.default),
    reap: () => import("./commands/reap.ts").then((m) => m.default),
  },
  // The official CLI's verb names.
  aliases: { stop: "end", "chat-history": "history", transcript: "history" },
  hidden: ["daemon", "reap"],
};

const root: CommandGroup<CommandIO> = {
  name: "lk",
  description: `LiveKit agent sessions from the terminal (lk ${VERSION})`,
  children: {
    agent: {
      name: "agent",
      description: "Work with LiveKit agents",
      children: { session },
      // The official CLI's group names, so its scripts run unchanged. `lk agent daemon` is the whole
      // group (hidden, as there); our internal daemon stays `lk agent session daemon`.
      aliases: { debugger: "session", dbg: "session", daemon: "session" },
      hidden: ["daemon"],
    },
  },
};

const code = await execute(process.argv.slice(2), {
  root,
  version: VERSION,
  env: {
    vars: process.env,
    cwd: process.cwd(),
    get stdinIsTerminal() {
      return isTerminal(0);
    },
  },
  streams: { out: stdout, err: stderr },
  io: async (reporter) => ({
    reporter,
    session: (await import("./session/session-client.ts")).sessionClient,
    readStdin: () => Bun.stdin.text(),
  }),
  onRun: (reporter, command) => {
    if (command.ownsSignals) return;
    // Ctrl-C: what the command must undo first (start: its daemon), then the result (one JSON line
    // with --json), output flushed, exit 130; a second one exits at once.
    process.once("SIGINT", () => {
      process.once("SIGINT", () => process.exit(interrupted(reporter, command.interruptExitCode)));
      void runInterruptCleanups().then(() => flushAndExit(interrupted(reporter, command.interruptExitCode)));
    });
  },
});
await flushAndExit(code);
