/**
 * Metrics of an endpoint: packet, byte, drop and retransmission counters, an RTT histogram,
 * session and handshake figures, and their Prometheus text exposition.
 *
 * @module
 */
export * from "./events.ts";
export * from "./exposition.ts";
export * from "./histogram.ts";
export * from "./metrics.ts";
export * from "./session_figures.ts";
