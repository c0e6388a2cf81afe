// Replaced at build time by build.ts (`define`); a source run falls back to package.json.
declare const LK_BUILD_VERSION: string | undefined;

import pkg from "../package.json" with { type: "json" };

export const VERSION: string = typeof LK_BUILD_VERSION === "string" ? LK_BUILD_VERSION : pkg.version;
