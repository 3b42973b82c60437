/**
 * The names of the built-in dialects' packet types, for tests that label wire vectors (each dialect
 * owns its codes: `ConnectionPacket`, `ThingPacket`).
 *
 * @module
 */
import { packetTypeName } from "../core/packet.ts";
import { ConnectionPacket } from "../plugins/connection/mod.ts";
import { ThingPacket } from "../plugins/thing/mod.ts";

const NAMES: ReadonlyMap<number, string> = new Map(
  [...Object.entries(ConnectionPacket), ...Object.entries(ThingPacket)].map(([name, code]) => [
    code,
    name,
  ]),
);

/** The name a built-in dialect gives `code`, or `0xNN`. */
export function builtinTypeName(code: number): string {
  return NAMES.get(code) ?? packetTypeName(code);
}
