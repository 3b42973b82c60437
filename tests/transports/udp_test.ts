import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { TransportError } from "../../core/errors.ts";
import { denoSocketBufferSettable } from "../../transports/udp/_socket_buffer_deno.ts";
import { defaultUdpBinding, udp } from "../../transports/udp/mod.ts";
import { makePacket, Recorder, transportSuite } from "../../core/testing/mod.ts";

type Binding = "bun" | "deno" | "node";

/** A Linux sysctl number, or 0 where it cannot be read. */
function kernelLimit(path: string): number {
  try {
    return Number(readFileSync(path, "utf8").trim()) || 0;
  } catch {
    return 0;
  }
}

/** Every binding this runtime can run: its own native one (if present) and node:dgram. */
function availableBindings(): Binding[] {
  const native = defaultUdpBinding();
  return native === "node" ? ["node"] : [native, "node"];
}

for (const binding of availableBindings()) {
  for (const hostname of ["127.0.0.1", "::1"]) {
    transportSuite(`udp (${binding}) ${hostname}`, () => udp({ binding }), { hostname });
  }
}

describe("udp()", () => {
  it("udp() names itself and reports the datagram kind", () => {
    const transport = udp();
    assert.equal(transport.name, "udp");
    assert.equal(transport.kind, "datagram");
  });

  it("udp() rejects an unknown binding and a bad maxPacketSize", () => {
    assert.throws(() => udp({ binding: "java" as Binding }), TypeError);
    assert.throws(() => udp({ maxPacketSize: 65_508 }), RangeError);
    assert.throws(() => udp({ maxPacketSize: 63 }), RangeError);
    assert.throws(() => udp({ maxInFlight: 0 }), RangeError);
    assert.throws(() => udp({ socketBuffer: 0 }), RangeError);
    assert.throws(() => udp({ socketBuffer: 2 ** 31 }), RangeError);
  });

  it("udp() refuses a binding this runtime lacks", () => {
    const missing = (["bun", "deno"] as const).filter((b) => !availableBindings().includes(b));
    for (const binding of missing) assert.throws(() => udp({ binding }), TypeError);
  });

  for (const binding of availableBindings()) {
    it(`udp({ binding: "${binding}" }) enforces a lower maxPacketSize before the socket`, async () => {
      const link = await udp({ binding, maxPacketSize: 1200 }).listen(
        { hostname: "127.0.0.1", port: 0 },
        new Recorder(1000),
      );
      try {
        assert.equal(link.maxPacketSize, 1200);
        assert.throws(
          () => link.send(new Uint8Array(1201), link.localAddress),
          (e: unknown) => e instanceof TransportError && e.code === "THING_ERR_PACKET_TOO_LARGE",
        );
      } finally {
        await link.close();
      }
    });

    it(`udp({ binding: "${binding}" }) client link turns to a second server and hears its answers (failover)`, async () => {
      const transport = udp({ binding });
      const first = new Recorder(3000);
      const second = new Recorder(3000);
      const serverA = await transport.listen({ hostname: "127.0.0.1", port: 0 }, first);
      const serverB = await transport.listen({ hostname: "127.0.0.1", port: 0 }, second);
      const heard = new Recorder(3000);
      const client = await transport.connect(serverA.localAddress, heard);
      try {
        client.send(makePacket(16, 1), serverA.localAddress);
        await first.until("a packet at A", () => first.packets.length === 1);
        client.send(makePacket(16, 2), serverB.localAddress);
        await second.until("a packet at B", () => second.packets.length === 1);
        assert.deepEqual(second.packets[0]?.bytes, makePacket(16, 2));
        serverB.send(makePacket(16, 3), second.packets[0]!.peer);
        await heard.until("B's answer", () => heard.packets.length === 1);
        assert.deepEqual(heard.packets[0]?.peer.port, serverB.localAddress.port);
      } finally {
        await client.close();
        await serverA.close();
        await serverB.close();
      }
    });

    it(`udp({ binding: "${binding}" }) delivers 5 bursts of 100 packets, each sent in one tick`, async () => {
      const rec = new Recorder(3000);
      const transport = udp({ binding });
      const server = await transport.listen({ hostname: "127.0.0.1", port: 0 }, rec);
      const client = await transport.connect(server.localAddress, new Recorder(1000));
      try {
        // 100 small packets fit the smallest common kernel receive buffer (about 208 KiB).
        for (let round = 1; round <= 5; round++) {
          for (let i = 0; i < 100; i++) client.send(makePacket(16, i), server.localAddress);
          await rec.until(`${round * 100} packets`, () => rec.packets.length === round * 100);
        }
        assert.deepEqual(rec.packets[499]?.bytes, makePacket(16, 99));
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
    });
  }

  for (const binding of availableBindings()) {
    // A closed link's receive buffer may serve the next link (Deno): what it delivered must stay.
    it(`udp({ binding: "${binding}" }) links opened after others closed deliver intact packets`, async () => {
      const rec = new Recorder(2000);
      const transport = udp({ binding });
      const server = await transport.listen({ hostname: "127.0.0.1", port: 0 }, rec);
      const replies: Uint8Array[] = [];
      try {
        for (let i = 0; i < 4; i++) {
          const got = new Recorder(2000);
          got.onPacket = (bytes) => void replies.push(bytes); // as delivered, not a copy
          const client = await transport.connect(server.localAddress, got);
          client.send(makePacket(1000 + i, i), server.localAddress);
          await rec.until(`packet ${i}`, () => rec.packets.length === i + 1);
          server.send(makePacket(2000 - i, i), rec.packets[i]!.peer);
          await got.until(`reply ${i}`, () => got.packets.length === 1);
          await client.close();
        }
        replies.forEach((bytes, i) =>
          assert.deepEqual(Uint8Array.from(bytes), makePacket(2000 - i, i))
        );
        rec.packets.forEach(({ bytes }, i) => assert.deepEqual(bytes, makePacket(1000 + i, i)));
      } finally {
        await server.close();
      }
    });
  }

  for (const binding of availableBindings()) {
    // Deno hands large datagrams over as views of its receive buffer: no later receive may write
    // over one. 70 of 16 KiB cross more than one 512 KiB receive buffer; small ones are between.
    it(`udp({ binding: "${binding}" }) large datagrams stay intact after many more are received`, async () => {
      const got: Uint8Array[] = [];
      const rec = new Recorder(3000);
      rec.onPacket = (bytes) => void got.push(bytes); // as delivered, not a copy
      const transport = udp({ binding });
      const server = await transport.listen({ hostname: "127.0.0.1", port: 0 }, rec);
      const client = await transport.connect(server.localAddress, new Recorder(1000));
      const sent = Array.from({ length: 70 }, (_, i) => makePacket(i % 5 === 0 ? 100 : 16_384, i));
      try {
        // Eight at a time, well inside the smallest common kernel receive buffer.
        for (let at = 0; at < sent.length; at += 8) {
          for (const bytes of sent.slice(at, at + 8)) client.send(bytes, server.localAddress);
          const expected = Math.min(at + 8, sent.length);
          await rec.until(`${expected} datagrams`, () => got.length === expected);
        }
        // Each datagram is filled with its index (Deno may reorder the first few on loopback).
        const byIndex = [...got].sort((a, b) => a[0]! - b[0]!);
        byIndex.forEach((bytes, i) => assert.deepEqual(Uint8Array.from(bytes), sent[i], `#${i}`));
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
    });
  }

  for (const binding of availableBindings()) {
    it(`udp({ binding: "${binding}" }) calls send's \`sent\` once per packet, after its last read`, async () => {
      const got: Uint8Array[] = [];
      const rec = new Recorder(3000);
      rec.onPacket = (bytes) => void got.push(Uint8Array.from(bytes));
      const transport = udp({ binding, maxInFlight: 4 });
      const server = await transport.listen({ hostname: "127.0.0.1", port: 0 }, rec);
      const client = await transport.connect(server.localAddress, new Recorder(1000));
      const sent = Array.from({ length: 8 }, (_, i) => makePacket(20_000, i));
      const calls = sent.map(() => 0);
      try {
        // Eight in one tick with room for four: four go, four are dropped; each is released once,
        // and overwriting a released packet changes nothing that arrives.
        sent.forEach((bytes, i) => {
          const copy = bytes.slice();
          client.send(copy, server.localAddress, () => {
            calls[i]!++;
            copy.fill(0xee);
          });
        });
        await rec.until("every send released", () => calls.every((n) => n > 0));
        await rec.until("4 datagrams", () => got.length >= 4);
        await new Promise((resolve) => setTimeout(resolve, 50));
        assert.deepEqual(calls, sent.map(() => 1));
        assert.equal(got.length, 4);
        for (const bytes of got) {
          assert.ok(bytes[0]! < sent.length, "a packet overwritten after its release");
          assert.deepEqual(bytes, sent[bytes[0]!], `#${bytes[0]}`);
        }
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
    });
  }

  // Bun's sendMany can throw (e.g. ECONNREFUSED after a peer vanished) inside the microtask that
  // flushes a tick's batch, where a throw would be unhandled: it must reach `error` instead.
  const bun = (globalThis as { Bun?: { udpSocket: (o: unknown) => Promise<unknown> } }).Bun;
  it('udp({ binding: "bun" }) reports a sendMany that throws as an error and keeps going', {
    skip: bun ? false : "Bun only",
  }, async () => {
    const original = bun!.udpSocket;
    let failures = 1;
    bun!.udpSocket = async (options: unknown) => {
      const socket = await original.call(bun, options) as { sendMany(p: unknown[]): number };
      const sendMany = socket.sendMany.bind(socket);
      socket.sendMany = (packets: unknown[]) => {
        if (failures-- > 0) throw new Error("sendMany failed: ECONNREFUSED");
        return sendMany(packets);
      };
      return socket;
    };
    const rec = new Recorder(2000);
    const server = await udp({ binding: "bun" }).listen({ hostname: "127.0.0.1", port: 0 }, rec);
    const errors = new Recorder(2000);
    let client;
    try {
      client = await udp({ binding: "bun" }).connect(server.localAddress, errors);
    } finally {
      bun!.udpSocket = original;
    }
    try {
      client.send(makePacket(16, 1), server.localAddress);
      await errors.until("the send error", () => errors.errors.length === 1);
      assert.match(errors.errors[0]!.message, /ECONNREFUSED/);
      client.send(makePacket(16, 2), server.localAddress);
      await rec.until("the next packet", () => rec.packets.length === 1);
      assert.deepEqual(rec.packets[0]!.bytes, makePacket(16, 2));
    } finally {
      await Promise.all([client.close(), server.close()]);
    }
  });

  // 30 datagrams of 60,000 bytes sent in one tick overflow the kernel's default receive buffer
  // (212,992 bytes holds about three); a raised SO_RCVBUF holds them all. Deno's node:dgram cannot
  // raise it, its own socket API only through FFI on Linux, and a kernel whose rmem_max is low
  // caps it.
  const rmemMax = kernelLimit("/proc/sys/net/core/rmem_max");
  for (const binding of availableBindings()) {
    const skip = "Deno" in globalThis && (binding !== "deno" || !denoSocketBufferSettable())
      ? `Deno's '${binding}' binding cannot raise UDP socket buffers here`
      : rmemMax < 4 * 1024 * 1024
      ? "net.core.rmem_max is below 4 MiB"
      : false;
    it(`udp({ binding: "${binding}" }) raises the socket buffer: a 1.8 MB burst arrives whole`, {
      skip,
    }, async () => {
      const rec = new Recorder(5000);
      const transport = udp({ binding });
      const server = await transport.listen({ hostname: "127.0.0.1", port: 0 }, rec);
      const client = await transport.connect(server.localAddress, new Recorder(1000));
      try {
        for (let i = 0; i < 30; i++) client.send(makePacket(60_000, i), server.localAddress);
        await rec.until("30 packets", () => rec.packets.length === 30);
        // Each once and intact, in any order (Deno sends a burst made in one tick last first).
        const fills = rec.packets.map(({ bytes }) => bytes[0]!).sort((a, b) => a - b);
        assert.deepEqual(fills, Array.from({ length: 30 }, (_, i) => i));
        for (const { bytes } of rec.packets) {
          const sent = makePacket(60_000, bytes[0]!);
          assert.ok(bytes.every((byte, i) => byte === sent[i]), `packet ${bytes[0]} changed`);
        }
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
    });
  }
});
