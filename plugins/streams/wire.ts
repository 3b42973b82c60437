/**
 * What a stream connection needs from its session: a clock, a way to send one frame as a packet,
 * named timers, and a way to end the session when the peer breaks the protocol. The plugin builds
 * one per session.
 *
 * @module
 */

/** What a connection needs from its session. */
export interface Wire {
  /** The current time in ms. */
  now(): number;
  /**
   * Sends one frame as a packet; returns the packet's order count (its packet number).
   * `encoded` is called with the packet once it is encoded: `payload` is not read after that.
   */
  send(
    type: number,
    customId: number,
    payload: Uint8Array,
    encoded?: (bytes: Uint8Array) => void,
  ): number;
  /** Sets (or replaces) the timer called `name`. */
  setTimer(name: string, at: number, fire: () => void): void;
  /** The peer broke the protocol: end the session with this reason. */
  fail(reason: string): void;
}
