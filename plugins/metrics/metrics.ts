/**
 * `metrics()`: counters and histograms of one endpoint, read as a JSON snapshot, per session, or
 * in the Prometheus text format (`render()`, served by the admin API at `GET /metrics`).
 *
 * It counts what its middleware sees, so put it first in the plugin list to count packets and
 * bytes as they are on the wire (inbound middleware runs in plugin order, outbound in reverse).
 * Drops, retransmissions and RTT come from the `dropped`, `retransmit` and `rtt` events (see
 * `events.ts`); for the request/answer pairs in `rttPairs` it times the round trip itself and
 * emits `rtt`. Sessions: a `session` event is a completed handshake, a `close` of a session that
 * never opened a failed one.
 *
 * @module
 */
import * as v from "valibot";
import { PluginError } from "../../core/errors.ts";
import type { PacketContext } from "../../core/context.ts";
import { HEADER_SIZE, packetTypeName } from "../../core/packet.ts";
import type { Plugin, PluginApi } from "../../core/plugin.ts";
import type { Session, SessionState } from "../../core/session.ts";
import { metricFamilies, typeSamples } from "./_families.ts";
import { renderPrometheus } from "./exposition.ts";
import { Histogram, RTT_BUCKETS } from "./histogram.ts";
import { emptyFigures, nextRtt, type SessionFigures } from "./session_figures.ts";

/** How `metrics()` measures. */
export interface MetricsOptions {
  /** Request and answer type codes whose round trip is timed (default PING/PONG and CHB/SUU). */
  rttPairs?: ReadonlyArray<readonly [request: number, answer: number]>;
  /** Upper bounds of the RTT histogram buckets, in seconds (default 1 ms to 10 s). */
  rttBuckets?: readonly number[];
}

/** Every figure of the endpoint at one moment, as plain JSON. */
export interface MetricsSnapshot {
  /** Packets by direction and type name. */
  packets: { in: Record<string, number>; out: Record<string, number> };
  /** Bytes by direction and type name. */
  bytes: { in: Record<string, number>; out: Record<string, number> };
  /** Dropped inbound packets by reason. */
  dropped: Record<string, number>;
  /** Resent packets by type name. */
  retransmissions: Record<string, number>;
  /** RTT samples: how many, and their sum in milliseconds. */
  rtt: { count: number; sumMs: number };
  /** Sessions now, by state. */
  sessions: Record<SessionState, number>;
  /** Handshakes completed and failed. */
  handshakes: { completed: number; failed: number };
  /** Established sessions that have ended. */
  sessionsClosed: number;
}

const OptionsSchema = v.strictObject({
  rttPairs: v.optional(v.array(v.tuple([typeCode(), typeCode()]))),
  rttBuckets: v.optional(v.array(v.pipe(v.number(), v.finite(), v.minValue(0)))),
});

function typeCode() {
  return v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255));
}

interface Pending {
  type: number;
  at: number;
  resent: boolean;
}

/** The metrics plugin and its readings. Create one per endpoint with `metrics()`. */
export class ThingMetrics implements Plugin {
  /** The plugin name. */
  readonly name = "thing:metrics";
  /** The options it was made with. */
  readonly seed: unknown;
  readonly #answers = new Map<number, number>();
  readonly #requests = new Set<number>();
  readonly #packets = { in: new Float64Array(256), out: new Float64Array(256) };
  readonly #bytes = { in: new Float64Array(256), out: new Float64Array(256) };
  readonly #retransmissions = new Float64Array(256);
  readonly #dropped = new Map<string, number>();
  readonly #rtt: Histogram;
  readonly #figures = new Map<Session, SessionFigures>();
  readonly #opened = new WeakSet<Session>();
  readonly #pending = new Map<Session, Pending>();
  #completed = 0;
  #failed = 0;
  #closed = 0;
  #api: PluginApi | undefined;

  /** Use `metrics()`. */
  constructor(options: MetricsOptions) {
    const parsed = v.safeParse(OptionsSchema, options);
    if (!parsed.success) {
      throw new TypeError(
        `Cannot create the metrics plugin: ${v.summarize(parsed.issues)}; check its options`,
      );
    }
    const {
      // The built-in dialects' request/answer pairs: Connection PING/PONG, Thing CHB/SUU.
      rttPairs = [[0x04, 0x05], [0x27, 0x28]],
      rttBuckets = RTT_BUCKETS,
    } = parsed.output;
    this.seed = { rttPairs, rttBuckets };
    this.#rtt = new Histogram(rttBuckets);
    for (const [request, answer] of rttPairs) {
      this.#requests.add(request);
      this.#answers.set(answer, request);
    }
  }

