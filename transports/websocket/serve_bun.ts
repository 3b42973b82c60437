/**
 * The WebSocket server on Bun: `Bun.serve` with Hono's `createBunWebSocket()`, plus Bun's `drain`
 * event so `ready()` wakes as soon as a backpressured socket can take more.
 *
 * @module
 */

import type { Hono } from "hono";
import { createBunWebSocket, getConnInfo } from "hono/bun";
import type { WsServerBinding } from "./binding.ts";
import type { WsSink } from "./ws_link.ts";

interface BunServerSocket {
  send(data: Uint8Array, compress?: boolean): number;
  getBufferedAmount(): number;
  close(code?: number, reason?: string): void;
}

interface BunServeApi {
  serve(options: {
    hostname: string;
    port: number;
    fetch(request: Request, server: unknown): Response | Promise<Response>;
    websocket: object;
  }): { readonly port: number; stop(closeActiveConnections?: boolean): Promise<void> | void };
}

/** The longest `ready()` sleeps without a drain event before checking again. */
const FALLBACK_MS = 20;

const { upgradeWebSocket, websocket } = createBunWebSocket();
const drainWaiters = new WeakMap<object, Set<() => void>>();
const sinks = new WeakMap<object, WsSink>();

function wake(ws: object): void {
  const waiters = drainWaiters.get(ws);
  if (waiters) { for (const done of [...waiters]) done(); }
}

/** The bytes of a binary message as their own `ArrayBuffer` (Bun's is usually exactly that). */
function exactBuffer(bytes: Uint8Array): ArrayBuffer {
  const { buffer, byteOffset, byteLength } = bytes;
  if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) {
    return buffer;
  }
  return bytes.slice().buffer;
}

/**
 * Hono's Bun handlers, with `drain` and `close` waking `ready()`, and messages of sockets routed
 * with `route()` going straight to their sink (Hono's helper builds two objects per message).
 */
const handlers = {
  ...websocket,
  drain: wake,
  message(...args: Parameters<typeof websocket.message>) {
    const [ws, message] = args;
    const sink = sinks.get(ws);
    if (!sink) return websocket.message(...args);
    sink.message(typeof message === "string" ? message : exactBuffer(message as Uint8Array));
  },
  close(...args: Parameters<typeof websocket.close>) {
    wake(args[0]);
    websocket.close(...args);
  },
};

/** Bun's `WsServerBinding`. */
export const bunBinding: WsServerBinding = {
  upgradeWebSocket,
  getConnInfo,
  route(ws, sink) {
    sinks.set(ws.raw as object, sink);
  },
  conn(ws) {
    const raw = ws.raw as BunServerSocket;
    const waiters = new Set<() => void>();
    drainWaiters.set(raw, waiters);
    return {
      get buffered() {
        return raw.getBufferedAmount();
      },
      send: (bytes) => void raw.send(bytes),
      progress: () =>
        new Promise<void>((resolve) => {
          const done = () => {
            clearTimeout(timer);
            waiters.delete(done);
            resolve();
          };
          const timer = setTimeout(done, FALLBACK_MS);
          waiters.add(done);
        }),
      close: (code, reason) => raw.close(code, reason),
    };
  },
  serve(app: Hono, bind) {
    const bun = (globalThis as { Bun?: BunServeApi }).Bun!;
    const server = bun.serve({
      hostname: bind.hostname,
      port: bind.port,
      fetch: (request, srv) => app.fetch(request, srv),
      websocket: handlers,
    });
    return { port: server.port, stop: async () => await server.stop(true) };
  },
};
