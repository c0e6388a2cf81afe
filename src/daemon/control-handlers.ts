// What the daemon does for each control command once the session is ready (`end` and `restart` are
// the daemon's own).

import { TEXT_SESSION_REFUSAL } from "../protocol/audio.ts";
import type {
  AgentDown,
  AgentInfo,
  CommandName,
  ControlRequest,
  DoneReply,
  EndSummary,
  StatusData,
} from "../protocol/control.ts";
import type { ShownEnv } from "../protocol/env.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { addUsage, type ModelUsage } from "../protocol/usage.ts";
import type { SessionState } from "../state/session-file.ts";
import type {
  ChatContext_ChatItem,
  SessionRequest,
  SessionResponse,
} from "../wire/gen/livekit_agent_session.ts";
import type { AgentLink } from "./agent-link.ts";
import type { RunArchive } from "./run-archive.ts";
import type { ControlChannel } from "./server.ts";
import type { Session } from "./session.ts";
import { translateItem } from "./translate.ts";

export interface DaemonContext {
  /** The current agent's session (a new one for each restart). */
  session: Session;
  state: SessionState;
  /** The conversations before the agent's restarts. */
  archive: RunArchive;
  framework?: FrameworkInfo;
  /** The overrides the agent got, as they may be shown. */
  env: ShownEnv;
  /** Set while there is no agent (a restart failed). */
  down?: AgentDown;
}

export interface FrameworkInfo {
  sdk: string;
  version: string;
}

const QUERY_TIMEOUT_MS = 3000;

export type ServedRequest = Exclude<ControlRequest, { cmd: "end" } | { cmd: "restart" }>;

export function handleControl(ctx: DaemonContext, request: ServedRequest, channel: ControlChannel): void {
  const { session } = ctx;
  // Typed by command: `status` must answer with StatusData, the others with no data.
  const finish = <C extends CommandName>(_cmd: C, done: DoneReply<C>) => {
    channel.send(done);
    channel.close();
  };
  const stream = (event: DeliveredEvent) => {
    // A client that went away mid-turn loses nothing: the rest waits for the next one.
    if (channel.closed) session.keep(event);
    else channel.send({ t: "event", event });
  };

  switch (request.cmd) {
    case "ping":
      finish("ping", { t: "done", ok: true });
      return;
    case "say": {
      if (request.audio && !session.audio) {
        finish("say", { t: "done", ok: false, code: "bad_request", error: TEXT_SESSION_REFUSAL });
        return;
      }
      channel.send({ t: "accepted", ahead: session.queueLength });
      const options = { logs: request.logs, ...(request.audio ? { audio: request.audio } : {}) };
      void session
        .say(request.text, request.timeoutMs, stream, channel.gone, options)
        .then((r) => finish("say", { t: "done", ...r }));
      return;
    }
    case "listen":
      channel.send({ t: "accepted", ahead: 0 });
      void session
        .listen(request.timeoutMs, stream, channel.gone)
        .then((r) => finish("listen", { t: "done", ...r }));
      return;
    case "history":
      channel.send({ t: "accepted", ahead: 0 });
      // While the agent is down there is none to ask: the earlier runs are all there is.
      void (ctx.down ? Promise.resolve([]) : agentHistory(session)).then(
        (events) => {
          if (request.earlierRuns)
            for (const event of ctx.archive.events) channel.send({ t: "event", event });
          for (const event of events) channel.send({ t: "event", event });
          finish("history", { t: "done", ok: true });
        },
        (error: Error) =>
          finish("history", { t: "done", ok: false, code: "agent_error", error: error.message }),
      );
      return;
    case "status":
      channel.send({ t: "accepted", ahead: 0 });
      void status(ctx).then((data) => finish("status", { t: "done", ok: true, data }));
      return;
    case "events":
      watchEvents(session, request, channel);
      return;
  }
}

/** A client that has not taken this much of the feed is too slow to follow it, and is let go. */
const MAX_FEED_BACKLOG_BYTES = 8 * 1024 * 1024;

/** The kept events, then each one as it happens, until the client leaves or the session ends. */
function watchEvents(
  session: Session,
  request: Extract<ServedRequest, { cmd: "events" }>,
  channel: ControlChannel,
): void {
  channel.send({ t: "accepted", ahead: 0 });
  const send = (event: DeliveredEvent) => {
    if (channel.pendingBytes > MAX_FEED_BACKLOG_BYTES) return channel.close();
    channel.send({ t: "event", event });
  };
  for (const event of session.feed.recent(request.last, request.logs)) send(event);
  const unwatch = session.feed.watch({
    logs: request.logs,
    send,
    end: (ended) => {
      channel.send({ t: "done", ok: true, data: { ended } });
      channel.close();
    },
  });
  channel.gone.addEventListener("abort", unwatch, { once: true });
}

/** What the runs before the current one did: the daemon adds each as a restart replaces its agent. */
export interface PastRuns {
  runs: number;
  turns: number;
  usage?: ModelUsage[];
}

export function addRun(past: PastRuns, session: Session): void {
  past.runs++;
  past.turns += session.turnsDone;
  const usage = addUsage(past.usage, session.usage);
  if (usage) past.usage = usage;
}

