/**
 * Loads `tests/vectors/packets.json`: valid packets (with big payloads expanded from their rule)
 * and malformed inputs with the error they must raise.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { fromHex } from "../../core/hex.ts";
import type { Packet } from "../../core/packet.ts";

interface RawFields {
  type: number;
  clientId: string;
  reserved: number;
  customId: number;
  order: number;
  payload: string | { rule: "i*7+3"; length: number };
}

interface RawValid {
  name: string;
  fields: RawFields;
  hex?: string;
  headerHex?: string;
}

interface RawMalformed {
  name: string;
  hex: string;
  error: string;
  offset: number;
}

/** A valid vector: the packet fields and the exact bytes they encode to. */
export interface ValidVector {
  name: string;
  packet: Packet;
  bytes: Uint8Array;
}

/** A malformed vector: bytes and the `DecodeError` code and offset they must raise. */
export interface MalformedVector {
  name: string;
  bytes: Uint8Array;
  error: string;
  offset: number;
}

const raw = JSON.parse(
  readFileSync(new URL("../vectors/packets.json", import.meta.url), "utf8"),
) as { valid: RawValid[]; malformed: RawMalformed[] };

/** The payload rule of big vectors: byte i is (i * 7 + 3) mod 256. */
function rulePayload(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + 3) & 0xff;
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Every valid vector, in file order (the first is the PROTOCOL.md worked example). */
export const validVectors: ValidVector[] = raw.valid.map((v) => {
  const f = v.fields;
  const payload = typeof f.payload === "string"
    ? fromHex(f.payload)
    : rulePayload(f.payload.length);
  const bytes = v.hex !== undefined ? fromHex(v.hex) : concat(fromHex(v.headerHex!), payload);
  return {
    name: v.name,
    bytes,
    packet: {
      type: f.type,
      clientId: fromHex(f.clientId),
      reserved: f.reserved,
      customId: f.customId,
      order: f.order,
      payload,
      checksum: bytes.slice(0, 32),
    },
  };
});

/** Every malformed vector. */
export const malformedVectors: MalformedVector[] = raw.malformed.map((v) => ({
  name: v.name,
  bytes: fromHex(v.hex),
  error: v.error,
  offset: v.offset,
}));
