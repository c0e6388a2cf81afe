// Runs a program to completion, collecting both streams (stdout and stderr read concurrently).
// No duration on purpose: tests assert behaviour, and timing belongs to `bun run bench`.

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout then stderr, as a person reading a terminal would see them. */
  output: string;
}

export async function runProcess(
  argv: string[],
  opts: { cwd: string; env?: Record<string, string | undefined>; stdin?: string },
): Promise<RunResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(opts.env ?? process.env))
    if (value !== undefined) env[key] = value;
  const child = Bun.spawn(argv, {
    cwd: opts.cwd,
    env,
    stdin: opts.stdin === undefined ? "ignore" : new TextEncoder().encode(opts.stdin),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr, output: stdout + stderr };
}
