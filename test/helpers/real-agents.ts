// The bundled real echo agents and whether their dependencies are installed (scripts/setup-fixtures.sh).

import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO } from "./lk.ts";

export interface RealAgent {
  name: string;
  dir: string;
  entry: string;
  installed: boolean;
  label: string;
}

const fixtures = join(REPO, "test", "fixtures");
const pyDir = join(fixtures, "echo-agent-py");
const audioDir = join(fixtures, "echo-agent-audio");
const nodeDir = join(fixtures, "echo-agent-node");

const venvPython = (dir: string) =>
  join(dir, ".venv", process.platform === "win32" ? "Scripts/python.exe" : "bin/python");

export const PYTHON_AGENT: RealAgent = {
  name: "python",
  dir: pyDir,
  entry: "agent.py",
  installed: existsSync(venvPython(pyDir)),
  label: "Python",
};

/**
 * The audio echo agent (test/fixtures/echo-agent-audio): silero VAD, a pocketsphinx STT that knows
 * only its expected phrases (ECHO_AUDIO_PHRASES), the echo LLM, a tone TTS. In its own venv.
 */
export const AUDIO_AGENT: RealAgent & { python: string } = {
  name: "audio",
  dir: audioDir,
  entry: "agent.py",
  python: venvPython(audioDir),
  installed: existsSync(venvPython(audioDir)),
  label: "Python audio",
};

export const NODE_AGENT: RealAgent = {
  name: "node",
  dir: nodeDir,
  entry: "agent.mjs",
  installed: existsSync(join(nodeDir, "node_modules", "@livekit", "agents", "package.json")),
  label: "Node.js",
};

/**
 * For beforeAll: a real agent that is not installed fails its tests, never skips them. `npm test`
 * installs both (scripts/test.sh runs scripts/setup-fixtures.sh first).
 */
export function requireInstalled(agent: RealAgent): void {
  if (!agent.installed)
    throw new Error(
      `the ${agent.name} echo agent is not installed: run npm test, or bash scripts/setup-fixtures.sh first`,
    );
}

/**
 * For beforeAll of the audio tests: the audio echo agent and a local TTS to speak to it with
 * (espeak-ng or espeak on Linux, say on macOS, PowerShell on Windows). Either missing fails, with the
 * command that fixes it; nothing is skipped.
 */
export function requireAudioAgent(): void {
  if (!AUDIO_AGENT.installed)
    throw new Error(
      `the audio echo agent is not installed (no ${AUDIO_AGENT.python}): run npm test, or bash scripts/setup-fixtures.sh first`,
    );
  const tts =
    process.platform === "darwin"
      ? ["say"]
      : process.platform === "win32"
        ? ["powershell.exe", "powershell"]
        : ["espeak-ng", "espeak"];
  if (!tts.some((bin) => Bun.which(bin)))
    throw new Error(
      process.platform === "linux"
        ? "espeak-ng is not installed, and the audio tests speak with it: run bash scripts/setup-fixtures.sh (it installs Debian's espeak-ng), or sudo apt-get install espeak-ng"
        : `no local text-to-speech for the audio tests: none of ${tts.join(", ")} is on PATH`,
    );
}

/** uv, which the uv-project tests and lk itself need on PATH (scripts/test.sh puts pip's uv there). */
export function requireUv(): string {
  const uv = Bun.which("uv");
  if (!uv) throw new Error("uv is not on PATH: run the tests with npm test (scripts/test.sh finds pip's uv)");
  return uv;
}

export const ECHO_GREETING = "Hello! I'm the echo agent. Ask me about the weather.";
export const BILLING_GREETING = "Hi, this is the billing agent. How can I help?";

/** The phrases the audio echo agent recognises when ECHO_AUDIO_PHRASES is not set (its README). */
export const AUDIO_DEFAULT_PHRASES = [
  "What's the weather in Paris",
  "What's the weather in London",
  "What's the weather in Tokyo",
  "Transfer me to billing",
  "Hello",
  "Goodbye",
];
