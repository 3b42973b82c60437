/**
 * `serveWorkers()`: runs one Thing server per worker thread, all bound to the same UDP or TCP
 * port with `SO_REUSEPORT`, so the kernel spreads clients over the cores; a supervisor on the
 * calling thread restarts a worker that dies and relays packets between workers (see
 * `router.ts` for how a packet reaches the worker that owns its session). Worker threads rather
 * than processes: the directory of client IDs lives in shared memory, so claiming one for a new
 * session is an atomic operation with no round trip (docs/SCALING.md has the measurements).
 *
 * @module
 */
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { Emitter, type Unsubscribe } from "../core/emitter.ts";
import type { PeerAddress } from "../core/transport.ts";
import { tcp } from "../transports/tcp/mod.ts";
import { udp } from "../transports/udp/mod.ts";
import { ThingError, TimeoutError } from "../core/errors.ts";
import type { FromWorker, ToWorker, WireHttp, WorkerBoot, WorkerStats } from "./_messages.ts";
import { responseFromWire, wireRequest } from "./_wire_http.ts";
import "./_worker_main.ts";
import { SharedDirectory } from "./directory.ts";

export type { WorkerStats };

/** Options for `serveWorkers()`. */
export interface ServeWorkersOptions {
  /**
   * The worker module (a path or URL) whose default export `(host: WorkerHost) => …` calls
   * `host.listen()`; see `defineWorker()`.
   */
  module: string | URL;
  /** How many workers: a count from 1 to 1,024, or `auto` for one per CPU (default `auto`). */
  workers?: number | "auto";
  /** `udp` (default) or `tcp`. UDP needs Bun (or Node) on Linux; TCP works on Deno and Bun. */
  transport?: "udp" | "tcp";
  /** Address to bind (default `127.0.0.1`). */
  hostname?: string;
  /** Port to bind; 0 (default) lets the first worker's bind choose it. */
  port?: number;
  /** Passed to every worker as `host.data` (structured-cloned). */
  data?: unknown;
  /** Client IDs the shared directory can hold at once, across workers (default 65,536). */
  maxSessions?: number;
  /** Wait before restarting a worker that died, in ms (default 100; doubles while starts fail). */
  restartDelay?: number;
  /** Give up when a worker is not listening after this long, in ms (default 10,000). */
  startTimeout?: number;
}

/** Events of a `WorkerPool`. */
export interface WorkerPoolEvents {
  /** A worker stopped without being asked to; it is restarted after `restartDelay`. */
  exit: { index: number; code: number; error?: Error; sessionsLost: number };
  /** A worker that died is listening again. */
  restart: { index: number };
  /** A restart attempt failed; it is retried. */
  error: { index: number; error: Error };
}

/** The running workers. */
export interface WorkerPool {
  /** The shared address, with the port the first worker bound. */
  readonly address: PeerAddress;
  /** How many workers run. */
  readonly workers: number;
  /** Listens to a pool event. */
  on<K extends keyof WorkerPoolEvents>(
    name: K,
    listener: (event: WorkerPoolEvents[K]) => void,
  ): Unsubscribe;
  /** Each worker's counters (workers that are restarting are left out). */
  stats(): Promise<WorkerStats[]>;
  /**
   * Passes an HTTP request to worker `index`'s `host.handleRequests()` handler and resolves with
   * its response (503 when the worker set none).
   *
   * @throws {RangeError} for an index out of range
   * @throws {ThingError} `THING_ERR_WORKER_UNAVAILABLE` while that worker is restarting, or when
   *   it dies before answering
   * @throws {TimeoutError} when it does not answer within `timeout` ms (default 5,000)
   */
  request(index: number, request: Request, timeout?: number): Promise<Response>;
  /** The index of the worker holding the session of `clientId` (16 bytes), if any holds it. */
  ownerOf(clientId: Uint8Array): number | undefined;
  /** Ends worker `index` at once, as a crash would; the pool restarts it. */
  kill(index: number): Promise<void>;
  /** Closes every worker's sessions and server, then stops the threads. Idempotent. */
  close(): Promise<void>;
}

/** `auto`: one worker per CPU this process may use. */
export function autoWorkers(): number {
  return availableParallelism();
}

interface Slot {
  worker: Worker;
  listening: boolean;
  closing: boolean;
}

const STATS_TIMEOUT = 2_000;
const REQUEST_TIMEOUT = 5_000;
const CLOSE_TIMEOUT = 5_000;
const MAX_RESTART_DELAY = 5_000;