/** The whole session so far (every run's turns and usage), for `end`'s closing summary. */
export function endSummary(ctx: DaemonContext, past: PastRuns): EndSummary {
  const { session, state } = ctx;
  const startedAt = state.daemonStartedAt ?? state.sessionStartedAt ?? state.startedAt;
  const usage = ctx.down ? past.usage : addUsage(past.usage, session.usage);
  return {
    turns: past.turns + (ctx.down ? 0 : session.turnsDone),
    startedAt,
    uptimeMs: Date.now() - Date.parse(startedAt),
    runs: past.runs + (ctx.down ? 0 : 1),
    ...(session.activeAgent ? { agentId: session.activeAgent } : {}),
    agentLog: state.agentLog,
    ...(usage ? { usage } : {}),
  };
}

/** Asks the agent one question and returns its answer (the caller checks its kind). */
async function ask(
  link: AgentLink | undefined,
  body: SessionRequest["request"],
): Promise<SessionResponse["response"]> {
  if (!link || link.closed) throw new Error("the agent is not connected");
  const { id, response } = link.request(body);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      link.forget(id);
      reject(new Error("the agent did not answer in time"));
    }, QUERY_TIMEOUT_MS);
  });
  try {
    const r = await Promise.race([response, timeout]);
    if (r.error) throw new Error(`agent error: ${r.error}`);
    return r.response;
  } finally {
    clearTimeout(timer);
  }
}

/** The agent's chat history as events (bounded: QUERY_TIMEOUT_MS); throws when it cannot be read. */
export async function agentHistory(session: Session): Promise<DeliveredEvent[]> {
  const answer = await ask(session.link, { oneofKind: "getChatHistory", getChatHistory: {} });
  const items = answer.oneofKind === "getChatHistory" ? answer.getChatHistory.items : [];
  return historyEvents(items);
}

/**
 * The agent's chat items as events: each at the time the agent recorded for it (null when it gives
 * none), and in the turn it belongs to, counted by the user messages before it (0: the greeting).
 */
export function historyEvents(items: ChatContext_ChatItem[]): DeliveredEvent[] {
  let turn = 0;
  return items.flatMap((item) =>
    translateItem(item, { includeUser: true }).map(({ event, madeAt }) => {
      if (event.type === "message" && event.role === "user") turn++;
      return { ...event, at: madeAt === undefined ? null : Math.round(madeAt), turn };
    }),
  );
}

/** Asks the agent once for its framework (kept by the caller); undefined when it does not say. */
export async function frameworkInfo(link: AgentLink | undefined): Promise<FrameworkInfo | undefined> {
  try {
    const answer = await ask(link, { oneofKind: "getFrameworkInfo", getFrameworkInfo: {} });
    if (answer.oneofKind !== "getFrameworkInfo") return undefined;
    return { sdk: answer.getFrameworkInfo.sdk, version: answer.getFrameworkInfo.sdkVersion };
  } catch {
    return undefined;
  }
}

/** The active agent (it changes with handoffs); undefined when the agent does not say. */
export async function agentInfo(link: AgentLink | undefined): Promise<AgentInfo | undefined> {
  try {
    const answer = await ask(link, { oneofKind: "getAgentInfo", getAgentInfo: {} });
    if (answer.oneofKind !== "getAgentInfo") return undefined;
    const { id, tools, instructions } = answer.getAgentInfo;
    return { id, tools, instructions: instructions ?? "" };
  } catch {
    return undefined;
  }
}

async function agentId(session: Session): Promise<string | undefined> {
  try {
    const answer = await ask(session.link, { oneofKind: "getSessionState", getSessionState: {} });
    return answer.oneofKind === "getSessionState" ? answer.getSessionState.agentId || undefined : undefined;
  } catch {
    return undefined;
  }
}

async function status(ctx: DaemonContext): Promise<StatusData> {
  const { session, state } = ctx;
  const daemonStartedAt = state.daemonStartedAt ?? state.sessionStartedAt ?? state.startedAt;
  const [id, info] = await Promise.all([agentId(session), agentInfo(session.link)]);
  return {
    port: state.port,
    daemonPid: state.daemonPid,
    agentPid: ctx.down ? 0 : (state.agent.pid ?? 0),
    entry: state.agent.entry,
    root: state.agent.root,
    runtime: state.agent.runtime,
    label: state.agent.label,
    runtimeArgs: state.agent.runtimeArgs,
    framework: ctx.framework,
    // The session's mode, as start set it: also while a restart left no agent (and no audio mode of its own).
    mode: state.launch.audio ? "audio" : "text",
    ...(state.launch.audio ? { audio: state.launch.audio } : {}),
    agentId: id,
    agentInfo: info,
    agentState: ctx.down ? "down" : session.agentState,
    startedAt: daemonStartedAt,
    uptimeMs: Date.now() - Date.parse(daemonStartedAt),
    run: state.run ?? 1,
    runStartedAt: state.startedAt,
    runUptimeMs: Date.now() - Date.parse(state.startedAt),
    idleTimeoutMs: state.launch.idleTimeoutMs ?? 0,
    turns: session.turnsDone,
    unseen: session.unseenCount,
    queued: session.queueLength,
    agentLog: state.agentLog,
    daemonLog: state.daemonLog,
    ...(session.usage ? { usage: session.usage } : {}),
    env: ctx.env,
    ...(ctx.down ? { agentDown: ctx.down } : {}),
  };
}
