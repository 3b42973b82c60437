/**
 * The QUIC-style transport: UDP + the Thing handshake + the streams plugin, with file transfer
 * helpers for `thing serve --transport quic` and `thing send --transport quic`.
 *
 * @module
 */
export {
  connectQuic,
  ETHERNET_PACKET_SIZE,
  listenQuic,
  LOOPBACK_PACKET_SIZE,
  quic,
  type QuicClient,
  type QuicNodeOptions,
  type QuicOptions,
  type QuicPreset,
} from "./quic.ts";
export {
  acceptFiles,
  type FileProgress,
  type FileResult,
  receiveFiles,
  type ReceiveOptions,
  safeName,
  sendFile,
} from "./files.ts";
export { StreamReader } from "./stream_reader.ts";
