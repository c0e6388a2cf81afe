import { defineCommand } from "../cli/command.ts";
import type { AgentInfo, StatusData } from "../protocol/control.ts";
import { instructionsLine } from "../render/agent-info.ts";
import { formatDuration } from "../render/time.ts";
import { formatUsage } from "../render/usage.ts";
import { visible } from "../render/visible.ts";
import { failureOf } from "../session/client-session.ts";
import { runningSession } from "../session/find-session.ts";
import { type CommandIO, jsonArg, portArg, resolvePort } from "./_shared.ts";

export interface StatusOptions {
  json: boolean;
  port: number;
}

export default defineCommand({
  path: "lk agent session status",
  description:
    "Is a session running? Its agent, framework, the active agent and its tools, uptime, turns and logs (exit 1 when none)",
  args: { ...portArg, ...jsonArg },
  examples: ["lk agent session status", "lk agent session status --port 8776 --json"],
  options: (args, env): StatusOptions => ({ json: args.json, port: resolvePort(args.port, env.vars) }),
  run: async (o: StatusOptions, { reporter, session }: CommandIO) => {
    const state = runningSession(await session.find(o.port));
    const done = await session.send(state, { cmd: "status" });
    if (!done.ok) throw failureOf(done, state);
    const s = done.data;
    const c = reporter.colors;
    const rows: [string, string][] = [
      ["agent", `${s.label} ${s.entry} in ${s.root} (pid ${s.agentPid}, runtime ${s.runtime})`],
      [
        "framework",
        s.framework ? `${s.framework.sdk} ${s.framework.version}` : "unknown (the agent did not say)",
      ],
      ["mode", modeLine(s)],
      ["active agent", `${s.agentInfo?.id ?? s.agentId ?? "unknown"} (${s.agentState})`],
      ...agentRows(s.agentInfo),
      ["daemon", `pid ${s.daemonPid}, up ${formatDuration(s.uptimeMs)}`],
      ["turns", `${s.turns}${s.queued ? `, ${s.queued} running or queued` : ""}`],
      [
        "idle timeout",
        s.idleTimeoutMs
          ? `${formatDuration(s.idleTimeoutMs)} (the session ends after that long with no command)`
          : "none",
      ],
      ["usage", formatUsage(s.usage) || "none reported"],
      ["unseen", s.unseen ? `${s.unseen} event(s) waiting (shown by the next say, or by listen)` : "none"],
      ["agent log", s.agentLog],
    ];
    if (s.runtimeArgs.length) rows.splice(1, 0, ["runtime args", s.runtimeArgs.join(" ")]);
    reporter.info(`${c.green("●")} Session running on 127.0.0.1:${s.port}`);
    // The agent reports its id and framework: shown, never obeyed.
    for (const [k, v] of rows) reporter.info(`  ${c.dim(`${k}:`.padEnd(14))}${visible(v)}`);
    return { fields: { running: true, status: s } };
  },
});

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
