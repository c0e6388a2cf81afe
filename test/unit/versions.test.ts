// Version order: semver for the Node world, PEP 440 for Python, and the SDK minimums on both sides.

import { describe, expect, test } from "bun:test";
import { atLeast } from "../../src/agent/launch.ts";
import { comparePep440, parsePep440, pep440AtLeast } from "../../src/agent/pep440.ts";
import {
  MIN_NODE_AGENTS,
  MIN_PYTHON_AGENTS,
  nodeSdkSupported,
  pythonSdkSupported,
} from "../../src/agent/sdk.ts";

describe("Node: semver", () => {
  test("the minimums are what the README says", () => {
    expect(MIN_NODE_AGENTS).toBe("1.4.7");
    expect(MIN_PYTHON_AGENTS).toBe("1.6.0");
  });

  test("@livekit/agents at the boundary: a pre-release of the minimum is below it", () => {
    expect(nodeSdkSupported("1.4.7")).toBe(true);
    expect(nodeSdkSupported("1.4.7-rc.1")).toBe(false);
    expect(nodeSdkSupported("1.4.7-0")).toBe(false);
    expect(nodeSdkSupported("1.4.7-beta.3")).toBe(false);
    expect(nodeSdkSupported("1.4.6")).toBe(false);
    expect(nodeSdkSupported("1.4.8-rc.1")).toBe(true);
    expect(nodeSdkSupported("1.5.0-next.0")).toBe(true);
    expect(nodeSdkSupported("1.4.7+build.5")).toBe(true);
    expect(nodeSdkSupported("1.10.0")).toBe(true);
    expect(nodeSdkSupported("2.0.0")).toBe(true);
    expect(nodeSdkSupported("0.9.9")).toBe(false);
  });

  test("pre-releases order among themselves and before their release", () => {
    expect(atLeast("1.4.7-rc.2", "1.4.7-rc.1")).toBe(true);
    expect(atLeast("1.4.7-rc.1", "1.4.7-rc.2")).toBe(false);
    expect(atLeast("1.4.7-beta.9", "1.4.7-rc.1")).toBe(false);
    expect(atLeast("1.4.7-rc.10", "1.4.7-rc.9")).toBe(true);
  });

  test("node --version: the v is allowed, pre-releases and nightlies are below their release", () => {
    expect(atLeast("v22.6.0", "22.6.0")).toBe(true);
    expect(atLeast("22.6.0", "22.6.0")).toBe(true);
    expect(atLeast("v22.5.1", "22.6.0")).toBe(false);
    expect(atLeast("v22.6.0-nightly20240601abcdef", "22.6.0")).toBe(false);
    expect(atLeast("v23.0.0-rc.0", "22.6.0")).toBe(true);
    expect(atLeast("v24.1.0\n", "22.6.0")).toBe(true);
  });

  test("what is not a whole version is not at least anything", () => {
    expect(atLeast("", "1.4.7")).toBe(false);
    expect(atLeast("garbage", "1.4.7")).toBe(false);
    expect(atLeast("1.4", "1.4.7")).toBe(false);
    expect(atLeast("1.4.x", "1.4.7")).toBe(false);
    expect(atLeast("2", "1.4.7")).toBe(false);
    expect(atLeast("1.6.0rc1", "1.4.7")).toBe(false);
  });
});

