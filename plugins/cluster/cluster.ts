/**
 * `cluster()`: joins this server to a cluster whose shared state lives in Redis. The plugin is also
 * the handle: `send()` reaches a session on any node, `broadcast()` every session (or a room's),
 * `closeSession()` ends one wherever it is, `sessions()` and `nodes()` list the whole cluster.
 *
 * Routing: each member subscribes to its inbox channel. A cross-node send is one script call that
 * looks the session's member up in `P:where` and publishes the message to that member's inbox;
 * PUBLISH counting no subscriber means the member is gone. The owner sends on the session as a
 * local send would (reliable: until ACKed) and publishes the outcome back to the sender's inbox.
 * See `keys.ts` for the keys and `directory.ts` for liveness.
 *
 * @module
 */
import { PluginError, type ThingErrorCode } from "../../core/errors.ts";
import type { Plugin, PluginApi } from "../../core/plugin.ts";
import type { SendOptions, Session } from "../../core/session.ts";
import { Directory, type DirectorySession, type NodeInfo } from "./directory.ts";
import { SharedSecrets } from "./cookie_secrets.ts";
import { ClusterError } from "./errors.ts";
import { decodeFrames, encodeFrame, type FrameHeader } from "./frames.ts";
import { ClusterKeys } from "./keys.ts";
import {
  type ClusterOptions,
  resolveClusterOptions,
  type ResolvedClusterOptions,
} from "./options.ts";
import { Outbox, ROUTE, RouteBatcher, type RouteHandlers } from "./outbox.ts";
import { PendingRequests, type Reply } from "./pending.ts";
import { checkSessionId, sessionIdBytes } from "./session_ids.ts";
import { RedisLink } from "./redis_link.ts";
import { checkRoom, Rooms } from "./rooms.ts";
import { settlesWithin } from "../../core/settles_within.ts";

/** Where a member is in its life: joining Redis, in the cluster, cut off from Redis, or gone. */
export type ClusterState = "idle" | "joining" | "up" | "down" | "closed";

/** What `GET /health` shows of the cluster. */
export interface ClusterHealth {
  /** The state. */
  state: ClusterState;
  /** This node's name. */
  node: string;
  /** This process's worker number, if any. */
  worker?: number;
  /** The key prefix. */
  prefix: string;
  /** Live members at the last beat (this one included). */
  members: number;
  /** When the state last changed (ms since the epoch). */
  since: number;
  /** The last Redis error, while down. */
  lastError?: string;
  /** Entries read back from Redis that were malformed and skipped. */
  malformed: number;
}

/** The outcome of a broadcast. */
export interface BroadcastResult {
  /** Members that delivered it to their sessions. */
  nodes: number;
  /** Sessions it was delivered to (reliable: ACKed). */
  delivered: number;
  /** Sessions whose delivery failed. */
  failed: number;
}

/** How a broadcast is sent. */
export interface BroadcastOptions extends SendOptions {
  /** Only to the sessions in this room (default: every session of the cluster). */
  room?: string;
}

const ERROR_CODE = /^THING_ERR_[A-Z0-9_]{1,40}$/;

/** A cluster member: the plugin and the handle of the cluster calls. */
export class Cluster implements Plugin {
  /** The plugin's name. */
  readonly name = "thing:cluster";
  /** The options, for dedup. */
  readonly seed: ClusterOptions;
  /** The options with their defaults. */
  readonly options: ResolvedClusterOptions;
  readonly #keys: ClusterKeys;
  readonly #link: RedisLink;
  readonly #directory: Directory;
  readonly #pending: PendingRequests;
  readonly #rooms = new Rooms();
  readonly #outbox: Outbox;
  readonly #router: RouteBatcher;
  readonly #cookies: SharedSecrets;
  readonly #tickets: SharedSecrets;
  readonly #listeners = new Set<(state: ClusterState) => void>();
  #api: PluginApi | undefined;
  #state: ClusterState = "idle";
  #since = Date.now();
  #lastError: string | undefined;
  #live = new Set<string>();
  #starting: Promise<void> | undefined;
  #beat: ReturnType<typeof setInterval> | undefined;
  #stopping: Promise<void> | undefined;

