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
