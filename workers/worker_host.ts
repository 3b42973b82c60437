/**
 * What a worker module receives: `serveWorkers()` loads the module in each worker thread and calls
 * its default export with a `WorkerHost`.
 *
 * @module
 */
import type { NodeOptions, ThingNode } from "../core/node.ts";

/** The server options a worker module chooses; the pool fixes the transport and address. */
export type WorkerListenOptions = Omit<NodeOptions, "transport" | "hostname" | "port">;

/** One worker's view of its pool. */
export interface WorkerHost {
  /** This worker's index, 0 to `count` − 1 (a restarted worker keeps its index). */
  readonly index: number;
  /** How many workers the pool runs. */
  readonly count: number;
  /** The `data` given to `serveWorkers()`, structured-cloned into this thread. */
  readonly data: unknown;
  /**
   * Starts this worker's server on the pool's shared port, with the routing plugin first in
   * `plugins`. Call it once; the pool closes the server when it stops.
   */
  listen(options: WorkerListenOptions): Promise<ThingNode>;
  /**
   * Answers the HTTP requests the supervisor passes this worker with `WorkerPool.request()`
   * (the admin API of `thing serve --workers` does). A later call replaces the handler; until the
   * first, such requests get 503.
   */
  handleRequests(handler: RequestHandler): void;
}

/** Answers one HTTP request (a Hono app's `fetch` is one). */
export type RequestHandler = (request: Request) => Response | Promise<Response>;

/** The default export of a worker module. */
export type WorkerMain = (host: WorkerHost) => void | Promise<void>;

/**
 * Types a worker module's default export.
 *
 * @example
 * ```ts
 * import { defineWorker } from "@thing/net/workers";
 * import { connection } from "@thing/net/plugins/connection";
 *
 * export default defineWorker(async (host) => {
 *   const server = await host.listen({ plugins: connection() });
 *   server.on("message", ({ session, data }) => void session.send(data).catch(() => {}));
 * });
 * ```
 */
export function defineWorker(main: WorkerMain): WorkerMain {
  if (typeof main !== "function") {
    throw new TypeError("Cannot define a worker without a function: pass (host) => { ... }");
  }
  return main;
}
