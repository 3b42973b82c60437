import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  decodeFrame,
  decodeFrames,
  encodeBatch,
  encodeFrame,
  type FrameHeader,
} from "../../../plugins/cluster/frames.ts";
import { PendingRequests } from "../../../plugins/cluster/pending.ts";
import { ClusterError } from "../../../plugins/cluster/errors.ts";

const id = "0123456789abcdef".repeat(2);
const body = new Uint8Array([1, 2, 3, 0, 255]);

describe("cluster frames", () => {
  it("round-trips every kind of frame, alone and in a batch", () => {
    const headers: FrameHeader[] = [
      { t: "send", r: 7, f: "node-a/1", s: id, c: 65535, u: true },
      { t: "close", r: 8, f: "b", s: id, why: "closed by cluster ✓" },
      { t: "bcast", r: 9, f: "b", c: 3, u: false },
      { t: "bcast", r: 10, f: "b", room: "lobby", c: 0, u: true },
      { t: "reply", r: 11, f: "c", ok: true },
      {
        t: "reply",
        r: 12,
        f: "c",
        ok: false,
        code: "THING_ERR_TIMEOUT",
        message: "no ACK",
        closed: false,
        delivered: 0,
        failed: 4,
      },
      { t: "oks", f: "c", rs: [1, 2, 4294967294] },
    ];
    const frames = headers.map((h) => encodeFrame(h, body));
    for (const [i, frame] of frames.entries()) {
      const decoded = decodeFrame(frame);
      assert.deepEqual(decoded?.header, headers[i]);
      const carries = headers[i]!.t === "send" || headers[i]!.t === "bcast";
      assert.deepEqual([...decoded!.body], carries ? [...body] : []);
    }
    const batch = decodeFrames(encodeBatch(frames));
    assert.equal(batch.malformed, 0);
    assert.deepEqual(batch.frames.map((f) => f.header), headers);
  });

  it("skips and counts anything malformed, never throws", () => {
    const good = encodeFrame({ t: "send", r: 1, f: "a", s: id, c: 0, u: true }, body);
    const junk = [
      new Uint8Array(0),
      new TextEncoder().encode('{"t":"send","r":1}\nx'),
      good.subarray(0, 10), // cut inside the session ID
      new Uint8Array([4, 0, 0, 0, 1, 0, 0]), // a reply from a member with no name
      new Uint8Array([5, 0, 1, 97, 0, 0, 1]), // oks with a partial request ID
      new Uint8Array([4, 0, 0, 0, 1, 0, 1, 97, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), // ok = 7
      new Uint8Array([1, 0, 0, 0, 1, 0, 2, 0xff, 0xfe]), // a member that is not UTF-8
      new Uint8Array([99, 0, 0, 0, 1, 0, 1, 97]), // unknown kind
    ];
    for (const bytes of junk) assert.equal(decodeFrame(bytes), undefined, `${[...bytes]}`);
    const mixed = encodeBatch([good, junk[2]!, good]);
    assert.deepEqual(
      { n: decodeFrames(mixed).frames.length, bad: decodeFrames(mixed).malformed },
      { n: 2, bad: 1 },
    );
    const cut = mixed.subarray(0, mixed.length - 3);
    assert.deepEqual(
      { n: decodeFrames(cut).frames.length, bad: decodeFrames(cut).malformed },
      { n: 1, bad: 2 },
    );
  });

  it("refuses to encode what a frame cannot carry", () => {
    assert.throws(
      () => encodeFrame({ t: "oks", f: "a", rs: [-1] }),
      RangeError,
    );
    assert.throws(
      () => encodeFrame({ t: "send", r: 1, f: "a", s: "x".repeat(32), c: 0, u: true }),
      TypeError,
    );
  });
});

describe("cluster pending requests", () => {
  it("times every request out with one timer, oldest first, and answers the others", async () => {
    const pending = new PendingRequests(40);
    const first = pending.open("a send to session 1");
    await new Promise((resolve) => setTimeout(resolve, 15));
    const second = pending.open("a send to session 2");
    const answered = pending.open("a close");
    pending.answer({ t: "reply", r: answered.id, f: "b", ok: true });
    assert.deepEqual(await answered.answers, [{ t: "reply", r: answered.id, f: "b", ok: true }]);
    const started = performance.now();
    await assert.rejects(
      first.answers,
      (e: unknown) =>
        e instanceof ClusterError && e.code === "THING_ERR_TIMEOUT" &&
        /a send to session 1 within 40 ms/.test(e.message),
    );
    await assert.rejects(
      second.answers,
      (e: unknown) => (e as ClusterError).code === "THING_ERR_TIMEOUT",
    );
    assert.ok(performance.now() - started >= 10, "the second waited its own deadline");
    assert.equal(pending.size, 0);
  });
});
