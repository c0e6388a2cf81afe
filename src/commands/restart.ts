import { join } from "node:path";
import { prepareLaunch, recordedChoices } from "../agent/prepare.ts";
import { defineCommand, type Outcome } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { Reporter } from "../render/reporter.ts";
import { chatHistory } from "../session/chat-history.ts";
import { failureOf } from "../session/client-session.ts";
import { runningSession } from "../session/find-session.ts";
import type { SessionClient } from "../session/session-client.ts";
import { compareTurn, type PastTurn, pastTurns, runOf, type TurnDiff } from "../session/turn-diff.ts";
import { replaySummary, turnDiffLines } from "../session/turn-diff-text.ts";
import type { SessionState } from "../state/session-file.ts";
import {
  type CommandIO,
  DEFAULT_IDLE_TIMEOUT_MS,
  idleTimeoutArg,
  jsonArg,
  parseSeconds,
  portArg,
  portHint,
  resolveIdleTimeout,
  resolvePort,
} from "./_shared.ts";

export interface RestartOptions {
  json: boolean;
  port: number;
  /** Undefined: as the session was started. */
  connectTimeoutMs: number | undefined;
  /** Undefined: as the session was started. */
  idleTimeoutMs: number | undefined;
  /** Send the previous conversation's user turns again and compare. */
  replay: boolean;
}

/** Each replayed turn may take as long as a `say` by default. */
const REPLAY_TURN_TIMEOUT_MS = 120_000;

export default defineCommand({
  path: "lk agent session restart",
  description: "A fresh agent with the same entrypoint, runtime args and port (after you edit it)",
  args: {
    ...portArg,
    timeout: {
      type: "string",
      description: "How long to wait for the agent to connect (default: as at start; e.g. 90s, 2m)",
      valueHint: "DURATION",
    },
    "idle-timeout": {
      ...idleTimeoutArg["idle-timeout"],
      description: "End the session after this long with no command (default: as at start; 0: never)",
    },
    replay: {
      type: "boolean",
      description:
        "Then send the previous conversation's user turns again, and show how each reply and its tools changed",
    },
    ...jsonArg,
  },
  examples: [
    "lk agent session restart",
    "lk agent session restart --replay",
    "lk agent session restart --timeout 120",
  ],
  options: (args, env): RestartOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    connectTimeoutMs: parseSeconds(args.timeout, undefined, "--timeout"),
    idleTimeoutMs:
      args["idle-timeout"] === undefined ? undefined : resolveIdleTimeout(args["idle-timeout"], {}, 0),
    replay: args.replay,
  }),
  run: async (o: RestartOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    // Planned as `start` plans it, and before the running session is stopped: if the agent can no
    // longer be started (its file gone, its runtime missing), the session is left as it was.
    const choices = recordedChoices(state.launch);
    const { project, plan } = prepareLaunch({
      entrypoint: join(state.agent.root, state.agent.entry),
      cwd: state.agent.root,
      port: o.port,
      runtimeArgs: state.agent.runtimeArgs,
      ...choices,
    });
    // The run to compare with is the old agent's: read before it goes.
    const past = o.replay ? await previousTurns(session, state) : undefined;
    await session.stop(state);
    reporter.info(`Restarting ${plan.label} agent (${project.entry} in ${project.root})`);
    const started = await session.start(reporter, {
      port: o.port,
      plan,
      entry: project.entry,
      root: project.root,
      runtimeArgs: state.agent.runtimeArgs,
      connectTimeoutMs: o.connectTimeoutMs ?? state.launch.connectTimeoutMs,
      idleTimeoutMs: o.idleTimeoutMs ?? state.launch.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS,
      choices,
    });
    reporter.info(`Session restarted. Use \`lk agent session say${portHint(o.port)} "..."\` to talk.`);
    if (!past) return { fields: { ...started } };
    const replayed = await replay(past, session, runningSession(await session.find(o.port)), reporter);
    return { ...replayed, fields: { ...started, ...replayed.fields } };
  },
});

/** The user turns so far and what each made; a failure leaves the session running, untouched. */
async function previousTurns(session: SessionClient, state: SessionState): Promise<PastTurn[]> {
  const got = await chatHistory(session, state);
  if ("failure" in got) {
    throw new UserError(
      `could not get the conversation to replay: ${got.failure.message}`,
      got.failure.exitCode,
      [...got.failure.detail, "the session is still running; restart without --replay to restart it anyway"],
    );
  }
  return pastTurns(got.events);
}

/**
 * Each turn again, in order, a line (and a diff) as each ends. A report: exit 0 whatever changed;
 * a failed turn ends it, since the turns after it would follow another conversation.
 */
async function replay(
  past: PastTurn[],
  session: SessionClient,
  state: SessionState,
  reporter: Reporter,
): Promise<Outcome> {
  const turns: TurnDiff[] = [];
  // Whatever ends the command now (Ctrl-C, the daemon dying) reports the turns replayed so far.
  reporter.resultDefaults = () => ({ turns });
  if (!past.length) {
    reporter.info("\nNothing to replay: the previous conversation had no user turns.");
    return { fields: { turns } };
  }
  reporter.info(
    `\nReplaying ${past.length} turn${past.length === 1 ? "" : "s"} of the previous conversation:`,
  );
  for (const [index, turn] of past.entries()) {
    const events: DeliveredEvent[] = [];
    const done = await session.send(
      state,
      { cmd: "say", text: turn.text, timeoutMs: REPLAY_TURN_TIMEOUT_MS },
      (e) => events.push(e),
    );
    const diff = compareTurn(index + 1, turn, runOf(events));
    turns.push(diff);
    if (!done.ok) {
      const failure = failureOf(done, state);
      diff.error = failure.message;
      for (const line of turnDiffLines(diff, reporter.colors)) reporter.info(line);
      const left = past.length - index - 1;
      return {
        fields: { turns },
        error: new UserError(`turn ${index + 1} of the replay failed: ${failure.message}`, failure.exitCode, [
          ...failure.detail,
          ...(left ? [`${left} later turn${left === 1 ? " was" : "s were"} not replayed`] : []),
        ]),
      };
    }
    for (const line of turnDiffLines(diff, reporter.colors)) reporter.info(line);
  }
  reporter.info(`\n${replaySummary(turns)}`);
  return { fields: { turns } };
}
