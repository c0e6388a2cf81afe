import { defineCommand } from "../cli/command.ts";
import { helpNotes } from "../cli/help.ts";
import { UserError } from "../errors.ts";
import type { AgentDown, AgentInfo, StatusData } from "../protocol/control.ts";
import type { ShownEnv } from "../protocol/env.ts";
import { instructionsLine } from "../render/agent-info.ts";
import { shellQuote } from "../render/shell-quote.ts";
import { clockTime, formatDuration } from "../render/time.ts";
import { formatUsage } from "../render/usage.ts";
import { logText, visible } from "../render/visible.ts";
import { failureOf } from "../session/client-session.ts";
import { runningSession } from "../session/find-session.ts";
import { type CommandIO, jsonArg, portArg, portHint, resolvePort } from "./_shared.ts";

export interface StatusOptions {
  json: boolean;
  port: number;
}

export default defineCommand({
  path: "lk agent session status",
  description:
    "Is a session running? Its agent, framework, the active agent and its tools, the environment overrides, uptime, turns and logs (exit 1 when none, or when its agent is down)",
  args: { ...portArg, ...jsonArg },
  helpSections: [
    helpNotes(
      "env lists the --env/--env-file overrides the agent got (at start and at restarts since), on top of the environment of the shell that ran start; the value of a name containing KEY, SECRET, TOKEN or PASSWORD is never shown (--json: null).",
      "When a restart's agent failed to start, the session is still up without an agent: status shows why (how it exited, its last output), exits 1, and --json has status.agentDown {reason, since, exit, lastLines}.",
    ),
  ],
  examples: ["lk agent session status", "lk agent session status --port 8776 --json"],
  options: (args, env): StatusOptions => ({ json: args.json, port: resolvePort(args.port, env.vars) }),
  run: async (o: StatusOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    const done = await session.send(state, { cmd: "status" });
    if (!done.ok) throw failureOf(done, state);
    const s = done.data;
    const c = reporter.colors;
    const down = s.agentDown;
    const p = portHint(s.port);
    // Without an agent there is nothing to ask it (framework, active agent, usage): why it is down instead.
    const agentFacts: [string, string][] = down
      ? downRows(down, p)
      : [
          [
            "framework",
            s.framework ? `${s.framework.sdk} ${s.framework.version}` : "unknown (the agent did not say)",
          ],
          ["active agent", `${s.agentInfo?.id ?? s.agentId ?? "unknown"} (${s.agentState})`],
          ...agentRows(s.agentInfo),
        ];
    const rows: [string, string][] = [
      [
        "agent",
        `${s.label} ${s.entry} in ${s.root} (${down ? "not running" : `pid ${s.agentPid}`}, runtime ${s.runtime}${agentRun(s, down)})`,
      ],
      ["mode", modeLine(s)],
      ...agentFacts,
      ["daemon", `pid ${s.daemonPid}, up ${formatDuration(s.uptimeMs)}`],
      ["turns", `${s.turns}${s.queued ? `, ${s.queued} running or queued` : ""}`],
      [
        "idle timeout",
        s.idleTimeoutMs
          ? `${formatDuration(s.idleTimeoutMs)} (the session ends after that long with no command)`
          : "none",
      ],
      ...(down
        ? []
        : ([
            ["usage", formatUsage(s.usage) || "none reported"],
            [
              "unseen",
              s.unseen ? `${s.unseen} event(s) waiting (shown by the next say, or by listen)` : "none",
            ],
          ] as [string, string][])),
      ["agent log", s.agentLog],
    ];
    const env = envText(s.env ?? {});
    if (env) rows.splice(1, 0, ["env", env]);
    if (s.runtimeArgs.length) rows.splice(1, 0, ["runtime args", s.runtimeArgs.join(" ")]);
    reporter.info(
      down
        ? `${c.red("●")} Session on 127.0.0.1:${s.port}: the agent is down`
        : `${c.green("●")} Session running on 127.0.0.1:${s.port}`,
    );
    // The agent reports its id and framework: shown, never obeyed.
    for (const [k, v] of rows) {
      reporter.info(`  ${c.dim(`${k}:`.padEnd(14))}${visible(v)}`);
      // The agent's last output (its traceback) right under its row, as a log shows it.
      if (k === "last output")
        for (const line of down?.lastLines.slice(-DOWN_LINES) ?? []) reporter.info(`    ${logText(line)}`);
    }
    if (down) {
      const error = new UserError(
        `the agent is down: ${down.reason}; fix it and run: lk agent session restart${p}`,
      );
      return { fields: { running: true, status: s }, error };
    }
    return { fields: { running: true, status: s } };
  },
});

/** How many of a down agent's last lines status shows (--json has them all). */
const DOWN_LINES = 12;

/** Why there is no agent: since when, how it ended, and (its lines printed under it) its last output. */
function downRows(down: AgentDown, p: string): [string, string][] {
  const shown = Math.min(down.lastLines.length, DOWN_LINES);
  return [
    ["agent down", `since ${clockTime(Date.parse(down.since))}: ${down.reason}`],
    ["exit", down.exit],
    ["last output", shown ? `its last ${shown} line(s) (the whole log: lk agent session logs${p})` : "none"],
  ];
}

/** `A=1, B='x y', OPENAI_API_KEY (value hidden)`; empty when there are no overrides. */
export function envText(env: ShownEnv): string {
  return Object.entries(env)
    .map(([name, value]) => (value === null ? `${name} (value hidden)` : `${name}=${shellQuote(value)}`))
    .join(", ");
}

/** The active agent's tools and the first line of its instructions (when it says). */
function agentRows(info: AgentInfo | undefined): [string, string][] {
  if (!info) return [];
  return [
    ["tools", info.tools.length ? info.tools.join(", ") : "none"],
    ["instructions", instructionsLine(info.instructions)],
  ];
}

/** "text", or "audio: spoken with espeak-ng -v en-us+klatt, played at real time". */
function modeLine(s: StatusData): string {
  if (s.mode !== "audio" || !s.audio) return s.mode ?? "text";
  const playback = s.audio.fastPlayback
    ? "counted as played at once (--fast-playback)"
    : "played at real time";
  return `audio: turns spoken with ${s.audio.tts}; the agent's speech ${playback}`;
}

/** `, up 3s, run 3`: the agent now running's own time (the daemon's is its row's), and which run after a restart. */
function agentRun(s: StatusData, down: unknown): string {
  const run = s.run > 1 ? `, run ${s.run}` : "";
  return down ? run : `, up ${formatDuration(s.runUptimeMs)}${run}`;
}
