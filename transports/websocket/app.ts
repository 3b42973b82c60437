/**
 * The Hono app behind a WebSocket server: the Thing endpoint at `path`, then any routes the
 * caller mounts (a demo page, health checks) on the same port.
 *
 * @module
 */

import { Hono } from "hono";
import type { PeerAddress } from "../../core/transport.ts";
import type { WsServerBinding } from "./binding.ts";
import { CLOSE_NORMAL, encodeWelcome } from "./message.ts";
import type { WsConn, WsSink } from "./ws_link.ts";

/** What `createWebSocketApp()` needs. */
export interface WebSocketAppOptions {
  /** The URL path of the Thing endpoint, e.g. `/thing`. */
  path: string;
  /** The runtime's upgrade helper and socket plumbing. */
  binding: WsServerBinding;
  /** Adopts an opened socket; undefined refuses it (the link is not ready or closed). */
  accept(conn: WsConn, peer: PeerAddress): WsSink | undefined;
  /** Extra routes served by the same app (mounted at `/`). */
  routes?: Hono | undefined;
}

/**
 * Builds the app: `GET path` upgrades to a WebSocket that first sends the Thing welcome (the
 * peer's address as the server sees it), then carries one packet per binary message.
 */
export function createWebSocketApp(options: WebSocketAppOptions): Hono {
  const { path, binding, accept, routes } = options;
  const app = new Hono();
  app.get(
    path,
    binding.upgradeWebSocket((c) => {
      const { address, port } = binding.getConnInfo(c).remote;
      const peer: PeerAddress = { hostname: address ?? "", port: port ?? 0 };
      let sink: WsSink | undefined;
      return {
        onOpen(_event, ws) {
          const conn = binding.conn(ws);
          ws.send(encodeWelcome(peer));
          sink = accept(conn, peer);
          if (!sink) return conn.close(CLOSE_NORMAL, "server closing");
          binding.route?.(ws, sink);
        },
        onMessage(event) {
          sink?.message(event.data);
        },
        onClose() {
          sink?.closed();
        },
      };
    }),
  );
  if (routes) app.route("/", routes);
  return app;
}
