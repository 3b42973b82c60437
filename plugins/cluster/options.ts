/**
 * The options of `cluster()`, their defaults, and the valibot schema that checks them once, in the
 * factory.
 *
 * @module
 */
import * as v from "valibot";
import { PluginError } from "../../core/errors.ts";

/** Options of `cluster()`. */
export interface ClusterOptions {
  /** The Redis server holding the cluster's state, `redis://HOST:PORT` (a `/DB` may follow). */
  url: string;
  /** This node's name, unique in the cluster: letters, digits, `.`, `_`, `-` (default: random). */
  node?: string;
  /** This process's worker number on its node, when a node runs several (default: none). */
  worker?: number;
  /** Prefix of every Redis key and channel, so clusters can share one Redis (default `thing`). */
  prefix?: string;
  /** Milliseconds a node stays listed without renewing its entry (5,000); it renews every third. */
  ttl?: number;
  /** Milliseconds a cross-node send or close waits for the owner's answer (30,000). */
  requestTimeout?: number;
  /** Milliseconds joining waits for Redis before failing (3,000). */
  connectTimeout?: number;
  /** Milliseconds a cross-node close waits for the session's goodbye before answering (2,000). */
  closeWait?: number;
  /** Milliseconds between rotations of the shared cookie secrets (30,000). */
  cookieRotation?: number;
  /**
   * Milliseconds between rotations of the shared resumption ticket secrets (3,600,000). Keep it
   * at or above the Thing servers' `ticketLifetime`: a ticket opens under the secret it was
   * sealed with and the one after, so it then stays valid for its whole lifetime.
   */
  ticketRotation?: number;
}

/** Options with their defaults filled in. */
export type ResolvedClusterOptions = Required<Omit<ClusterOptions, "worker">> & {
  worker: number | undefined;
  /** The name this process has in Redis: `node`, or `node/worker`. */
  member: string;
};

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const ms = (min: number) => v.pipe(v.number(), v.integer(), v.minValue(min));

const Schema = v.object({
  url: v.pipe(v.string(), v.regex(/^rediss?:\/\/[^\s]+$/, "use a redis://HOST:PORT URL")),
  node: v.optional(
    v.pipe(v.string(), v.regex(NAME, "use 1 to 64 letters, digits, '.', '_' or '-'")),
  ),
  worker: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1023))),
  prefix: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[A-Za-z0-9:._-]{1,64}$/, "use 1 to 64 letters, digits, ':', '.', '_' or '-'"),
    ),
    "thing",
  ),
  ttl: v.optional(ms(300), 5_000),
  requestTimeout: v.optional(ms(1), 30_000),
  connectTimeout: v.optional(ms(1), 3_000),
  closeWait: v.optional(ms(1), 2_000),
  cookieRotation: v.optional(ms(1000), 30_000),
  ticketRotation: v.optional(ms(1000), 3_600_000),
});

/**
 * Checks `options` and fills in the defaults.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` naming the first bad option
 */
export function resolveClusterOptions(options: ClusterOptions): ResolvedClusterOptions {
  const parsed = v.safeParse(Schema, options);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const path = issue.path?.map((item) => String(item.key)).join(".") ?? "options";
    throw new PluginError(
      "THING_ERR_PLUGIN_OPTIONS",
      `Invalid cluster option ${path} (${issue.received}): ${issue.message}`,
    );
  }
  const o = parsed.output;
  const node = o.node ?? `node-${randomHex(4)}`;
  return {
    ...o,
    node,
    worker: o.worker,
    member: o.worker === undefined ? node : `${node}/${o.worker}`,
  };
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16))
    .map((h) => h.padStart(2, "0")).join("");
}
