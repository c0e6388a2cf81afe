// A command that keeps running (`events`, `logs -f`): read its output as it comes, then Ctrl-C it
// or let it end on its own.

import { LK, REPO, type RunResult, type Sandbox } from "./lk.ts";

export interface Watched {
  /** Resolves once stdout contains `text`; false if the command ended first, or after 60 s (then it is stopped). */
  until(text: string | RegExp): Promise<boolean>;
  /** SIGINT, then everything it printed and its exit code. */
  interrupt(): Promise<RunResult>;
  /** Waits for it to end by itself. */
  finished(): Promise<RunResult>;
}

/** Spawns `lk agent session ARGS --port N` in the sandbox. */
export function watch(box: Sandbox, args: string[]): Watched {
  const child = Bun.spawn([LK, "agent", "session", ...args, "--port", String(box.port)], {
    cwd: REPO,
    env: box.env() as Record<string, string>,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let stdout = "";
  let ended = false;
  const readMore = async () => {
    const { value, done } = await reader.read();
    if (done) ended = true;
    else stdout += decoder.decode(value, { stream: true });
  };
  const matches = (text: string | RegExp) =>
    typeof text === "string" ? stdout.includes(text) : text.test(stdout);
  const finished = async (): Promise<RunResult> => {
    while (!ended) await readMore();
    const code = await child.exited;
    const err = await stderr;
    return { code, stdout, stderr: err, output: stdout + err };
  };
  return {
    until: async (text) => {
      // A safety net for a failing test, not a measure: the command must not outlive it.
      const giveUp = setTimeout(() => child.kill("SIGINT"), 60_000);
      try {
        while (!matches(text) && !ended) await readMore();
      } finally {
        clearTimeout(giveUp);
      }
      return matches(text);
    },
    interrupt: async () => {
      child.kill("SIGINT");
      return finished();
    },
    finished,
  };
}
