/**
 * Message channels of the Connection data plugin: the four delivery modes, how a channel's mode
 * maps to the inner frame type on the wire (docs/PROTOCOL.md §2.7), and the framed extension's
 * number. A channel is a number 0..255 that both ends configure with one mode.
 *
 * @module
 */
import { FrameType } from "./frames.ts";

/** How a channel delivers its messages. */
export type DeliveryMode =
  | "reliable-ordered"
  | "reliable-unordered"
  | "unreliable-sequenced"
  | "unreliable";

/** Every delivery mode, as `channels` options name them. */
export const DELIVERY_MODES: readonly DeliveryMode[] = [
  "reliable-ordered",
  "reliable-unordered",
  "unreliable-sequenced",
  "unreliable",
];

/** The framed-data extension's type number (docs/PROTOCOL.md §3.13): FRAMED packets, channels. */
export const FRAMED_EXTENSION = 0x0001;

/** The highest channel number (the frame's channel field is one byte). */
export const MAX_CHANNEL = 255;

const FRAME_OF: Record<DeliveryMode, number> = {
  "reliable-ordered": FrameType.ORDERED,
  "reliable-unordered": FrameType.UNORDERED,
  "unreliable-sequenced": FrameType.SEQUENCED,
  "unreliable": FrameType.UNRELIABLE,
};

/**
 * The frame type a message is sent as: its channel's mode, except that `reliable: false` turns a
 * reliable channel's message into an unreliable one (it then keeps no order and gets no ACK).
 */
export function frameTypeFor(mode: DeliveryMode, reliable: boolean): number {
  if (!reliable && (mode === "reliable-ordered" || mode === "reliable-unordered")) {
    return FrameType.UNRELIABLE;
  }
  return FRAME_OF[mode];
}

/** Whether a channel of `mode` takes a frame of `type` (its own, or an unreliable one). */
export function channelTakes(mode: DeliveryMode, type: number): boolean {
  return type === FRAME_OF[mode] || type === FrameType.UNRELIABLE;
}

/** Whether frames of `type` are acknowledged and resent. */
export function isReliableFrame(type: number): boolean {
  return type === FrameType.ORDERED || type === FrameType.UNORDERED;
}
