import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { SeededRandom } from "../../../core/clock.ts";
import { Impairment } from "../../../core/testing/impairment.ts";
import { MAX_PROBES, PathMtu, SEARCH_GRANULARITY } from "../../../plugins/streams/path_mtu.ts";
import { streamSession } from "../../../plugins/streams/mod.ts";
import { bytesOf, drive, readAll, sameBytes, streamPair, track, writeAll } from "./_sim.ts";

/** Runs a search against a path that carries packets up to `path` bytes; returns the probes sent. */
function search(mtu: PathMtu, path: number): number[] {
  const probes: number[] = [];
  let now = 0;
  for (let pn = 0; pn < 200; pn++) {
    const size = mtu.due(now);
    if (size === undefined) break;
    probes.push(size);
    mtu.sent(pn, size, now + 100);
    if (size <= path) mtu.onAck([{ first: pn, last: pn }], now + 10);
    else mtu.onTimeout(now += 100);
    now += 10;
  }
  return probes;
}

describe("streams() path MTU discovery (DPLPMTUD, RFC 8899)", () => {
  it("PathMtu takes the ceiling at once when the path carries it", () => {
    const mtu = new PathMtu(1200, 65_507);
    assert.deepEqual(search(mtu, 65_507), [65_507]);
    assert.equal(mtu.size, 65_507);
    assert.equal(mtu.deadline, undefined, "nothing left to search for");
  });

  it("PathMtu gives a size up after MAX_PROBES losses and binary-searches below it", () => {
    const mtu = new PathMtu(1200, 65_507);
    const probes = search(mtu, 9000);
    assert.deepEqual(probes.slice(0, MAX_PROBES), [65_507, 65_507, 65_507]);
    assert.ok(mtu.size <= 9000 && mtu.size > 9000 - SEARCH_GRANULARITY, `size ${mtu.size}`);
    assert.ok(probes.length < 60, `${probes.length} probes`);
    assert.ok(mtu.deadline! > 600_000 - 1, "the next search waits for the raise timer");
  });

  it("PathMtu falls back to the base on a black hole and searches again below the size that failed", () => {
    const mtu = new PathMtu(1200, 9000);
    search(mtu, 9000);
    assert.equal(mtu.size, 9000);
    assert.equal(mtu.blackHole(), true);
    assert.equal(mtu.size, 1200);
    assert.equal(mtu.blackHoles, 1);
    const probes = search(mtu, 1500);
    assert.ok(probes.every((size) => size < 9000), String(probes));
    assert.ok(mtu.size <= 1500 && mtu.size > 1500 - SEARCH_GRANULARITY, `size ${mtu.size}`);
    assert.equal(new PathMtu(1200, 1200).due(0), undefined, "no ceiling above the base: no search");
  });

  it("climbs from 1,200 to what the path carries and shows it in stats", async () => {
    const p = await streamPair({ packetSize: 1200, maxPacketSize: 16_448 }, {
      mtu: 9000,
      delay: 5,
    }, 3);
    const client = streamSession(p.clientSession);
    const server = streamSession(p.serverSession);
    assert.equal(client.stats.packetSize, 1200);
    const data = bytesOf(3_000_000);
    const stream = await client.createUnidirectionalStream();
    const written = track(writeAll(stream.writable, data));
    const incoming = track(server.incomingUnidirectionalStreams.getReader().read());
    await drive(p.net, () => incoming.done);
    const read = track(readAll(incoming.value!.value!.readable));
    await drive(p.net, () => written.done && read.done);
    assert.ok(sameBytes(read.value!, data));
    await p.net.runFor(5_000); // the search goes on while the session idles
    const { packetSize, mtuProbes, blackHoles } = client.stats;
    assert.ok(packetSize <= 9000 && packetSize > 9000 - SEARCH_GRANULARITY, `size ${packetSize}`);
    assert.ok(mtuProbes > MAX_PROBES, `${mtuProbes} probes`);
    assert.equal(blackHoles, 0);
    assert.equal(client.datagrams.maxDatagramSize, packetSize - 64);
  });

  it("falls back to 1,200 when the path stops carrying large packets, and the transfer completes", async () => {
    const p = await streamPair({ packetSize: 1200, maxPacketSize: 16_448 }, {}, 4);
    const client = streamSession(p.clientSession);
    const server = streamSession(p.serverSession);
    const data = bytesOf(8_000_000);
    const stream = await client.createUnidirectionalStream();
    const written = track(writeAll(stream.writable, data));
    const incoming = track(server.incomingUnidirectionalStreams.getReader().read());
    await drive(p.net, () => incoming.done && client.stats.packetSize === 16_448);
    const read = track(readAll(incoming.value!.value!.readable));
    await drive(p.net, () => client.stats.bytesSent > 1_000_000);
    // The route changes: packets above 1,400 bytes now vanish without a trace.
    const narrow = (seed: number) => new Impairment({ mtu: 1400 }, new SeededRandom(seed));
    p.net.setFate(p.clientAddress, p.serverAddress, narrow(1));
    p.net.setFate(p.serverAddress, p.clientAddress, narrow(2));
    await drive(p.net, () => written.done && read.done);
    assert.ok(sameBytes(read.value!, data));
    const { packetSize, blackHoles } = client.stats;
    assert.ok(blackHoles >= 1, `${blackHoles} black holes`);
    assert.ok(packetSize <= 1400 && packetSize >= 1200, `size ${packetSize}`);
  });

  it("keeps the size fixed without maxPacketSize", async () => {
    const p = await streamPair({ packetSize: 4096 });
    const client = streamSession(p.clientSession);
    const stream = await client.createUnidirectionalStream();
    const written = track(writeAll(stream.writable, bytesOf(500_000)));
    void (async () => {
      for await (const s of streamSession(p.serverSession).incomingUnidirectionalStreams) {
        void readAll(s.readable);
      }
    })();
    await drive(p.net, () => written.done);
    assert.equal(client.stats.packetSize, 4096);
    assert.equal(client.stats.mtuProbes, 0);
  });
});
