/**
 * The metrics plugin's readings as Prometheus metric families (`thing_packets_total`, …), for
 * `ThingMetrics.render()`.
 *
 * @module
 */
import type { SessionState } from "../../core/session.ts";
import type { MetricFamily, Sample } from "./exposition.ts";
import type { Histogram } from "./histogram.ts";

/** Counts by packet type (index = type code), one array per direction. */
export interface ByDirection {
  /** Received. */
  in: Float64Array;
  /** Sent. */
  out: Float64Array;
}

/** What the metrics plugin has counted. */
export interface Readings {
  /** Packets by direction and type. */
  packets: ByDirection;
  /** Bytes by direction and type, header included. */
  bytes: ByDirection;
  /** Inbound drops by reason. */
  dropped: ReadonlyMap<string, number>;
  /** Retransmissions by type. */
  retransmissions: Float64Array;
  /** Round-trip times, in seconds. */
  rtt: Histogram;
  /** Sessions now, by state. */
  sessions: Record<SessionState, number>;
  /** Handshakes completed. */
  completed: number;
  /** Handshakes failed. */
  failed: number;
  /** Established sessions that ended. */
  closed: number;
  /** The name of a packet type code. */
  typeName: (code: number) => string;
}

/** The metric families of `r`, in the order they are rendered. */
export function metricFamilies(r: Readings): MetricFamily[] {
  const byDirection = (counts: ByDirection): Sample[] =>
    (["in", "out"] as const).flatMap((direction) =>
      typeSamples(counts[direction], r.typeName).map(({ labels, value }) => ({
        labels: { direction, ...labels },
        value,
      }))
    );
  return [
    counter("thing_packets_total", "Packets by direction and type.", byDirection(r.packets)),
    counter(
      "thing_bytes_total",
      "Bytes by direction and packet type, header included.",
      byDirection(r.bytes),
    ),
    counter(
      "thing_dropped_total",
      "Inbound packets dropped, by reason.",
      [...r.dropped].map(([reason, value]) => ({ labels: { reason }, value })),
    ),
    counter(
      "thing_retransmissions_total",
      "Packets resent because no answer came, by type.",
      typeSamples(r.retransmissions, r.typeName),
    ),
    {
      name: "thing_rtt_seconds",
      help: "Round-trip times of sessions.",
      type: "histogram",
      histogram: r.rtt,
    },
    {
      name: "thing_sessions",
      help: "Sessions now, by state.",
      type: "gauge",
      samples: Object.entries(r.sessions).map(([state, value]) => ({
        labels: { state },
        value,
      })),
    },
    counter("thing_handshakes_total", "Handshakes by result.", [
      { labels: { result: "completed" }, value: r.completed },
      { labels: { result: "failed" }, value: r.failed },
    ]),
    counter("thing_sessions_closed_total", "Established sessions that ended.", [
      { value: r.closed },
    ]),
  ];
}

/** One sample per packet type with a non-zero count, labelled with the type's name. */
export function typeSamples(counts: Float64Array, typeName: (code: number) => string): Sample[] {
  const samples: Sample[] = [];
  counts.forEach((value, type) => {
    if (value > 0) samples.push({ labels: { type: typeName(type) }, value });
  });
  return samples;
}

function counter(name: string, help: string, samples: Sample[]): MetricFamily {
  return { name, help, type: "counter", samples };
}
