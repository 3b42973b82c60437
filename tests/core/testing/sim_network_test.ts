import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SeededRandom } from "../../../core/clock.ts";
import { Endpoint } from "../../../core/endpoint.ts";
import { latency, type PacketFate, pair, SimNetwork } from "../../../core/testing/mod.ts";
import { text, toy, utf8 } from "../_toy_dialect.ts";
import { controls } from "../../_controls.ts";

const lose: PacketFate = { plan: () => [] };
const twice: PacketFate = {
  plan: (bytes, now) => [{ bytes, at: now + 1 }, { bytes, at: now + 2 }],
};
const corrupt: PacketFate = {
  plan(bytes, now) {
    const copy = bytes.slice();
    copy[40] = copy[40]! ^ 0xff;
    return [{ bytes: copy, at: now + 1 }];
  },
};

describe("SimNetwork", () => {
  it("SimNetwork.drive() delivers with the link latency and stops when idle", async () => {
    const p = pair({ plugins: [toy()], toServer: latency(10), toClient: latency(30) });
    const arrivals: number[] = [];
    p.server.on("message", () => void arrivals.push(p.net.clock.now()));
    const session = await p.connect();
    assert.equal(p.net.clock.now(), 40, "HELLO 10 ms out, ACCEPT 30 ms back");
    await session.send(utf8("x"));
    assert.equal(await p.net.drive(), true);
    assert.deepEqual(arrivals, [50]);
    assert.equal(p.net.inFlight, 0);
  });

  it("SimNetwork.drive() gives up after maxTime with packets still in flight", async () => {
    const p = pair({ plugins: [toy()], toServer: latency(1000) });
    void p.client.connect(p.serverAddress).catch(() => {});
    assert.equal(await p.net.drive(500), false);
    assert.equal(p.net.inFlight, 1);
    assert.equal(await p.net.drive(), true);
    assert.equal(p.server.sessions.size, 1);
  });

  it("SimNetwork applies per-direction fates: loss, duplication, corruption", async () => {
    const p = pair({ plugins: [toy()] });
    const session = await p.connect();
    const got: string[] = [];
    p.server.on("message", ({ data }) => void got.push(text(data)));
    p.net.setFate(p.clientAddress, p.serverAddress, lose);
    await session.send(utf8("lost"));
    await p.net.drive();
    p.net.setFate(p.clientAddress, p.serverAddress, twice);
    await session.send(utf8("dup"));
    await p.net.drive();
    p.net.setFate(p.clientAddress, p.serverAddress, corrupt);
    await session.send(utf8("bad"));
    await p.net.drive();
    assert.deepEqual(got, ["dup", "dup"]);
    assert.equal(p.server.stats.dropped["checksum"], 1);
    assert.ok(p.net.sent >= 5);
  });

  it("SimNetwork.runFor() fires timers and lands exactly on the end time", async () => {
    const fired: number[] = [];
    const c = controls();
    const p = pair({ plugins: [toy(), c.plugin] });
    const s = c.of(await p.connect());
    const start = p.net.clock.now();
    s.setTimer("a", start + 100, () => void fired.push(p.net.clock.now()));
    s.setTimer("b", start + 300, () => void fired.push(p.net.clock.now()));
    await p.net.runFor(250);
    assert.deepEqual(fired, [start + 100]);
    assert.equal(p.net.clock.now(), start + 250);
    await p.net.runFor(100);
    assert.deepEqual(fired, [start + 100, start + 300]);
  });

  it("SimNetwork.runUntil() stops as soon as the condition holds, or at maxTime", async () => {
    const c = controls();
    const p = pair({ plugins: [toy(), c.plugin] });
    const s = c.of(await p.connect());
    let ticks = 0;
    const tick = () => {
      ticks++;
      s.setTimer("tick", p.net.clock.now() + 10, tick);
    };
    tick();
    const start = p.net.clock.now();
    assert.equal(await p.net.runUntil(() => ticks === 5), true);
    assert.equal(p.net.clock.now(), start + 40);
    assert.equal(await p.net.runUntil(() => false, 95), false);
    assert.equal(p.net.clock.now(), start + 135);
  });

  it("SimNetwork.move() rebinds an endpoint: the server sees the new address as a claim", async () => {
    const p = pair({ plugins: [toy()] });
    const session = await p.connect();
    const drops: string[] = [];
    p.server.on("dropped", (e) => void drops.push(`${e.reason}@${e.peer.hostname}`));
    const moved = { hostname: "nat", port: 4000 };
    p.net.move(p.clientAddress, moved);
    await session.send(utf8("from the new address"));
    await p.net.drive();
    assert.deepEqual(drops, ["no-session@nat"]);
    assert.throws(() => p.net.move({ hostname: "nobody", port: 1 }, moved), RangeError);
  });

  it("SimNetwork.add() refuses an endpoint with its own clock", () => {
    const net = new SimNetwork();
    const endpoint = new Endpoint({ role: "server", plugins: [], random: new SeededRandom(1) });
    assert.throws(() => net.add(endpoint, { hostname: "a", port: 1 }), TypeError);
  });

  it("pair() with the same seed replays the same run byte for byte", async () => {
    const run = async () => {
      const p = pair({ plugins: [toy()], seed: 7 });
      const wire: string[] = [];
      const session = await p.connect();
      await session.send(utf8("same"));
      for (let t = p.client.pollTransmit(); t; t = p.client.pollTransmit()) {
        wire.push(Array.from(t.bytes.subarray(0, 8)).join(","));
      }
      return [session.id, ...wire];
    };
    assert.deepEqual(await run(), await run());
  });
});