  /** Wires the counters into an endpoint. One endpoint per instance. */
  setup(api: PluginApi): void {
    if (this.#api) {
      throw new PluginError(
        "THING_ERR_PLUGIN_OPTIONS",
        "Cannot set up one metrics plugin on two endpoints: call metrics() once per endpoint",
      );
    }
    this.#api = api;
    api.use({
      inbound: (ctx, next) => {
        this.#count(ctx, "in");
        this.#answered(ctx);
        return next();
      },
      outbound: (ctx, next) => {
        const result = next();
        if (result instanceof Promise) return result.then(() => this.#sent(ctx));
        this.#sent(ctx);
      },
    });
    api.on("dropped", ({ reason }) => {
      this.#dropped.set(reason, (this.#dropped.get(reason) ?? 0) + 1);
    });
    api.on("retransmit", ({ session, type }) => {
      this.#retransmissions[type & 0xff]!++;
      this.#figure(session).retransmissions++;
    });
    api.on("rtt", ({ session, rtt }) => this.#observeRtt(session, rtt));
    api.on("session", ({ session }) => {
      this.#completed++;
      this.#opened.add(session);
      this.#figure(session).openedAt = api.clock.wallNow();
    });
    api.on("close", ({ session }) => {
      if (this.#opened.has(session)) this.#closed++;
      else this.#failed++;
      this.#figures.delete(session);
      this.#pending.delete(session);
    });
  }

  /** The figures of one live session, or `undefined` for an unknown or closed one. */
  session(session: Session): SessionFigures | undefined {
    const figures = this.#figures.get(session);
    return figures && { ...figures, rtt: figures.rtt && { ...figures.rtt } };
  }

  /** Every figure now, as JSON. */
  snapshot(): MetricsSnapshot {
    return {
      packets: {
        in: byType(this.#typeName, this.#packets.in),
        out: byType(this.#typeName, this.#packets.out),
      },
      bytes: {
        in: byType(this.#typeName, this.#bytes.in),
        out: byType(this.#typeName, this.#bytes.out),
      },
      dropped: Object.fromEntries(this.#dropped),
      retransmissions: byType(this.#typeName, this.#retransmissions),
      rtt: { count: this.#rtt.count, sumMs: this.#rtt.sum * 1000 },
      sessions: this.#sessionStates(),
      handshakes: { completed: this.#completed, failed: this.#failed },
      sessionsClosed: this.#closed,
    };
  }

  /** Every figure now in the Prometheus text format. */
  render(): string {
    const families = metricFamilies({
      packets: this.#packets,
      bytes: this.#bytes,
      dropped: this.#dropped,
      retransmissions: this.#retransmissions,
      rtt: this.#rtt,
      sessions: this.#sessionStates(),
      completed: this.#completed,
      failed: this.#failed,
      closed: this.#closed,
      typeName: this.#typeName,
    });
    return renderPrometheus(families);
  }

  #count(ctx: PacketContext, direction: "in" | "out"): void {
    const { type, payload } = ctx.packet;
    const size = HEADER_SIZE + payload.length;
    this.#packets[direction][type]!++;
    this.#bytes[direction][type]! += size;
    if (!ctx.session) return;
    const figures = this.#figure(ctx.session);
    figures.lastActivity = this.#api!.clock.wallNow();
    if (direction === "in") {
      figures.packetsIn++;
      figures.bytesIn += size;
    } else {
      figures.packetsOut++;
      figures.bytesOut += size;
    }
  }

  #sent(ctx: PacketContext): void {
    if (ctx.dropped) return;
    this.#count(ctx, "out");
    const { session } = ctx;
    const type = ctx.packet.type;
    if (!session || !this.#requests.has(type)) return;
    const pending = this.#pending.get(session);
    if (pending?.type === type) pending.resent = true;
    else this.#pending.set(session, { type, at: this.#api!.clock.now(), resent: false });
  }

  #answered(ctx: PacketContext): void {
    const { session } = ctx;
    const request = this.#answers.get(ctx.packet.type);
    if (!session || request === undefined) return;
    const pending = this.#pending.get(session);
    if (pending?.type !== request) return;
    this.#pending.delete(session);
    // Karn's rule: an answer to a resent request could answer either copy.
    if (pending.resent) return;
    this.#api!.emit("rtt", {
      session,
      rtt: this.#api!.clock.now() - pending.at,
      exchange: `${this.#typeName(request)}/${this.#typeName(ctx.packet.type)}`,
    });
  }

  #observeRtt(session: Session, rtt: number): void {
    if (!(rtt >= 0) || !Number.isFinite(rtt)) return;
    this.#rtt.observe(rtt / 1000);
    const figures = this.#figure(session);
    figures.rtt = nextRtt(figures.rtt, rtt);
  }

  #figure(session: Session): SessionFigures {
    let figures = this.#figures.get(session);
    if (!figures) {
      if (session.state === "closed") return emptyFigures(0);
      figures = emptyFigures(this.#api!.clock.wallNow());
      this.#figures.set(session, figures);
    }
    return figures;
  }

  /** A packet type's name as the endpoint's registry has it. */
  readonly #typeName = (code: number): string => this.#api?.typeName(code) ?? packetTypeName(code);

  #sessionStates(): Record<SessionState, number> {
    const states: Record<SessionState, number> = { connecting: 0, open: 0, closing: 0, closed: 0 };
    if (this.#api) { for (const session of this.#api.sessions.values()) states[session.state]++; }
    return states;
  }
}

/**
 * Creates a metrics plugin. Keep the returned object: it is the plugin and its readings.
 *
 * @throws {TypeError} when an option is invalid
 * @example
 * ```ts
 * import { listen } from "@thing/net";
 * import { connection } from "@thing/net/plugins/connection";
 * import { metrics } from "@thing/net/plugins/metrics";
 * import { udp } from "@thing/net/transports/udp";
 *
 * const stats = metrics();
 * const server = await listen({ transport: udp(), plugins: [stats, connection()] });
 * console.log(stats.render());
 * await server.close();
 * ```
 */
export function metrics(options: MetricsOptions = {}): ThingMetrics {
  return new ThingMetrics(options);
}

function byType(
  typeName: (code: number) => string,
  counts: Float64Array,
): Record<string, number> {
  return Object.fromEntries(
    typeSamples(counts, typeName).map(({ labels, value }) => [labels!.type, value]),
  );
}
