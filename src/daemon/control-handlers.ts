// What the daemon does for each control command once the session is ready.

import type { ControlRequest, StatusData } from "../protocol/control.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import type { SessionState } from "../state/session-file.ts";
import type { ControlChannel } from "./server.ts";
import type { Session } from "./session.ts";
import { translateItem } from "./translate.ts";

export interface DaemonContext {
  session: Session;
  state: SessionState;
  framework?: { sdk: string; version: string };
  /** Stops agent and listener; resolves when the port is free. */
  shutdown(keepLogs: boolean): Promise<void>;
  exitSoon(code: number): void;
  log(message: string): void;
}

const QUERY_TIMEOUT_MS = 3000;

export function handleControl(ctx: DaemonContext, request: ControlRequest, channel: ControlChannel): void {
  const { session } = ctx;
  const finish = (result: Parameters<typeof channel.send>[0] & { t: "done" }) => {
    channel.send(result);
    channel.close();
  };
  const stream = (event: DeliveredEvent) => {
    // A client that went away mid-turn loses nothing: the rest waits for the next one.
    if (channel.closed) session.keep(event);
    else channel.send({ t: "event", event });
  };

  switch (request.cmd) {
    case "ping":
      finish({ t: "done", ok: true });
      return;
    case "say":
      channel.send({ t: "accepted", ahead: session.queueLength });
      void session
        .say(request.text, request.timeoutMs, stream, () => channel.closed)
        .then((r) => finish({ t: "done", ...r }));
      return;
    case "listen":
      channel.send({ t: "accepted", ahead: 0 });
      void session
        .listen(request.timeoutMs, stream, () => channel.closed)
        .then((r) => finish({ t: "done", ...r }));
      return;
    case "history":
      channel.send({ t: "accepted", ahead: 0 });
      void history(ctx).then(
        (events) => {
          for (const event of events) channel.send({ t: "event", event });
          finish({ t: "done", ok: true });
        },
        (error: Error) => finish({ t: "done", ok: false, code: "agent_error", error: error.message }),
      );
      return;
    case "status":
      channel.send({ t: "accepted", ahead: 0 });
      void status(ctx).then((data) => finish({ t: "done", ok: true, data }));
      return;
    case "end":
      ctx.log("end requested");
      channel.send({ t: "accepted", ahead: 0 });
      session.stop("ending", "the session was ended while this turn was running");
      void ctx.shutdown(false).then(() => {
        finish({ t: "done", ok: true });
        ctx.exitSoon(0);
      });
      return;
  }
}

async function ask<T>(
  ctx: DaemonContext,
  body: Parameters<NonNullable<Session["link"]>["request"]>[0],
  pick: (r: unknown) => T,
) {
  const link = ctx.session.link;
  if (!link || link.closed) throw new Error("the agent is not connected");
  const { id, response } = link.request(body);
  const timeout = Bun.sleep(QUERY_TIMEOUT_MS).then(() => {
    link.forget(id);
    throw new Error("the agent did not answer in time");
  });
  const r = await Promise.race([response, timeout]);
  if (r.error) throw new Error(`agent error: ${r.error}`);
  return pick(r.response);
}

async function history(ctx: DaemonContext): Promise<DeliveredEvent[]> {
  const items = await ask(ctx, { oneofKind: "getChatHistory", getChatHistory: {} }, (r) => {
    const response = r as { oneofKind: string; getChatHistory?: { items: [] } };
    return response.oneofKind === "getChatHistory" && response.getChatHistory
      ? response.getChatHistory.items
      : [];
  });
  const at = Date.now();
  return items.flatMap((item) => translateItem(item, { includeUser: true }).map((k) => ({ ...k.event, at })));
}

/** Asks the agent once for its framework (cached by the caller). */
export async function frameworkInfo(
  ctx: Omit<DaemonContext, "framework">,
): Promise<{ sdk: string; version: string } | undefined> {
  try {
    return await ask(ctx as DaemonContext, { oneofKind: "getFrameworkInfo", getFrameworkInfo: {} }, (r) => {
      const response = r as { oneofKind: string; getFrameworkInfo?: { sdk: string; sdkVersion: string } };
      const info = response.oneofKind === "getFrameworkInfo" ? response.getFrameworkInfo : undefined;
      return info ? { sdk: info.sdk, version: info.sdkVersion } : undefined;
    });
  } catch {
    return undefined;
  }
}

async function status(ctx: DaemonContext): Promise<StatusData> {
  const { session, state } = ctx;
  const agentId = await ask(ctx, { oneofKind: "getSessionState", getSessionState: {} }, (r) => {
    const response = r as { oneofKind: string; getSessionState?: { agentId: string } };
    return response.oneofKind === "getSessionState" ? response.getSessionState?.agentId : undefined;
  }).catch(() => undefined);
  return {
    port: state.port,
    daemonPid: state.daemonPid,
    agentPid: state.agent.pid ?? 0,
    entry: state.agent.entry,
    root: state.agent.root,
    runtime: state.agent.runtime,
    label: state.agent.label,
    runtimeArgs: state.agent.runtimeArgs,
    framework: ctx.framework,
    agentId: agentId || undefined,
    agentState: session.agentState,
    startedAt: state.startedAt,
    uptimeMs: Date.now() - Date.parse(state.startedAt),
    turns: session.turnsDone,
    unseen: session.unseen.length,
    queued: session.queueLength,
    agentLog: state.agentLog,
    daemonLog: state.daemonLog,
  };
}
