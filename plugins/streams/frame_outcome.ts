/**
 * What becomes of a sent frame once the peer acknowledged it or it was declared lost. An
 * acknowledged STREAM frame frees send buffer and an acknowledged RESET_STREAM ends the sending
 * half; a lost STREAM frame's bytes go back to their stream to be sent again, a lost control frame
 * is queued again (it is rebuilt from current state), and a lost DATAGRAM or ACK is gone.
 *
 * @module
 */
import type { ControlQueue } from "./control_queue.ts";
import { FrameType } from "./frames.ts";
import type { SentPacket } from "./recovery.ts";
import type { SenderHost } from "./sender.ts";
import type { StreamState } from "./stream.ts";

/** The peer acknowledged `packet`. */
export function delivered(packet: SentPacket, host: SenderHost): void {
  const stream = host.stream(packet.stream);
  if (!stream) return;
  if (packet.kind === FrameType.STREAM) {
    const moved = stream.send.acked(packet.offset, packet.length, packet.fin);
    if (moved || stream.send.done) stream.onWritable();
  } else if (packet.kind === FrameType.RESET_STREAM) {
    stream.resetAcked = true;
  } else return;
  host.settled(stream);
}

/**
 * `packet` was declared lost (or is repeated as a probe): its stream goes into `active` or the
 * frame into `control`.
 */
export function lost(
  packet: SentPacket,
  host: SenderHost,
  active: Set<StreamState>,
  control: ControlQueue,
): void {
  const stream = host.stream(packet.stream);
  switch (packet.kind) {
    case FrameType.STREAM:
      if (!stream || stream.resetSent !== undefined) return;
      stream.send.lost(packet.offset, packet.length, packet.fin);
      active.add(stream);
      return;
    case FrameType.MAX_DATA:
    case FrameType.PING:
      return control.add(packet.kind, 0);
    case FrameType.MAX_STREAM_DATA:
    case FrameType.RESET_STREAM:
    case FrameType.STOP_SENDING:
      if (stream) control.add(packet.kind, packet.stream);
  }
}
