/**
 * One stream as WebTransport-style Web Streams: a readable and a writable for a bidirectional
 * stream, one of them for a unidirectional one. Backpressure maps both ways: the readable pulls
 * only when the application reads (so unread bytes hold back flow-control credit), and `write()`
 * waits while the stream holds `sendBuffer` unacknowledged bytes.
 *
 * @module
 */
import { SessionError } from "../../core/errors.ts";
import type { StreamConnection } from "./connection.ts";
import { codeOf, StreamError } from "./errors.ts";
import type { StreamPriority, StreamState } from "./stream.ts";

/** The sending half of a stream and its RFC 9218 priority. */
export interface PrioritizedSend {
  /** Bytes to the peer; `close()` resolves once the peer acknowledged every byte and the FIN. */
  readonly writable: WritableStream<Uint8Array>;
  /** The sending half's priority now. */
  readonly priority: StreamPriority;
  /**
   * Changes the priority: urgency 0 (first) to 7, and whether the stream takes turns with other
   * incremental streams of its urgency (else it is sent whole before them, in stream ID order).
   *
   * @throws {RangeError} for an urgency outside 0..7
   */
  setPriority(priority: Partial<StreamPriority>): void;
}

/** A bidirectional stream, as WebTransport's `WebTransportBidirectionalStream`. */
export interface BidirectionalStream extends PrioritizedSend {
  /** The stream ID. */
  readonly id: number;
  /** Bytes from the peer; ends at the peer's FIN, errors with `StreamError` on its reset. */
  readonly readable: ReadableStream<Uint8Array>;
}

/** A unidirectional stream this side opened: it only sends (WebTransport's `WebTransportSendStream`). */
export interface SendOnlyStream extends PrioritizedSend {
  /** The stream ID. */
  readonly id: number;
}

/** A unidirectional stream the peer opened: it only receives (WebTransport's `WebTransportReceiveStream`). */
export interface ReceiveOnlyStream {
  /** The stream ID. */
  readonly id: number;
  /** Bytes from the peer; ends at the peer's FIN, errors with `StreamError` on its reset. */
  readonly readable: ReadableStream<Uint8Array>;
}

function noop(): void {}

function closedError(id: number): SessionError {
  return new SessionError(
    "THING_ERR_SESSION_CLOSED",
    `Cannot use stream ${id}: its session closed; open a new session`,
  );
}

/** Wraps bidirectional `state` of `conn`; `flush` sends what the connection queued. */
export function webStream(
  conn: StreamConnection,
  state: StreamState,
  sendBuffer: number,
  flush: () => void,
): BidirectionalStream {
  const readable = readableOf(conn, state, flush);
  return sendingOf(conn, state, sendBuffer, flush, { id: state.id, readable });
}

/** Wraps our unidirectional `state`. */
export function sendOnlyStream(
  conn: StreamConnection,
  state: StreamState,
  sendBuffer: number,
  flush: () => void,
): SendOnlyStream {
  return sendingOf(conn, state, sendBuffer, flush, { id: state.id });
}

/** Wraps the peer's unidirectional `state`. */
export function receiveOnlyStream(
  conn: StreamConnection,
  state: StreamState,
  flush: () => void,
): ReceiveOnlyStream {
  return { id: state.id, readable: readableOf(conn, state, flush) };
}

function readableOf(
  conn: StreamConnection,
  state: StreamState,
  flush: () => void,
): ReadableStream<Uint8Array> {
  const id = state.id;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const attempt = (): boolean => {
          const chunk = conn.read(state);
          if (chunk !== undefined) {
            controller.enqueue(chunk);
            flush();
          } else if (state.resetByPeer !== undefined) {
            controller.error(
              new StreamError(`Stream ${id} was reset by the peer`, state.resetByPeer),
            );
          } else if (state.recv.finished) {
            controller.close();
          } else if (conn.closed) {
            controller.error(closedError(id));
          } else return false;
          return true;
        };
        if (attempt()) return;
        return new Promise<void>((resolve) => {
          state.onReadable = () => {
            if (!attempt()) return;
            state.onReadable = noop;
            resolve();
          };
        });
      },
      cancel(reason) {
        state.onReadable = noop;
        conn.stopSending(state, codeOf(reason));
        flush();
      },
    },
    { highWaterMark: 0 },
  );
}

/** `fields` with the sending half of `state` added (the priority a live getter). */
function sendingOf<T extends object>(
  conn: StreamConnection,
  state: StreamState,
  sendBuffer: number,
  flush: () => void,
  fields: T,
): T & PrioritizedSend {
  const id = state.id;
  const stopped = (): Error | undefined => {
    if (state.stopByPeer !== undefined) {
      return new StreamError(`Stream ${id} was stopped by the peer`, state.stopByPeer);
    }
    return conn.closed ? closedError(id) : undefined;
  };
  const waitUntil = (ready: () => boolean): Promise<void> | void => {
    const error = stopped();
    if (error) throw error;
    if (ready()) return;
    return new Promise<void>((resolve, reject) => {
      state.onWritable = () => {
        const failure = stopped();
        if (failure) reject(failure);
        else if (ready()) resolve();
        else return;
        state.onWritable = noop;
      };
    });
  };
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      const error = stopped();
      if (error) throw error;
      if (!(chunk instanceof Uint8Array)) {
        throw new TypeError(`Cannot write ${typeof chunk} to stream ${id}: write a Uint8Array`);
      }
      conn.write(state, chunk);
      flush();
      return waitUntil(() => state.send.buffered < sendBuffer);
    },
    close() {
      conn.finish(state);
      flush();
      return waitUntil(() => state.send.done);
    },
    abort(reason) {
      state.onWritable = noop;
      conn.reset(state, codeOf(reason));
      flush();
    },
  });
  return {
    ...fields,
    writable,
    get priority(): StreamPriority {
      return { urgency: state.urgency, incremental: state.incremental };
    },
    setPriority(priority: Partial<StreamPriority>): void {
      conn.setPriority(state, { ...this.priority, ...priority });
      flush();
    },
  };
}
