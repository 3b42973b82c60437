import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Histogram, renderPrometheus } from "../../../plugins/metrics/mod.ts";

describe("renderPrometheus()", () => {
  it("writes HELP, TYPE and escaped samples, one a line", () => {
    const text = renderPrometheus([
      {
        name: "x_total",
        help: "A \\ help\nline.",
        type: "counter",
        samples: [{ labels: { reason: 'a"b\\c\nd' }, value: 3 }, { value: Infinity }],
      },
    ]);
    assert.equal(
      text,
      '# HELP x_total A \\\\ help\\nline.\n# TYPE x_total counter\nx_total{reason="a\\"b\\\\c\\nd"} 3\nx_total +Inf\n',
    );
  });

  it("writes a histogram as cumulative buckets, sum and count", () => {
    const histogram = new Histogram([1, 2]);
    for (const value of [0.5, 1, 1.5, 7]) histogram.observe(value);
    assert.equal(
      renderPrometheus([{ name: "h", help: "H.", type: "histogram", histogram }]),
      [
        "# HELP h H.",
        "# TYPE h histogram",
        'h_bucket{le="1"} 2',
        'h_bucket{le="2"} 3',
        'h_bucket{le="+Inf"} 4',
        "h_sum 10",
        "h_count 4",
        "",
      ].join("\n"),
    );
  });
});
