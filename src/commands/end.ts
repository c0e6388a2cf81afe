import { resolve } from "node:path";
import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { transcriptJson, transcriptMarkdown } from "../render/transcript.ts";
import { runningSession } from "../session/find-session.ts";
import { fetchHistory } from "../session/history.ts";
import { saveTest } from "../session/record-test.ts";
import { type SessionState, writeFileAtomic } from "../state/session-file.ts";
import { type CommandIO, jsonArg, portArg, resolvePort } from "./_shared.ts";

export interface EndOptions {
  json: boolean;
  port: number;
  /** Where to write the conversation first (absolute), if anywhere. */
  transcript: string | undefined;
  /** Where to save the conversation as a test scenario first (absolute), if anywhere. */
  saveTest?: string;
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
    "save-test": {
      type: "string",
      description:
        "Save the conversation as a test scenario first (run it with `lk agent session test FILE`)",
      valueHint: "FILE",
    },
    ...jsonArg,
  },
  examples: [
    "lk agent session end",
    "lk agent session end --transcript talk.md",
    "lk agent session end --save-test tests/weather.lktest.yaml",
  ],
  options: (args, env): EndOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    transcript: args.transcript ? resolve(env.cwd, args.transcript) : undefined,
    saveTest: args["save-test"] ? resolve(env.cwd, args["save-test"]) : undefined,
  }),
  run: async (o: EndOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    const fields: Record<string, unknown> = { port: o.port };
    const wanted = [o.transcript && "the transcript", o.saveTest && "the test"].filter(Boolean);
    const flags = [o.transcript && "--transcript", o.saveTest && "--save-test"].filter(Boolean);
    const events = wanted.length
      ? await fetchHistory(session, state, { purpose: wanted.join(" and "), flags: flags.join(" and ") })
      : [];
    if (o.transcript) fields.transcript = writeTranscript(state, events, o.transcript, o.json);
    if (o.saveTest) {
      const turns = saveTest(events, state, o.saveTest, "lk agent session end --save-test");
      fields.savedTest = { file: o.saveTest, turns };
      reporter.info(`Saved ${turns} turn${turns === 1 ? "" : "s"} as a test: ${o.saveTest}`);
    }
    await session.stop(state);
    reporter.info("Session ended.");
    return { fields };
  },
});

/** Writes the history; any failure stops `end` before the session is touched. */
function writeTranscript(state: SessionState, events: DeliveredEvent[], path: string, json: boolean): string {
  const meta = {
    port: state.port,
    agent: `${state.agent.label} ${state.agent.entry} in ${state.agent.root}`,
    startedAt: state.startedAt,
    endedAt: new Date().toISOString(),
  };
  try {
    writeFileAtomic(path, json ? transcriptJson(meta, events) : transcriptMarkdown(meta, events));
  } catch (error) {
    throw new UserError(`could not write the transcript to ${path}: ${(error as Error).message}`, 1, [
      "the session is still running",
    ]);
  }
  return path;
}
