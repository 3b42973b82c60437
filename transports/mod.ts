/**
 * Built-in transports: UDP, TCP and in-process memory. WebSocket lives in its own module.
 *
 * @module
 */

export { defaultUdpBinding, udp, type UdpOptions } from "./udp/mod.ts";
export { FrameReader, tcp, type TcpOptions } from "./tcp/mod.ts";
export {
  type Delivery,
  Impairment,
  type ImpairmentOptions,
  memory,
  MemoryLink,
  MemoryNetwork,
  memoryNetwork,
  type MemoryNetworkOptions,
  type MemoryOptions,
} from "./memory/mod.ts";
