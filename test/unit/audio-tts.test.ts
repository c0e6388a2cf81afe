// Which local TTS is chosen per OS (a fake PATH), and running one: the real espeak-ng, and
// --tts-command scripts of the test's own that succeed, fail, write garbage or hang. Each run
// leaves no process and no temp file behind.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { TtsFailedError, TtsMissingError } from "../../src/audio/errors.ts";
import { durationMs, type Pcm } from "../../src/audio/pcm.ts";
import { DEFAULT_ESPEAK_VOICE, resolveTts, synthesize, type TtsChoice } from "../../src/audio/tts.ts";
import { encodeWav } from "../../src/audio/wav.ts";
import { cleanupAll, tempDir } from "../helpers/lk.ts";

/** A PATH holding exactly these programs. */
function pathWith(...bins: string[]) {
  return (bin: string) => (bins.includes(bin) ? `/fake/bin/${bin}` : null);
}

describe("resolveTts", () => {
  test("Linux: espeak-ng, with the klatt voice unless one is given; the text goes on stdin", () => {
    expect(resolveTts({ platform: "linux", which: pathWith("espeak-ng", "espeak") })).toEqual({
      kind: "espeak-ng",
      argv: ["/fake/bin/espeak-ng", "-v", "en-us+klatt", "--stdout", "--stdin"],
      voice: DEFAULT_ESPEAK_VOICE,
      describe: "espeak-ng -v en-us+klatt",
    });
    const voiced = resolveTts({ platform: "linux", voice: "de", which: pathWith("espeak-ng") });
    expect(voiced.argv).toEqual(["/fake/bin/espeak-ng", "-v", "de", "--stdout", "--stdin"]);
    expect(voiced.voice).toBe("de");
  });

  test("Linux: espeak when espeak-ng is missing", () => {
    const choice = resolveTts({ platform: "linux", which: pathWith("espeak") });
    expect(choice.kind).toBe("espeak");
    expect(choice.argv).toEqual(["/fake/bin/espeak", "-v", "en-us+klatt", "--stdout", "--stdin"]);
  });

  test("macOS: say, to a 48 kHz 16-bit WAV file (added when it runs), the text on stdin", () => {
    expect(resolveTts({ platform: "darwin", which: pathWith("say", "espeak-ng") })).toEqual({
      kind: "say",
      argv: ["/fake/bin/say", "--file-format=WAVE", "--data-format=LEI16@48000", "-f", "-"],
      describe: "say",
    });
    const voiced = resolveTts({ platform: "darwin", voice: "Samantha", which: pathWith("say") });
    expect(voiced.argv).toEqual([
      "/fake/bin/say",
      "--file-format=WAVE",
      "--data-format=LEI16@48000",
      "-v",
      "Samantha",
      "-f",
      "-",
    ]);
    expect(resolveTts({ platform: "darwin", which: pathWith("espeak-ng") }).kind).toBe("espeak-ng");
  });

  test("Windows: System.Speech through Windows PowerShell, a fixed script that never holds the text", () => {
    const choice = resolveTts({
      platform: "win32",
      voice: "Microsoft Zira Desktop",
      which: pathWith("powershell.exe"),
    });
    expect(choice.kind).toBe("powershell");
    expect(choice.voice).toBe("Microsoft Zira Desktop");
    const argv = choice.argv ?? [];
    expect(argv.slice(0, -1)).toEqual([
      "/fake/bin/powershell.exe",
      "-NoProfile",
      "-NonInteractive",
      "-OutputFormat",
      "Text",
      "-ExecutionPolicy",
      "Bypass",
      "-EncodedCommand",
    ]);
    const script = Buffer.from(argv.at(-1) ?? "", "base64").toString("utf16le");
    expect(script).toContain("SpeechSynthesizer");
    expect(script).toContain("SelectVoice($env:LK_TTS_VOICE)");
    expect(script).toContain("SetOutputToWaveFile($env:LK_TTS_OUT");
    expect(script).toContain("Speak($env:LK_TTS_TEXT)");
    expect(script).not.toContain("Zira");
  });

  test("--tts-command wins over the system's TTS: sh -c on POSIX, ComSpec /d /s /c on Windows", () => {
    const posix = resolveTts({
      platform: "linux",
      command: " piper -m en.onnx -f - ",
      which: pathWith("espeak-ng"),
    });
    expect(posix).toEqual({
      kind: "command",
      command: "piper -m en.onnx -f -",
      argv: ["/bin/sh", "-c", "piper -m en.onnx -f -"],
      describe: 'tts command "piper -m en.onnx -f -"',
    });
    const windows = resolveTts({
      platform: "win32",
      command: 'piper.exe -m "C:\\voices\\en.onnx" -f -',
      voice: "en",
      env: { ComSpec: "C:\\Windows\\system32\\cmd.exe" },
      which: pathWith("powershell.exe"),
    });
    expect(windows.argv).toEqual([
      "C:\\Windows\\system32\\cmd.exe",
      "/d",
      "/s",
      "/c",
      '"piper.exe -m "C:\\voices\\en.onnx" -f -"',
    ]);
    expect(windows.voice).toBe("en");
    expect(resolveTts({ platform: "win32", command: "x", env: {}, which: pathWith() }).argv?.[0]).toBe(
      "cmd.exe",
    );
  });

  test("an empty --tts-command is refused", () => {
    expect(() => resolveTts({ command: "  ", which: pathWith("espeak-ng") })).toThrow(
      /--tts-command is empty/,
    );
  });

  test("nothing found: what to install, per OS, and the --tts-command way out", () => {
    const missing = (platform: NodeJS.Platform) => {
      try {
        resolveTts({ platform, which: pathWith() });
      } catch (error) {
        expect(error).toBeInstanceOf(TtsMissingError);
        expect((error as TtsMissingError).exitCode).toBe(1);
        return (error as Error).message;
      }
      throw new Error("resolveTts found a TTS on an empty PATH");
    };
    const linux = missing("linux");
    expect(linux).toStartWith(
      "no text-to-speech program found: install espeak-ng (Debian/Ubuntu: sudo apt-get install espeak-ng",
    );
    expect(linux).toContain("or pass --tts-command 'CMD' (reads the text on stdin, writes a WAV on stdout");
    expect(missing("darwin")).toContain("macOS's say (/usr/bin/say) is not on PATH");
    expect(missing("win32")).toContain(
      "Windows PowerShell (powershell.exe, which has System.Speech) is not on PATH",
    );
    expect(missing("freebsd")).toContain("install espeak-ng");
  });
});

