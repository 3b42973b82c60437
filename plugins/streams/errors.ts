/**
 * The error a stream's reader or writer sees when the peer resets or stops the stream, shaped
 * like WebTransport's `WebTransportError` (`source`, `streamErrorCode`).
 *
 * @module
 */
import { ThingError, type ThingErrorOptions } from "../../core/errors.ts";

/** The error code the streams plugin owns. */
export type StreamErrorCode = "THING_ERR_STREAM_RESET";

/** A stream was reset (RESET_STREAM) or stopped (STOP_SENDING) by the peer, or locally. */
export class StreamError extends ThingError {
  /** Always `THING_ERR_STREAM_RESET`. */
  declare readonly code: StreamErrorCode;
  /** Always `stream` (WebTransport's `source` for a stream error). */
  readonly source = "stream" as const;
  /** The application error code carried by the frame (0..2^32 − 1). */
  readonly streamErrorCode: number;

  /** Creates a stream error with the peer's `streamErrorCode`. */
  constructor(message: string, streamErrorCode: number, options?: ThingErrorOptions) {
    super("THING_ERR_STREAM_RESET", message, options);
    this.name = "StreamError";
    this.streamErrorCode = streamErrorCode;
  }
}

/** The error code to send for an abort or cancel `reason`: its `streamErrorCode`, else 0. */
export function codeOf(reason: unknown): number {
  const code = (reason as { streamErrorCode?: unknown } | null)?.streamErrorCode;
  return typeof code === "number" && Number.isInteger(code) && code >= 0 && code <= 0xffffffff
    ? code
    : 0;
}
