/**
 * The admin API of a worker pool (`thing serve --workers N --admin`), served by the supervisor on
 * one address: it answers from the workers, each of which runs its own `adminApp()` behind
 * `host.handleRequests()`, reached over the pool's message channel with `WorkerPool.request()`.
 *
 * - `GET /sessions` and `GET /health` ask every worker and merge the answers (each session gets
 *   the `worker` holding it; `partial: true` when a worker could not answer);
 * - `GET|DELETE /sessions/:id` and `POST /sessions/:id/messages` go to the worker the shared
 *   directory names as the session's owner, or to worker 0 when none holds it (which answers 404,
 *   or, in a cluster, finds the session on another node);
 * - `GET /metrics` merges every worker's metrics, each sample labelled with its `worker` (and
 *   `node` in a cluster);
 * - `GET /cluster/nodes` is worker 0's answer;
 * - the dashboard (`GET /`) and `GET /events` are per-endpoint streams and answer 501.
 *
 * The same bearer-token rule as `adminApp()`: every route needs `Authorization: Bearer <token>`.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { fromHex } from "../../core/hex.ts";
import { PROMETHEUS_CONTENT_TYPE } from "../metrics/mod.ts";
import type { WorkerPool } from "../../workers/mod.ts";
import { bearerAuth } from "./auth.ts";
import { failureResponse } from "./cluster_routes.ts";
import { errorResponse } from "./errors.ts";
import { sessionIdParam } from "./session_id_param.ts";
import { mergeExpositions } from "./metric_merge.ts";

/** The parts of a `WorkerPool` the admin API uses. */
export type AdminWorkerPool = Pick<WorkerPool, "workers" | "request" | "ownerOf">;

/** What the workers' admin app serves. */
export interface WorkersAdminAppOptions {
  /** The pool whose workers each answer with an `adminApp()` (see `host.handleRequests()`). */
  pool: AdminWorkerPool;
  /** The bearer token every route requires (the workers' apps check the same one). */
  token: string;
  /** Milliseconds to wait for a worker's answer (default 5,000; a slower one is a 504). */
  timeout?: number;
}

/** A session as a worker's `GET /sessions` lists it. */
interface ListedSession {
  id: string;
  worker?: number;
  [field: string]: unknown;
}

/**
 * Builds the admin Hono app of a worker pool.
 *
 * @throws {TypeError} when the token is empty or the timeout is not a positive number
 */
export function workersAdminApp(options: WorkersAdminAppOptions): Hono {
  const { pool, token, timeout = 5_000 } = options;
  if (typeof token !== "string" || token.trim() === "") {
    throw new TypeError("Cannot build the admin app without a token: pass a non-empty `token`");
  }
  if (typeof timeout !== "number" || !(timeout > 0)) {
    throw new TypeError(
      `Cannot build the admin app with timeout ${timeout}: use a positive number`,
    );
  }
  const indexes = Array.from({ length: pool.workers }, (_, index) => index);
  const app = new Hono();
  app.onError((error, c) =>
    errorResponse(c, 500, "internal", `The admin API failed: ${error.message}`)
  );
  app.notFound((c) =>
    errorResponse(c, 404, "not_found", `No route ${c.req.method} ${c.req.path}: see GET /sessions`)
  );
  app.use(bearerAuth(token));

  /** Worker `index`'s answer to `request`, or the JSON error for why there is none. */
  const ask = async (c: Context, index: number, request: Request): Promise<Response> => {
    try {
      return await pool.request(index, request, timeout);
    } catch (error) {
      return failureResponse(c, error);
    }
  };
  /** Every worker's JSON answer to `GET path` (`undefined` for one that could not answer). */
  const askAll = (c: Context, path: string) =>
    Promise.all(indexes.map(async (index) => {
      const response = await ask(c, index, new Request(new URL(path, c.req.url), c.req.raw));
      return response.ok ? await response.json() as Record<string, unknown> : undefined;
    }));

  /** The request, passed on whole to the worker holding session `id` (worker 0 if none). */
  const toOwner = (c: Context, id: string) => ask(c, pool.ownerOf(fromHex(id)) ?? 0, c.req.raw);

  const perEndpoint = (c: Context) =>
    errorResponse(
      c,
      501,
      "not_with_workers",
      `${c.req.path} follows one endpoint, and each worker has its own: ` +
        "use GET /sessions and GET /metrics, or serve without --workers",
    );
  app.get("/", perEndpoint);
  app.get("/events", perEndpoint);

  app.get("/health", async (c) => {
    const answers = await askAll(c, "/health");
    const workers = answers.map((answer, worker) =>
      answer ? { worker, ...answer } : { worker, status: "unreachable" }
    );
    const sessions = answers.reduce((sum, answer) => sum + Number(answer?.sessions ?? 0), 0);
    const ok = workers.every((worker) => worker.status === "ok");
    return c.json({ status: ok ? "ok" : "degraded", sessions, workers });
  });

  app.get("/sessions", async (c) => {
    const answers = await askAll(c, "/sessions");
    const byId = new Map<string, ListedSession>();
    answers.forEach((answer, worker) => {
      for (const listed of (answer?.sessions ?? []) as ListedSession[]) {
        const session = { ...listed, worker: listed.worker ?? worker };
        // In a cluster every worker lists the others' sessions too: keep the owner's own entry.
        const held = byId.get(session.id);
        if (!held || pool.ownerOf(fromHex(session.id)) === worker) byId.set(session.id, session);
      }
    });
    const partial = answers.some((answer) => answer === undefined || answer.partial === true);
    return c.json({ sessions: [...byId.values()], ...(partial ? { partial: true } : {}) });
  });

  app.get("/sessions/:id", sessionIdParam, (c) => toOwner(c, c.req.valid("param").id));
  app.delete("/sessions/:id", sessionIdParam, (c) => toOwner(c, c.req.valid("param").id));
  app.post("/sessions/:id/messages", sessionIdParam, (c) => toOwner(c, c.req.valid("param").id));
  app.get("/cluster/nodes", (c) => ask(c, 0, c.req.raw));

  app.get("/metrics", async (c) => {
    const texts = await Promise.all(indexes.map(async (index) => {
      const response = await ask(c, index, c.req.raw.clone());
      return response.ok ? await response.text() : "";
    }));
    return c.body(mergeExpositions(texts), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
  });

  return app;
}
