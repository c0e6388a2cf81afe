// The session port with real sockets: replies are flushed before the daemon may exit.

import { afterEach, describe, expect, test } from "bun:test";
import { requestBytes, sendCommand } from "../../src/control/client.ts";
import { type ControlChannel, listen, type SessionPort } from "../../src/daemon/server.ts";
import { CONTROL_MAGIC } from "../../src/protocol/control.ts";

const TOKEN = "t".repeat(64);
let port: SessionPort | undefined;
afterEach(() => port?.stop());

/** A port whose control requests wait in `channels` until the test answers them; `agents` opens the agent slot. */
function serve(agents = false) {
  const channels: ControlChannel[] = [];
  const logs: string[] = [];
  let arrived: () => void = () => {};
  const next = () =>
    new Promise<void>((resolve) => {
      arrived = resolve;
    });
  port = listen(0, {
    token: TOKEN,
    agentSlotOpen: () => agents,
    acceptAgentPeer: () => agents,
    onAgent() {},
    onControl(_request, channel) {
      channels.push(channel);
      arrived();
    },
    log: (line) => void logs.push(line),
  });
  return { port, channels, next, logs };
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
    for (const part of requestBytes(TOKEN, { cmd: "ping" })) socket.write(part);
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
    for (const part of requestBytes(TOKEN, { cmd: "ping" })) socket.write(part);
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
    for (const part of requestBytes(TOKEN, { cmd: "ping", ackBy })) socket.write(part);
    await closed;
    expect(frames.join("")).toContain('"code":"timeout"');
    expect(channels).toEqual([]);
  });
});

/** A connection that sends `bytes`; resolves once the server closed it. */
async function closedAfter(port: SessionPort, bytes: Uint8Array[]): Promise<void> {
  const { promise, resolve } = Promise.withResolvers<void>();
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port: port.port,
    socket: { data() {}, close: () => resolve() },
  });
  for (const b of bytes) socket.write(b);
  return promise;
}

const header = (length: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, length);
  return b;
};

describe("strangers hold little", () => {
  test("an auth frame over 4 KiB is refused from its header", async () => {
    const { port, logs } = serve();
    await closedAfter(port, [CONTROL_MAGIC, header(4097)]);
    expect(logs).toContain("closing control connection: frame of 4097 bytes exceeds the 4096-byte limit");
  });

  test("a would-be agent gets no more than an agent's own 1 MiB until its first frame shows it is one", async () => {
    const { port, logs } = serve(true);
    await closedAfter(port, [header(64 * 1024 * 1024)]);
    expect(logs).toContain(
      "closing agent-candidate connection: frame of 67108864 bytes exceeds the 1048576-byte limit",
    );
  });

  test("past 64 waiting strangers the oldest is closed, and a client with the token gets through", async () => {
    const { port, logs, channels, next } = serve();
    let closed = 0;
    const sockets = [];
    for (let i = 0; i < 70; i++) {
      sockets.push(
        await Bun.connect({
          hostname: "127.0.0.1",
          port: port.port,
          socket: { data() {}, close: () => void closed++ },
        }),
      );
      sockets.at(-1)?.write(CONTROL_MAGIC);
    }
    const arrived = next();
    const reply = sendCommand({ port: port.port, token: TOKEN, command: { cmd: "ping" } });
    await arrived;
    // 70 strangers and our client: 7 made room (their close events come in their own time).
    while (closed < 7) await Bun.sleep(5);
    expect(closed).toBe(7);
    expect(logs.filter((l) => l.startsWith("too many connections"))).toHaveLength(1);
    const channel = channels[0] as ControlChannel;
    channel.send({ t: "done", ok: true });
    channel.close();
    expect(await reply).toEqual({ t: "done", ok: true });
    for (const s of sockets) s.terminate();
  });
});
