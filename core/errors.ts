/**
 * Errors a caller is expected to catch. Each has a stable `code`, a `name` that survives duplicate
 * bundles, and an optional chained `cause`. The codes are open: the core's are `CoreErrorCode`, and
 * each plugin owns and exports its own (a third party's with its own prefix, e.g. `CHAT_ERR_*`).
 *
 * @module
 */

/** The stable error codes the core and the transports raise. */
export type CoreErrorCode =
  | "THING_ERR_TRUNCATED"
  | "THING_ERR_LENGTH_MISMATCH"
  | "THING_ERR_PAYLOAD_TOO_LARGE"
  | "THING_ERR_CHECKSUM"
  | "THING_ERR_ORDER_RANGE"
  | "THING_ERR_BAD_FIELD"
  | "THING_ERR_PACKET_TYPE_TAKEN"
  | "THING_ERR_UNKNOWN_PACKET_TYPE"
  | "THING_ERR_PLUGIN_DEPENDENCY"
  | "THING_ERR_PLUGIN_OPTIONS"
  | "THING_ERR_PLUGIN_SERVICE"
  | "THING_ERR_MIDDLEWARE"
  | "THING_ERR_TIMEOUT"
  | "THING_ERR_SESSION_CLOSED"
  | "THING_ERR_FOREIGN_SESSION"
  | "THING_ERR_NOT_CONNECTED"
  | "THING_ERR_TRANSPORT"
  | "THING_ERR_ADDRESS_IN_USE"
  | "THING_ERR_UNREACHABLE"
  | "THING_ERR_PACKET_TOO_LARGE"
  | "THING_ERR_BACKPRESSURE"
  | "THING_ERR_CLOSED";

/**
 * A stable error code: one of the core's, or one a plugin owns (the built-in plugins export theirs:
 * `ConnectionErrorCode`, `ThingDialectErrorCode`, `StreamErrorCode`).
 */
export type ThingErrorCode = CoreErrorCode | (string & Record<never, never>);

/** Options shared by every Thing error. */
export interface ThingErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every error Thing raises on purpose. */
export class ThingError extends Error {
  /** The stable machine-readable code. */
  readonly code: ThingErrorCode;

  /** Creates an error with a stable code and a sentence-case message. */
  constructor(code: ThingErrorCode, message: string, options: ThingErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ThingError";
    this.code = code;
  }
}

/** Bytes that are not a well-formed Thing packet. */
export class DecodeError extends ThingError {
  /** Byte offset where decoding failed. */
  readonly offset: number;

  /** Creates a decode error at `offset`. */
  constructor(code: ThingErrorCode, message: string, offset: number, options?: ThingErrorOptions) {
    super(code, message, options);
    this.name = "DecodeError";
    this.offset = offset;
  }
}

/** A plugin was registered wrongly: missing dependency, taken packet type, bad options. */
export class PluginError extends ThingError {
  /** Creates a plugin error. */
  constructor(code: ThingErrorCode, message: string, options?: ThingErrorOptions) {
    super(code, message, options);
    this.name = "PluginError";
  }
}

/** Something waited longer than its deadline. */
export class TimeoutError extends ThingError {
  /** Creates a timeout error. */
  constructor(message: string, options?: ThingErrorOptions) {
    super("THING_ERR_TIMEOUT", message, options);
    this.name = "TimeoutError";
  }
}

/** The session is gone (closed, rejected or never established). */
export class SessionError extends ThingError {
  /** Creates a session error. */
  constructor(code: ThingErrorCode, message: string, options?: ThingErrorOptions) {
    super(code, message, options);
    this.name = "SessionError";
  }
}

/** A dialect's handshake failed: a bad key, a failed confirmation, the wrong server. */
export class HandshakeError extends ThingError {
  /** Creates a handshake error. */
  constructor(code: ThingErrorCode, message: string, options?: ThingErrorOptions) {
    super(code, message, options);
    this.name = "HandshakeError";
  }
}

/** A transport could not bind, send or receive. */
export class TransportError extends ThingError {
  /** Creates a transport error. */
  constructor(code: ThingErrorCode, message: string, options?: ThingErrorOptions) {
    super(code, message, options);
    this.name = "TransportError";
  }
}
