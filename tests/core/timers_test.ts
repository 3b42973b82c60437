import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { TimerTable } from "../../core/timers.ts";

describe("TimerTable", () => {
  it("TimerTable.fireExpired() fires due timers earliest first, ties in insertion order", () => {
    const table = new TimerTable();
    const fired: string[] = [];
    table.set(30, () => void fired.push("c"));
    table.set(10, () => void fired.push("a1"));
    table.set(20, () => void fired.push("b"));
    table.set(10, () => void fired.push("a2"));
    table.set(40, () => void fired.push("late"));
    assert.equal(table.next(), 10);
    assert.equal(table.fireExpired(30), 4);
    assert.deepEqual(fired, ["a1", "a2", "b", "c"]);
    assert.equal(table.next(), 40);
    assert.equal(table.size, 1);
  });

  it("TimerTable cancel() stops a timer and next() skips it; cancel twice is harmless", () => {
    const table = new TimerTable();
    const fired: number[] = [];
    const first = table.set(5, () => void fired.push(5));
    table.set(7, () => void fired.push(7));
    first.cancel();
    first.cancel();
    assert.equal(table.size, 1);
    assert.equal(table.next(), 7);
    table.fireExpired(100);
    assert.deepEqual(fired, [7]);
    assert.equal(table.next(), undefined);
    assert.equal(table.size, 0);
  });

  it("TimerTable cancel() after firing does not corrupt the count", () => {
    const table = new TimerTable();
    const timer = table.set(1, () => {});
    table.fireExpired(1);
    timer.cancel();
    table.set(2, () => {});
    assert.equal(table.size, 1);
  });

  it("TimerTable compaction keeps the order of the surviving timers", () => {
    const table = new TimerTable();
    const fired: number[] = [];
    const timers = Array.from({ length: 200 }, (_, i) => {
      const at = (i * 37) % 200;
      return table.set(at, () => void fired.push(at));
    });
    // Cancel three in four, enough to trigger compaction (more than half dead, > 64 entries).
    timers.forEach((t, i) => i % 4 !== 0 && t.cancel());
    assert.equal(table.size, 50);
    table.fireExpired(1000);
    const expected = timers.filter((_, i) => i % 4 === 0).map((t) => t.at).sort((a, b) => a - b);
    assert.deepEqual(fired, expected);
  });

  it("TimerTable fires in order for any schedule of sets and cancels", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1000 }), fc.boolean()), { maxLength: 300 }),
        (plan) => {
          const table = new TimerTable();
          const fired: Array<[number, number]> = [];
          const live: Array<[number, number]> = [];
          plan.forEach(([at, cancel], seq) => {
            const timer = table.set(at, () => void fired.push([at, seq]));
            if (cancel) timer.cancel();
            else live.push([at, seq]);
          });
          assert.equal(table.size, live.length);
          table.fireExpired(1000);
          live.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
          assert.deepEqual(fired, live);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("TimerTable.fireExpired() also fires timers set during firing when they are due", () => {
    const table = new TimerTable();
    const fired: string[] = [];
    table.set(10, () => {
      fired.push("a");
      table.set(5, () => void fired.push("past"));
      table.set(10, () => void fired.push("now"));
      table.set(11, () => void fired.push("future"));
    });
    table.set(10, () => void fired.push("b"));
    assert.equal(table.fireExpired(10), 4);
    assert.deepEqual(fired, ["a", "past", "b", "now"]);
    assert.equal(table.next(), 11);
  });

  it("TimerTable.fireExpired() lets a firing timer cancel a later one", () => {
    const table = new TimerTable();
    const fired: string[] = [];
    const third = table.set(3, () => void fired.push("third"));
    table.set(1, () => {
      fired.push("first");
      third.cancel();
    });
    table.set(2, () => void fired.push("second"));
    table.fireExpired(10);
    assert.deepEqual(fired, ["first", "second"]);
    assert.equal(table.size, 0);
  });

  it("TimerTable.clear() cancels everything", () => {
    const table = new TimerTable();
    let fired = 0;
    const t = table.set(1, () => fired++);
    table.set(2, () => fired++);
    table.clear();
    t.cancel();
    assert.equal(table.size, 0);
    assert.equal(table.fireExpired(10), 0);
    assert.equal(fired, 0);
  });

  it("TimerTable.set() throws a RangeError for a time that is not finite", () => {
    const table = new TimerTable();
    for (const at of [Number.NaN, Infinity, -Infinity]) {
      assert.throws(() => table.set(at, () => {}), RangeError);
    }
  });
});
