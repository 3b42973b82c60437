/**
 * The counters of one stream connection (`StreamSession.stats`): packets, losses, bytes, RTT,
 * congestion window, the path's packet size and what the streams hold in their buffers.
 *
 * @module
 */
import type { Sender } from "./sender.ts";
import type { StreamState } from "./stream.ts";

/** Counters of one connection. */
export interface ConnectionStats {
  /** Packets this connection sent. */
  packetsSent: number;
  /** Packets declared lost. */
  packetsLost: number;
  /** Stream data bytes sent, retransmissions included. */
  bytesSent: number;
  /** Smoothed RTT in ms. */
  rtt: number;
  /** Congestion window in bytes. */
  window: number;
  /** Bytes held for sending: written by the application and not yet acknowledged. */
  bufferedOut: number;
  /** Bytes held on receipt: not yet read by the application. */
  bufferedIn: number;
  /** The largest packet the path carries now, in bytes on the wire (path MTU discovery). */
  packetSize: number;
  /** Path MTU probes sent. */
  mtuProbes: number;
  /** Times a black hole sent the packet size back to the base. */
  blackHoles: number;
}

/** The counters of a connection with these open streams and this sender. */
export function connectionStats(streams: Iterable<StreamState>, sender: Sender): ConnectionStats {
  let bufferedOut = 0;
  let bufferedIn = 0;
  for (const stream of streams) {
    bufferedOut += stream.send.buffered;
    bufferedIn += stream.recv.buffered;
  }
  const { recovery, packetsSent, bytesSent, mtu } = sender;
  return {
    bufferedOut,
    bufferedIn,
    packetsSent,
    packetsLost: recovery.lostCount,
    bytesSent,
    rtt: recovery.rtt.smoothed,
    window: recovery.cc.window,
    packetSize: mtu.size,
    mtuProbes: mtu.probesSent,
    blackHoles: mtu.blackHoles,
  };
}
