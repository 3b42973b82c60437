/**
 * The WebSocket demo server: the Thing dialect over `websocket()`, echoing every message, with
 * the demo page and its freshly bundled script on the same port.
 *
 * @module
 */

import { listen, type ThingNode } from "../../mod.ts";
import {
  encodeIdentity,
  fingerprint,
  generateIdentity,
  type Identity,
  thing,
} from "../../plugins/thing/mod.ts";
import { websocket } from "../../transports/websocket/mod.ts";
import { bundleBrowserClient } from "./bundle.ts";
import { demoRoutes } from "./page.ts";

/** Options of `startWebSocketDemo()`. */
export interface WebSocketDemoOptions {
  /** Host to bind (default `127.0.0.1`). */
  hostname?: string;
  /** Port to bind (default 0: any). */
  port?: number;
  /** The server identity (default: a fresh one). */
  identity?: Required<Identity>;
}

/** A running demo. */
export interface WebSocketDemo {
  /** The page's address. */
  readonly url: string;
  /** The server's key fingerprint, as the page shows it. */
  readonly fingerprint: string;
  /** The Thing server. */
  readonly server: ThingNode;
  /** Stops serving. */
  close(): Promise<void>;
}

/**
 * Bundles the page script, then serves the page at `/` and Thing at `/thing`, echoing each
 * message back as `echo: <text>`.
 *
 * @example
 * ```ts
 * import { startWebSocketDemo } from "./demo.ts";
 *
 * const demo = await startWebSocketDemo({ port: 0 });
 * console.log(`open ${demo.url}`);
 * await demo.close();
 * ```
 */
export async function startWebSocketDemo(
  options: WebSocketDemoOptions = {},
): Promise<WebSocketDemo> {
  const { hostname = "127.0.0.1", port = 0, identity = generateIdentity() } = options;
  const script = await bundleBrowserClient();
  const serverKey = encodeIdentity({ publicKey: identity.publicKey }).trim();
  const print = fingerprint(identity.publicKey);
  const routes = demoRoutes({ script, serverKey, fingerprint: print });
  const server = await listen({
    transport: websocket({ routes }),
    hostname,
    port,
    plugins: thing({ identity }),
  });
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  server.on("message", ({ session, data }) => {
    const echo = encoder.encode(`echo: ${decoder.decode(data)}`);
    session.send(echo, { reliable: false }).catch(() => {});
  });
  const host = hostname.includes(":") ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${server.address.port}/`,
    fingerprint: print,
    server,
    close: () => server.close(),
  };
}
