import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import type { EndSummary } from "../protocol/control.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { logWriter } from "../render/log-lines.ts";
import type { Reporter } from "../render/reporter.ts";
import { formatDuration } from "../render/time.ts";
import { transcriptJson, transcriptMarkdown } from "../render/transcript.ts";
import { writeFileAtomic } from "../safe-files.ts";
import { failureOf } from "../session/client-session.ts";
import { runningSession } from "../session/find-session.ts";
import { wholeLog } from "../session/log-tail.ts";
import type { SessionClient } from "../session/session-client.ts";
import type { SessionState } from "../state/session-file.ts";
import { type CommandIO, jsonArg, portArg, resolvePort } from "./_shared.ts";

export interface EndOptions {
  json: boolean;
  port: number;
  /** Where to write the conversation first (absolute), if anywhere. */
  transcript: string | undefined;
  /** Print the whole conversation first. */
  chatHistory: boolean;
  /** Print the agent's whole log (once it has stopped) before the summary. */
  logs: boolean;
}

export default defineCommand({
  path: "lk agent session end",
  description:
    "Stop the agent and the session daemon, and say how the session went; the port is free when it returns",
  args: {
    ...portArg,
    transcript: {
      type: "string",
      description: "Write the whole conversation to this file first (markdown; JSON with --json)",
      valueHint: "FILE",
    },
    "chat-history": {
      type: "boolean",
      description: "Print the whole conversation first (as `history` does)",
    },
    logs: {
      type: "boolean",
      description: "Print the agent's whole log (up to its last line) before the summary",
    },
    ...jsonArg,
  },
  examples: [
    "lk agent session end",
    "lk agent session end --chat-history --logs",
    "lk agent session end --transcript talk.md",
  ],
  options: (args, env): EndOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    transcript: args.transcript ? resolve(env.cwd, args.transcript) : undefined,
    chatHistory: args["chat-history"],
    logs: args.logs,
  }),
  run: async (o: EndOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    const fields: Record<string, unknown> = { port: o.port };
    // Everything that needs the agent comes first: a failure there leaves the session running.
    if (o.transcript || o.chatHistory) {
      const events = await conversation(session, state, o.transcript ? "the transcript" : "--chat-history");
      if (o.transcript) fields.transcript = writeTranscript(state, events, o.transcript, o.json);
      if (o.chatHistory) {
        for (const event of events) reporter.event(event);
        reporter.info(events.length ? "" : "(no conversation yet)");
        fields.events = events;
      }
    }
    const summary = await session.stop(state);
    if (o.logs) logWriter(reporter)(wholeLog(state.agentLog));
    reporter.info("Session ended.");
    if (summary) {
      showSummary(reporter, summary);
      fields.summary = summary;
    }
    return { fields };
  },
});

/** The closing summary: turns, how long, the agent in charge at the end, where the log is. */
function showSummary(reporter: Reporter, s: EndSummary): void {
  const c = reporter.colors;
  const rows: [string, string][] = [
    ["turns", String(s.turns)],
    ["duration", formatDuration(s.uptimeMs)],
    ["active agent", s.agentId ?? "unknown"],
    ["agent log", `${s.agentLog} (kept until the next start on this port)`],
  ];
  for (const [k, v] of rows) reporter.info(`  ${c.dim(`${k}:`.padEnd(14))}${v}`);
}

/** The whole conversation; a failure stops `end` before the session is touched. */
async function conversation(
  session: SessionClient,
  state: SessionState,
  what: string,
): Promise<DeliveredEvent[]> {
  const events: DeliveredEvent[] = [];
  const done = await session.send(state, { cmd: "history" }, (e) => events.push(e));
  if (!done.ok) {
    const failure = failureOf(done, state);
    throw new UserError(`could not get the conversation for ${what}: ${failure.message}`, 1, [
      `the session is still running; end it without ${what === "the transcript" ? "--transcript" : what} to stop it anyway`,
    ]);
  }
  return events;
}

function writeTranscript(state: SessionState, events: DeliveredEvent[], path: string, json: boolean): string {
  const meta = {
    port: state.port,
    agent: `${state.agent.label} ${state.agent.entry} in ${state.agent.root}`,
    startedAt: state.startedAt,
    endedAt: new Date().toISOString(),
  };
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UserError(`could not write the transcript to ${path}: it is a folder`, 1, [
      `name a file, e.g. --transcript ${join(path, "transcript.md")}`,
      "the session is still running",
    ]);
  }
  try {
    writeFileAtomic(path, json ? transcriptJson(meta, events) : transcriptMarkdown(meta, events));
  } catch (error) {
    throw new UserError(`could not write the transcript to ${path}: ${(error as Error).message}`, 1, [
      "the session is still running",
    ]);
  }
  return path;
}
