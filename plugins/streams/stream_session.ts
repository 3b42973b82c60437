/**
 * The application's view of a session with the streams plugin, shaped like WebTransport:
 * `createBidirectionalStream()`, `incomingBidirectionalStreams`, `datagrams`, `ready` and `closed`.
 *
 * @module
 */
import type { Session } from "../../core/session.ts";
import type { PeerAddress } from "../../core/transport.ts";
import type { StreamConnection } from "./connection.ts";
import type { ConnectionStats } from "./connection_stats.ts";
import { type BidirectionalStream, webStream } from "./web_stream.ts";

/** Unreliable datagrams of a session, as WebTransport's `WebTransportDatagramDuplexStream`. */
export interface DatagramDuplex {
  /** Datagrams received; when the application falls behind, new ones are dropped. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Datagrams to send; one too large or beyond the send queue is dropped. */
  readonly writable: WritableStream<Uint8Array>;
  /** The largest datagram that can be sent. */
  readonly maxDatagramSize: number;
}

/** A session moved to a new, validated address (connection migration). */
export interface MigrateEvent {
  /** The address it left. */
  from: PeerAddress;
  /** The address it moved to. */
  to: PeerAddress;
}

/** How a session ended, as WebTransport's `WebTransportCloseInfo`. */
export interface CloseInfo {
  /** 0 for a normal close, 1 when it ended with an error. */
  closeCode: number;
  /** The session's close reason. */
  reason: string;
}

const sessions = new WeakMap<Session, StreamSession>();

/**
 * The streams of `session`.
 *
 * @throws {TypeError} when the session's endpoint has no `streams()` plugin
 * @example
 * ```ts
 * import type { ThingClient } from "@thing/net";
 * import { streamSession } from "@thing/net/plugins/streams";
 *
 * export async function openEcho(client: ThingClient) {
 *   const { readable, writable } = await streamSession(client.session).createBidirectionalStream();
 *   return { readable, writable };
 * }
 * ```
 */
export function streamSession(session: Session): StreamSession {
  const found = sessions.get(session);
  if (!found) {
    throw new TypeError(
      `Cannot use streams on session ${session.id}: add the streams() plugin to its endpoint`,
    );
  }
  return found;
}

/** Registers the connection of `session` (called by the plugin). */
export function attachStreamSession(
  session: Session,
  conn: StreamConnection,
  sendBuffer: number,
  datagramQueue: number,
): StreamSession {
  const created = new StreamSession(session, conn, sendBuffer, datagramQueue);
  sessions.set(session, created);
  return created;
}

/** Streams and datagrams over one session. Get it with `streamSession(session)`. */
export class StreamSession {
  /** The underlying session. */
  readonly session: Session;
  /** Streams the peer opens, in the order they arrive. */
  readonly incomingBidirectionalStreams: ReadableStream<BidirectionalStream>;
  /** Unreliable datagrams. */
  readonly datagrams: DatagramDuplex;
  /** Resolves when the session is established (at once for an open session). */
  readonly ready: Promise<void>;
  /** Resolves when the session ends. */
  readonly closed: Promise<CloseInfo>;
  /** Called when the session has moved to a new address after path validation. */
  onMigrate: ((event: MigrateEvent) => void) | undefined;
  readonly #conn: StreamConnection;
  readonly #sendBuffer: number;
  readonly #flush = () => this.#conn.flush();

  /** Use `streamSession(session)`. */
  constructor(session: Session, conn: StreamConnection, sendBuffer: number, datagramQueue: number) {
    this.session = session;
    this.#conn = conn;
    this.#sendBuffer = sendBuffer;
    let incoming!: ReadableStreamDefaultController<BidirectionalStream>;
    this.incomingBidirectionalStreams = new ReadableStream({ start: (c) => void (incoming = c) });
    conn.onStream = (state) => incoming.enqueue(webStream(conn, state, sendBuffer, this.#flush));
    let received!: ReadableStreamDefaultController<Uint8Array>;
    const readable = new ReadableStream<Uint8Array>(
      { start: (c) => void (received = c) },
      { highWaterMark: datagramQueue },
    );
    conn.onDatagram = (data) => {
      if ((received.desiredSize ?? 0) > 0) received.enqueue(data);
    };
    const writable = new WritableStream<Uint8Array>({
      write: (chunk) => {
        if (conn.sendDatagram(chunk)) this.#flush();
      },
    });
    this.datagrams = { readable, writable, maxDatagramSize: conn.maxDatagramSize };
    this.ready = session.opened;
    this.ready.catch(() => {}); // a session that never opens rejects it: not unhandled
    this.closed = session.closed.then(() => {
      for (const controller of [incoming, received]) {
        try {
          controller.close();
        } catch {
          // already closed or errored by the application
        }
      }
      return {
        closeCode: session.closeError ? 1 : 0,
        reason: session.closeReason ?? "closed",
      };
    });
  }

  /** Opens a stream. Rejects when the session is closed or out of stream IDs. */
  createBidirectionalStream(): Promise<BidirectionalStream> {
    if (this.#conn.closed) {
      return Promise.reject(
        new TypeError(`Cannot open a stream on closed session ${this.session.id}`),
      );
    }
    try {
      const state = this.#conn.openStream();
      return Promise.resolve(webStream(this.#conn, state, this.#sendBuffer, this.#flush));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Streams open now (both directions not yet finished). */
  get streamCount(): number {
    return this.#conn.streamCount;
  }

  /** Counters of the connection: packets, losses, RTT, congestion window. */
  get stats(): ConnectionStats {
    return this.#conn.stats;
  }

  /** Closes the session gracefully (the dialect's goodbye). */
  close(): Promise<void> {
    return this.session.close();
  }
}
