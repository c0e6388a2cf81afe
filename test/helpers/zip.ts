// Reads zip archives with Python's zipfile: a reader independent of ours that is there wherever the
// suite runs (it needs Python 3.11 for the Python agent anyway), unlike unzip, which many Linux
// installs lack.

const PYTHON = process.platform === "win32" ? "python" : "python3";

const SCRIPT = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    if bad is not None:
        sys.exit(f"bad CRC for {bad}")
    if len(sys.argv) > 2:
        z.extractall(sys.argv[2])
    print("\\n".join(z.namelist()))
`;

/** The member names of a zip, after every member's CRC was checked; extracted into `into` if given. */
export function readZip(path: string, into?: string): string[] {
  const result = Bun.spawnSync([PYTHON, "-c", SCRIPT, path, ...(into ? [into] : [])], {
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(`zipfile could not read ${path}: ${result.stderr.toString()}`);
  return result.stdout.toString().trim().split(/\r?\n/);
}
