import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Plugin } from "../../../core/plugin.ts";
import { pair } from "../../../core/testing/mod.ts";
import { connection, ConnectionPacket } from "../../../plugins/connection/mod.ts";
import { settle } from "./_helpers.ts";

const MESSAGES = 60;
const SIZE = 1_000;

describe("connection() framed data: the buffers packets are built in", () => {
  it("delivers intact when outbound middleware holds FRAMED packets across an await", async () => {
    // A packet above 4 KiB is built in a pooled buffer that returns only once the packet is
    // encoded: packets held meanwhile must keep their bytes while later ones are built.
    const held: number[] = [];
    const holder: Plugin = {
      name: "holder",
      setup(api) {
        api.use(async (ctx, next) => {
          if (ctx.direction === "out" && ctx.packet.type === ConnectionPacket.FRAMED) {
            held.push(ctx.packet.payload.length);
            await Promise.resolve();
          }
          return next();
        });
      },
    };
    const p = pair({ plugins: [...connection({ pingInterval: 60_000 }), holder] });
    const got: number[][] = [];
    p.server.on("message", ({ data }) => got.push([data.length, data[0]!, data[SIZE - 1]!]));
    const session = await p.connect();
    const sent = Array.from(
      { length: MESSAGES },
      (_, i) => session.send(new Uint8Array(SIZE).fill(i)),
    );
    await settle(p, Promise.all(sent));
    assert.ok(held.filter((length) => length > 4_096).length >= 2, `held ${held}`);
    assert.deepEqual(got, Array.from({ length: MESSAGES }, (_, i) => [SIZE, i, i]));
  });

  it("gives each message of a packet bytes of its own", async () => {
    // Messages of one packet are views of it: changing one must not reach the next.
    const p = pair({ plugins: connection({ pingInterval: 60_000 }) });
    const got: number[][] = [];
    p.server.on("message", ({ data }) => {
      got.push([...data]);
      data.fill(0xff);
    });
    const session = await p.connect();
    const sent = [1, 2, 3].map((i) => session.send(new Uint8Array(8).fill(i), { reliable: false }));
    await settle(p, Promise.all(sent));
    await p.net.drive();
    assert.deepEqual(got, [1, 2, 3].map((i) => new Array(8).fill(i)));
  });
});
