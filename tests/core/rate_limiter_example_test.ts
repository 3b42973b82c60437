// The plugin written end to end in docs/PLUGINS.md. Keep the two in sync: the guide quotes this file.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addressKey,
  defineEvent,
  definePacketType,
  definePlugin,
  type DropEvent,
  Endpoint,
  type EventKey,
  type PeerAddress,
  type Plugin,
  SeededRandom,
} from "../../mod.ts";
import { pair } from "../../core/testing/mod.ts";

// --- A minimal dialect: HELLO opens a session, ACCEPT confirms it, NOTE carries text. ---------

const HELLO = definePacketType({ code: 0x80, name: "HELLO" });
const ACCEPT = definePacketType({ code: 0x81, name: "ACCEPT" });
const NOTE = definePacketType({ code: 0x82, name: "NOTE" });

/** Opens sessions with HELLO/ACCEPT and delivers NOTE payloads as `message` events. */
export function notes(): Plugin {
  return definePlugin({
    name: "example:notes",
    setup(api) {
      for (const type of [HELLO, ACCEPT, NOTE]) api.registerPacketType(type);
      api.onConnect((control) => control.sendPacket({ type: HELLO.code }));
      api.handle(HELLO, (ctx) => {
        const session = api.control(ctx.session) ??
          api.sessions.create(ctx.packet.clientId, ctx.peer);
        session.open();
        session.sendPacket({ type: ACCEPT.code });
      });
      api.handle(ACCEPT, (ctx) => api.control(ctx.session)?.open());
      api.handle(NOTE, (ctx) => {
        if (!ctx.session) return ctx.drop("no-session");
        api.emit("message", {
          session: ctx.session,
          data: ctx.packet.payload.slice(),
          customId: ctx.packet.customId,
          reliable: false,
        });
      });
      api.provide("messenger", {
        send(session, data, options) {
          api.control(session).sendPacket({
            type: NOTE.code,
            payload: data,
            customId: options.customId ?? 0,
          });
          return Promise.resolve();
        },
      });
    },
  });
}

// --- The rate limiter. ----------------------------------------------------------------------

/** A packet from `peer` was dropped by the rate limiter. */
export interface RateLimitedEvent {
  /** Who sent it. */
  peer: PeerAddress;
  /** Its packet type code. */
  type: number;
}

/** The rate limiter's event: `node.on(rateLimited, ({ peer }) => …)`. */
export const rateLimited: EventKey<RateLimitedEvent> = defineEvent("ratelimit:limited");

/** Options of `rateLimiter()`. */
export interface RateLimitOptions {
  /** Packets per second a peer may send on average (default 100). */
  rate?: number;
  /** Packets a peer may send at once after being quiet (default 20). */
  burst?: number;
}

/** Drops inbound packets beyond `rate` per second per peer address (a token bucket per peer). */
export function rateLimiter(options: RateLimitOptions = {}): Plugin {
  const { rate = 100, burst = 20 } = options;
  if (!(rate > 0) || !(burst >= 1)) {
    throw new RangeError(`Cannot limit at rate ${rate} and burst ${burst}: use positive numbers`);
  }
  return definePlugin({
    name: "example:rate-limiter",
    seed: { rate, burst },
    setup(api) {
      const buckets = new Map<string, { tokens: number; at: number }>();
      let sweeping = false;

      /** Forgets peers whose bucket has refilled, every 10 s while any bucket exists. */
      const sweep = () => {
        const now = api.clock.now();
        for (const [key, bucket] of buckets) {
          if (bucket.tokens + ((now - bucket.at) * rate) / 1000 >= burst) buckets.delete(key);
        }
        sweeping = buckets.size > 0;
        if (sweeping) api.setTimer(now + 10_000, sweep);
      };

      api.use({
        inbound: (ctx, next) => {
          const key = addressKey(ctx.peer);
          const now = api.clock.now();
          const bucket = buckets.get(key) ?? { tokens: burst, at: now };
          bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * rate) / 1000);
          bucket.at = now;
          buckets.set(key, bucket);
          if (!sweeping) {
            sweeping = true;
            api.setTimer(now + 10_000, sweep);
          }
          if (bucket.tokens < 1) {
            ctx.drop("rate-limited");
            api.emit(rateLimited, { peer: ctx.peer, type: ctx.packet.type });
            return;
          }
          bucket.tokens -= 1;
          return next();
        },
      });
    },
  });
}

// --- Its tests, on a simulated network with a manual clock. ----------------------------------

describe("rateLimiter()", () => {
  it("rateLimiter() drops packets beyond the burst and lets them through as tokens refill", async () => {
    const p = pair({
      plugins: [notes()],
      serverPlugins: [rateLimiter({ rate: 2, burst: 4 }), notes()],
    });
    const got: string[] = [];
    const limited: Array<{ peer: PeerAddress; type: number }> = [];
    const drops: DropEvent[] = [];
    p.server.on("message", ({ data }) => void got.push(new TextDecoder().decode(data)));
    p.server.on(rateLimited, (event) => void limited.push(event));
    p.server.on("dropped", (event) => void drops.push(event));

    const session = await p.connect(); // HELLO takes 1 of the 4 tokens
    for (const word of ["a", "b", "c", "d", "e"]) {
      await session.send(new TextEncoder().encode(word));
    }
    await p.net.drive();
    assert.deepEqual(got, ["a", "b", "c"]);
    assert.equal(limited.length, 2);
    assert.equal(limited[0]!.type, NOTE.code);
    assert.deepEqual(limited[0]!.peer, p.clientAddress);
    assert.deepEqual(drops.map((d) => d.reason), ["rate-limited", "rate-limited"]);
    assert.equal(p.server.stats.dropped["rate-limited"], 2);

    await p.net.runFor(1000); // 2 tokens per second
    for (const word of ["f", "g", "h"]) await session.send(new TextEncoder().encode(word));
    await p.net.drive();
    assert.deepEqual(got, ["a", "b", "c", "f", "g"]);
    assert.equal(limited.length, 3);
  });

  it("rateLimiter() keeps one bucket per peer address", async () => {
    const p = pair({
      plugins: [notes()],
      serverPlugins: [rateLimiter({ rate: 1, burst: 2 }), notes()],
    });
    const other = new Endpoint({
      role: "client",
      plugins: [notes()],
      clock: p.net.clock,
      random: new SeededRandom(9),
    });
    p.net.add(other, { hostname: "client2", port: 3 });
    const got: string[] = [];
    p.server.on("message", ({ data }) => void got.push(new TextDecoder().decode(data)));

    const first = await p.connect(); // HELLO + one message fill the first peer's bucket
    const connecting = other.connect(p.serverAddress);
    await p.net.drive();
    const second = await connecting;
    await first.send(new TextEncoder().encode("one"));
    await first.send(new TextEncoder().encode("two"));
    await second.send(new TextEncoder().encode("other peer"));
    await p.net.drive();
    assert.deepEqual(got.sort(), ["one", "other peer"]);
    assert.equal(p.server.stats.dropped["rate-limited"], 1);
  });

  it("rateLimiter() rejects options that are not positive", () => {
    assert.throws(() => rateLimiter({ rate: 0 }), RangeError);
    assert.throws(() => rateLimiter({ burst: 0.5 }), RangeError);
  });
});
