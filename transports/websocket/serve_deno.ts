/**
 * The WebSocket server on Deno: `Deno.serve` with Hono's `hono/deno` upgrade helper.
 *
 * @module
 */

import { getConnInfo, upgradeWebSocket } from "hono/deno";
import type { WsServerBinding } from "./binding.ts";

/** How long `ready()` sleeps between `bufferedAmount` checks (Deno's socket has no drain event). */
const POLL_MS = 2;

/** Deno's `WsServerBinding`. */
export const denoBinding: WsServerBinding = {
  upgradeWebSocket,
  getConnInfo,
  conn(ws) {
    const raw = ws.raw as WebSocket;
    return {
      get buffered() {
        return raw.bufferedAmount;
      },
      send: (bytes) => raw.send(bytes as Uint8Array<ArrayBuffer>),
      progress: () => new Promise((resolve) => setTimeout(resolve, POLL_MS)),
      close: (code, reason) => raw.close(code, reason),
    };
  },
  serve(app, bind) {
    const server = Deno.serve(
      { hostname: bind.hostname, port: bind.port, onListen() {} },
      (request, info) => app.fetch(request, info),
    );
    return {
      port: server.addr.port,
      stop: () => server.shutdown(),
    };
  },
};
