/**
 * The application's view of a session with the streams plugin, shaped like WebTransport:
 * `createBidirectionalStream()`, `createUnidirectionalStream()`, `incomingBidirectionalStreams`,
 * `incomingUnidirectionalStreams`, `datagrams`, `ready` and `closed`.
 *
 * @module
 */
import type { Session } from "../../core/session.ts";
import { SessionError } from "../../core/errors.ts";
import type { PeerAddress } from "../../core/transport.ts";
import type { StreamConnection } from "./connection.ts";
import type { ConnectionStats } from "./connection_stats.ts";
import { checkPriority, type StreamPriority, type StreamState } from "./stream.ts";
import {
  type BidirectionalStream,
  type ReceiveOnlyStream,
  receiveOnlyStream,
  type SendOnlyStream,
  sendOnlyStream,
  webStream,
} from "./web_stream.ts";

/** Unreliable datagrams of a session, as WebTransport's `WebTransportDatagramDuplexStream`. */
export interface DatagramDuplex {
  /** Datagrams received; when the application falls behind, new ones are dropped. */
  readonly readable: ReadableStream<Uint8Array>;
  /** Datagrams to send; one too large or beyond the send queue is dropped. */
  readonly writable: WritableStream<Uint8Array>;
  /** The largest datagram that can be sent now (it grows as path MTU discovery finds room). */
  readonly maxDatagramSize: number;
}

/** Options of `createBidirectionalStream()` and `createUnidirectionalStream()`. */
export interface StreamOptions extends Partial<StreamPriority> {}

interface PendingOpen {
  options: StreamOptions;
  resolve(state: StreamState): void;
  reject(error: Error): void;
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
  /** Bidirectional streams the peer opens, in stream ID order. */
  readonly incomingBidirectionalStreams: ReadableStream<BidirectionalStream>;
  /** Unidirectional streams the peer opens, in stream ID order. */
  readonly incomingUnidirectionalStreams: ReadableStream<ReceiveOnlyStream>;
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
  /** Opens waiting for the peer's stream limit, bidirectional then unidirectional. */
  readonly #waiting: [PendingOpen[], PendingOpen[]] = [[], []];

  /** Use `streamSession(session)`. */
  constructor(session: Session, conn: StreamConnection, sendBuffer: number, datagramQueue: number) {
    this.session = session;
    this.#conn = conn;
    this.#sendBuffer = sendBuffer;
    let incoming!: ReadableStreamDefaultController<BidirectionalStream>;
    this.incomingBidirectionalStreams = new ReadableStream({ start: (c) => void (incoming = c) });
    let incomingUni!: ReadableStreamDefaultController<ReceiveOnlyStream>;
    this.incomingUnidirectionalStreams = new ReadableStream({
      start: (c) => void (incomingUni = c),
    });
    conn.onStream = (state) => {
      if (state.sends) incoming.enqueue(webStream(conn, state, sendBuffer, this.#flush));
      else incomingUni.enqueue(receiveOnlyStream(conn, state, this.#flush));
    };
    conn.onCredit = (uni) => this.#retry(uni);
    conn.onAbort = () => this.#failWaiting();
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
    this.datagrams = {
      readable,
      writable,
      get maxDatagramSize() {
        return conn.maxDatagramSize;
      },
    };
    this.ready = session.opened;
    this.ready.catch(() => {}); // a session that never opens rejects it: not unhandled
    this.closed = session.closed.then(() => {
      this.#failWaiting();
      for (const controller of [incoming, incomingUni, received]) {
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

  /**
   * Opens a bidirectional stream with an optional RFC 9218 priority. Waits while the peer's
   * stream limit is reached (sending STREAMS_BLOCKED); rejects when the session closes, or with
   * `RangeError` / `TypeError` for a bad priority.
   */
  async createBidirectionalStream(options: StreamOptions = {}): Promise<BidirectionalStream> {
    const state = await this.#open(false, options);
    return webStream(this.#conn, state, this.#sendBuffer, this.#flush);
  }

  /** Opens a unidirectional stream (this side sends, the peer receives); as `createBidirectionalStream()`. */
  async createUnidirectionalStream(options: StreamOptions = {}): Promise<SendOnlyStream> {
    const state = await this.#open(true, options);
    return sendOnlyStream(this.#conn, state, this.#sendBuffer, this.#flush);
  }

  #open(uni: boolean, options: StreamOptions): Promise<StreamState> {
    checkPriority(options);
    if (this.#conn.closed) return Promise.reject(this.#closedError());
    const waiting = this.#waiting[uni ? 1 : 0];
    const state = waiting.length === 0 ? this.#conn.openStream(uni) : undefined;
    if (state) {
      this.#conn.setPriority(state, options);
      return Promise.resolve(state);
    }
    this.#flush(); // the STREAMS_BLOCKED
    return new Promise((resolve, reject) => waiting.push({ options, resolve, reject }));
  }

  #retry(uni: boolean): void {
    const waiting = this.#waiting[uni ? 1 : 0];
    while (waiting.length > 0) {
      const state = this.#conn.openStream(uni);
      if (!state) break;
      const open = waiting.shift()!;
      this.#conn.setPriority(state, open.options);
      open.resolve(state);
    }
  }

  #failWaiting(): void {
    for (const waiting of this.#waiting) {
      for (const open of waiting.splice(0)) open.reject(this.#closedError());
    }
  }

  #closedError(): SessionError {
    return new SessionError(
      "THING_ERR_SESSION_CLOSED",
      `Cannot open a stream on closed session ${this.session.id}`,
    );
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