/**
 * Starts `workers` worker threads serving `module` on one shared port.
 *
 * @example
 * ```ts
 * import { serveWorkers, type WorkerPool } from "@thing/net/workers";
 *
 * // One worker per CPU, each running my_worker.ts on port 7777 over TCP.
 * export function start(): Promise<WorkerPool> {
 *   return serveWorkers({
 *     module: new URL("./my_worker.ts", import.meta.url),
 *     workers: "auto",
 *     transport: "tcp",
 *     port: 7777,
 *   });
 * }
 * ```
 *
 * @throws {TypeError|RangeError} for bad options, before any thread starts
 * @throws {Error} when a worker fails to start (every started worker is stopped first)
 */
export async function serveWorkers(options: ServeWorkersOptions): Promise<WorkerPool> {
  const checked = checkOptions(options);
  const count = checked.count;
  const restartDelay = options.restartDelay ?? 100;
  const startTimeout = options.startTimeout ?? 10_000;
  const directory = new SharedDirectory(options.maxSessions ?? 65_536);
  const boot: WorkerBoot = { ...checked, directory: directory.buffer };
  const emitter = new Emitter<WorkerPoolEvents>();
  const slots: Array<Slot | undefined> = new Array(count).fill(undefined);
  const pendingStats = new Map<number, (stats: WorkerStats) => void>();
  let nextStatsId = 1;
  /** Requests passed to a worker, by id: the worker's index and what to do with its answer. */
  const pendingRequests = new Map<
    number,
    { index: number; settle: (response: WireHttp | Error) => void }
  >();
  let nextRequestId = 1;
  const unavailable = (index: number, why: string) =>
    new ThingError("THING_ERR_WORKER_UNAVAILABLE", `Cannot reach worker ${index}: ${why}`);
  let closing: Promise<void> | undefined;

  const relay = (from: number, message: FromWorker & { to: number }) => {
    const target = slots[message.to];
    if (target?.listening) return post(target.worker, { ...message, from } as ToWorker);
    if (message.t !== "forward") return; // its connection or session died with that worker
    // The owner is gone, and with it its directory entries: the sender handles the packet now.
    directory.releaseWorker(message.to, count);
    const back = slots[from];
    if (back) post(back.worker, { ...message, to: from, from, stream: false });
  };

  const start = (index: number, port: number): Promise<PeerAddress> => {
    const worker = new Worker(WORKER_ENTRY, { workerData: { ...boot, index, port } });
    const slot: Slot = { worker, listening: false, closing: false };
    slots[index] = slot;
    return new Promise<PeerAddress>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`Cannot start worker ${index}: not listening after ${startTimeout} ms`));
        void worker.terminate();
      }, startTimeout);
      worker.on("message", (message: FromWorker) => {
        switch (message.t) {
          case "listening":
            if (slot.listening) return;
            slot.listening = true;
            clearTimeout(timer);
            return resolve(message.address);
          case "failed":
            clearTimeout(timer);
            reject(new Error(`Cannot start worker ${index}: ${message.message}`));
            return void worker.terminate();
          case "stats":
            return pendingStats.get(message.id)?.(message.stats);
          case "response":
            return pendingRequests.get(message.id)?.settle(message.response);
          case "closed":
            return void worker.terminate();
          default:
            return relay(index, message);
        }
      });
      let error: Error | undefined;
      worker.on("error", (cause: Error) => error = cause);
      worker.on("exit", (code: number) => {
        clearTimeout(timer);
        if (slots[index] === slot) slots[index] = undefined;
        for (const pending of pendingRequests.values()) {
          if (pending.index === index) pending.settle(unavailable(index, "it stopped"));
        }
        if (!slot.listening) {
          return reject(
            new Error(`Cannot start worker ${index}: ${error?.message ?? `exit ${code}`}`),
          );
        }
        if (slot.closing || closing) return;
        const sessionsLost = directory.releaseWorker(index, count);
        emitter.emit("exit", { index, code, ...(error ? { error } : {}), sessionsLost });
        restart(index, restartDelay);
      });
    });
  };

  const restart = (index: number, delay: number) => {
    setTimeout(() => {
      if (closing) return;
      start(index, address.port).then(
        () => closing ? void stop(index) : emitter.emit("restart", { index }),
        (error: Error) => {
          if (closing) return;
          emitter.emit("error", { index, error });
          restart(index, Math.min(delay * 2, MAX_RESTART_DELAY));
        },
      );
    }, delay);
  };

  const stop = async (index: number) => {
    const slot = slots[index];
    if (!slot) return;
    slot.closing = true;
    const exited = new Promise<void>((resolve) => slot.worker.once("exit", () => resolve()));
    post(slot.worker, { t: "close" });
    const timer = setTimeout(() => void slot.worker.terminate(), CLOSE_TIMEOUT);
    await exited;
    clearTimeout(timer);
  };

  let address: PeerAddress;
  try {
    address = await start(0, boot.port);
    const rest = Array.from({ length: count - 1 }, (_, i) => start(i + 1, address.port));
    const started = await Promise.allSettled(rest);
    const failed = started.find((result) => result.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  } catch (error) {
    closing = Promise.resolve();
    await Promise.all(slots.map((slot) => slot?.worker.terminate()));
    throw error;
  }

  return {
    address,
    workers: count,
    on: (name, listener) => emitter.on(name, listener),
    async stats() {
      const live = slots.filter((slot): slot is Slot => slot?.listening === true);
      const answers = live.map((slot) =>
        new Promise<WorkerStats | undefined>((resolve) => {
          const id = nextStatsId++;
          const timer = setTimeout(() => finish(undefined), STATS_TIMEOUT);
          const finish = (stats: WorkerStats | undefined) => {
            clearTimeout(timer);
            pendingStats.delete(id);
            resolve(stats);
          };
          pendingStats.set(id, finish);
          post(slot.worker, { t: "stats", id });
        })
      );
      return (await Promise.all(answers)).filter((stats) => stats !== undefined);
    },
    async request(index, request, timeout = REQUEST_TIMEOUT) {
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new RangeError(`Cannot reach worker ${index}: pass an index from 0 to ${count - 1}`);
      }
      const wire = await wireRequest(request);
      const slot = slots[index];
      if (!slot?.listening || slot.closing || closing) {
        throw unavailable(index, closing ? "the pool is closing" : "it is restarting");
      }
      const answer = await new Promise<WireHttp | Error>((resolve) => {
        const id = nextRequestId++;
        const timer = setTimeout(
          () =>
            settle(new TimeoutError(`Worker ${index} did not answer a request in ${timeout} ms`)),
          timeout,
        );
        const settle = (result: WireHttp | Error) => {
          clearTimeout(timer);
          pendingRequests.delete(id);
          resolve(result);
        };
        pendingRequests.set(id, { index, settle });
        post(slot.worker, { t: "request", id, request: wire });
      });
      if (answer instanceof Error) throw answer;
      return responseFromWire(answer);
    },
    ownerOf(clientId) {
      if (!(clientId instanceof Uint8Array) || clientId.length !== 16) return undefined;
      const owner = directory.owner(clientId, count);
      return owner >= 0 ? owner : undefined;
    },
    async kill(index) {
      const slot = slots[index];
      if (!Number.isInteger(index) || index < 0 || index >= count) {
        throw new RangeError(`Cannot kill worker ${index}: pass an index from 0 to ${count - 1}`);
      }
      if (slot) await slot.worker.terminate();
    },
    close() {
      closing ??= Promise.all(slots.map((_, index) => stop(index))).then(() => {});
      return closing;
    },
  };
}

