// The local text-to-speech that speaks a turn into the agent's microphone: the system's own (espeak-ng
// or espeak on Linux, say on macOS, System.Speech on Windows) or any command the user names. Nothing
// is embedded: espeak-ng's WASM builds are GPL-3, which would put the binary under the GPL.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AudioFormatError, TtsFailedError, TtsMissingError } from "./errors.ts";
import type { Pcm } from "./pcm.ts";
import { decodeWav } from "./wav.ts";

export type TtsKind = "espeak-ng" | "espeak" | "say" | "powershell" | "command";

/**
 * A resolved TTS: `argv` runs it (for `say` and `powershell` the output file is added at run time),
 * `command` is the user's command line (kind "command"), `describe` names it for people.
 */
export type TtsChoice = {
  kind: TtsKind;
  argv?: string[];
  command?: string;
  voice?: string;
  describe: string;
};

export interface ResolveTtsOptions {
  /** A shell command line that reads the text on stdin and writes a WAV on stdout (--tts-command). */
  command?: string;
  voice?: string;
  platform?: NodeJS.Platform;
  /** Finds a program on PATH (default Bun.which). */
  which?: (bin: string) => string | null;
  /** Where ComSpec is read on Windows (default process.env). */
  env?: Record<string, string | undefined>;
}

export interface SynthesizeOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** espeak's voice that pocketsphinx recognises best (10 of 10 phrases against a grammar, 4 of 10 without). */
export const DEFAULT_ESPEAK_VOICE = "en-us+klatt";

export const DEFAULT_TTS_TIMEOUT_MS = 30_000;

/** The environment variable a --tts-command finds --voice in (it is never put in the command line). */
export const TTS_VOICE_ENV = "LK_TTS_VOICE";

/** A turn of speech is a few hundred KB; this is minutes of it. */
const MAX_WAV_BYTES = 256 << 20;

/** After killing a TTS, how long its pipes may take to close before we stop waiting for them. */
const KILLED_GRACE_MS = 1000;

const STDERR_KEEP_BYTES = 8192;
const STDERR_LINES = 5;

/** Which TTS `say` uses: --tts-command wins, then the system's own, per OS. Throws TtsMissingError. */
export function resolveTts(opts: ResolveTtsOptions = {}): TtsChoice {
  const platform = opts.platform ?? process.platform;
  const which = opts.which ?? ((bin: string) => Bun.which(bin));
  const voice = opts.voice?.trim() || undefined;
  if (opts.command !== undefined) {
    const command = opts.command.trim();
    if (!command)
      throw new TtsFailedError("--tts-command is empty: expected a command line that writes a WAV");
    return {
      kind: "command",
      command,
      argv: shellArgv(command, platform, opts.env ?? process.env),
      ...(voice ? { voice } : {}),
      describe: `tts command ${JSON.stringify(command)}`,
    };
  }
  const order: Array<() => TtsChoice | null> =
    platform === "darwin"
      ? [
          () => say(which, voice),
          () => espeak("espeak-ng", which, voice),
          () => espeak("espeak", which, voice),
        ]
      : platform === "win32"
        ? [() => powershell(which, voice), () => espeak("espeak-ng", which, voice)]
        : [() => espeak("espeak-ng", which, voice), () => espeak("espeak", which, voice)];
  for (const find of order) {
    const choice = find();
    if (choice) return choice;
  }
  throw new TtsMissingError(missingMessage(platform));
}

/**
 * Speaks `text` with `choice` and returns its WAV, decoded (at the TTS's own rate: callers use toMic).
 * Throws TtsFailedError when the program fails, times out, writes nothing or no WAV. Leaves no
 * process and no temporary file behind, whatever happens.
 */
