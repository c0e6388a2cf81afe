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

  const rootWith = (pyproject: string) => findProjectRoot(tree({ "pyproject.toml": pyproject }));

  test("pyproject.toml: uv only with a [tool.uv] table", () => {
    expect(rootWith("[project]\nname='a'\n[tool.uv]\ndev-dependencies=[]\n")).toMatchObject({
      kind: "python",
      pythonFlavor: "uv",
      marker: "pyproject.toml",
    });
    // An empty table counts: it is still uv's configuration.
    expect(rootWith("[tool.uv]\n")?.pythonFlavor).toBe("uv");
    expect(rootWith("[tool.uv.sources]\nx={path='.'}\n")?.pythonFlavor).toBe("uv");
    // Dotted keys and inline tables, which a line-by-line match would miss.
    expect(rootWith("[tool]\nuv.package = false\n")?.pythonFlavor).toBe("uv");
    expect(rootWith("tool = { uv = { package = false } }\n")?.pythonFlavor).toBe("uv");
  });

  test("pyproject.toml: anything else is pip-style", () => {
    expect(rootWith("[tool.poetry]\nname='a'\n")?.pythonFlavor).toBe("pip");
    expect(rootWith("[project]\nname='a'\n")?.pythonFlavor).toBe("pip");
    expect(rootWith("")?.pythonFlavor).toBe("pip");
    // Only tables named tool.uv count, not text that looks like one.
    expect(rootWith("[tool.uvicorn]\nport = 1\n")?.pythonFlavor).toBe("pip");
    expect(rootWith('[project]\ndescription = """\n[tool.uv]\n"""\n')?.pythonFlavor).toBe("pip");
    expect(rootWith("# [tool.uv]\n[project]\nname = 'a'\n")?.pythonFlavor).toBe("pip");
  });

  test("a malformed pyproject.toml does not crash detection: it is a pip-style project", () => {
    for (const broken of [
      "[tool.uv\npackage = false\n",
      "[tool.uv]\npackage = \n",
      "[[[\n",
      "\u0000\u00ff",
    ]) {
      expect(rootWith(broken)).toMatchObject({
        kind: "python",
        pythonFlavor: "pip",
        marker: "pyproject.toml",
      });
    }
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
