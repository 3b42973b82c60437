/**
 * Stream limits of one direction (bidirectional or unidirectional), both ways, in the manner of
 * RFC 9000 §4.6: how many streams this side may open (the peer's cumulative MAX_STREAMS) and how
 * many the peer may (ours). A receiver lets its peer have `limit` streams open at once: each peer
 * stream that ends gives one back, announced in MAX_STREAMS once the peer has used half of what
 * it was last told, or at once when it reports STREAMS_BLOCKED.
 *
 * @module
 */
import { INITIAL_MAX_STREAMS } from "./options.ts";

/** The most streams of one direction and initiator a session ever opens: stream IDs stay below 2^42. */
const MAX_STREAM_COUNT = 2 ** 40;

/** Stream counts of one direction. */
export class StreamCredit {
  /** Streams of ours opened so far (the next one's index). */
  opened = 0;
  /** Streams of ours the peer allows in all (its MAX_STREAMS). */
  allowed = INITIAL_MAX_STREAMS;
  /** The count we were blocked at and have not yet been given more than, if any. */
  blockedAt: number | undefined;
  /** The peer's streams opened so far (every index below this one exists or existed). */
  peerOpened = 0;
  /** The peer's streams that have ended and been forgotten. */
  peerClosed = 0;
  /** The count last announced to the peer in MAX_STREAMS (it assumes the initial one before). */
  announced = INITIAL_MAX_STREAMS;
  /** Peer streams allowed open at once (the option). */
  readonly limit: number;

  /** @param limit peer streams allowed open at once */
  constructor(limit: number) {
    this.limit = limit;
  }

  /** Streams the peer may open in all: `limit` more than those that ended. */
  get peerAllowed(): number {
    return this.limit + this.peerClosed;
  }

  /** Whether MAX_STREAMS should go out: the peer has used half of what it was last told. */
  get announceDue(): boolean {
    return this.peerAllowed > this.announced && this.announced - this.peerOpened < this.limit / 2;
  }

  /** Takes the index of a new stream of ours, or `undefined` when the peer's limit is reached. */
  open(): number | undefined {
    if (this.opened >= this.allowed) {
      this.blockedAt = this.allowed;
      return undefined;
    }
    return this.opened++;
  }

  /** The peer's MAX_STREAMS said `count`; returns true when that allows more streams. */
  raise(count: number): boolean {
    const capped = Math.min(count, MAX_STREAM_COUNT);
    if (capped <= this.allowed) return false;
    this.allowed = capped;
    this.blockedAt = undefined;
    return true;
  }

  /** The count to put in MAX_STREAMS now; it counts as announced. */
  announce(): number {
    this.announced = this.peerAllowed;
    return this.announced;
  }
}
