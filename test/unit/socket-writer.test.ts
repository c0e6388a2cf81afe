import { describe, expect, test } from "bun:test";
import { SocketWriter, type WritableSocket } from "../../src/wire/socket-writer.ts";

/** A socket that takes at most `room` bytes per write, as a full kernel buffer does. */
class TightSocket implements WritableSocket {
  readonly sent: number[] = [];
  ended = false;
  constructor(public room: number) {}
  write(data: Uint8Array): number {
    const n = Math.min(this.room, data.length);
    this.sent.push(...data.subarray(0, n));
    return n;
  }
  end(): void {
    this.ended = true;
  }
}

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => {
    done = true;
  });
  await Promise.resolve();
  await Promise.resolve();
  return done;
};

describe("SocketWriter", () => {
  test("what the socket did not take goes out on drain, in order", () => {
    const socket = new TightSocket(2);
    const writer = new SocketWriter(socket);
    writer.write(new Uint8Array([1, 2, 3]));
    writer.write(new Uint8Array([4, 5]));
    expect(socket.sent).toEqual([1, 2]);
    expect(writer.pendingBytes).toBe(3);
    socket.room = 100;
    writer.drain();
    expect(socket.sent).toEqual([1, 2, 3, 4, 5]);
    expect(writer.pendingBytes).toBe(0);
  });

  test("end closes the socket only once everything queued went out; then it is flushed", async () => {
    const socket = new TightSocket(1);
    const writer = new SocketWriter(socket);
    writer.write(new Uint8Array([1, 2, 3]));
    writer.end();
    writer.write(new Uint8Array([9]));
    expect(socket.ended).toBe(false);
    expect(await settled(writer.flushed)).toBe(false);
    writer.drain();
    writer.drain();
    expect(socket.ended).toBe(true);
    expect(socket.sent).toEqual([1, 2, 3]);
    expect(await settled(writer.flushed)).toBe(true);
  });

  test("a peer that left: what is queued is dropped and the writer counts as flushed", async () => {
    const writer = new SocketWriter(new TightSocket(0));
    writer.write(new Uint8Array([1]));
    writer.abandon();
    expect(writer.pendingBytes).toBe(0);
    expect(await settled(writer.flushed)).toBe(true);
  });
});