  /** Use `cluster()`. */
  constructor(options: ClusterOptions) {
    this.seed = options;
    this.options = resolveClusterOptions(options);
    this.#keys = new ClusterKeys(this.options.prefix);
    this.#link = new RedisLink(this.options.url, this.options.connectTimeout, {
      onUp: () => void this.#rejoin(),
      onDown: (error) => this.#down(error),
      onMessage: (_channel, message) => this.#receive(message),
    });
    this.#pending = new PendingRequests(this.options.requestTimeout);
    this.#outbox = new Outbox(
      this.options.member,
      (channel, payload) => this.#link.command(["PUBLISH", channel, payload]),
    );
    const inboxes = `${this.#keys.prefix}:inbox:`;
    this.#router = new RouteBatcher(
      (blob) => this.#link.script(ROUTE, [this.#keys.where], [inboxes, blob]),
      this.#routeHandlers(),
    );
    const keys = this.#keys;
    this.#cookies = new SharedSecrets(
      this.#link,
      (e) => keys.cookie(e),
      this.options.cookieRotation,
    );
    this.#tickets = new SharedSecrets(
      this.#link,
      (e) => keys.ticket(e),
      this.options.ticketRotation,
    );
    const { node, worker, member, ttl } = this.options;
    this.#directory = new Directory(this.#link, this.#keys, { node, worker, member, ttl });
  }

  /** This node's name. */
  get node(): string {
    return this.options.node;
  }

  /** The name of this process in Redis: `node`, or `node/worker`. */
  get member(): string {
    return this.options.member;
  }

  /** The current state. */
  get state(): ClusterState {
    return this.#state;
  }

  /** The state and figures `GET /health` shows. */
  health(): ClusterHealth {
    const { node, worker, prefix } = this.options;
    return {
      state: this.#state,
      node,
      ...(worker === undefined ? {} : { worker }),
      prefix,
      members: this.#live.size,
      since: this.#since,
      ...(this.#lastError === undefined ? {} : { lastError: this.#lastError }),
      malformed: this.#directory.malformed + this.#cookies.malformed + this.#tickets.malformed,
    };
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onStateChange(listener: (state: ClusterState) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Joins the cluster: connects to Redis, subscribes, announces this member. Idempotent; the
   * plugin's setup calls it when the application did not.
   *
   * @throws {ClusterError} `THING_ERR_CLUSTER_DOWN` when Redis cannot be reached in time
   */
  start(): Promise<void> {
    this.#starting ??= (async () => {
      this.#setState("joining");
      try {
        await this.#link.start(
          [this.#keys.inbox(this.member), this.#keys.broadcast],
          this.options.connectTimeout,
        );
        await this.#announce();
      } catch (error) {
        this.#lastError = (error as Error).message;
        this.#setState("closed");
        await this.#link.close();
        throw error;
      }
      this.#beat = setInterval(() => void this.#heartbeat(), Math.max(100, this.options.ttl / 3));
      this.#setState("up");
    })();
    return this.#starting;
  }

  /** The promise of joining (`start()`). */
  get joined(): Promise<void> {
    return this.start();
  }

  /** Wires the plugin into a server endpoint. */
  setup(api: PluginApi): void {
    if (this.#api) {
      throw new PluginError(
        "THING_ERR_PLUGIN_OPTIONS",
        `Cannot set up cluster member "${this.member}" on two endpoints: make one cluster() per server`,
      );
    }
    if (api.role !== "server") {
      throw new PluginError(
        "THING_ERR_PLUGIN_OPTIONS",
        "Cannot use cluster() on a client: servers join a cluster",
      );
    }
    this.#api = api;
    api.provide("cookieSecrets", this.#cookies);
    api.provide("ticketSecrets", this.#tickets);
    api.on("session", ({ session }) => {
      if (this.#link.up) this.#directory.claim(session).catch((e) => this.#failed(e));
    });
    api.on("close", ({ session }) => {
      this.#rooms.forget(session);
      if (this.#link.up) this.#directory.release(session.id).catch((e) => this.#failed(e));
    });
    api.onClose(() => this.stop());
    this.start().catch(() => {
      // The failure is the state ("closed") and the rejection of `joined`.
    });
  }

  /**
   * Sends `data` to session `sessionId` on whichever node holds it. Resolves as a local send
   * does: reliable messages once ACKed, unreliable ones once handed to the owner's transport.
   *
   * @throws {TypeError} for a session ID that is not 32 hex digits
   * @throws {ClusterError} see `ClusterError` for the codes
   */
  async send(sessionId: string, data: Uint8Array, options: SendOptions = {}): Promise<void> {
    const id = checkSessionId(sessionId);
    const local = this.#local(id);
    if (local) return await local.send(data, options);
    const header = {
      t: "send",
      f: this.member,
      s: id,
      c: options.customId ?? 0,
      u: options.reliable ?? true,
    } as const;
    await this.#route(id, (r) => encodeFrame({ ...header, r }, data), `a send to session ${id}`);
  }

  /**
   * Closes session `sessionId` on whichever node holds it. Resolves `{ closed }`: false when the
   * goodbye was still running after `closeWait`.
   *
   * @throws {ClusterError} see `ClusterError` for the codes
   */
  async closeSession(
    sessionId: string,
    reason = "closed by cluster",
  ): Promise<{ closed: boolean }> {
    const id = checkSessionId(sessionId);
    const local = this.#local(id);
    if (local) return { closed: await settlesWithin(local.close(reason), this.options.closeWait) };
    const [reply] = await this.#route(
      id,
      (r) => encodeFrame({ t: "close", r, f: this.member, s: id, why: reason }),
      `a close of session ${id}`,
    );
    return { closed: reply?.closed === true };
  }

  /**
   * Sends `data` to every session of the cluster, or of `options.room`, each exactly once.
   * Resolves when every member has answered with its counts.
   *
   * @throws {ClusterError} `THING_ERR_CLUSTER_DOWN`, `THING_ERR_TIMEOUT` or `THING_ERR_CLUSTER_NODE_GONE`
   */
  async broadcast(data: Uint8Array, options: BroadcastOptions = {}): Promise<BroadcastResult> {
    const room = options.room === undefined ? undefined : checkRoom(options.room);
    this.#mustBeUp();
    const { id: r, answers } = this.#pending.open("a broadcast");
    const frame = encodeFrame({
      t: "bcast",
      r,
      f: this.member,
      ...(room === undefined ? {} : { room }),
      c: options.customId ?? 0,
      u: options.reliable ?? true,
    }, data);
    try {
      const receivers = Number(await this.#link.command(["PUBLISH", this.#keys.broadcast, frame]));
      this.#pending.expect(r, receivers);
    } catch (error) {
      this.#pending.fail(r, error as Error);
    }
    const replies = await answers;
    return {
      nodes: replies.length,
      delivered: replies.reduce((n, reply) => n + (reply.delivered ?? 0), 0),
      failed: replies.reduce((n, reply) => n + (reply.failed ?? 0), 0),
    };
  }

  /** Puts local `session` in `room` (for `broadcast(data, { room })`). */
  join(session: Session, room: string): void {
    if (session.state === "closed") {
      throw new TypeError(`Cannot put closed session ${session.id} in a room`);
    }
    this.#rooms.join(session, checkRoom(room));
  }

  /** Takes local `session` out of `room`. */
  leave(session: Session, room: string): void {
    this.#rooms.leave(session, checkRoom(room));
  }

  /** The rooms local `session` is in. */
  roomsOf(session: Session): string[] {
    return this.#rooms.of(session);
  }

  /**
   * Every session of every live member.
   *
   * @throws {ClusterError} `THING_ERR_CLUSTER_DOWN`
   */
  sessions(): Promise<DirectorySession[]> {
    this.#mustBeUp();
    return this.#directory.sessions();
  }

  /**
   * The live members.
   *
   * @throws {ClusterError} `THING_ERR_CLUSTER_DOWN`
   */
  nodes(): Promise<NodeInfo[]> {
    this.#mustBeUp();
    return this.#directory.nodes();
  }

  /** Leaves the cluster cleanly (its sessions leave the directory) and closes Redis. Idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      clearInterval(this.#beat);
      this.#pending.failAll(
        new ClusterError("THING_ERR_CLUSTER_DOWN", `Cluster member "${this.member}" stopped`),
      );
      if (this.#state === "up") await this.#directory.leave().catch(() => {});
      await this.#link.close();
      this.#setState("closed");
    })();
    return this.#stopping;
  }

  async #route(
    id: string,
    frame: (r: number) => Uint8Array,
    what: string,
  ): Promise<Reply[]> {
    this.#mustBeUp();
    const { id: r, answers } = this.#pending.open(what);
    let encoded: Uint8Array;
    try {
      encoded = frame(r);
    } catch (error) {
      this.#pending.fail(r, error as Error);
      return await answers;
    }
    this.#router.route(id, encoded, r);
    const replies = await answers;
    const reply = replies[0];
    if (reply && !reply.ok) {
      const code = ERROR_CODE.test(reply.code ?? "")
        ? reply.code as ThingErrorCode
        : "THING_ERR_BAD_FIELD";
      throw new ClusterError(
        code,
        code === "THING_ERR_CLUSTER_UNKNOWN_SESSION"
          ? unknownSession(id).message
          : `Session ${id} on node "${reply.f}": ${reply.message ?? "failed"}`,
        { node: reply.f },
      );
    }
    return replies;
  }

  // What the routing call's outcomes do to the requests waiting for them.
  #routeHandlers(): RouteHandlers {
    const pending = this.#pending;
    return {
      routed(r, id, member, receivers) {
        if (receivers > 0) return pending.target(r, member);
        pending.fail(
          r,
          new ClusterError(
            "THING_ERR_CLUSTER_NODE_GONE",
            `Cannot reach session ${id}: its node "${member}" is gone`,
            { node: member },
          ),
        );
      },
      unknown: (r, id) => pending.fail(r, unknownSession(id)),
      failed: (r, error) => pending.fail(r, error),
    };
  }

  #receive(message: Uint8Array): void {
    const { frames, malformed } = decodeFrames(message);
    this.#directory.malformed += malformed;
    for (const { header, body } of frames) {
      if (header.t === "reply") this.#pending.answer(header);
      else if (header.t === "oks") {
        for (const r of header.rs) this.#pending.answer({ t: "reply", r, f: header.f, ok: true });
      } else void this.#serve(header, body);
    }
  }

  async #serve(
    header: Exclude<FrameHeader, { t: "reply" } | { t: "oks" }>,
    body: Uint8Array,
  ): Promise<void> {
    let answer: Omit<Reply, "t" | "r" | "f">;
    if (header.t === "bcast") {
      const targets = header.room === undefined
        ? [...this.#api?.sessions.values() ?? []].filter((s) => s.state === "open")
        : this.#rooms.members(header.room);
      const results = await Promise.allSettled(
        targets.map((s) => s.send(body, { customId: header.c, reliable: header.u })),
      );
      const delivered = results.filter((r) => r.status === "fulfilled").length;
      answer = { ok: true, delivered, failed: results.length - delivered };
    } else {
      const session = this.#local(header.s);
      if (!session) {
        // A stale entry pointing here: drop it, and say so.
        this.#directory.release(header.s).catch(() => {});
        answer = {
          ok: false,
          code: "THING_ERR_CLUSTER_UNKNOWN_SESSION",
          message: "no such session",
        };
      } else if (header.t === "close") {
        answer = {
          ok: true,
          closed: await settlesWithin(session.close(header.why), this.options.closeWait),
        };
      } else {
        try {
          await session.send(body, { customId: header.c, reliable: header.u });
          return this.#outbox.ok(this.#keys.inbox(header.f), header.r);
        } catch (error) {
          const { code, message } = error as { code?: unknown; message?: unknown };
          answer = {
            ok: false,
            code: String(code ?? "THING_ERR_SESSION_CLOSED"),
            message: String(message),
          };
        }
      }
    }
    // The asker hears nothing when Redis is lost; its request fails there with CLUSTER_DOWN.
    this.#outbox.push(
      this.#keys.inbox(header.f),
      encodeFrame({ t: "reply", r: header.r, f: this.member, ...answer }),
    );
  }

  #local(id: string): Session | undefined {
    const session = this.#api?.sessions.get(sessionIdBytes(id));
    return session && session.state !== "closed" ? session : undefined;
  }

  async #announce(): Promise<void> {
    const sessions = [...this.#api?.sessions.values() ?? []].filter((s) => s.state === "open");
    await this.#directory.resync(sessions);
    this.#live = await this.#directory.beat(sessions.length);
    await this.#cookies.sync(true);
    await this.#tickets.sync(true);
  }

  async #heartbeat(): Promise<void> {
    // A rejoin that failed (Redis back but refusing) is retried on each beat.
    if (this.#state === "down" && this.#link.up) return await this.#rejoin();
    if (this.#state !== "up") return;
    try {
      this.#live = await this.#directory.beat(this.#api?.sessions.size ?? 0);
      this.#pending.prune(this.#live);
      await this.#cookies.sync();
      await this.#tickets.sync();
    } catch (error) {
      this.#failed(error);
    }
  }

  async #rejoin(): Promise<void> {
    if (this.#state !== "down") return;
    try {
      await this.#announce();
      this.#lastError = undefined;
      this.#setState("up");
    } catch (error) {
      this.#failed(error);
    }
  }

  #down(error: Error): void {
    this.#lastError = error.message;
    if (this.#state !== "up") return;
    this.#setState("down");
    this.#pending.failAll(
      new ClusterError(
        "THING_ERR_CLUSTER_DOWN",
        `Lost Redis while waiting for an answer (${error.message}): the outcome is unknown`,
        { cause: error },
      ),
    );
  }

  #failed(error: unknown): void {
    this.#lastError = (error as Error)?.message ?? String(error);
    this.#api?.emit("error", { error: error instanceof Error ? error : new Error(String(error)) });
  }

  #mustBeUp(): void {
    if (this.#state !== "up" || !this.#link.up) {
      throw new ClusterError(
        "THING_ERR_CLUSTER_DOWN",
        `Cannot reach the cluster from "${this.member}": it is ${this.#state}${
          this.#lastError ? ` (${this.#lastError})` : ""
        }`,
      );
    }
  }

  #setState(state: ClusterState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#since = Date.now();
    for (const listener of this.#listeners) listener(state);
  }
}

/**
 * Makes a cluster member, to pass among a server's plugins and keep as the cluster's handle.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` for bad options
 * @example
 * ```ts ignore
 * const members = cluster({ url: "redis://127.0.0.1:6379", node: "a" });
 * const server = await listen({ transport: udp(), plugins: [connection(), members] });
 * await members.joined;
 * await members.send(sessionId, new TextEncoder().encode("hi"));
 * ```
 */
export function cluster(options: ClusterOptions): Cluster {
  return new Cluster(options);
}

function unknownSession(id: string): ClusterError {
  return new ClusterError(
    "THING_ERR_CLUSTER_UNKNOWN_SESSION",
    `No node holds session ${id}: list them with sessions()`,
  );
}
