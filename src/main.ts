import { type ArgsDef, type CommandDef, defineCommand, renderUsage, runMain } from "citty";
import { setRuntimeArgs, splitRuntimeArgs } from "./cli/argv.ts";
import { VERSION } from "./version.ts";

// Commands load lazily: a `say` never pays for parsing the daemon's code.
const commands: Record<string, () => Promise<CommandDef>> = {
  start: () => import("./commands/start.ts").then((m) => m.default as CommandDef),
  say: () => import("./commands/say.ts").then((m) => m.default as CommandDef),
  end: () => import("./commands/end.ts").then((m) => m.default as CommandDef),
  status: () => import("./commands/status.ts").then((m) => m.default as CommandDef),
  logs: () => import("./commands/logs.ts").then((m) => m.default as CommandDef),
  history: () => import("./commands/history.ts").then((m) => m.default as CommandDef),
  listen: () => import("./commands/listen.ts").then((m) => m.default as CommandDef),
  restart: () => import("./commands/restart.ts").then((m) => m.default as CommandDef),
  replay: () => import("./commands/replay.ts").then((m) => m.default as CommandDef),
  daemon: () => import("./commands/daemon.ts").then((m) => m.default as CommandDef),
};

const main = defineCommand({
  meta: { name: "lk", version: VERSION, description: "LiveKit agent sessions from the terminal" },
  subCommands: {
    agent: defineCommand({
      meta: { name: "agent", description: "Work with LiveKit agents" },
      subCommands: {
        session: defineCommand({
          meta: {
            name: "session",
            description: "Drive an agent in text mode: start it once, then say, then end",
          },
          subCommands: commands,
        }),
      },
    }),
  },
});

const printError = console.error;
console.error = (...parts: unknown[]) =>
  printError(...parts.map((p) => (typeof p === "string" ? plainUnlessTerminal(2, p) : p)));

const { own, runtimeArgs } = splitRuntimeArgs(process.argv.slice(2));
setRuntimeArgs(runtimeArgs);
await refuseUnknownFlags(own);
await runMain(main, { rawArgs: own, showUsage });

// citty colors its help and its errors even into a pipe; a coding agent reading them gets escape codes.
async function showUsage<T extends ArgsDef = ArgsDef>(
  cmd: CommandDef<T>,
  parent?: CommandDef<T>,
): Promise<void> {
  console.log(plainUnlessTerminal(1, await renderUsage(cmd, parent)));
}

function plainUnlessTerminal(fd: 1 | 2, text: string): string {
  // Loaded here, not at the top: `lk --version` and every command pay nothing for it.
  const { isTerminal } = require("./cli/stdio.ts") as typeof import("./cli/stdio.ts");
  const { stripAnsi } = require("./agent/output.ts") as typeof import("./agent/output.ts");
  return isTerminal(fd) && !process.env.NO_COLOR ? text : stripAnsi(text);
}

async function refuseUnknownFlags(argv: string[]): Promise<void> {
  const [group, sub, name] = argv;
  const load = name === "stop" ? commands.end : name ? commands[name] : undefined;
  if (group !== "agent" || sub !== "session" || !load) return;
  const [command, { unknownFlags }] = await Promise.all([load(), import("./cli/unknown-flags.ts")]);
  const bad = unknownFlags(argv.slice(3), (command.args ?? {}) as Parameters<typeof unknownFlags>[1]);
  if (bad.length === 0) return;
  const [{ runReported }, { UserError }] = await Promise.all([
    import("./cli/run-reported.ts"),
    import("./errors.ts"),
  ]);
  await runReported(name as string, argv.includes("--json"), async () => {
    throw new UserError(`unknown option ${bad.join(", ")} for \`lk agent session ${name}\``, 1, [
      `see: lk agent session ${name} --help`,
    ]);
  });
}
