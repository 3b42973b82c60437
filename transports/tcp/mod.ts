/**
 * The TCP transport and its sans-IO framing.
 *
 * @module
 */

export { tcp, type TcpOptions } from "./tcp.ts";
export { FrameReader } from "./frame_reader.ts";
