/**
 * Workers: one Thing server per core on a shared port (`SO_REUSEPORT`), with packets routed to
 * the worker that owns their session. See docs/SCALING.md.
 *
 * @module
 */

export {
  autoWorkers,
  serveWorkers,
  type ServeWorkersOptions,
  type WorkerPool,
  type WorkerPoolEvents,
  type WorkerStats,
} from "./serve_workers.ts";
export {
  defineWorker,
  type RequestHandler,
  type WorkerHost,
  type WorkerListenOptions,
  type WorkerMain,
} from "./worker_host.ts";