/** The thread entry, next to this file (`.ts` from source, `.js` from the npm build). */
const WORKER_ENTRY = new URL(
  `./_worker_main.${import.meta.url.endsWith(".ts") ? "ts" : "js"}`,
  import.meta.url,
);

function post(worker: Worker, message: ToWorker): void {
  const bytes = (message as { bytes?: Uint8Array }).bytes;
  worker.postMessage(message, bytes ? [bytes.buffer as ArrayBuffer] : []);
}

/** Checks the options and turns them into the boot data of worker 0, but for the directory. */
function checkOptions(options: ServeWorkersOptions): Omit<WorkerBoot, "directory"> {
  const { workers = "auto", transport = "udp", hostname = "127.0.0.1", port = 0 } = options;
  const count = workers === "auto" ? autoWorkers() : workers;
  if (!Number.isInteger(count) || count < 1 || count > 1024) {
    throw new RangeError(
      `Cannot run ${JSON.stringify(workers)} workers: pass an integer from 1 to 1024, or "auto"`,
    );
  }
  if (transport !== "udp" && transport !== "tcp") {
    throw new TypeError(`Cannot run workers over '${transport}': pick 'udp' or 'tcp'`);
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(`Cannot bind port ${port}: pass an integer from 0 to 65535`);
  }
  if (typeof options.module !== "string" && !(options.module instanceof URL)) {
    throw new TypeError("Cannot start workers without a module: pass its path or URL as `module`");
  }
  const restartDelay = options.restartDelay ?? 100;
  if (!Number.isFinite(restartDelay) || restartDelay < 0) {
    throw new RangeError(`Cannot use restartDelay ${restartDelay}: pass a number of ms >= 0`);
  }
  const startTimeout = options.startTimeout ?? 10_000;
  if (!Number.isFinite(startTimeout) || startTimeout <= 0) {
    throw new RangeError(`Cannot use startTimeout ${startTimeout}: pass a number of ms above 0`);
  }
  // Fails here, with the runtime's or platform's reason, rather than in every worker.
  if (transport === "udp") udp({ reusePort: true });
  else tcp({ reusePort: true });
  return {
    thingWorker: true,
    index: 0,
    count,
    module: moduleUrl(options.module),
    transport,
    hostname,
    port,
    data: options.data,
  };
}

function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return /^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)
    ? module
    : pathToFileURL(resolve(module)).href;
}
