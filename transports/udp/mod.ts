/**
 * The UDP transport.
 *
 * @module
 */

export { defaultUdpBinding, udp, type UdpOptions } from "./udp.ts";
