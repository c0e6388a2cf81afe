// Shared by `start` and `restart`: launch the daemon, show progress, report the greeting.

import { UserError } from "../errors.ts";
import type { AgentInfo } from "../protocol/control.ts";
import type { LaunchRequest } from "../protocol/daemon-spec.ts";
import type { DeliveredEvent } from "../protocol/events.ts";
import { agentSummary } from "../render/agent-info.ts";
import { Progress } from "../render/progress.ts";
import type { Reporter } from "../render/reporter.ts";
import { readState } from "../state/session-file.ts";
import { launchDaemon } from "./launcher.ts";
import { outputDetail } from "./output-detail.ts";
import { portHint } from "./port-hint.ts";

export type StartRequest = LaunchRequest;

/** What `start` and `restart` report about the session they started. */
export interface StartedSession {
  port: number;
  daemonPid: number;
  agentPid: number;
  readyMs: number;
  agentLog: string;
  greeting: DeliveredEvent[];
  /** The agent that took the session, and its tools (absent when the agent does not say). */
  agentInfo?: AgentInfo;
}

/** The daemon's answer once an agent is up: what start and restart report of it. */
type AgentUp = Pick<StartedSession, "daemonPid" | "agentPid" | "agentLog" | "greeting" | "agentInfo">;

/** `work` under the "Waiting for the agent to connect…" line (none under --json), and how long it took. */
export async function waitForAgent<T>(reporter: Reporter, work: () => Promise<T>): Promise<[T, number]> {
  const progress = reporter.json
    ? undefined
    : new Progress(reporter.io.err, "Waiting for the agent to connect…");
  progress?.start();
  const started = performance.now();
  const result = await work().finally(() => progress?.stop());
  return [result, Math.round(performance.now() - started)];
}

/** Shows the greeting, and gives what start and restart report of the session now up. */
export function agentUp(reporter: Reporter, port: number, up: AgentUp, readyMs: number): StartedSession {
  showGreeting(reporter, up);
  return {
    port,
    daemonPid: up.daemonPid,
    agentPid: up.agentPid,
    readyMs,
    agentLog: up.agentLog,
    greeting: up.greeting,
    ...(up.agentInfo ? { agentInfo: up.agentInfo } : {}),
  };
}

/** Another program held the port when the daemon went to listen on it (nothing was started). */
export class PortTaken extends UserError {}

export async function startSession(reporter: Reporter, req: StartRequest): Promise<StartedSession> {
  const [report, readyMs] = await waitForAgent(reporter, () => launchDaemon(req));
  if (!report.ok) {
    // The agent's failures come with its output, the daemon's with its log, the others with their hints.
    const detail =
      report.code === "agent_failed" || report.code === "timeout"
        ? outputDetail("agent output (last lines):", report.detail)
        : report.code === "daemon_failed"
          ? outputDetail("daemon log (last lines):", report.detail)
          : [...report.detail];
    // Kept, as the port's last runs are: the next starts move it back (state/run-logs.ts).
    const port = portHint(req.port);
    if (report.agentLog)
      detail.push(
        `full agent log: ${report.agentLog} (\`lk agent session logs${port}\` reads it, \`lk agent session end${port} --clean\` removes it)`,
      );
    if (report.code === "port_in_use") {
      if (readState(req.port)) detail.push("a session may have started meanwhile");
      throw new PortTaken(`could not start the session: ${report.error}`, 1, detail);
    }
    throw new UserError(`could not start the session: ${report.error}`, 1, detail);
  }
  return agentUp(reporter, req.port, report, readyMs);
}

/** What the agent said on its own at start, then its name and tools: as start and restart show them. */
export function showGreeting(
  reporter: Reporter,
  started: { greeting: DeliveredEvent[]; agentInfo?: AgentInfo },
): void {
  for (const event of started.greeting) reporter.event({ ...event, earlier: false });
  if (started.greeting.length) reporter.info("");
  if (started.agentInfo) reporter.info(agentSummary(started.agentInfo));
}
