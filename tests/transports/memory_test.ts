import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { memory, memoryNetwork } from "../../transports/memory/mod.ts";
import { makePacket, Recorder, transportSuite } from "../../core/testing/mod.ts";

transportSuite("memory", () => memory(memoryNetwork()), { hostname: "mem-server" });
transportSuite(
  "memory (delayed)",
  () => memory(memoryNetwork({ impairment: { delay: 1, jitter: 1 } })),
  { hostname: "mem-server" },
);

/** Sends `count` numbered packets over a fresh network and returns the numbers that arrived. */
async function arrivals(seed: number, count: number): Promise<number[]> {
  const net = memoryNetwork({ seed, impairment: { loss: 0.3, reorder: 0.3, delay: 1 } });
  const rec = new Recorder(2000);
  const server = await memory(net).listen({ hostname: "", port: 0 }, rec);
  const client = await memory(net).connect(server.localAddress, new Recorder(1000));
  for (let i = 0; i < count; i++) client.send(makePacket(1, i), server.localAddress);
  await new Promise((resolve) => setTimeout(resolve, 40));
  await Promise.all([client.close(), server.close()]);
  return rec.packets.map((p) => p.bytes[64]!);
}

describe("memory()", () => {
  it("memoryNetwork() names hosts mem-1, mem-2, … and skips names in use", async () => {
    const net = memoryNetwork();
    const a = await memory(net).listen({ hostname: "mem-2", port: 7 }, new Recorder(100));
    const b = await memory(net).connect(a.localAddress, new Recorder(100));
    const c = await memory(net).connect(a.localAddress, new Recorder(100));
    assert.deepEqual(a.localAddress, { hostname: "mem-2", port: 7 });
    assert.equal(b.localAddress.hostname, "mem-1");
    assert.equal(c.localAddress.hostname, "mem-3");
    await Promise.all([a.close(), b.close(), c.close()]);
  });

  it("an impaired memory network loses the same packets for the same seed, and reorders", async () => {
    const first = await arrivals(5, 60);
    const sorted = (xs: number[]) => [...xs].sort((x, y) => x - y);
    // Which packets survive is the seeded plan's; the order among equal timers is the runtime's.
    assert.deepEqual(sorted(await arrivals(5, 60)), sorted(first));
    assert.ok(first.length > 20 && first.length < 60, `arrived ${first.length}`);
    assert.notDeepEqual(first, sorted(first), "some packets were reordered");
  });

  it("memory() with mtu drops packets above it and delivers the rest", async () => {
    const net = memoryNetwork({ impairment: { mtu: 100 } });
    const rec = new Recorder(1000);
    const server = await memory(net).listen({ hostname: "mem-a", port: 1 }, rec);
    const client = await memory(net).connect(server.localAddress, new Recorder(100));
    client.send(makePacket(100), server.localAddress);
    client.send(makePacket(36), server.localAddress);
    await rec.until("the small packet", () => rec.packets.length === 1);
    assert.equal(rec.packets[0]?.bytes.length, 100);
    await Promise.all([client.close(), server.close()]);
  });

  it("memory() copies on send, so the sender may reuse its buffer", async () => {
    const net = memoryNetwork();
    const rec = new Recorder(1000);
    const server = await memory(net).listen({ hostname: "mem-a", port: 1 }, rec);
    const client = await memory(net).connect(server.localAddress, new Recorder(100));
    const buffer = makePacket(4, 1);
    client.send(buffer, server.localAddress);
    buffer.fill(0);
    await rec.until("the packet", () => rec.packets.length === 1);
    assert.deepEqual(rec.packets[0]?.bytes, makePacket(4, 1));
    await Promise.all([client.close(), server.close()]);
  });

  it("memoryNetwork() rejects bad impairment options at once", () => {
    assert.throws(() => memoryNetwork({ impairment: { loss: 2 } }), RangeError);
  });
});
