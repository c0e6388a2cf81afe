// The client side's name for the port hint (the daemon's messages use it too: it lives in protocol/).

export { DEFAULT_PORT, portHint } from "../protocol/port-hint.ts";
