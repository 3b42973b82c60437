/**
 * Batching of what a member publishes: frames queued during one turn of the event loop leave
 * together, one PUBLISH per channel (answers), or one routing script call for every cross-node
 * send and close (`ROUTE`: each session looked up and every member's frames published as one
 * batch). Under load this turns thousands of Redis commands into a few; alone, a frame waits only
 * for the current turn to end.
 *
 * @module
 */
import { setImmediate } from "node:timers";
import { encodeBatch } from "./frames.ts";

/** Most frames in one PUBLISH or one routing call. */
const MAX_BATCH = 1000;

/** Frames to publish, by channel. */
export class Outbox {
  readonly #publish: (channel: string, payload: Uint8Array) => Promise<unknown>;
  readonly #queues = new Map<string, Uint8Array[]>();
  #scheduled = false;

  /** An outbox publishing with `publish`. */
  constructor(publish: (channel: string, payload: Uint8Array) => Promise<unknown>) {
    this.#publish = publish;
  }

  /** Queues `frame` for `channel`; failures are the receiver's timeout, so they are dropped here. */
  push(channel: string, frame: Uint8Array): void {
    let queue = this.#queues.get(channel);
    if (!queue) this.#queues.set(channel, queue = []);
    queue.push(frame);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    for (const [channel, frames] of this.#queues) {
      for (let i = 0; i < frames.length; i += MAX_BATCH) {
        const chunk = frames.slice(i, i + MAX_BATCH);
        this.#publish(channel, chunk.length === 1 ? chunk[0]! : encodeBatch(chunk)).catch(() => {});
      }
    }
    this.#queues.clear();
  }
}

/** Where a routed frame went: the member and how many subscribers heard it (-1: no such session). */
export interface Routed {
  /** Subscribers of the member's inbox that heard it: 0 means the member is gone. */
  receivers: number;
  /** The member holding the session, when there is one. */
  member: string;
}

/** One routed frame waiting for its turn. */
interface RouteItem {
  id: string;
  frame: Uint8Array;
  done(routed: Routed): void;
  fail(error: Error): void;
}

/**
 * Looks every session up and publishes each member's frames as one batch: KEYS where; ARGV inbox
 * prefix, then session ID and frame pairs. Returns receivers and member for each pair.
 */
export const ROUTE = `
local groups, order, members, out = {}, {}, {}, {}
local n = (#ARGV - 1) / 2
for i = 1, n do
  local id, frame = ARGV[2 * i], ARGV[2 * i + 1]
  local m = redis.call('HGET', KEYS[1], id)
  members[i] = m
  if m then
    local g = groups[m]
    if not g then g = {}; groups[m] = g; order[#order + 1] = m end
    g[#g + 1] = struct.pack('>I4', #frame) .. frame
  end
end
local counts = {}
for _, m in ipairs(order) do
  counts[m] = redis.call('PUBLISH', ARGV[1] .. m, '\\0' .. table.concat(groups[m]))
end
for i = 1, n do
  local m = members[i]
  if m then out[#out + 1] = counts[m]; out[#out + 1] = m else out[#out + 1] = -1; out[#out + 1] = '' end
end
return out
`;

/** Routed frames, batched per turn into `ROUTE` calls. */
export class RouteBatcher {
  readonly #run: (args: (string | Uint8Array)[]) => Promise<unknown>;
  #queue: RouteItem[] = [];
  #scheduled = false;

  /** A batcher running the route script with `run(args)` (session ID, frame pairs). */
  constructor(run: (args: (string | Uint8Array)[]) => Promise<unknown>) {
    this.#run = run;
  }

  /** Routes `frame` to the member holding session `id`. */
  route(id: string, frame: Uint8Array): Promise<Routed> {
    return new Promise((done, fail) => {
      this.#queue.push({ id, frame, done, fail });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    for (let i = 0; i < queue.length; i += MAX_BATCH) {
      const chunk = queue.slice(i, i + MAX_BATCH);
      const args = chunk.flatMap((item) => [item.id, item.frame]);
      this.#run(args).then(
        (result) => {
          const flat = Array.isArray(result) ? result : [];
          chunk.forEach((item, k) =>
            item.done({
              receivers: Number(flat[2 * k] ?? -1),
              member: String(flat[2 * k + 1] ?? ""),
            })
          );
        },
        (error: Error) => chunk.forEach((item) => item.fail(error)),
      );
    }
  }
}