export async function synthesize(
  choice: TtsChoice,
  text: string,
  opts: SynthesizeOptions = {},
): Promise<Pcm> {
  // One turn is one utterance: line-oriented programs (piper) would otherwise speak each line apart.
  const line = text.replace(/\s+/g, " ").trim();
  if (!line) throw new TtsFailedError("nothing to say: the text is empty");
  const toFile = choice.kind === "say" || choice.kind === "powershell";
  const dir = toFile ? mkdtempSync(join(tmpdir(), "lk-tts-")) : undefined;
  try {
    const outFile = dir ? join(dir, "speech.wav") : undefined;
    const run = await runTts(choice, line, outFile, opts);
    let wav = run.stdout;
    if (outFile) {
      try {
        wav = new Uint8Array(readFileSync(outFile));
      } catch {
        throw failed(choice, "wrote no WAV file", run.stderr);
      }
    }
    if (wav.length === 0) throw failed(choice, "wrote no audio (nothing on stdout)", run.stderr);
    let pcm: Pcm;
    try {
      pcm = decodeWav(wav);
    } catch (error) {
      if (!(error instanceof AudioFormatError)) throw error;
      throw failed(choice, `did not write a WAV (${error.message})`, run.stderr);
    }
    if (pcm.samples.length === 0) throw failed(choice, "wrote a WAV with no samples", run.stderr);
    return pcm;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

// --- the candidates -------------------------------------------------------------------------------

function espeak(
  bin: "espeak-ng" | "espeak",
  which: (b: string) => string | null,
  voice?: string,
): TtsChoice | null {
  const path = which(bin);
  if (!path) return null;
  const v = voice ?? DEFAULT_ESPEAK_VOICE;
  // The text goes on stdin: quotes and a leading dash need no escaping there.
  return { kind: bin, argv: [path, "-v", v, "--stdout", "--stdin"], voice: v, describe: `${bin} -v ${v}` };
}

function say(which: (b: string) => string | null, voice?: string): TtsChoice | null {
  const path = which("say");
  if (!path) return null;
  // say cannot write a WAV to stdout: synthesize adds "-o FILE" in a private temp folder.
  return {
    kind: "say",
    argv: [
      path,
      "--file-format=WAVE",
      "--data-format=LEI16@48000",
      ...(voice ? ["-v", voice] : []),
      "-f",
      "-",
    ],
    ...(voice ? { voice } : {}),
    describe: voice ? `say -v ${voice}` : "say",
  };
}

/**
 * Windows PowerShell 5 (powershell.exe), which has System.Speech; PowerShell 7 (pwsh) does not.
 * The script is fixed and sent encoded; the text, voice and output file reach it as environment
 * variables, so nothing the user types is ever parsed as code. Text output keeps its errors readable
 * (redirected, PowerShell would otherwise write them as CLIXML).
 */
const POWERSHELL_SCRIPT = [
  "$ErrorActionPreference = 'Stop'",
  "Add-Type -AssemblyName System.Speech",
  "$s = New-Object System.Speech.Synthesis.SpeechSynthesizer",
  "if ($env:LK_TTS_VOICE) { $s.SelectVoice($env:LK_TTS_VOICE) }",
  "$f = New-Object System.Speech.AudioFormat.SpeechAudioFormatInfo(48000, [System.Speech.AudioFormat.AudioBitsPerSample]::Sixteen, [System.Speech.AudioFormat.AudioChannel]::Mono)",
  "$s.SetOutputToWaveFile($env:LK_TTS_OUT, $f)",
  "$s.Speak($env:LK_TTS_TEXT)",
  "$s.Dispose()",
].join("\n");

function powershell(which: (b: string) => string | null, voice?: string): TtsChoice | null {
  const path = which("powershell.exe") ?? which("powershell");
  if (!path) return null;
  const encoded = Buffer.from(POWERSHELL_SCRIPT, "utf16le").toString("base64");
  return {
    kind: "powershell",
    argv: [
      path,
      "-NoProfile",
      "-NonInteractive",
      "-OutputFormat",
      "Text",
      "-ExecutionPolicy",
      "Bypass",
      "-EncodedCommand",
      encoded,
    ],
    ...(voice ? { voice } : {}),
    describe: voice
      ? `System.Speech (PowerShell), voice ${JSON.stringify(voice)}`
      : "System.Speech (PowerShell)",
  };
}

/** A command line through the system's shell: sh on POSIX, cmd.exe on Windows (quoted whole, verbatim). */
function shellArgv(
  command: string,
  platform: NodeJS.Platform,
  env: Record<string, string | undefined>,
): string[] {
  if (platform !== "win32") return ["/bin/sh", "-c", command];
  return [env.ComSpec ?? env.COMSPEC ?? "cmd.exe", "/d", "/s", "/c", `"${command}"`];
}

function missingMessage(platform: NodeJS.Platform): string {
  const orCommand =
    "or pass --tts-command 'CMD' (reads the text on stdin, writes a WAV on stdout, e.g. piper)";
  if (platform === "darwin")
    return `no text-to-speech program found: macOS's say (/usr/bin/say) is not on PATH; put /usr/bin on PATH, install espeak-ng (brew install espeak-ng), ${orCommand}`;
  if (platform === "win32")
    return `no text-to-speech program found: Windows PowerShell (powershell.exe, which has System.Speech) is not on PATH; add %SystemRoot%\\System32\\WindowsPowerShell\\v1.0 to PATH, ${orCommand}`;
  return `no text-to-speech program found: install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng; Fedora: sudo dnf install espeak-ng; Arch: sudo pacman -S espeak-ng), ${orCommand}`;
}

// --- running one --------------------------------------------------------------------------------

interface TtsRun {
  stdout: Uint8Array;
  stderr: string;
}

async function runTts(
  choice: TtsChoice,
  line: string,
  outFile: string | undefined,
  opts: SynthesizeOptions,
): Promise<TtsRun> {
  const base = choice.argv;
  if (!base || base.length === 0) throw new TtsFailedError(`${choice.describe}: nothing to run (no argv)`);
  const argv = choice.kind === "say" && outFile ? [...base, "-o", outFile] : base;
  const env: Record<string, string | undefined> = { ...process.env };
  if (choice.voice) env[TTS_VOICE_ENV] = choice.voice;
  if (choice.kind === "powershell") {
    env.LK_TTS_TEXT = line;
    env.LK_TTS_OUT = outFile;
  }
  const windows = process.platform === "win32";
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TTS_TIMEOUT_MS;
  if (opts.signal?.aborted) throw new TtsFailedError("text-to-speech cancelled");

  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(
      argv,
      choice.kind === "powershell" ? undefined : `${line}\n`,
      env,
      choice.kind === "command" && windows,
    );
  } catch (error) {
    throw new TtsFailedError(
      `text-to-speech failed: could not start ${choice.describe}: ${(error as Error).message}`,
    );
  }

  let stopped: "timeout" | "cancelled" | "too much output" | undefined;
  let markStopped = () => {};
  const killed = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  const stop = (why: NonNullable<typeof stopped>) => {
    stopped ??= why;
    killTree(child.pid, windows);
    markStopped();
  };
  const timer = setTimeout(() => stop("timeout"), timeoutMs);
  const onAbort = () => stop("cancelled");
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const done = Promise.all([
      child.exited,
      readAll(child.stdout, MAX_WAV_BYTES, () => stop("too much output")),
      readTail(child.stderr, STDERR_KEEP_BYTES),
    ]);
    // A killed program's pipes close with it; one that handed them to an escaped child may not.
    const settled = await Promise.race([
      done,
      killed.then(() => Bun.sleep(KILLED_GRACE_MS)).then(() => null),
    ]);
    const stderr = settled ? settled[2] : "";
    if (stopped === "cancelled") throw new TtsFailedError("text-to-speech cancelled");
    if (stopped === "timeout")
      throw failed(choice, `did not finish within ${formatSeconds(timeoutMs)} and was stopped`, stderr);
    if (stopped) throw failed(choice, `wrote more than ${MAX_WAV_BYTES >> 20} MiB and was stopped`, stderr);
    if (!settled) throw failed(choice, "did not finish", stderr);
    const [code, stdout] = settled;
    if (code !== 0) {
      const how = code === null ? `was killed (${child.signalCode ?? "signal"})` : `exited with code ${code}`;
      throw failed(choice, how, stderr);
    }
    return { stdout, stderr };
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onAbort);
    // Whatever it started in its group goes with it, even after a clean exit.
    if (!windows) signalGroup(child.pid);
  }
}

