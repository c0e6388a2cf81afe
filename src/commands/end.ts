import { statSync } from "node:fs";
import { join, resolve } from "node:path";
import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { transcriptJson, transcriptMarkdown } from "../render/transcript.ts";
import { writeFileAtomic } from "../safe-files.ts";
import { failureOf } from "../session/client-session.ts";
import { runningSession } from "../session/find-session.ts";
import type { SessionClient } from "../session/session-client.ts";
import type { SessionState } from "../state/session-file.ts";
import { type CommandIO, jsonArg, portArg, resolvePort } from "./_shared.ts";

export interface EndOptions {
  json: boolean;
  port: number;
  /** Where to write the conversation first (absolute), if anywhere. */
  transcript: string | undefined;
}

export default defineCommand({
  path: "lk agent session end",
  description: "Stop the agent and the session daemon; the port is free when it returns",
  args: {
    ...portArg,
    transcript: {
      type: "string",
      description: "Write the whole conversation to this file first (markdown; JSON with --json)",
      valueHint: "FILE",
    },
    ...jsonArg,
  },
  examples: ["lk agent session end", "lk agent session end --transcript talk.md"],
  options: (args, env): EndOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    transcript: args.transcript ? resolve(env.cwd, args.transcript) : undefined,
  }),
  run: async (o: EndOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    const fields: Record<string, unknown> = { port: o.port };
    if (o.transcript) fields.transcript = await writeTranscript(session, state, o.transcript, o.json);
    await session.stop(state);
    reporter.info("Session ended.");
    return { fields };
  },
});

/** Fetches the history and writes it; any failure stops `end` before the session is touched. */
async function writeTranscript(
  session: SessionClient,
  state: SessionState,
  path: string,
  json: boolean,
): Promise<string> {
  const events: DeliveredEvent[] = [];
  const done = await session.send(state, { cmd: "history" }, (e) => events.push(e));
  if (!done.ok) {
    const failure = failureOf(done, state);
    throw new UserError(`could not get the conversation for the transcript: ${failure.message}`, 1, [
      "the session is still running; end it without --transcript to stop it anyway",
    ]);
  }
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
