import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { TransportError } from "../../core/errors.ts";
import { defaultUdpBinding, udp } from "../../transports/udp/mod.ts";
import { makePacket, Recorder, transportSuite } from "../conformance/transport_suite.ts";

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

  // 30 datagrams of 60,000 bytes sent in one tick overflow the kernel's default receive buffer
  // (212,992 bytes holds about three); a raised SO_RCVBUF holds them all. Deno's own socket API
  // (and its node:dgram) cannot raise it, and a kernel whose rmem_max is low caps it.
  const rmemMax = kernelLimit("/proc/sys/net/core/rmem_max");
  for (const binding of availableBindings()) {
    const skip = "Deno" in globalThis
      ? "Deno cannot raise UDP socket buffers"
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
        assert.deepEqual(rec.packets[29]?.bytes, makePacket(60_000, 29));
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
    });
  }
});
