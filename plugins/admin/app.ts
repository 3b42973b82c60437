/**
 * The admin API as a Hono app: health, sessions (list, show, kick), Prometheus metrics, server-sent
 * session events and the live dashboard. Runtime-neutral: serve its `fetch` anywhere, or use
 * `startAdmin()`.
 *
 * | route                  | answer                                                        |
 * |------------------------|---------------------------------------------------------------|
 * | `GET /`                | the dashboard page (public: it holds no data, it asks for the token) |
 * | `GET /health`          | `{ status, role, sessions, uptimeMs, stats }`                 |
 * | `GET /sessions`        | `{ sessions: SessionJson[] }`                                 |
 * | `GET /sessions/:id`    | `SessionJson`; 400 for an ID that is not 32 hex digits, 404 unknown |
 * | `DELETE /sessions/:id` | closes it the dialect's way; 200 once closed, 202 while closing |
 * | `GET /metrics`         | Prometheus text                                               |
 * | `GET /events`          | server-sent events (see `event_stream.ts`)                    |
 *
 * Every route but `GET /` needs `Authorization: Bearer <token>`; errors are JSON
 * (`AdminErrorBody`).
 *
 * @module
 */
import { Hono } from "hono";
import { validator } from "hono/validator";
import * as v from "valibot";
import type { Endpoint } from "../../core/endpoint.ts";
import type { Session } from "../../core/session.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../metrics/exposition.ts";
import type { ThingMetrics } from "../metrics/metrics.ts";
import { bearerAuth } from "./auth.ts";
import { DASHBOARD_HTML } from "./dashboard.ts";
import { errorResponse } from "./errors.ts";
import { eventStream } from "./event_stream.ts";
import { sessionJson } from "./session_json.ts";

/** What the admin app serves. */
export interface AdminAppOptions {
  /** The endpoint to observe and control (`node.endpoint` of a `listen()` result). */
  endpoint: Endpoint;
  /** The endpoint's metrics plugin, for `/metrics` and session figures. */
  metrics?: ThingMetrics;
  /** The bearer token every route but the dashboard page requires. */
  token: string;
  /** Milliseconds between `stats` events on `/events` (default 1,000). */
  statsInterval?: number;
  /** Milliseconds `DELETE /sessions/:id` waits for the goodbye before answering 202 (default 2,000). */
  closeWait?: number;
  /** Ends every `/events` stream when aborted. */
  signal?: AbortSignal;
}

const SessionIdSchema = v.pipe(
  v.string(),
  v.regex(/^[0-9a-fA-F]{32}$/, "a session ID is 32 hex digits"),
  v.toLowerCase(),
);

const DASHBOARD_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:; frame-ancestors 'none'",
  "Referrer-Policy": "no-referrer",
  "X-Content-Type-Options": "nosniff",
  "Cache-Control": "no-store",
};

/**
 * Builds the admin Hono app.
 *
 * @throws {TypeError} when the token is empty or an interval is not a positive number
 */
export function adminApp(options: AdminAppOptions): Hono {
  const { endpoint, metrics, token, statsInterval = 1000, closeWait = 2000, signal } = options;
  if (typeof token !== "string" || token.trim() === "") {
    throw new TypeError("Cannot build the admin app without a token: pass a non-empty `token`");
  }
  for (const [name, value] of [["statsInterval", statsInterval], ["closeWait", closeWait]]) {
    if (typeof value !== "number" || !(value > 0)) {
      throw new TypeError(
        `Cannot build the admin app with ${name} ${value}: use a positive number`,
      );
    }
  }
  const startedAt = endpoint.clock.now();
  const app = new Hono();
  app.onError((error, c) =>
    errorResponse(c, 500, "internal", `The admin API failed: ${error.message}`)
  );
  app.notFound((c) =>
    errorResponse(c, 404, "not_found", `No route ${c.req.method} ${c.req.path}: see GET /`)
  );
  app.use(bearerAuth(token, (method, path) => method === "GET" && path === "/"));

  const sessionId = validator("param", (params, c) => {
    const parsed = v.safeParse(SessionIdSchema, params.id);
    if (!parsed.success) {
      return errorResponse(
        c,
        400,
        "bad_session_id",
        `Invalid session ID "${
          String(params.id).slice(0, 80)
        }": use the 32 hex digits of a client ID`,
      );
    }
    return { id: parsed.output };
  });
  const find = (id: string): Session | undefined => {
    for (const session of endpoint.sessions) if (session.id === id) return session;
    return undefined;
  };
  const unknown = (c: Parameters<typeof errorResponse>[0], id: string) =>
    errorResponse(c, 404, "unknown_session", `No session "${id}": list them with GET /sessions`);

  app.get("/", (c) => c.html(DASHBOARD_HTML, 200, DASHBOARD_HEADERS));

  app.get("/health", (c) =>
    c.json({
      status: "ok",
      role: endpoint.role,
      sessions: endpoint.sessions.size,
      uptimeMs: Math.round(endpoint.clock.now() - startedAt),
      stats: endpoint.stats,
    }));

  app.get(
    "/sessions",
    (c) => c.json({ sessions: [...endpoint.sessions].map((s) => sessionJson(s, metrics)) }),
  );

  app.get("/sessions/:id", sessionId, (c) => {
    const { id } = c.req.valid("param");
    const session = find(id);
    return session ? c.json(sessionJson(session, metrics)) : unknown(c, id);
  });

  app.delete("/sessions/:id", sessionId, async (c) => {
    const { id } = c.req.valid("param");
    const session = find(id);
    if (!session) return unknown(c, id);
    const closed = await within(session.close("closed by admin"), closeWait);
    return c.json(sessionJson(session, metrics), closed ? 200 : 202);
  });

  app.get("/metrics", (c) => {
    const { stats } = endpoint;
    const own = renderPrometheus([
      {
        name: "thing_endpoint_packets_total",
        help: "Datagrams received and packets sent by the endpoint, malformed ones included.",
        type: "counter",
        samples: [
          { labels: { direction: "in" }, value: stats.packetsIn },
          { labels: { direction: "out" }, value: stats.packetsOut },
        ],
      },
      {
        name: "thing_endpoint_bytes_total",
        help: "Bytes received and sent by the endpoint.",
        type: "counter",
        samples: [
          { labels: { direction: "in" }, value: stats.bytesIn },
          { labels: { direction: "out" }, value: stats.bytesOut },
        ],
      },
    ]);
    return c.body(own + (metrics?.render() ?? ""), 200, {
      "Content-Type": PROMETHEUS_CONTENT_TYPE,
    });
  });

  app.get("/events", (c) => eventStream(c, { endpoint, metrics, interval: statsInterval, signal }));

  return app;
}

/** Whether `promise` settles within `ms` milliseconds. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
