import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Plugin } from "../../../core/plugin.ts";
import { FrameType } from "../../../plugins/streams/frames.ts";
import { streamSession } from "../../../plugins/streams/mod.ts";
import { bytesOf, streamPair, transferOnce } from "./_sim.ts";

const MB = 1_048_576;

async function transfer(
  size: number,
  impairment?: Parameters<typeof streamPair>[1],
  seed = 1,
  between: Plugin[] = [],
) {
  const p = await streamPair({}, impairment, seed, between);
  await transferOnce(p, bytesOf(size, seed));
  return { p, stats: streamSession(p.clientSession).stats };
}

describe("streams() transfers", () => {
  it("delivers 10 MB intact on a clean link without a loss", async () => {
    const { stats } = await transfer(10 * MB);
    assert.equal(stats.packetsLost, 0);
  });

  it("delivers intact when outbound middleware holds STREAM packets across an await", async () => {
    // The sender builds each frame in a pooled buffer that returns only once its packet is
    // encoded: held packets must keep their bytes while later frames are built.
    let held = 0;
    const holder: Plugin = {
      name: "holder",
      setup(api) {
        api.use(async (ctx, next) => {
          if (ctx.direction === "out" && ctx.packet.type === FrameType.STREAM) {
            held++;
            await Promise.resolve();
          }
          return next();
        });
      },
    };
    await transfer(2 * MB, undefined, 1, [holder]);
    assert.ok(held > 0);
  });

  for (const loss of [0, 0.01, 0.05, 0.2]) {
    it(`delivers 10 MB intact through ${loss * 100} % loss, reordering, duplication, corruption`, async () => {
      const { stats } = await transfer(10 * MB, {
        loss,
        reorder: 0.05,
        duplicate: 0.02,
        corrupt: 0.01,
        delay: 10,
        jitter: 2,
      }, 1 + loss * 100);
      // Corrupted copies are dropped by the checksum: they are losses too, as is reordering
      // until the thresholds adapt.
      assert.ok(stats.packetsLost > 0, "expected losses to be detected");
    });
  }
});
