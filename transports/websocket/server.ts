/**
 * `listenWebSocket()`: binds the Hono app with the running runtime's binding (loaded on demand, as
 * each one imports its runtime's adapter) and returns the link that owns every socket.
 *
 * @module
 */

import type { Hono } from "hono";
import { TransportError } from "../../core/errors.ts";
import type { BindOptions, Link, LinkHandlers } from "../../core/transport.ts";
import { bindError, detectRuntime } from "../_runtime.ts";
import { createWebSocketApp } from "./app.ts";
import type { WsServer, WsServerBinding } from "./binding.ts";
import type { WsSettings } from "./options.ts";
import { WsLink } from "./ws_link.ts";

async function loadBinding(bind: BindOptions): Promise<WsServerBinding> {
  const runtime = detectRuntime();
  if (runtime === "deno") return (await import("./serve_deno.ts")).denoBinding;
  if (runtime === "bun") return (await import("./serve_bun.ts")).bunBinding;
  throw new TransportError(
    "THING_ERR_TRANSPORT",
    `Cannot listen for WebSockets on '${bind.hostname}:${bind.port}' under Node: the server needs Deno.serve or Bun.serve; run it on Deno or Bun (Node can still connect)`,
  );
}

/**
 * Serves the Thing WebSocket endpoint (and `routes`) on `bind`.
 *
 * @throws {TransportError} `THING_ERR_ADDRESS_IN_USE` when the port is taken,
 *   `THING_ERR_TRANSPORT` for other bind failures and on Node
 */
export async function listenWebSocket(
  bind: BindOptions,
  settings: WsSettings,
  routes: Hono | undefined,
  handlers: LinkHandlers,
): Promise<Link> {
  const binding = await loadBinding(bind);
  const ready: { link?: WsLink } = {};
  const app = createWebSocketApp({
    path: settings.path,
    binding,
    accept: (conn, peer) => ready.link?.attach(conn, peer),
    routes,
  });
  let server: WsServer;
  try {
    server = binding.serve(app, bind);
  } catch (cause) {
    throw bindError("websocket", "bind", bind, cause);
  }
  const local = { hostname: bind.hostname, port: server.port };
  ready.link = new WsLink(local, settings, handlers, () => server.stop());
  return ready.link;
}
