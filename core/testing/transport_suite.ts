/**
 * The transport conformance suite: the tests every built-in transport passes, for a third party's
 * transport to pass too. Call `transportSuite()` at the top level of a `*_test.ts` file; it
 * registers its tests with `node:test` (run them with `deno test`, `bun test` or `node --test`).
 *
 * @example
 * ```ts
 * import { transportSuite } from "@thing/net/testing";
 * import { memory, memoryNetwork } from "@thing/net/transports/memory";
 *
 * // Call it at the top level of a `*_test.ts` file: the suite for your transport (memory here).
 * function memorySuite(): void {
 *   transportSuite("memory", () => memory(memoryNetwork()), { hostname: "mem-server" });
 * }
 * console.log(typeof memorySuite); // function
 * ```
 *
 * @module
 */

import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import { ThingError } from "../errors.ts";
import {
  addressKey,
  type Link,
  type LinkHandlers,
  type PeerAddress,
  type Transport,
} from "../transport.ts";

/** Where the suite binds and what it may expect from the transport. */
export interface TransportSuiteOptions {
  /** Host to listen on and connect to: `127.0.0.1`, `::1`, a memory host name. */
  hostname: string;
  /** Milliseconds any single wait may take before the test fails (default 3,000). */
  timeoutMs?: number;
}

/** A packet with a valid header length field: 64 header bytes, then `payloadLength` bytes of `fill`. */
export function makePacket(payloadLength: number, fill = 0xab): Uint8Array {
  const bytes = new Uint8Array(64 + payloadLength).fill(fill);
  new DataView(bytes.buffer).setUint16(52, payloadLength);
  return bytes;
}

/** Collects everything a link reports, with waits that time out instead of hanging. */
export class Recorder implements LinkHandlers {
  /** Every packet received (copied), with its sender. */
  readonly packets: Array<{ bytes: Uint8Array; peer: PeerAddress }> = [];
  /** Every error reported. */
  readonly errors: Error[] = [];
  /** Every stream peer reported gone. */
  readonly closed: PeerAddress[] = [];
  /** Called after each packet is recorded (e.g. to echo it). */
  onPacket: ((bytes: Uint8Array, peer: PeerAddress) => void) | undefined;
  /** How long `until()` waits. */
  readonly timeoutMs: number;
  #changed: Array<() => void> = [];

  /** @param timeoutMs how long `until()` waits before it rejects */
  constructor(timeoutMs: number) {
    this.timeoutMs = timeoutMs;
  }

  /** Records a packet. */
  packet(bytes: Uint8Array, peer: PeerAddress): void {
    this.packets.push({ bytes: new Uint8Array(bytes), peer });
    this.onPacket?.(bytes, peer);
    this.#wake();
  }

  /** Records an error. */
  error(error: Error): void {
    this.errors.push(error);
    this.#wake();
  }

  /** Records a stream peer that went away. */
  peerClosed(peer: PeerAddress): void {
    this.closed.push(peer);
    this.#wake();
  }

  /** Resolves once `condition()` holds; rejects after the timeout with `what` in the message. */
  async until(what: string, condition: () => boolean): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while (!condition()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 50));
        this.#changed.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  #wake(): void {
    const waiters = this.#changed;
    this.#changed = [];
    for (const wake of waiters) wake();
  }
}

/** Asserts that `fn` throws a `ThingError` with `code`. */
export function assertThrowsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (error: unknown) => error instanceof ThingError && error.code === code);
}

/**
 * Registers the shared transport tests under `describe(name)`.
 *
 * @param name the suite title, e.g. `udp 127.0.0.1`
 * @param makeTransport builds a fresh transport for each test
 * @param opts where to bind and how long to wait
 */
