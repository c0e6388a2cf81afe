import { defineCommand, runMain } from "citty";
import { setRuntimeArgs, splitRuntimeArgs } from "./cli/argv.ts";
import { VERSION } from "./version.ts";

// Commands load lazily: a `say` never pays for parsing the daemon's code.
const session = defineCommand({
  meta: { name: "session", description: "Drive an agent in text mode: start it once, then say, then end" },
  subCommands: {
    start: () => import("./commands/start.ts").then((m) => m.default),
    say: () => import("./commands/say.ts").then((m) => m.default),
    end: () => import("./commands/end.ts").then((m) => m.default),
    status: () => import("./commands/status.ts").then((m) => m.default),
    logs: () => import("./commands/logs.ts").then((m) => m.default),
    history: () => import("./commands/history.ts").then((m) => m.default),
    listen: () => import("./commands/listen.ts").then((m) => m.default),
    restart: () => import("./commands/restart.ts").then((m) => m.default),
    replay: () => import("./commands/replay.ts").then((m) => m.default),
    stop: () =>
      import("./commands/end.ts").then((m) => ({ ...m.default, meta: { name: "stop", hidden: true } })),
    daemon: () => import("./commands/daemon.ts").then((m) => m.default),
  },
});

const main = defineCommand({
  meta: { name: "lk", version: VERSION, description: "LiveKit agent sessions from the terminal" },
  subCommands: {
    agent: defineCommand({
      meta: { name: "agent", description: "Work with LiveKit agents" },
      subCommands: { session },
    }),
  },
});

const { own, runtimeArgs } = splitRuntimeArgs(process.argv.slice(2));
setRuntimeArgs(runtimeArgs);
await runMain(main, { rawArgs: own });