describe("Python: PEP 440", () => {
  const order = (a: string, b: string) => {
    const x = parsePep440(a);
    const y = parsePep440(b);
    if (!x || !y) throw new Error(`unparsable: ${a} or ${b}`);
    return comparePep440(x, y);
  };

  test("livekit-agents at the boundary: pre-releases of 1.6.0 are below it, post-releases above", () => {
    expect(pythonSdkSupported("1.6.0")).toBe(true);
    expect(pythonSdkSupported("1.6")).toBe(true);
    expect(pythonSdkSupported("1.6.0.0")).toBe(true);
    expect(pythonSdkSupported("1.6.0rc1")).toBe(false);
    expect(pythonSdkSupported("1.6.0rc9")).toBe(false);
    expect(pythonSdkSupported("1.6.0b2")).toBe(false);
    expect(pythonSdkSupported("1.6.0a1")).toBe(false);
    expect(pythonSdkSupported("1.6.0.dev3")).toBe(false);
    expect(pythonSdkSupported("1.6.0.post1")).toBe(true);
    expect(pythonSdkSupported("1.6.0+local.7")).toBe(true);
    expect(pythonSdkSupported("1.5.2")).toBe(false);
    expect(pythonSdkSupported("1.5.99.post9")).toBe(false);
    expect(pythonSdkSupported("1.6.1rc1")).toBe(true);
    expect(pythonSdkSupported("1.10.0")).toBe(true);
    expect(pythonSdkSupported("2")).toBe(true);
  });

  test("the canonical order: dev < a < b < rc < release < post", () => {
    const sorted = [
      "1.6.0.dev1",
      "1.6.0a1.dev1",
      "1.6.0a1",
      "1.6.0a2",
      "1.6.0b1",
      "1.6.0rc1",
      "1.6.0rc2.post1",
      "1.6.0",
      "1.6.0.post1.dev1",
      "1.6.0.post1",
      "1.6.0.post2",
      "1.6.1.dev0",
      "1.6.1",
      "1.10",
    ];
    for (let i = 0; i < sorted.length; i++) {
      for (let j = 0; j < sorted.length; j++) {
        const a = sorted[i] as string;
        const b = sorted[j] as string;
        expect([a, b, order(a, b)]).toEqual([a, b, Math.sign(i - j)]);
      }
    }
  });

  test("alternative spellings are the same version", () => {
    expect(order("1.6.0rc1", "1.6.0-rc.1")).toBe(0);
    expect(order("1.6.0rc1", "1.6.0c1")).toBe(0);
    expect(order("1.6.0rc1", "1.6.0pre1")).toBe(0);
    expect(order("1.6.0rc1", "1.6.0preview1")).toBe(0);
    expect(order("1.6.0a1", "1.6.0alpha1")).toBe(0);
    expect(order("1.6.0b1", "1.6.0_beta_1")).toBe(0);
    expect(order("1.6.0RC1", "1.6.0rc1")).toBe(0);
    expect(order("1.6.0rc", "1.6.0rc0")).toBe(0);
    expect(order("1.6.0.post1", "1.6.0-1")).toBe(0);
    expect(order("1.6.0.post1", "1.6.0rev1")).toBe(0);
    expect(order("1.6.0.post1", "1.6.0.r1")).toBe(0);
    expect(order("1.6.0.post", "1.6.0.post0")).toBe(0);
    expect(order("1.6.0.dev", "1.6.0.dev0")).toBe(0);
    expect(order("v1.6.0", "1.6.0")).toBe(0);
    expect(order("1.6", "1.6.0")).toBe(0);
  });

  test("epochs outrank the release; local versions are ignored for ordering", () => {
    expect(order("1!0.1", "1.6.0")).toBe(1);
    expect(order("0!1.6.0", "1.6.0")).toBe(0);
    expect(order("1!1.0", "2!0.1")).toBe(-1);
    expect(pep440AtLeast("1!0.0.1", "1.6.0")).toBe(true);
    expect(order("1.6.0+abc", "1.6.0")).toBe(0);
    expect(order("1.6.0rc1+abc", "1.6.0")).toBe(-1);
    expect(parsePep440("1.6.0+Ubuntu.1")?.local).toBe("ubuntu.1");
  });

  test("numbers compare as numbers, not text", () => {
    expect(order("1.10.0", "1.9.0")).toBe(1);
    expect(order("1.6.0rc10", "1.6.0rc9")).toBe(1);
    expect(order("1.6.0.post10", "1.6.0.post9")).toBe(1);
    expect(order("1.6.0.dev10", "1.6.0.dev9")).toBe(1);
  });

  test("what is not a PEP 440 version is not at least anything", () => {
    for (const bad of ["", "garbage", "1.6.0-rc.1.2", "1.6.0 beta", "1..6", "1.6.0+", "latest"]) {
      expect([bad, parsePep440(bad)]).toEqual([bad, undefined]);
      expect(pep440AtLeast(bad, MIN_PYTHON_AGENTS)).toBe(false);
    }
  });
});
