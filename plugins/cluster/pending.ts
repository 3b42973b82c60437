/**
 * Requests to other members awaiting their answers, each with a deadline. Every request ends one
 * way: answered, failed by the answer, timed out, its member gone, or Redis lost.
 *
 * Every request waits the same time, so the table's insertion order is its deadline order: one
 * timer, armed for the oldest request, times them all out (no timer per request).
 *
 * @module
 */
import { ClusterError } from "./errors.ts";
import type { FrameHeader } from "./frames.ts";

/** An answer frame. */
export type Reply = Extract<FrameHeader, { t: "reply" }>;

interface Entry {
  /** The members expected to answer (`undefined`: any `count` of them). */
  member: string | undefined;
  /** Answers still expected. */
  left: number;
  /** Answers received. */
  replies: Reply[];
  /** When it times out (ms, `performance.now()`). */
  deadline: number;
  /** What it is, for the timeout's message. */
  what: string;
  resolve(replies: Reply[]): void;
  reject(error: Error): void;
}

/** The largest request ID a frame carries; IDs wrap below it. */
const MAX_ID = 0xfffffffe;

/** The table of requests in flight. */
export class PendingRequests {
  readonly #timeout: number;
  readonly #entries = new Map<number, Entry>();
  #next = 1;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** A table whose requests time out after `timeout` ms. */
  constructor(timeout: number) {
    this.#timeout = timeout;
  }

  /** How many requests are in flight. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Opens a request expecting one answer (or several from anyone, see `expect`); `what` names it
   * in the timeout's message. Returns its ID and the promise of its answers.
   */
  open(what: string): { id: number; answers: Promise<Reply[]> } {
    let id = this.#next;
    while (this.#entries.has(id)) id = id >= MAX_ID ? 1 : id + 1;
    this.#next = id >= MAX_ID ? 1 : id + 1;
    const deadline = performance.now() + this.#timeout;
    const answers = new Promise<Reply[]>((resolve, reject) => {
      this.#entries.set(id, {
        member: undefined,
        left: 1,
        replies: [],
        deadline,
        what,
        resolve,
        reject,
      });
    });
    this.#timer ??= setTimeout(() => this.#expire(), this.#timeout);
    return { id, answers };
  }

  /** Sets how many answers request `id` waits for (a broadcast learns it from PUBLISH). */
  expect(id: number, count: number): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    entry.left = count - entry.replies.length;
    if (entry.left <= 0) this.#finish(id, entry);
  }

  /** Tells request `id` which member will answer it (so it fails when that member goes). */
  target(id: number, member: string): void {
    const entry = this.#entries.get(id);
    if (entry) entry.member = member;
  }

  /** Fails request `id` with `error`. */
  fail(id: number, error: Error): void {
    const entry = this.#entries.get(id);
    if (!entry) return;
    this.#remove(id);
    entry.reject(error);
  }

  /** Takes an answer; answers to unknown or finished requests are ignored. */
  answer(reply: Reply): void {
    const entry = this.#entries.get(reply.r);
    if (!entry || (entry.member !== undefined && entry.member !== reply.f)) return;
    entry.replies.push(reply);
    if (--entry.left <= 0) this.#finish(reply.r, entry);
  }

  /** Fails the requests whose member is not in `live`; a broadcast fails when too few are left. */
  prune(live: ReadonlySet<string>): void {
    for (const [id, entry] of this.#entries) {
      if (entry.member !== undefined && !live.has(entry.member)) {
        this.fail(
          id,
          new ClusterError(
            "THING_ERR_CLUSTER_NODE_GONE",
            `Node "${entry.member}" left the cluster before answering`,
            { node: entry.member },
          ),
        );
      } else if (entry.member === undefined) {
        const answered = new Set(entry.replies.map((r) => r.f));
        const waiting = [...live].filter((m) => !answered.has(m)).length;
        if (waiting < entry.left) {
          this.fail(
            id,
            new ClusterError(
              "THING_ERR_CLUSTER_NODE_GONE",
              `A node left the cluster before answering the broadcast (${entry.replies.length} answered)`,
            ),
          );
        }
      }
    }
  }

  /** Fails every request with `error` (Redis was lost: no answer can arrive). */
  failAll(error: Error): void {
    for (const id of [...this.#entries.keys()]) this.fail(id, error);
  }

  #finish(id: number, entry: Entry): void {
    this.#remove(id);
    entry.resolve(entry.replies);
  }

  #remove(id: number): void {
    this.#entries.delete(id);
    if (this.#entries.size === 0 && this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  // Times out the oldest requests, then waits for the next oldest.
  #expire(): void {
    this.#timer = undefined;
    const now = performance.now();
    for (const [id, entry] of this.#entries) {
      if (entry.deadline > now) {
        this.#timer = setTimeout(() => this.#expire(), entry.deadline - now);
        return;
      }
      this.fail(
        id,
        new ClusterError(
          "THING_ERR_TIMEOUT",
          `No answer to ${entry.what} within ${this.#timeout} ms: it may or may not have been delivered`,
          entry.member === undefined ? {} : { node: entry.member },
        ),
      );
    }
  }
}
