// The generated protobuf code (~300 KB), evaluated on first use rather than when its importer loads:
// in a compiled binary that evaluation costs ~2 ms, which the daemon spends after it has spawned its
// agent (whose own start takes far longer), not before. Everything of the daemon that needs a
// message type or an enum at run time gets it here; types are imported as types.

type Generated = typeof import("./gen/livekit_agent_session.ts");
let generated: Generated | undefined;

/** The generated messages and enums, evaluated on the first call. */
export function wireMessages(): Generated {
  generated ??= require("./gen/livekit_agent_session.ts") as Generated;
  return generated;
}
