/**
 * Batching of what a member publishes: frames queued during one turn of the event loop leave
 * together, one PUBLISH per channel (answers: every successful send's answer in one `oks` frame),
 * or one routing script call for every cross-node send and close (`ROUTE`: each session looked up
 * and every member's frames published as one batch, the whole batch in one argument). Under load
 * this turns thousands of Redis commands into a few; alone, a frame waits only for the current
 * turn to end.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { ClusterError } from "./errors.ts";
import { encodeBatch, encodeFrame } from "./frames.ts";

/** Most frames in one PUBLISH or one routing call. */
const MAX_BATCH = 1000;

/** What one channel has waiting. */
interface Queue {
  /** Request IDs of successful sends to answer with one `oks` frame. */
  oks: number[];
  /** Other frames. */
  frames: Uint8Array[];
}

/** Frames to publish, by channel. */
export class Outbox {
  readonly #member: string;
  readonly #publish: (channel: string, payload: Uint8Array) => Promise<unknown>;
  readonly #queues = new Map<string, Queue>();
  #scheduled = false;

  /** An outbox of member `member`, publishing with `publish`. */
  constructor(member: string, publish: (channel: string, payload: Uint8Array) => Promise<unknown>) {
    this.#member = member;
    this.#publish = publish;
  }

  /** Queues `frame` for `channel`; failures are the receiver's timeout, so they are dropped here. */
  push(channel: string, frame: Uint8Array): void {
    this.#queue(channel).frames.push(frame);
  }

  /** Queues the answer "delivered" to request `r` for `channel`. */
  ok(channel: string, r: number): void {
    this.#queue(channel).oks.push(r);
  }

  #queue(channel: string): Queue {
    let queue = this.#queues.get(channel);
    if (!queue) this.#queues.set(channel, queue = { oks: [], frames: [] });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
    return queue;
  }

  #flush(): void {
    this.#scheduled = false;
    for (const [channel, { oks, frames }] of this.#queues) {
      for (let i = 0; i < oks.length; i += MAX_BATCH * 4) {
        frames.push(
          encodeFrame({ t: "oks", f: this.#member, rs: oks.slice(i, i + MAX_BATCH * 4) }),
        );
      }
      for (let i = 0; i < frames.length; i += MAX_BATCH) {
        const chunk = frames.slice(i, i + MAX_BATCH);
        this.#publish(channel, chunk.length === 1 ? chunk[0]! : encodeBatch(chunk)).catch(() => {});
      }
    }
    this.#queues.clear();
  }
}

/** Where routed frames go: told per request ID, in the order they were routed. */
export interface RouteHandlers {
  /** `member` holds session `id`; `receivers` subscribers heard it (0: the member is gone). */
  routed(r: number, id: string, member: string, receivers: number): void;
  /** No member holds session `id`. */
  unknown(r: number, id: string): void;
  /** The routing call failed. */
  failed(r: number, error: Error): void;
}

/**
 * Looks every session up and publishes each member's frames as one batch: KEYS where; ARGV inbox
 * prefix, then one string of entries, each a 32-digit session ID, a u32 length and a frame (the
 * length and frame are already a batch's entry). Returns, for each entry, the 1-based index of
 * its member (0: no such session), then each member and how many subscribers heard its batch.
 */
export const ROUTE = `
local blob, at, n = ARGV[2], 1, 0
local groups, order, index, out = {}, {}, {}, {}
while at + 35 <= #blob do
  local id = string.sub(blob, at, at + 31)
  local length = struct.unpack('>I4', blob, at + 32)
  local m = redis.call('HGET', KEYS[1], id)
  n = n + 1
  if m then
    local g = groups[m]
    if not g then
      g = {}; groups[m] = g; order[#order + 1] = m; index[m] = #order
    end
    g[#g + 1] = string.sub(blob, at + 32, at + 35 + length)
    out[n] = index[m]
  else
    out[n] = 0
  end
  at = at + 36 + length
end
for _, m in ipairs(order) do
  out[#out + 1] = m
  out[#out + 1] = redis.call('PUBLISH', ARGV[1] .. m, '\\0' .. table.concat(groups[m]))
end
return out
`;

/** One routed frame waiting for its turn. */
interface RouteItem {
  id: string;
  frame: Uint8Array;
  r: number;
}

/** Routed frames, batched per turn into `ROUTE` calls. */
export class RouteBatcher {
  readonly #run: (blob: Uint8Array) => Promise<unknown>;
  readonly #handlers: RouteHandlers;
  #queue: RouteItem[] = [];
  #scheduled = false;

  /** A batcher running the route script with `run(blob)`, telling `handlers` the outcomes. */
  constructor(run: (blob: Uint8Array) => Promise<unknown>, handlers: RouteHandlers) {
    this.#run = run;
    this.#handlers = handlers;
  }

  /** Routes `frame` (request `r`) to the member holding session `id` (32 lowercase hex digits). */
  route(id: string, frame: Uint8Array, r: number): void {
    this.#queue.push({ id, frame, r });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (let i = 0; i < queue.length; i += MAX_BATCH) {
      const chunk = queue.slice(i, i + MAX_BATCH);
      this.#run(routeBlob(chunk)).then(
        (result) => this.#settle(chunk, result),
        (error: Error) => {
          for (const item of chunk) this.#handlers.failed(item.r, error);
        },
      );
    }
  }

  #settle(chunk: readonly RouteItem[], result: unknown): void {
    const flat = Array.isArray(result) ? result : [];
    const n = chunk.length;
    const members: string[] = [];
    const receivers: number[] = [];
    for (let k = n; k + 1 < flat.length; k += 2) {
      members.push(String(flat[k]));
      receivers.push(Number(flat[k + 1]));
    }
    for (let k = 0; k < n; k++) {
      const { r, id } = chunk[k]!;
      const index = Number(flat[k]);
      if (index === 0) this.#handlers.unknown(r, id);
      else if (Number.isInteger(index) && index > 0 && index <= members.length) {
        this.#handlers.routed(r, id, members[index - 1]!, receivers[index - 1]!);
      } else {
        this.#handlers.failed(
          r,
          new ClusterError(
            "THING_ERR_CLUSTER_DOWN",
            "Redis gave a malformed answer to the routing script: the outcome is unknown",
          ),
        );
      }
    }
  }
}

/** The route script's one argument: each entry's session ID, frame length and frame. */
function routeBlob(items: readonly RouteItem[]): Uint8Array {
  let size = 0;
  for (const item of items) size += 36 + item.frame.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const { id, frame } of items) {
    for (let i = 0; i < 32; i++) out[at + i] = id.charCodeAt(i);
    view.setUint32(at + 32, frame.length);
    out.set(frame, at + 36);
    at += 36 + frame.length;
  }
  return out;
}
