// The session port with real sockets: replies are flushed before the daemon may exit.

import { afterEach, describe, expect, test } from "bun:test";
import { sendCommand } from "../../src/control/client.ts";
import { type ControlChannel, listen, type SessionPort } from "../../src/daemon/server.ts";
import { CONTROL_MAGIC } from "../../src/protocol/control.ts";
import { encodeFrame } from "../../src/wire/frame.ts";

const TOKEN = "t".repeat(64);
let port: SessionPort | undefined;
afterEach(() => port?.stop());

/** A port whose control requests wait in `channels` until the test answers them. */
function serve() {
  const channels: ControlChannel[] = [];
  let arrived: () => void = () => {};
  const next = () =>
    new Promise<void>((resolve) => {
      arrived = resolve;
    });
  port = listen(0, {
    token: TOKEN,
    agentSlotOpen: () => false,
    acceptAgentPeer: () => false,
    onAgent() {},
    onControl(_request, channel) {
      channels.push(channel);
      arrived();
    },
    log() {},
  });
  return { port, channels, next };
}

const isSettled = async (p: Promise<unknown>) => {
  let settled = false;
  void p.then(() => {
    settled = true;
  });
  await Bun.sleep(0);
  return settled;
};

describe("flushed", () => {
  test("waits for every client with a request to be answered", async () => {
    const { port, channels, next } = serve();
    const arrived = next();
    const reply = sendCommand({ port: port.port, token: TOKEN, command: { cmd: "status" } });
    await arrived;
    expect(await isSettled(port.flushed())).toBe(false);
    const channel = channels[0] as ControlChannel;
    channel.send({ t: "done", ok: false, code: "ending", error: "the session is ending" });
    channel.close();
    await port.flushed();
    expect(await reply).toEqual({ t: "done", ok: false, code: "ending", error: "the session is ending" });
  });

  test("a client that left counts as answered, and its channel says so at once", async () => {
    const { port, channels, next } = serve();
    const arrived = next();
    const socket = await Bun.connect({ hostname: "127.0.0.1", port: port.port, socket: { data() {} } });
    socket.write(CONTROL_MAGIC);
    socket.write(encodeFrame(new TextEncoder().encode(JSON.stringify({ v: 1, token: TOKEN, cmd: "ping" }))));
    await arrived;
    const channel = channels[0] as ControlChannel;
    const left = new Promise((resolve) => channel.gone.addEventListener("abort", resolve));
    socket.end();
    await left;
    expect(channel.closed).toBe(true);
    await port.flushed();
  });
});

describe("clients that stop sending or waiting", () => {
  test("a client that half-closed after its request is still there: its reply reaches it", async () => {
    const { port, channels, next } = serve();
    const arrived = next();
    const got: string[] = [];
    const { promise: closed, resolve } = Promise.withResolvers<void>();
    const socket = await Bun.connect({
      hostname: "127.0.0.1",
      port: port.port,
      socket: { data: (_s, chunk) => void got.push(new TextDecoder().decode(chunk)), close: () => resolve() },
    });
    socket.write(CONTROL_MAGIC);
    socket.write(encodeFrame(new TextEncoder().encode(JSON.stringify({ v: 1, token: TOKEN, cmd: "ping" }))));
    socket.shutdown();
    await arrived;
    const channel = channels[0] as ControlChannel;
    // The probe answers the FIN; a live client ignores it and is not taken for gone.
    while (!got.join("").includes("probe")) await Bun.sleep(5);
    expect(channel.closed).toBe(false);
    channel.send({ t: "done", ok: true });
    channel.close();
    await closed;
    expect(got.join("")).toContain(JSON.stringify({ t: "done", ok: true }));
  });

  test("a request read after its client stopped waiting (ackBy) is refused, never handed on", async () => {
    const { port, channels } = serve();
    const socket = await Bun.connect({ hostname: "127.0.0.1", port: port.port, socket: { data() {} } });
    const ackBy = Date.now() + 500;
    const frames: string[] = [];
    const { promise: closed, resolve } = Promise.withResolvers<void>();
    socket.reload({
      socket: {
        data: (_s, chunk) => void frames.push(new TextDecoder().decode(chunk)),
        close: () => resolve(),
      },
    });
    socket.write(CONTROL_MAGIC);
    socket.write(
      encodeFrame(new TextEncoder().encode(JSON.stringify({ v: 1, token: TOKEN, cmd: "ping", ackBy }))),
    );
    await closed;
    expect(frames.join("")).toContain('"code":"timeout"');
    expect(channels).toEqual([]);
  });
});
