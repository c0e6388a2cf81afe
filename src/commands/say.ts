import { readFileSync } from "node:fs";
import { defineCommand } from "citty";
import { exitCodeFor } from "../cli/exit-codes.ts";
import { ConnectError, sendCommand } from "../control/client.ts";
import { UserError } from "../errors.ts";
import { colorsFor, TextRenderer } from "../render/text.ts";
import { isAlive, type SessionState } from "../session/state.ts";
import { findSession, parseSeconds, portArg, resolvePort, runAndExit } from "./_shared.ts";

export default defineCommand({
  meta: { name: "say", description: "Send one user turn and print what the agent says and does" },
  args: {
    text: {
      type: "positional",
      required: false,
      description: "What the user says (`-` or piped stdin reads it from stdin)",
    },
    ...portArg,
    timeout: {
      type: "string",
      description: "Seconds to wait for the agent's turn (default 120)",
      valueHint: "S",
    },
  },
  run: ({ args }) =>
    runAndExit(async () => {
      const port = resolvePort(args.port);
      const timeoutMs = parseSeconds(args.timeout, 120, "--timeout");
      const text = await readText(args._);
      const state = await findSession(port);
      const renderer = new TextRenderer((t) => process.stdout.write(t), colorsFor(process.stdout));
      const done = await sendCommand({
        port,
        token: state.token,
        command: { cmd: "say", text, timeoutMs },
        onReply: (reply) => {
          if (reply.t === "event") renderer.event(reply.event);
        },
      }).catch((error) => {
        throw explainLostDaemon(error, state);
      });
      process.stdout.write("\n");
      if (done.ok) return 0;
      throw new UserError(
        done.error ?? "the turn failed",
        exitCodeFor(done.code),
        agentTail(done.detail, state),
      );
    }),
});

/** The turn's text: the arguments joined, or stdin for `-` or when nothing is given and stdin is piped. */
export async function readText(positionals: string[]): Promise<string> {
  const fromArgs = positionals.join(" ");
  const wantsStdin = fromArgs === "-" || (positionals.length === 0 && !process.stdin.isTTY);
  const text = wantsStdin ? (await Bun.stdin.text()).replace(/\r?\n$/, "") : fromArgs;
  if (text.trim() === "") {
    throw new UserError("nothing to say: give the text as arguments, or pipe it on stdin", 1, [
      'e.g. lk agent session say "what\'s the weather in Paris?"',
    ]);
  }
  return text;
}

function agentTail(detail: string[] | undefined, state: SessionState): string[] {
  if (!detail?.length) return [];
  return ["agent output (last lines):", ...detail.map((l) => `  ${l}`), `full agent log: ${state.agentLog}`];
}

/** A dropped control connection: say whether the daemon died, with its log. */
export function explainLostDaemon(error: unknown, state: SessionState): unknown {
  if (!(error instanceof ConnectError)) return error;
  if (!isAlive(state.daemonPid)) {
    return new UserError(`the session daemon (pid ${state.daemonPid}) died during the command`, 1, [
      ...lastLines(state.agentLog, "agent output (last lines):"),
      ...lastLines(state.daemonLog, "daemon log (last lines):"),
      "start a new session with `lk agent session start`",
    ]);
  }
  return new UserError(error.message, 1, [`daemon log: ${state.daemonLog}`]);
}

function lastLines(path: string, title: string): string[] {
  try {
    const lines = readFileSync(path, "utf8").trimEnd().split("\n").slice(-15);
    return lines.length ? [title, ...lines.map((l) => `  ${l}`)] : [];
  } catch {
    return [];
  }
}