export function transportSuite(
  name: string,
  makeTransport: () => Transport,
  opts: TransportSuiteOptions,
): void {
  const { hostname, timeoutMs = 3_000 } = opts;
  const open: Link[] = [];
  const recorder = () => new Recorder(timeoutMs);

  async function listen(transport: Transport, handlers: LinkHandlers, port = 0): Promise<Link> {
    const link = await transport.listen({ hostname, port }, handlers);
    open.push(link);
    return link;
  }

  async function connect(transport: Transport, server: Link, handlers: LinkHandlers) {
    const link = await transport.connect({ hostname, port: server.localAddress.port }, handlers);
    open.push(link);
    return link;
  }

  /** A server that echoes every packet back to its sender. */
  async function echoServer(transport: Transport): Promise<[Link, Recorder]> {
    const rec = recorder();
    const server = await listen(transport, rec);
    rec.onPacket = (bytes, peer) => server.send(bytes.slice(), peer);
    return [server, rec];
  }

  describe(`${name} transport conformance`, () => {
    afterEach(async () => {
      await Promise.all(open.splice(0).map((link) => link.close()));
    });

    it("listen() and connect() carry packets both ways", async () => {
      const transport = makeTransport();
      const [server, serverRec] = await echoServer(transport);
      assert.equal(server.kind, transport.kind);
      const rec = recorder();
      const client = await connect(transport, server, rec);
      const packet = makePacket(100, 7);
      client.send(packet, server.localAddress);
      await rec.until("the echo", () => rec.packets.length === 1);
      assert.deepEqual(rec.packets[0]?.bytes, packet);
      assert.equal(addressKey(serverRec.packets[0]!.peer), addressKey(client.localAddress));
    });

    it("serves 20 clients at once", async () => {
      const transport = makeTransport();
      const [server] = await echoServer(transport);
      const clients = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        const rec = recorder();
        return { i, rec, link: await connect(transport, server, rec) };
      }));
      const sendAll = () => {
        for (const { i, link, rec } of clients) {
          for (let k = rec.packets.length; k < 3; k++) {
            link.send(makePacket(32, i), server.localAddress);
          }
        }
      };
      sendAll();
      // A datagram transport may drop a burst (Deno's node:dgram does, even on loopback): resend
      // what has not been echoed yet, as any datagram protocol would. Stream transports never lose.
      const resend = transport.kind === "datagram" ? setInterval(sendAll, 200) : undefined;
      try {
        await Promise.all(clients.map(async ({ i, rec }) => {
          await rec.until(`3 echoes for client ${i}`, () => rec.packets.length >= 3);
          for (const { bytes } of rec.packets) assert.deepEqual(bytes, makePacket(32, i));
        }));
      } finally {
        clearInterval(resend);
      }
    });

    it("carries a packet of maxPacketSize both ways", async () => {
      const transport = makeTransport();
      const [server] = await echoServer(transport);
      const rec = recorder();
      const client = await connect(transport, server, rec);
      const big = makePacket(client.maxPacketSize - 64, 0x5a);
      big[100] = 1;
      client.send(big, server.localAddress);
      await rec.until("the big echo", () => rec.packets.length === 1);
      assert.deepEqual(rec.packets[0]?.bytes, big);
    });

    it("send() refuses an oversize packet and keeps working", async () => {
      const transport = makeTransport();
      const [server] = await echoServer(transport);
      const rec = recorder();
      const client = await connect(transport, server, rec);
      const tooBig = new Uint8Array(client.maxPacketSize + 1);
      assertThrowsCode(
        () => client.send(tooBig, server.localAddress),
        "THING_ERR_PACKET_TOO_LARGE",
      );
      client.send(makePacket(0), server.localAddress);
      await rec.until("an echo after the refusal", () => rec.packets.length === 1);
    });

    it("close() while sending resolves and later sends throw THING_ERR_CLOSED", async () => {
      const transport = makeTransport();
      const [server] = await echoServer(transport);
      const rec = recorder();
      const client = await connect(transport, server, rec);
      for (let i = 0; i < 200; i++) client.send(makePacket(1000, i), server.localAddress);
      const closing = client.close();
      assertThrowsCode(() => client.send(makePacket(0), server.localAddress), "THING_ERR_CLOSED");
      const serverClosing = server.close();
      await Promise.all([closing, serverClosing]);
      assertThrowsCode(() => server.send(makePacket(0), client.localAddress), "THING_ERR_CLOSED");
    });

    it("close() is idempotent", async () => {
      const transport = makeTransport();
      const server = await listen(transport, recorder());
      await Promise.all([server.close(), server.close()]);
      await server.close();
      assertThrowsCode(() => server.send(makePacket(0), server.localAddress), "THING_ERR_CLOSED");
    });

    it("a throwing packet handler is reported and the link keeps receiving", async () => {
      const transport = makeTransport();
      const rec = recorder();
      let calls = 0;
      const server = await listen(transport, {
        packet: (bytes, peer) => {
          calls++;
          if (calls === 1) throw new Error("handler bug");
          rec.packet(bytes, peer);
        },
        error: (error) => rec.error(error),
      });
      const client = await connect(transport, server, recorder());
      client.send(makePacket(1, 1), server.localAddress);
      await rec.until("the handler error", () => rec.errors.length === 1);
      client.send(makePacket(1, 2), server.localAddress);
      await rec.until("the second packet", () => rec.packets.length === 1);
      assert.equal(rec.errors[0]?.message, "handler bug");
    });

    it("a vanished peer does not disturb the link", async () => {
      const transport = makeTransport();
      const [server, serverRec] = await echoServer(transport);
      const goneRec = recorder();
      const gone = await connect(transport, server, goneRec);
      gone.send(makePacket(1), server.localAddress);
      await goneRec.until("the first echo", () => goneRec.packets.length === 1);
      const goneAddress = gone.localAddress;
      await gone.close();
      if (transport.kind === "stream") {
        await serverRec.until("peerClosed", () => serverRec.closed.length === 1);
        assert.equal(addressKey(serverRec.closed[0]!), addressKey(goneAddress));
      } else {
        server.send(makePacket(1), goneAddress);
      }
      const rec = recorder();
      const other = await connect(transport, server, rec);
      other.send(makePacket(2), server.localAddress);
      await rec.until("an echo to another peer", () => rec.packets.length === 1);
    });

    it("garbage disconnects only that stream peer, or arrives as bytes on a datagram link", async () => {
      const transport = makeTransport();
      const [server, serverRec] = await echoServer(transport);
      const goodRec = recorder();
      const good = await connect(transport, server, goodRec);
      const bad = await connect(transport, server, recorder());
      const garbage = new Uint8Array(64).fill(0xff); // header claims a 65,535-byte payload
      bad.send(garbage, server.localAddress);
      if (transport.kind === "stream") {
        await serverRec.until("the bad peer's removal", () => serverRec.closed.length === 1);
        assert.equal(addressKey(serverRec.closed[0]!), addressKey(bad.localAddress));
        assert.ok(serverRec.errors.length >= 1, "the bad frame is reported to handlers.error");
      } else {
        await serverRec.until("the garbage", () => serverRec.packets.length === 1);
        assert.deepEqual(serverRec.packets[0]?.bytes, garbage);
      }
      good.send(makePacket(3), server.localAddress);
      await goodRec.until("an echo to the good peer", () => goodRec.packets.length >= 1);
      assert.deepEqual(goodRec.packets.at(-1)?.bytes, makePacket(3));
    });

    it("listen() on a taken port rejects with THING_ERR_ADDRESS_IN_USE", async () => {
      const transport = makeTransport();
      const server = await listen(transport, recorder());
      await assert.rejects(
        listen(transport, recorder(), server.localAddress.port),
        (error: unknown) =>
          error instanceof ThingError && error.code === "THING_ERR_ADDRESS_IN_USE" &&
          error.message.includes(String(server.localAddress.port)),
      );
    });

    it("ready() resolves on an idle link", async () => {
      const transport = makeTransport();
      const [server] = await echoServer(transport);
      const client = await connect(transport, server, recorder());
      await client.ready?.(server.localAddress);
      client.send(makePacket(0), server.localAddress);
      await client.ready?.(server.localAddress);
    });
  });
}
