// The import rules of src/ (npm run lint): folders import one way only.
//
//   main.ts -> mcp -> commands, cli, session, render, protocol  (the MCP server runs commands in-process)
//   main.ts -> commands -> cli, session, control, render, state, agent, protocol, audio
//   session -> control, render, state, agent, protocol, audio   (the client side)
//   control -> protocol, wire                                (the LKCP client)
//   daemon  -> agent, state, protocol, wire, audio           (the background session)
//   cli     -> render, protocol                              (the command runner and its IO)
//   agent, render, state -> protocol                         protocol, wire, audio -> nothing
//
// src/errors.ts, src/version.ts, src/self.ts, src/safe-files.ts, src/interrupt.ts and src/profile.ts are leaves every folder may use.
// Any import not allowed below fails, and so does any cycle, inside a folder or between folders.

/** Folders each folder may import besides itself (and the top-level leaves). */
const ALLOWED = {
  mcp: ["commands", "cli", "session", "render", "protocol"],
  commands: ["cli", "session", "control", "render", "state", "agent", "protocol", "daemon", "audio"],
  session: ["control", "render", "state", "agent", "protocol", "audio"],
  control: ["protocol", "wire"],
  daemon: ["agent", "state", "protocol", "wire", "audio"],
  cli: ["render", "protocol"],
  agent: ["protocol"],
  render: ["protocol"],
  state: ["protocol"],
  protocol: [],
  wire: [],
  // PCM, WAV and the local TTS of the audio mode: loaded by audio sessions only.
  audio: [],
};

const LEAVES = "^src/(errors|version|self|safe-files|interrupt|profile)\\.ts$";

const folderRules = Object.entries(ALLOWED).map(([folder, allowed]) => ({
  name: `${folder}-imports`,
  comment: `src/${folder}/ may import only ${[folder, ...allowed].join(", ")} and the top-level leaves`,
  severity: "error",
  from: { path: `^src/${folder}/` },
  to: {
    path: "^src/",
    pathNot: [`^src/(${[folder, ...allowed].join("|")})/`, LEAVES],
  },
}));

module.exports = {
  forbidden: [
    ...folderRules,
    {
      name: "only-the-daemon-command-starts-the-daemon",
      comment: "commands reach src/daemon/ through the hidden daemon command alone",
      severity: "error",
      from: { path: "^src/commands/", pathNot: "^src/commands/daemon\\.ts$" },
      to: { path: "^src/daemon/" },
    },
    {
      name: "leaves-import-nothing-of-ours",
      severity: "error",
      from: { path: LEAVES },
      to: { path: "^src/", pathNot: LEAVES },
    },
    {
      name: "no-circular",
      comment: "a cycle of imports, inside a folder or across folders",
      severity: "error",
      from: { path: "^src/" },
      to: { circular: true },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      from: { path: "^src/" },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^src/wire/gen/" },
    // typescript 7 has no compiler API yet; swc parses TypeScript just as well for imports.
    parser: "swc",
    tsConfig: { fileName: "tsconfig.json" },
    // Bun's own modules and node: built-ins are not ours to check.
    externalModuleResolutionStrategy: "node_modules",
    enhancedResolveOptions: {
      conditionNames: ["import", "require", "node", "default"],
      exportsFields: ["exports"],
    },
  },
};
