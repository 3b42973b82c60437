/**
 * The admin API: a Hono app (`adminApp()`) and its server (`startAdmin()`) with health, sessions,
 * Prometheus metrics, server-sent events and a live dashboard.
 *
 * @module
 */
export * from "./app.ts";
export * from "./auth.ts";
export * from "./errors.ts";
export * from "./serve.ts";
export * from "./session_json.ts";
export * from "./workers_app.ts";
export type { ClusterSessionJson } from "./cluster_routes.ts";
