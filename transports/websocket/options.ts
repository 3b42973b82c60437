/**
 * Options of the WebSocket transport that both ends share, validated once at the factory.
 * Runtime-neutral: the browser client imports this file.
 *
 * @module
 */

import { MAX_PACKET_SIZE, resolveMaxPacketSize } from "../_limits.ts";

/** Options of the WebSocket client (and, through `WebSocketOptions`, of the server). */
export interface WebSocketClientOptions {
  /** The largest packet sent or accepted (64..65,507, default 65,507). */
  maxPacketSize?: number;
  /** `ready(peer)` waits while more bytes than this are buffered for `peer` (default 256 KiB). */
  highWaterMark?: number;
  /** `send` throws rather than buffer more than this for one peer (default 4 MiB). */
  maxBufferedBytes?: number;
  /** The URL path of the endpoint (default `/thing`). */
  path?: string;
  /** Connect with `wss:` rather than `ws:` (client only; default false). */
  secure?: boolean;
  /** Milliseconds `connect` waits for the server's welcome (default 5,000). */
  connectTimeout?: number;
  /** Milliseconds `close` waits for each peer's closing handshake (default 1,000). */
  closeTimeout?: number;
}

/** The validated options with every default filled in. */
export interface WsSettings {
  /** The largest packet sent or accepted. */
  maxPacketSize: number;
  /** `ready(peer)` waits above this many buffered bytes. */
  highWaterMark: number;
  /** `send` throws above this many buffered bytes. */
  maxBufferedBytes: number;
  /** The URL path of the endpoint. */
  path: string;
  /** Whether the client uses `wss:`. */
  secure: boolean;
  /** Milliseconds to wait for the welcome. */
  connectTimeout: number;
  /** Milliseconds to wait for each closing handshake. */
  closeTimeout: number;
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new RangeError(`Cannot use ${name} '${value}': pass a positive integer`);
  }
  return value;
}

/**
 * Validates WebSocket options and fills in the defaults.
 *
 * @throws {RangeError} for an out-of-range number
 * @throws {TypeError} for a path that does not start with `/`
 */
export function resolveWebSocketOptions(options: WebSocketClientOptions): WsSettings {
  const {
    highWaterMark = 256 * 1024,
    maxBufferedBytes = 4 * 1024 * 1024,
    path = "/thing",
    secure = false,
    connectTimeout = 5_000,
    closeTimeout = 1_000,
  } = options;
  const maxPacketSize = resolveMaxPacketSize(options.maxPacketSize);
  if (!Number.isInteger(highWaterMark) || highWaterMark < 0) {
    throw new RangeError(`Cannot use highWaterMark '${highWaterMark}': pass an integer >= 0`);
  }
  if (!Number.isInteger(maxBufferedBytes) || maxBufferedBytes < highWaterMark + MAX_PACKET_SIZE) {
    throw new RangeError(
      `Cannot use maxBufferedBytes '${maxBufferedBytes}': pass at least highWaterMark + ${MAX_PACKET_SIZE}`,
    );
  }
  if (typeof path !== "string" || !path.startsWith("/")) {
    throw new TypeError(`Cannot use path '${String(path)}': pass a path starting with '/'`);
  }
  return {
    maxPacketSize,
    highWaterMark,
    maxBufferedBytes,
    path,
    secure: secure === true,
    connectTimeout: positiveInteger("connectTimeout", connectTimeout),
    closeTimeout: positiveInteger("closeTimeout", closeTimeout),
  };
}
