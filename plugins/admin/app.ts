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
 * | `POST /sessions/:id/messages` | sends the body (`?customId=N`, `?reliable=false`); 200 once delivered |
 * | `GET /cluster/nodes`   | `{ nodes: NodeInfo[] }`, with `cluster()` only                |
 * | `GET /metrics`         | Prometheus text                                               |
 * | `GET /events`          | server-sent events (see `event_stream.ts`)                    |
 *
 * Every route but `GET /` needs `Authorization: Bearer <token>`; errors are JSON
 * (`AdminErrorBody`). With a `cluster`, the session routes cover every node: sessions carry a
 * `node` field, a message or close goes to the node holding the session (404 unknown session, 503
 * node gone or Redis unreachable, 504 no answer in time), `/health` shows the cluster state and
 * `/metrics` samples carry `node` and `worker` labels.
 *
 * @module
 */
import { Hono } from "hono";
import type { Endpoint } from "../../core/endpoint.ts";
import type { Session } from "../../core/session.ts";
import type { Cluster } from "../cluster/mod.ts";
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "../metrics/mod.ts";
import type { ThingMetrics } from "../metrics/mod.ts";
import { bearerAuth } from "./auth.ts";
import { clusterSessions, failureResponse } from "./cluster_routes.ts";
import { DASHBOARD_HTML } from "./dashboard.ts";
import { errorResponse } from "./errors.ts";
import { sessionIdParam } from "./session_id_param.ts";
import { eventStream } from "./event_stream.ts";
import { withLabels } from "./metric_labels.ts";
import { sessionJson } from "./session_json.ts";
import { settlesWithin } from "../../core/settles_within.ts";

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
  /** The server's cluster member: the session routes then cover the whole cluster. */
  cluster?: Cluster;
  /** Labels added to every `/metrics` sample, after the cluster's `node` and `worker` ones. */
  labels?: Readonly<Record<string, string>>;
}

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
  const {
    endpoint,
    metrics,
    token,
    statsInterval = 1000,
    closeWait = 2000,
    signal,
    cluster,
    labels: extraLabels,
  } = options;
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

  const find = (id: string): Session | undefined => {
    for (const session of endpoint.sessions) if (session.id === id) return session;
    return undefined;
  };
  const unknown = (c: Parameters<typeof errorResponse>[0], id: string) =>
    errorResponse(c, 404, "unknown_session", `No session "${id}": list them with GET /sessions`);

  app.get("/", (c) => c.html(DASHBOARD_HTML, 200, DASHBOARD_HEADERS));

  app.get("/health", (c) => {
    const health = cluster?.health();
    return c.json({
      status: health === undefined || health.state === "up" ? "ok" : "degraded",
      role: endpoint.role,
      sessions: endpoint.sessions.size,
      uptimeMs: Math.round(endpoint.clock.now() - startedAt),
      stats: endpoint.stats,
      ...(health === undefined ? {} : { cluster: health }),
    });
  });

  app.get("/sessions", async (c) =>
    c.json(
      cluster
        ? await clusterSessions(endpoint, cluster, metrics)
        : { sessions: [...endpoint.sessions].map((s) => sessionJson(s, metrics)) },
    ));

  app.get("/sessions/:id", sessionIdParam, async (c) => {
    const { id } = c.req.valid("param");
    const session = find(id);
    if (session) return c.json(sessionJson(session, metrics));
    const remote = cluster && cluster.state === "up"
      ? (await clusterSessions(endpoint, cluster, metrics)).sessions.find((s) => s.id === id)
      : undefined;
    return remote ? c.json(remote) : unknown(c, id);
  });

  app.delete("/sessions/:id", sessionIdParam, async (c) => {
    const { id } = c.req.valid("param");
    const session = find(id);
    if (session) {
      const closed = await settlesWithin(session.close("closed by admin"), closeWait);
      return c.json(sessionJson(session, metrics), closed ? 200 : 202);
    }
    if (!cluster) return unknown(c, id);
    try {
      const { closed } = await cluster.closeSession(id, "closed by admin");
      return c.json({ id, state: closed ? "closed" : "closing" }, closed ? 200 : 202);
    } catch (error) {
      return failureResponse(c, error);
    }
  });

  app.post("/sessions/:id/messages", sessionIdParam, async (c) => {
    const { id } = c.req.valid("param");
    const customText = c.req.query("customId") ?? "0";
    const reliableText = c.req.query("reliable") ?? "true";
    const customId = Number(customText);
    if (!/^\d{1,5}$/.test(customText) || customId > 65_535) {
      return errorResponse(
        c,
        400,
        "bad_custom_id",
        `Invalid customId "${customText.slice(0, 20)}": use an integer 0..65535`,
      );
    }
    if (reliableText !== "true" && reliableText !== "false") {
      return errorResponse(
        c,
        400,
        "bad_reliable",
        `Invalid reliable "${reliableText.slice(0, 20)}": use true or false`,
      );
    }
    const data = new Uint8Array(await c.req.arrayBuffer());
    const options = { customId, reliable: reliableText === "true" };
    const session = find(id);
    if (!session && !cluster) return unknown(c, id);
    try {
      if (session) await session.send(data, options);
      else await cluster!.send(id, data, options);
    } catch (error) {
      return failureResponse(c, error);
    }
    return c.json({ id, delivered: true, bytes: data.length, ...options });
  });

  app.get("/cluster/nodes", async (c) => {
    if (!cluster) {
      return errorResponse(
        c,
        404,
        "no_cluster",
        "This server is not in a cluster: start it with --cluster",
      );
    }
    try {
      return c.json({ nodes: await cluster.nodes() });
    } catch (error) {
      return failureResponse(c, error);
    }
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
    const text = own + (metrics?.render() ?? "");
    const labels = {
      ...(cluster === undefined
        ? {}
        : { node: cluster.options.node, worker: String(cluster.options.worker ?? 0) }),
      ...extraLabels,
    };
    return c.body(Object.keys(labels).length > 0 ? withLabels(text, labels) : text, 200, {
      "Content-Type": PROMETHEUS_CONTENT_TYPE,
    });
  });

  app.get("/events", (c) => eventStream(c, { endpoint, metrics, interval: statsInterval, signal }));

  return app;
}
