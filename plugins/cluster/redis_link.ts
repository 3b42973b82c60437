/**
 * The cluster's two connections to Redis (commands, and pub/sub), with @redis/client: the only file
 * that imports it. Both reconnect on their own; `up` is true while both are ready. Commands never
 * queue while Redis is away: they fail at once with `THING_ERR_CLUSTER_DOWN`.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createClient, type RedisArgument } from "@redis/client";
import { ClusterError } from "./errors.ts";

/** What the link tells its owner. */
export interface RedisLinkHandlers {
  /** Both connections are ready again after being down (not called for the first connect). */
  onUp(): void;
  /** A connection was lost; it is being re-established. */
  onDown(error: Error): void;
  /** A pub/sub message arrived on a subscribed channel. */
  onMessage(channel: string, message: Uint8Array): void;
}

type Client = ReturnType<typeof createClient>;

/** A command argument: text or bytes. */
export type RedisArg = string | Uint8Array;

/** Two connections to one Redis server. */
export class RedisLink {
  readonly #url: string;
  readonly #handlers: RedisLinkHandlers;
  readonly #commands: Client;
  readonly #subscriber: Client;
  readonly #scripts = new Map<string, string>();
  #started = false;
  #wasUp = false;
  #closed = false;

  /** Prepares the connections; `start()` opens them. */
  constructor(url: string, connectTimeout: number, handlers: RedisLinkHandlers) {
    this.#url = url;
    this.#handlers = handlers;
    this.#commands = createClient({
      url,
      disableOfflineQueue: true,
      socket: {
        connectTimeout,
        // Before the first connect a refusal is final (start() reports it); later, retry forever.
        reconnectStrategy: (retries, cause) =>
          this.#wasUp ? Math.min(50 * 2 ** retries, 1000) : cause,
      },
    });
    this.#subscriber = this.#commands.duplicate();
    for (const client of [this.#commands, this.#subscriber]) {
      // An 'error' without a listener would throw; the loss is reported through onDown instead.
      client.on("error", (error: Error) => this.#lost(error));
      client.on("ready", () => this.#ready());
    }
  }

  /** Whether both connections are ready. */
  get up(): boolean {
    return !this.#closed && this.#commands.isReady && this.#subscriber.isReady;
  }

  /**
   * Connects both and subscribes to `channels`.
   *
   * @throws {ClusterError} `THING_ERR_CLUSTER_DOWN` when Redis does not answer within `timeout` ms
   */
  async start(channels: readonly string[], timeout: number): Promise<void> {
    if (this.#started) throw new TypeError("Cannot start a Redis link twice");
    this.#started = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ClusterError(
              "THING_ERR_CLUSTER_DOWN",
              `Cannot reach Redis at ${this.#url} within ${timeout} ms: start redis-server or fix --cluster`,
            ),
          ),
        timeout,
      );
    });
    try {
      await Promise.race([
        (async () => {
          await Promise.all([this.#commands.connect(), this.#subscriber.connect()]);
          await this.#subscriber.subscribe(
            [...channels],
            (message: Uint8Array, channel: Uint8Array) =>
              this.#handlers.onMessage(new TextDecoder().decode(channel), message),
            true,
          );
        })(),
        late,
      ]);
      this.#wasUp = true;
    } catch (error) {
      await this.close();
      throw error instanceof ClusterError ? error : new ClusterError(
        "THING_ERR_CLUSTER_DOWN",
        `Cannot reach Redis at ${this.#url}: ${
          (error as Error).message
        }; start redis-server or fix --cluster`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Runs one command; auto-pipelined with the others of the same tick.
   *
   * @throws {ClusterError} `THING_ERR_CLUSTER_DOWN` when Redis is unreachable
   */
  async command(args: readonly RedisArg[]): Promise<unknown> {
    this.#mustBeUp();
    try {
      return await this.#commands.sendCommand(args.map(toArgument));
    } catch (error) {
      throw this.#downError(error);
    }
  }

  /**
   * Runs a Lua script by its SHA-1, loading it first when Redis does not know it.
   *
   * @throws {ClusterError} `THING_ERR_CLUSTER_DOWN` when Redis is unreachable
   */
  async script(
    source: string,
    keys: readonly RedisArg[],
    args: readonly RedisArg[],
  ): Promise<unknown> {
    this.#mustBeUp();
    const tail = [String(keys.length), ...keys, ...args].map(toArgument);
    try {
      let sha = this.#scripts.get(source);
      if (sha === undefined) {
        sha = String(await this.#commands.sendCommand(["SCRIPT", "LOAD", source]));
        this.#scripts.set(source, sha);
      }
      try {
        return await this.#commands.sendCommand(["EVALSHA", sha, ...tail]);
      } catch (error) {
        if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
        return await this.#commands.sendCommand(["EVAL", source, ...tail]);
      }
    } catch (error) {
      throw this.#downError(error);
    }
  }

  /** Closes both connections. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#commands, this.#subscriber].map((client) => {
      try {
        return client.isOpen ? client.close() : client.destroy();
      } catch {
        // Never opened: nothing to release.
      }
    }));
  }

  #mustBeUp(): void {
    if (!this.up) {
      throw new ClusterError(
        "THING_ERR_CLUSTER_DOWN",
        `Cannot reach Redis at ${this.#url}: the cluster is down on this node; retry when it rejoins`,
      );
    }
  }

  #downError(error: unknown): ClusterError {
    if (error instanceof ClusterError) return error;
    const message = (error as Error)?.message ?? String(error);
    return new ClusterError("THING_ERR_CLUSTER_DOWN", `Redis failed: ${message}`, {
      cause: error,
    });
  }

  #lost(error: Error): void {
    if (this.#closed || !this.#wasUp) return;
    this.#handlers.onDown(error);
  }

  #ready(): void {
    if (this.#closed || !this.#wasUp || !this.up) return;
    this.#handlers.onUp();
  }
}

/** The client takes strings and Buffers, not plain Uint8Arrays. */
function toArgument(arg: RedisArg): RedisArgument {
  return typeof arg === "string" ? arg : Buffer.from(arg.buffer, arg.byteOffset, arg.byteLength);
}
