/**
 * `websocket()`: the WebSocket transport factory. One Thing packet per binary message at `/thing`;
 * the server runs on Deno and Bun through Hono, the client wherever `WebSocket` exists.
 *
 * @module
 */

import type { Hono } from "hono";
import type { Transport } from "../../core/transport.ts";
import { connectWebSocket } from "./client.ts";
import { resolveWebSocketOptions, type WebSocketClientOptions } from "./options.ts";
import { listenWebSocket } from "./server.ts";

/** Options for `websocket()`. */
export interface WebSocketOptions extends WebSocketClientOptions {
  /** Extra routes the server's Hono app serves beside the Thing endpoint (e.g. a page at `/`). */
  routes?: Hono;
}

/**
 * Creates the WebSocket transport: `listen` serves many peers (Deno and Bun only), `connect` makes
 * a link to one server. A peer that sends a text message, or a message that is not exactly one
 * Thing packet, is disconnected and reported to `error`.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { websocket } from "@thing/net/transports/websocket";
 *
 * const page = new Hono().get("/", (c) => c.html("<p>hello</p>"));
 * const server = await websocket({ routes: page }).listen({ hostname: "127.0.0.1", port: 0 }, {
 *   packet(bytes, peer) {
 *     server.send(bytes.slice(), peer);
 *   },
 * });
 * await server.close();
 * ```
 */
export function websocket(options: WebSocketOptions = {}): Transport {
  const settings = resolveWebSocketOptions(options);
  const { routes } = options;
  return {
    name: "websocket",
    kind: "stream",
    listen: (bind, handlers) => listenWebSocket(bind, settings, routes, handlers),
    connect: (remote, handlers) => connectWebSocket(remote, settings, handlers),
  };
}
