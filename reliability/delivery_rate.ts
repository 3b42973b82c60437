/**
 * Delivery-rate sampling in the manner of draft-cheng-iccrg-delivery-rate-estimation: each
 * acknowledgement yields bytes delivered over the longer of the send and ACK intervals of the
 * acknowledged packet, and the round trips are counted by what was delivered. It sees only what a
 * `CongestionController` is told (sends in order, ACKs with the packet's send time), so it keeps a
 * note per packet in flight and matches ACKs to notes by send time.
 *
 * @module
 */

/** The sampler's state when a packet left, kept until it is acknowledged or overtaken. */
interface SendNote {
  time: number;
  delivered: number;
  deliveredTime: number;
  firstSentTime: number;
}

/** One delivery-rate sample. */
export interface RateSample {
  /** Bytes per millisecond. */
  rate: number;
  /** Whether this ACK started a new round trip. */
  roundStart: boolean;
}

/** Delivery-rate samples and round-trip counting for one path. Times are milliseconds. */
export class DeliveryRateSampler {
  /** Bytes acknowledged so far. */
  delivered = 0;
  /** Round trips counted so far. */
  round = 0;
  /** Bytes in flight, as the sampler was told. */
  inFlight = 0;
  #deliveredTime = 0;
  #firstSentTime = 0;
  #nextRoundDelivered = 0;
  #notes: SendNote[] = [];
  #head = 0;

  /** A packet of `bytes` left at `now`. */
  onSent(now: number, bytes: number): void {
    if (this.inFlight === 0) {
      this.#firstSentTime = now;
      this.#deliveredTime = now;
    }
    this.inFlight += bytes;
    this.#notes.push({
      time: now,
      delivered: this.delivered,
      deliveredTime: this.#deliveredTime,
      firstSentTime: this.#firstSentTime,
    });
  }

  /**
   * A packet of `bytes` sent at `sentAt` was acknowledged at `now`: the sample it gives, or
   * `undefined` when its note is gone (it was overtaken) or its interval is shorter than `minRtt`.
   */
  onAcked(now: number, bytes: number, sentAt: number, minRtt: number): RateSample | undefined {
    this.inFlight = Math.max(0, this.inFlight - bytes);
    this.delivered += bytes;
    this.#deliveredTime = now;
    const note = this.#take(sentAt);
    if (note === undefined) return undefined;
    this.#firstSentTime = note.time;
    const roundStart = note.delivered >= this.#nextRoundDelivered;
    if (roundStart) {
      this.round++;
      this.#nextRoundDelivered = this.delivered;
    }
    const interval = Math.max(note.time - note.firstSentTime, now - note.deliveredTime);
    if (!(interval > 0) || interval < minRtt) {
      return roundStart ? { rate: 0, roundStart } : undefined;
    }
    return { rate: (this.delivered - note.delivered) / interval, roundStart };
  }

  /** `bytes` in flight were declared lost. */
  onLost(bytes: number): void {
    this.inFlight = Math.max(0, this.inFlight - bytes);
  }

  /** Forgets everything (a new path). */
  reset(): void {
    this.delivered = 0;
    this.round = 0;
    this.inFlight = 0;
    this.#deliveredTime = 0;
    this.#firstSentTime = 0;
    this.#nextRoundDelivered = 0;
    this.#notes = [];
    this.#head = 0;
  }

  /** The note of the packet sent at `sentAt`, dropping the notes of packets sent before it. */
  #take(sentAt: number): SendNote | undefined {
    const notes = this.#notes;
    while (this.#head < notes.length && notes[this.#head]!.time < sentAt) this.#head++;
    const note = notes[this.#head];
    if (note === undefined || note.time !== sentAt) return undefined;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > notes.length) {
      this.#notes = notes.slice(this.#head);
      this.#head = 0;
    }
    return note;
  }
}
