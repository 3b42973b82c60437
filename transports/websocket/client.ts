/**
 * The WebSocket client: the standard `WebSocket` global only, so it runs unchanged in Deno, Bun,
 * Node 22+ and browsers, and bundles for a browser (nothing runtime-specific is imported).
 *
 * @module
 */

import { TransportError } from "../../core/errors.ts";
import type { BindOptions, Link, LinkHandlers, Transport } from "../../core/transport.ts";
import { decodeWelcome, isFaultCode, webSocketUrl } from "./message.ts";
import {
  resolveWebSocketOptions,
  type WebSocketClientOptions,
  type WsSettings,
} from "./options.ts";
import { type WsConn, WsLink, type WsSink } from "./ws_link.ts";

/** How long `ready()` sleeps between `bufferedAmount` checks (WebSocket has no drain event). */
const POLL_MS = 2;

const sleep = () => new Promise<void>((resolve) => setTimeout(resolve, POLL_MS));

function closeError(url: string, event: CloseEvent): TransportError | undefined {
  if (!isFaultCode(event.code)) return undefined;
  return new TransportError(
    "THING_ERR_TRANSPORT",
    `The server at '${url}' closed the WebSocket with code '${event.code}' ('${event.reason}'): it refused a message this side sent`,
  );
}

/**
 * Opens a WebSocket to a Thing server and resolves once the server's welcome told this side its
 * address; the link then carries one packet per binary message.
 *
 * @throws {TransportError} `THING_ERR_TRANSPORT` when there is no `WebSocket` global, the
 *   connection fails or closes early, or no welcome arrives within `connectTimeout`
 */
export function connectWebSocket(
  remote: BindOptions,
  settings: WsSettings,
  handlers: LinkHandlers,
): Promise<Link> {
  const Socket = (globalThis as { WebSocket?: typeof WebSocket }).WebSocket;
  const url = webSocketUrl(remote, settings.path, settings.secure);
  if (Socket === undefined) {
    return Promise.reject(
      new TransportError(
        "THING_ERR_TRANSPORT",
        `Cannot connect to '${url}': this runtime has no WebSocket global; use Deno, Bun, Node 22+ or a browser`,
      ),
    );
  }
  return new Promise<Link>((resolve, reject) => {
    const failed = (reason: string, cause?: unknown) =>
      new TransportError("THING_ERR_TRANSPORT", `Cannot connect to '${url}': ${reason}`, { cause });
    let ws: WebSocket;
    try {
      ws = new Socket(url);
    } catch (cause) {
      return reject(failed("the URL is not valid; check the hostname and path", cause));
    }
    ws.binaryType = "arraybuffer";
    let sink: WsSink | undefined;
    let failure: TransportError | undefined;
    const timer = setTimeout(() => {
      failure = failed(
        `no Thing welcome within '${settings.connectTimeout}' ms; is it a Thing WebSocket server?`,
      );
      ws.close();
    }, settings.connectTimeout);
    ws.onmessage = (event) => {
      if (sink) return sink.message(event.data);
      const local = decodeWelcome(event.data);
      if (!local) {
        failure = failed("its first message was not a Thing welcome; check the port and path");
        return ws.close();
      }
      clearTimeout(timer);
      const server = { hostname: remote.hostname, port: remote.port };
      const link = new WsLink(local, settings, handlers, () => Promise.resolve(), server);
      const conn: WsConn = {
        get buffered() {
          return ws.bufferedAmount;
        },
        send: (bytes) => ws.send(bytes as Uint8Array<ArrayBuffer>),
        progress: sleep,
        close: (code, reason) => ws.close(code, reason),
      };
      sink = link.attach(conn, server);
      resolve(link);
    };
    ws.onclose = (event) => {
      if (sink) return sink.closed(closeError(url, event));
      clearTimeout(timer);
      reject(
        failure ?? failed(`the connection closed with code '${event.code}'; is it listening?`),
      );
    };
  });
}

/**
 * The client half of the WebSocket transport, for browsers and other places without a server:
 * `connect` works, `listen` rejects. `websocket()` offers both on Deno and Bun.
 *
 * @example
 * ```ts
 * import { connect } from "@thing/net";
 * import { connection } from "@thing/net/plugins/connection";
 * import { websocketClient } from "@thing/net/transports/websocket/client";
 *
 * // In a page served beside a websocket() server on port 8080:
 * export const open = () =>
 *   connect({ transport: websocketClient(), hostname: "127.0.0.1", port: 8080, plugins: connection() });
 * ```
 */
export function websocketClient(options: WebSocketClientOptions = {}): Transport {
  const settings = resolveWebSocketOptions(options);
  return {
    name: "websocket",
    kind: "stream",
    listen: () =>
      Promise.reject(
        new TransportError(
          "THING_ERR_TRANSPORT",
          "Cannot listen with websocketClient(): it only connects; use websocket() on Deno or Bun to serve",
        ),
      ),
    connect: (remote, handlers) => connectWebSocket(remote, settings, handlers),
  };
}
