import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defineCommand } from "../cli/command.ts";
import { UserError } from "../errors.ts";
import type { EndSummary } from "../protocol/control.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { logWriter } from "../render/log-lines.ts";
import type { Reporter } from "../render/reporter.ts";
import { formatDuration } from "../render/time.ts";
import { transcriptJson, transcriptMarkdown } from "../render/transcript.ts";
import { formatUsage } from "../render/usage.ts";
import { visible } from "../render/visible.ts";
import { writeFileAtomic } from "../safe-files.ts";
import { runLines } from "../session/agent-logs.ts";
import { currentRun, fetchHistory } from "../session/chat-history.ts";
import { type NoSession, notRunning, runningSession } from "../session/find-session.ts";
import { saveTest } from "../session/record-test.ts";
import { endedPath } from "../state/ended-record.ts";
import { KEPT_RUNS, keptRuns, removeLeftFiles } from "../state/run-logs.ts";
import type { SessionState } from "../state/session-file.ts";
import { type CommandIO, jsonArg, portArg, portHint, resolvePort } from "./_shared.ts";

export interface EndOptions {
  json: boolean;
  port: number;
  /** Where to write the conversation first (absolute), if anywhere. */
  transcript: string | undefined;
  /** Where to save the conversation as a test scenario first (absolute), if anywhere. */
  saveTest: string | undefined;
  /** Print the whole conversation first. */
  chatHistory: boolean;
  /** Print the agent's whole log (once it has stopped) before the summary. */
  logs: boolean;
  /** Remove the port's kept logs (and a record of how it ended) once it has stopped. */
  clean: boolean;
}

export default defineCommand({
  path: "lk agent session end",
  description:
    "Stop the agent and the session daemon, and say how the session went; the port is free when it returns",
  args: {
    ...portArg,
    transcript: {
      type: "string",
      description:
        "Write the whole conversation to this file first: every run since start, each restart marked (markdown; JSON with --json)",
      valueHint: "FILE",
    },
    "save-test": {
      type: "string",
      description:
        "Save the conversation as a test scenario first (run it with `lk agent session test FILE`)",
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
    clean: {
      type: "boolean",
      description: `Then remove the port's logs (kept otherwise: the last ${KEPT_RUNS} runs', for \`lk agent session logs\`) and the record of how it ended (the next command then finds no session); with no session running, just that`,
    },
    ...jsonArg,
  },
  examples: [
    "lk agent session end",
    "lk agent session end --chat-history --logs",
    "lk agent session end --transcript talk.md",
    "lk agent session end --save-test tests/weather.lktest.yaml",
    "lk agent session end --clean",
  ],
  options: (args, env): EndOptions => ({
    json: args.json,
    port: resolvePort(args.port, env.vars),
    transcript: args.transcript ? resolve(env.cwd, args.transcript) : undefined,
    saveTest: args["save-test"] ? resolve(env.cwd, args["save-test"]) : undefined,
    chatHistory: args["chat-history"],
    logs: args.logs,
    clean: args.clean,
  }),
  run: async (o: EndOptions, { reporter, session }: CommandIO) => {
    const found = await session.find(o.port);
    if (o.clean && found.kind !== "running" && !o.transcript && !o.saveTest && !o.chatHistory)
      return cleanUp(found, reporter);
    const state = runningSession(found);
    const fields: Record<string, unknown> = { port: o.port };
    // Everything that needs the agent comes first: a failure there leaves the session running.
    const wanted = [
      o.transcript && "the transcript",
      o.saveTest && "the test",
      o.chatHistory && "--chat-history",
    ].filter(Boolean);
    const flags = [
      o.transcript && "--transcript",
      o.saveTest && "--save-test",
      o.chatHistory && "--chat-history",
    ].filter(Boolean);
    if (wanted.length) {
      // The transcript is the whole session's: every run since `start`, each restart marked.
      const all = await fetchHistory(
        session,
        state,
        { purpose: wanted.join(" and "), flags: flags.join(" and ") },
        { earlierRuns: o.transcript !== undefined },
      );
      const events = currentRun(all);
      if (o.transcript) fields.transcript = writeTranscript(state, all, o.transcript, o.json);
      const saved = o.saveTest ? saveTest(events, state, o.saveTest, "lk agent session end --save-test") : 0;
      if (o.chatHistory) {
        for (const event of events) reporter.event(event);
        reporter.info(events.length ? "" : "(no conversation yet)");
        fields.events = events;
      }
      if (o.saveTest) {
        fields.savedTest = { file: o.saveTest, turns: saved };
        reporter.info(`Saved ${saved} turn${saved === 1 ? "" : "s"} as a test: ${o.saveTest}`);
      }
    }
    const summary = await session.stop(state);
    if (o.logs) logWriter(reporter)(runLines(state.agentLog));
    reporter.info("Session ended.");
    if (summary) {
      showSummary(reporter, summary);
      fields.summary = summary;
    }
    const c = reporter.colors;
    if (o.clean) {
      fields.logsRemoved = removeLeftFiles(o.port, dirname(state.agentLog));
      reporter.info(`  ${c.dim("logs:".padEnd(14))}removed (--clean)`);
    } else {
      fields.logsKept = keptRuns(o.port, dirname(state.agentLog)).map((run) => run.path);
      const read = `lk agent session logs${portHint(o.port)} --run last`;
      reporter.info(`  ${c.dim("logs kept:".padEnd(14))}${visible(state.agentLog)}  (${read} to read them)`);
    }
    return { fields };
  },
});

/** `end --clean` with no session running: what the port's sessions left is removed, if anything. */
function cleanUp(found: NoSession, reporter: Reporter) {
  const removed = removeLeftFiles(found.port);
  if (removed.length === 0) throw notRunning(found);
  const count = `${removed.length} file${removed.length === 1 ? "" : "s"}`;
  const logs = removed.filter((path) => path !== endedPath(found.port)).length;
  const what =
    logs === removed.length ? "its logs" : logs === 0 ? "its ended record" : "its logs and ended record";
  reporter.info(`No session was running on 127.0.0.1:${found.port}; removed ${what} (${count}).`);
  return { fields: { port: found.port, logsRemoved: removed } };
}

/** The closing summary, of the whole session (every run): turns, runs, how long, the agent in charge at the end, usage (where the logs are follows). */
function showSummary(reporter: Reporter, s: EndSummary): void {
  const c = reporter.colors;
  const rows: [string, string][] = [
    ["turns", String(s.turns)],
    ...(s.runs > 1
      ? [["runs", `${s.runs} (the agent was restarted; turns and usage are all runs')`] as [string, string]]
      : []),
    ["duration", formatDuration(s.uptimeMs)],
    ["active agent", s.agentId ?? "unknown"],
    // Only what the agent reported: no row for an agent that reports no usage.
    ...(s.usage ? [["usage", formatUsage(s.usage)] as [string, string]] : []),
  ];
  // The agent names the active agent and its models: shown, never obeyed.
  for (const [k, v] of rows) reporter.info(`  ${c.dim(`${k}:`.padEnd(14))}${visible(v)}`);
}

/** Writes the conversation; any failure stops `end` before the session is touched. */
function writeTranscript(state: SessionState, events: DeliveredEvent[], path: string, json: boolean): string {
  const meta = {
    port: state.port,
    agent: `${state.agent.label} ${state.agent.entry} in ${state.agent.root}`,
    startedAt: state.sessionStartedAt ?? state.startedAt,
    restarts: events.filter((e) => e.type === "restart").length,
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
