/**
 * The Prometheus text exposition format (version 0.0.4): `# HELP`, `# TYPE`, then one sample a
 * line, histograms as `_bucket{le=…}`, `_sum` and `_count`.
 *
 * @module
 */
import type { Histogram } from "./histogram.ts";

/** The `Content-Type` of a Prometheus text exposition. */
export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One sample: a value and its labels. */
export interface Sample {
  /** Label names and values. */
  labels?: Readonly<Record<string, string>>;
  /** The value. */
  value: number;
}

/** A counter or gauge family, or a histogram. */
export type MetricFamily =
  | { name: string; help: string; type: "counter" | "gauge"; samples: readonly Sample[] }
  | { name: string; help: string; type: "histogram"; histogram: Histogram };

/** Renders metric families as Prometheus text, ending with a newline. */
export function renderPrometheus(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    if (family.type === "histogram") {
      const { histogram } = family;
      for (const { le, count } of histogram.cumulative()) {
        lines.push(`${family.name}_bucket${labelSet({ le })} ${count}`);
      }
      lines.push(`${family.name}_sum ${number(histogram.sum)}`);
      lines.push(`${family.name}_count ${histogram.count}`);
    } else {
      for (const sample of family.samples) {
        lines.push(`${family.name}${labelSet(sample.labels)} ${number(sample.value)}`);
      }
    }
  }
  return lines.join("\n") + "\n";
}

function labelSet(labels: Readonly<Record<string, string>> | undefined): string {
  if (!labels) return "";
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeValue(value)}"`);
  return pairs.length === 0 ? "" : `{${pairs.join(",")}}`;
}

function escapeValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(help: string): string {
  return help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}
