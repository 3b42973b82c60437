import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { SeededRandom } from "../../../core/clock.ts";
import { Impairment, type PacketFate, pair } from "../../../core/testing/mod.ts";
import { connection } from "../../../plugins/connection/mod.ts";
import type { DeliveryMode } from "../../../plugins/connection/channels.ts";
import { settle } from "./_helpers.ts";

const MODES: DeliveryMode[] = [
  "reliable-ordered",
  "reliable-unordered",
  "unreliable-sequenced",
  "unreliable",
];

/**
 * Once `on`, loss, duplication, reordering, corruption and jitter, plus a 300 ms blackhole every
 * 2 s; before, a clean 1 ms link (the handshake is not what these tests are about).
 */
function impaired(seed: number): PacketFate & { on: boolean } {
  const inner = new Impairment(
    { loss: 0.15, duplicate: 0.1, reorder: 0.2, corrupt: 0.05, delay: 5, jitter: 10 },
    new SeededRandom(seed),
  );
  const fate = {
    on: false,
    plan: (bytes: Uint8Array, now: number) => {
      if (!fate.on) return [{ bytes, at: now + 1 }];
      return now % 2_000 >= 1_700 ? [] : inner.plan(bytes, now);
    },
  };
  return fate;
}

/** Sends `count` numbered messages on each of `channels` (in bursts) and returns what arrived. */
async function exchange(channels: DeliveryMode[], count: number, seed: number) {
  const options = {
    channels,
    pingInterval: 60_000,
    pongTimeout: 600_000,
    timeout: 600_000,
    maxRetransmits: 40,
    packetSize: 600,
  };
  const up = impaired(seed);
  const down = impaired(seed + 1);
  const p = pair({ plugins: connection(options), toServer: up, toClient: down, seed });
  const session = await p.connect();
  up.on = down.on = true;
  const got: number[][] = channels.map(() => []);
  p.server.on("message", ({ data, channel }) => {
    got[channel!]!.push(new DataView(data.buffer, data.byteOffset).getUint32(0));
  });
  const sends: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    for (let channel = 0; channel < channels.length; channel++) {
      const data = new Uint8Array(4 + (i % 50));
      new DataView(data.buffer).setUint32(0, i);
      sends.push(session.send(data, { channel }));
    }
    if (i % 10 === 9) await p.net.runFor(30);
  }
  await settle(p, Promise.all(sends), 600_000);
  await p.net.runFor(2_000);
  return got;
}

const all = (count: number) => Array.from({ length: count }, (_, i) => i);

/** Checks what one channel delivered against its mode's promise. */
function checkMode(mode: DeliveryMode, got: number[], count: number): void {
  assert.equal(new Set(got).size, got.length, `${mode}: nothing duplicated`);
  assert.ok(got.every((n) => n >= 0 && n < count), `${mode}: nothing invented`);
  switch (mode) {
    case "reliable-ordered":
      return assert.deepEqual(got, all(count), "every message, in order");
    case "reliable-unordered":
      return assert.deepEqual([...got].sort((a, b) => a - b), all(count), "every message");
    case "unreliable-sequenced":
      for (let i = 1; i < got.length; i++) assert.ok(got[i]! > got[i - 1]!, "never older");
      return;
    case "unreliable":
      return;
  }
}

describe("connection() channels over an impaired network", () => {
  for (const mode of MODES) {
    it(`${mode}: holds its promise through loss, duplicates, reordering, corruption, blackholes`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), async (seed) => {
          const [got] = await exchange([mode], 200, seed);
          checkMode(mode, got!, 200);
        }),
        { numRuns: 4 },
      );
    });
  }

  it("four channels at once: each keeps its own mode's promise, and a loss stalls only its channel", async () => {
    const got = await exchange(MODES, 150, 77);
    MODES.forEach((mode, channel) => checkMode(mode, got[channel]!, 150));
    assert.ok(
      got[3]!.length > 60 && got[3]!.length < 150,
      `unreliable lost some: ${got[3]!.length}`,
    );
  });
});
