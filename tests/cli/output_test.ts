import { describe, it } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import type { CommandIo } from "../../cli/command.ts";
import { colorsWanted, formatBytes, formatMs, paint, table } from "../../cli/output.ts";
import { Progress } from "../../cli/progress.ts";
import { summarize } from "../../cli/stats.ts";

function fakeIo(tty: boolean): { io: CommandIo; written: string[] } {
  const written: string[] = [];
  const io: CommandIo = {
    out: () => {},
    err: () => {},
    status: (text) => void written.push(text),
    stdin: process.stdin,
    signal: new AbortController().signal,
    tty: { out: tty, err: tty },
  };
  return { io, written };
}

describe("output helpers", () => {
  it("colorsWanted() needs a terminal and no NO_COLOR", () => {
    const saved = process.env.NO_COLOR;
    try {
      delete process.env.NO_COLOR;
      assert.equal(colorsWanted(true), true);
      assert.equal(colorsWanted(false), false);
      assert.equal(colorsWanted(undefined), false);
      process.env.NO_COLOR = "1";
      assert.equal(colorsWanted(true), false);
    } finally {
      if (saved === undefined) delete process.env.NO_COLOR;
      else process.env.NO_COLOR = saved;
    }
  });

  it("paint() colours only when on", () => {
    assert.equal(paint(false).red("x"), "x");
    assert.equal(paint(true).red("x"), "\x1b[31mx\x1b[39m");
  });

  it("table() aligns columns, numbers to the right", () => {
    assert.equal(
      table([["metric", "value"], ["lost", "0"], ["throughput", "1,234 msg/s"]]),
      "metric      value\nlost                  0\nthroughput  1,234 msg/s",
    );
  });

  it("formats durations and sizes", () => {
    assert.equal(formatMs(0.0421), "0.042 ms");
    assert.equal(formatMs(1.254), "1.25 ms");
    assert.equal(formatMs(120.4), "120 ms");
    assert.equal(formatBytes(512), "512 B");
    assert.equal(formatBytes(1536), "1.5 KiB");
  });

  it("summarize() gives nearest-rank percentiles and zeros for no samples", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    assert.deepEqual(summarize(samples), {
      count: 100,
      min: 1,
      avg: 50.5,
      max: 100,
      p50: 50,
      p99: 99,
    });
    assert.deepEqual(summarize([]), { count: 0, min: 0, avg: 0, max: 0, p50: 0, p99: 0 });
  });
});

describe("Progress", () => {
  it("off a terminal prints a line at each quarter only", () => {
    let now = 0;
    const { io, written } = fakeIo(false);
    const bar = new Progress(io, { label: "send", total: 100, unit: "items", now: () => now });
    for (let done = 1; done <= 100; done++) {
      now += 10;
      bar.update(done);
    }
    bar.finish();
    assert.equal(written.length, 4);
    assert.equal(written[3], "send [########################] 100% 100/100, 100/s done\n");
  });

  it("on a terminal redraws one line at most every 100 ms, with rate and ETA, then clears it", () => {
    let now = 0;
    const { io, written } = fakeIo(true);
    const bar = new Progress(io, { label: "file", total: 4096, unit: "bytes", now: () => now });
    now = 1_000;
    bar.update(1024);
    now = 1_050;
    bar.update(2048);
    assert.equal(written.length, 1, "throttled");
    assert.equal(
      written[0],
      "\rfile [######------------------]  25% 1.0 KiB/4.0 KiB, 1.0 KiB/s ETA 3s\x1b[K",
    );
    bar.finish();
    assert.equal(written.at(-1), "\r\x1b[K");
  });
});
