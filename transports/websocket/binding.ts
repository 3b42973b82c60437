/**
 * The contract a runtime's WebSocket server binding fulfils: Hono's upgrade helper and connection
 * info for that runtime, a `WsConn` over its server socket, and the runtime's `serve`.
 *
 * @module
 */

import type { Hono } from "hono";
import type { GetConnInfo } from "hono/conninfo";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import type { BindOptions } from "../../core/transport.ts";
import type { WsConn, WsSink } from "./ws_link.ts";

/** A bound HTTP server. */
export interface WsServer {
  /** The port the OS gave (the asked one unless it was 0). */
  readonly port: number;
  /** Stops listening and ends every remaining connection. */
  stop(): Promise<void>;
}

/** One runtime's WebSocket server plumbing. */
export interface WsServerBinding {
  /** Hono's `upgradeWebSocket` for this runtime. */
  readonly upgradeWebSocket: UpgradeWebSocket;
  /** Hono's `getConnInfo` for this runtime (the peer's address). */
  readonly getConnInfo: GetConnInfo;
  /**
   * Optional fast path: hands the socket's binary and text messages to `sink` directly, skipping
   * the per-message event objects of Hono's helper.
   */
  route?(ws: WSContext, sink: WsSink): void;
  /** Wraps an open server socket. */
  conn(ws: WSContext): WsConn;
  /**
   * Serves `app` on `bind`.
   *
   * @throws what the runtime throws when it cannot bind (mapped by the caller)
   */
  serve(app: Hono, bind: BindOptions): WsServer;
}