/** Points the temp dir at a fresh folder for the tests of one describe, so they see all synthesize leaves. */
function privateTmp(): { dir: () => string } {
  let dir = "";
  let saved: string | undefined;
  beforeAll(() => {
    dir = tempDir("lk-unit-tts-tmp-");
    saved = process.env.TMPDIR;
    process.env.TMPDIR = dir;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
    await cleanupAll();
  });
  return { dir: () => dir };
}

describe("the system's own TTS (espeak-ng on Linux, installed by the fixture setup; say; System.Speech)", () => {
  const tmp = privateTmp();

  test("speaks a line with quotes and a leading dash, and leaves no temp file", async () => {
    // Missing is a failure that says what to install, never a skip.
    const choice = resolveTts();
    const pcm = await synthesize(choice, '-n what\'s "the" weather in Paris');
    expect(pcm.sampleRate).toBe(choice.kind === "espeak-ng" || choice.kind === "espeak" ? 22050 : 48000);
    expect(pcm.channels).toBe(1);
    expect(durationMs(pcm)).toBeGreaterThan(500);
    expect(pcm.samples.some((s) => Math.abs(s) > 1000)).toBe(true);
    expect(readdirSync(tmp.dir())).toEqual([]);
  });
});

describe.skipIf(process.platform === "win32")("synthesize", () => {
  const privateTemp = privateTmp();
  let dir: string;
  let tmp: string;
  let tone: Pcm;
  let toneWav: string;

  beforeAll(() => {
    // the scripts' files live beside synthesize's temp dir, which must end up empty
    tmp = join(privateTemp.dir(), "tmp");
    mkdirSync(tmp);
    process.env.TMPDIR = tmp;
    dir = join(privateTemp.dir(), "files");
    mkdirSync(dir);
    tone = {
      sampleRate: 16000,
      channels: 1,
      samples: Int16Array.from({ length: 3200 }, (_, i) =>
        Math.round(8000 * Math.sin((2 * Math.PI * 500 * i) / 16000)),
      ),
    };
    toneWav = join(dir, "tone.wav");
    writeFileSync(toneWav, encodeWav(tone));
  });

  const sh = (script: string, voice?: string): TtsChoice =>
    resolveTts({ command: script, ...(voice ? { voice } : {}) });

  /** The error synthesize throws, after checking nothing is left in its temp folder. */
  async function failure(choice: TtsChoice, text = "hello", timeoutMs?: number): Promise<TtsFailedError> {
    try {
      await synthesize(choice, text, timeoutMs === undefined ? {} : { timeoutMs });
    } catch (error) {
      expect(error).toBeInstanceOf(TtsFailedError);
      expect(readdirSync(tmp)).toEqual([]);
      return error as TtsFailedError;
    }
    throw new Error("synthesize succeeded");
  }

  function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    // a zombie nobody reaped yet runs nothing
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
    return stat !== "" && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  }

  test("a --tts-command gets the text on stdin (one line, as typed) and --voice in LK_TTS_VOICE", async () => {
    const got = join(dir, "got.txt");
    const voice = join(dir, "voice.txt");
    const choice = sh(`cat > '${got}'; printf %s "$LK_TTS_VOICE" > '${voice}'; cat '${toneWav}'`, "piper-en");
    const pcm = await synthesize(choice, `--help it's "quoted" $HOME \`id\`\nsecond line`);
    expect(pcm).toEqual(tone);
    expect(readFileSync(got, "utf8")).toBe(`--help it's "quoted" $HOME \`id\` second line\n`);
    expect(readFileSync(voice, "utf8")).toBe("piper-en");
    expect(readdirSync(tmp)).toEqual([]);
  });

  test("a failing program: its command, exit code and the end of its stderr", async () => {
    const error = await failure(
      sh("cat >/dev/null; echo 'loading voice' >&2; echo 'model not found: en_US.onnx' >&2; exit 3"),
    );
    expect(error.message).toBe(
      `text-to-speech failed: tts command "cat >/dev/null; echo 'loading voice' >&2; echo 'model not found: en_US.onnx' >&2; exit 3" exited with code 3: model not found: en_US.onnx`,
    );
    expect(error.detail).toEqual([
      "its stderr ends with:",
      "| loading voice",
      "| model not found: en_US.onnx",
    ]);
    expect(error.exitCode).toBe(1);
  });

  test("garbage on stdout is not a WAV", async () => {
    const error = await failure(sh("cat >/dev/null; echo 'usage: tts [options]'"));
    expect(error.message).toContain(
      'did not write a WAV (not a WAV file: it starts with "usag", expected "RIFF")',
    );
  });

  test("nothing on stdout, or a WAV without samples", async () => {
    expect((await failure(sh("cat >/dev/null"))).message).toContain("wrote no audio (nothing on stdout)");
    const empty = join(dir, "empty.wav");
    writeFileSync(empty, encodeWav({ sampleRate: 16000, channels: 1, samples: new Int16Array(0) }));
    expect((await failure(sh(`cat '${empty}'`))).message).toContain("wrote a WAV with no samples");
  });

  test("a program that hangs is stopped at the timeout, with what it started", async () => {
    const pids = join(dir, "hang-pids");
    const error = await failure(
      sh(`echo $$ > '${pids}'; sleep 60 & echo $! >> '${pids}'; echo 'warming up' >&2; wait`),
      "hello",
      500,
    );
    expect(error.message).toMatch(
      /^text-to-speech failed: tts command ".*" did not finish within 0\.5 s and was stopped: warming up$/,
    );
    const started = readFileSync(pids, "utf8").trim().split("\n").map(Number);
    expect(started).toHaveLength(2);
    for (const pid of started) expect(alive(pid)).toBe(false);
  });

  test("an abort stops it too", async () => {
    const pidFile = join(dir, "abort-pid");
    const controller = new AbortController();
    const running = synthesize(sh(`echo $$ > '${pidFile}'; exec sleep 60`), "hi", {
      signal: controller.signal,
    });
    while (!existsSync(pidFile) || readFileSync(pidFile, "utf8") === "") await Bun.sleep(10);
    controller.abort();
    await expect(running).rejects.toThrow("text-to-speech cancelled");
    expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
    const already = new AbortController();
    already.abort();
    await expect(synthesize(sh("exit 0"), "hi", { signal: already.signal })).rejects.toThrow("cancelled");
  });

  test("a program that cannot start", async () => {
    const error = await failure({
      kind: "espeak-ng",
      argv: [join(dir, "no-such-tts")],
      describe: "espeak-ng",
    });
    expect(error.message).toContain("text-to-speech failed: could not start espeak-ng");
  });

  test("empty text is refused before anything runs", async () => {
    expect((await failure(sh("exit 9"), " \n ")).message).toBe("nothing to say: the text is empty");
  });

  // say writes a file, not stdout: a stand-in with its arguments ("-o FILE" last) proves the temp
  // folder is private, read, and removed on success and on every failure.
  const fakeSay = (script: string): TtsChoice => ({
    kind: "say",
    argv: ["/bin/sh", "-c", script, "say", "--file-format=WAVE", "--data-format=LEI16@48000", "-f", "-"],
    describe: "say",
  });

  test("a program that writes a file (say): read from a private temp folder, which is removed", async () => {
    const seen = join(dir, "say-seen.txt");
    const pcm = await synthesize(
      fakeSay(
        `for a; do out=$a; done; ls -ld "$(dirname "$out")" > '${seen}'; cat > /dev/null; cp '${toneWav}' "$out"`,
      ),
      "hello",
    );
    expect(pcm).toEqual(tone);
    expect(readFileSync(seen, "utf8")).toStartWith("drwx------");
    expect(readdirSync(tmp)).toEqual([]);
  });

  test("a file-writing program that fails, writes no file, garbage, or hangs: the temp folder goes too", async () => {
    expect((await failure(fakeSay('for a; do out=$a; done; echo x > "$out"; exit 4'))).message).toContain(
      "say exited with code 4",
    );
    expect((await failure(fakeSay("cat > /dev/null"))).message).toContain("say wrote no WAV file");
    expect((await failure(fakeSay('for a; do out=$a; done; echo garbage > "$out"'))).message).toContain(
      "say did not write a WAV",
    );
    expect((await failure(fakeSay("sleep 60"), "hi", 300)).message).toContain("did not finish within 0.3 s");
  });
});
