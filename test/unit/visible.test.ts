import { describe, expect, test } from "bun:test";
import { logText, safeJson, visible } from "../../src/render/visible.ts";

describe("visible", () => {
  test("every control character but \\n and \\t as \\xHH: C0, DEL, C1", () => {
    expect(visible("a\x1b]0;t\x07b")).toBe("a\\x1b]0;t\\x07b");
    expect(visible("x\ry\x00\x7f\x9b")).toBe("x\\x0dy\\x00\\x7f\\x9b");
    expect(visible("line\n\tindented")).toBe("line\n\tindented");
  });

  test("a CR ending a line is just the line ending; shown again, nothing changes", () => {
    expect(visible("one\r\ntwo\r")).toBe("one\ntwo\\x0d");
    expect(visible(visible("\x1b[2J\r\n"))).toBe("\\x1b[2J\n");
  });

  test("text without controls is untouched, unicode included", () => {
    expect(visible("café → ✓ 🙂")).toBe("café → ✓ 🙂");
  });
});

describe("logText", () => {
  test("the agent's escape sequences go, a CR at a line's start goes, any other control is shown", () => {
    expect(logText("\x1b[32mINFO\x1b[0m ok\n\rnext \x1b]0;title\x07\x07 a\rb")).toBe(
      "INFO ok\nnext \\x07 a\\x0db",
    );
  });
});

describe("safeJson", () => {
  test("the same JSON, with DEL and C1 escaped as JSON.stringify does C0", () => {
    const value = { text: "a\x1b\x7f\x9bz", list: [1] };
    const json = safeJson(value, 2);
    expect(json).toContain('"a\\u001b\\u007f\\u009bz"');
    expect(JSON.parse(json)).toEqual(value);
  });
});
