import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { detectProject, findProjectRoot } from "../../src/agent/detect.ts";
import { UserError } from "../../src/errors.ts";

const roots: string[] = [];
function tree(files: Record<string, string>): string {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "lk-detect-")));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

describe("project root", () => {
  test("package.json wins over Python files in the same folder", () => {
    const root = tree({ "package.json": "{}", "requirements.txt": "", "agent.py": "" });
    expect(findProjectRoot(root)?.kind).toBe("node");
  });

  test("uv.lock means uv; requirements.txt, poetry.lock, Pipfile.lock mean pip-style", () => {
    expect(findProjectRoot(tree({ "uv.lock": "" }))?.pythonFlavor).toBe("uv");
    for (const lock of ["requirements.txt", "poetry.lock", "Pipfile.lock"]) {
      expect(findProjectRoot(tree({ [lock]: "" }))).toMatchObject({ kind: "python", pythonFlavor: "pip" });
    }
  });

  test("pyproject.toml: uv only with a [tool.uv] table", () => {
    expect(
      findProjectRoot(tree({ "pyproject.toml": "[project]\nname='a'\n[tool.uv]\ndev-dependencies=[]\n" }))
        ?.pythonFlavor,
    ).toBe("uv");
    expect(
      findProjectRoot(tree({ "pyproject.toml": "[tool.uv.sources]\nx={path='.'}\n" }))?.pythonFlavor,
    ).toBe("uv");
    expect(findProjectRoot(tree({ "pyproject.toml": "[tool.poetry]\nname='a'\n" }))?.pythonFlavor).toBe(
      "pip",
    );
    expect(findProjectRoot(tree({ "pyproject.toml": "[project]\nname='a'\n" }))?.pythonFlavor).toBe("pip");
  });

  test("walks up from a subfolder", () => {
    const root = tree({ "uv.lock": "", "src/deep/x.txt": "" });
    expect(findProjectRoot(join(root, "src", "deep"))?.root).toBe(root);
  });
});

describe("entrypoint", () => {
  test("default Python names: agent.py then src/agent.py", () => {
    expect(detectProject(undefined, tree({ "uv.lock": "", "src/agent.py": "" })).entry).toBe(
      join("src", "agent.py"),
    );
    expect(detectProject(undefined, tree({ "uv.lock": "", "agent.py": "", "src/agent.py": "" })).entry).toBe(
      "agent.py",
    );
  });

  test("default Node names include main.ts, src/main.js and agent.ts", () => {
    expect(detectProject(undefined, tree({ "package.json": "{}", "src/main.js": "" })).entry).toBe(
      join("src", "main.js"),
    );
    expect(detectProject(undefined, tree({ "package.json": "{}", "agent.ts": "" })).entry).toBe("agent.ts");
  });

  test("no entrypoint: every path tried is listed, with how to pass one", () => {
    const root = tree({ "package.json": "{}" });
    try {
      detectProject(undefined, root);
      throw new Error("expected a failure");
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      const e = error as UserError;
      expect(e.message).toContain("no Node.js agent entrypoint found");
      expect(e.detail.join("\n")).toContain(join(root, "src", "main.ts"));
      expect(e.detail.join("\n")).toContain("lk agent session start path/to/agent");
    }
  });

  test("an explicit entrypoint must exist", () => {
    expect(() => detectProject("nope.py", tree({ "uv.lock": "" }))).toThrow(
      "entrypoint file not found: nope.py",
    );
  });

  test("an explicit entry is relative to the project root, found from the entry's folder", () => {
    const root = tree({ "requirements.txt": "", "agents/bot.py": "" });
    const p = detectProject(join(root, "agents", "bot.py"), "/");
    expect(p).toMatchObject({ kind: "python", root, entry: join("agents", "bot.py") });
  });

  test("an explicit .py entry ignores a tooling package.json beside it", () => {
    const root = tree({ "package.json": "{}", "requirements.txt": "", "agent.py": "" });
    expect(detectProject("agent.py", root)).toMatchObject({ kind: "python", root });
  });

  test("no project at all: says what was looked for", () => {
    const root = tree({ "notes.txt": "" });
    expect(() => detectProject(undefined, root)).toThrow(/no agent project found/);
  });
});