function spawn(
  argv: string[],
  stdin: string | undefined,
  env: Record<string, string | undefined>,
  verbatim: boolean,
) {
  return Bun.spawn(argv, {
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin),
    stdout: "pipe",
    stderr: "pipe",
    env,
    // POSIX: its own process group, so a timeout kills what a shell command started too.
    detached: process.platform !== "win32",
    windowsHide: true,
    // cmd.exe /s /c "…" takes the command line as is; the usual quoting would garble it.
    windowsVerbatimArguments: verbatim,
  });
}

function killTree(pid: number, windows: boolean): void {
  if (windows) {
    const root = process.env.SystemRoot ?? process.env.SYSTEMROOT ?? "C:\\Windows";
    Bun.spawnSync([`${root}\\System32\\taskkill.exe`, "/T", "/F", "/PID", String(pid)], {
      stdout: "ignore",
      stderr: "ignore",
      windowsHide: true,
    });
    return;
  }
  signalGroup(pid);
}

function signalGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // the group is gone already
  }
}

async function readAll(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  overflow: () => void,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > limit) {
        overflow();
        break;
      }
      chunks.push(chunk);
    }
  } catch {
    // a killed program's pipe may end in an error; what arrived is kept
  }
  return Buffer.concat(chunks);
}

async function readTail(stream: ReadableStream<Uint8Array>, keep: number): Promise<string> {
  let tail = Buffer.alloc(0);
  try {
    for await (const chunk of stream) {
      tail = Buffer.concat([tail, chunk]);
      if (tail.length > keep) tail = tail.subarray(tail.length - keep);
    }
  } catch {}
  return tail.toString("utf8");
}

function failed(choice: TtsChoice, what: string, stderr: string): TtsFailedError {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "")
    .slice(-STDERR_LINES);
  const last = lines.at(-1);
  const message = `text-to-speech failed: ${choice.describe} ${what}${last ? `: ${last}` : ""}`;
  const detail = lines.length > 1 ? ["its stderr ends with:", ...lines.map((l) => `| ${l}`)] : [];
  return new TtsFailedError(message, 1, detail);
}

function formatSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${(ms / 1000).toFixed(1)} s`;
}
