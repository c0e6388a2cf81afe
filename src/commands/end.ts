import { resolve } from "node:path";
import { defineCommand } from "citty";
import { runReported } from "../cli/run-reported.ts";
import { UserError } from "../errors.ts";
import { Reporter } from "../render/reporter.ts";
import { transcriptJson, transcriptMarkdown } from "../render/transcript.ts";
import { command, failureOf } from "../session/client-session.ts";
import { stopSession } from "../session/stop-session.ts";
import { type SessionState, writeFileAtomic } from "../state/session-file.ts";
import { findSession, jsonArg, portArg, resolvePort } from "./_shared.ts";

export default defineCommand({
  meta: {
    name: "end",
    alias: ["stop"],
    description: "Stop the agent and the session daemon; the port is free when it returns",
  },
  args: {
    ...portArg,
    transcript: {
      type: "string",
      description: "Write the whole conversation to this file first (markdown; JSON with --json)",
      valueHint: "FILE",
    },
    ...jsonArg,
  },
  run: ({ args }) =>
    runReported("end", args.json === true, async (reporter) => {
      const port = resolvePort(args.port);
      const state = await findSession(port);
      const fields: Record<string, unknown> = {};
      if (args.transcript)
        fields.transcript = await writeTranscript(state, resolve(args.transcript), reporter.json);

      await stopSession(state);
      reporter.info("Session ended.");
      return { fields: { port, ...fields } };
    }),
});

/** Fetches the history and writes it; any failure stops `end` before the session is touched. */
async function writeTranscript(state: SessionState, path: string, json: boolean): Promise<string> {
  const collector = new Reporter("history", true, { out: { write: () => true }, err: { write: () => true } });
  const done = await command(state, { cmd: "history" }, collector);
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
  try {
    writeFileAtomic(
      path,
      json ? transcriptJson(meta, collector.events) : transcriptMarkdown(meta, collector.events),
    );
  } catch (error) {
    throw new UserError(`could not write the transcript to ${path}: ${(error as Error).message}`, 1, [
      "the session is still running",
    ]);
  }
  return path;
}
