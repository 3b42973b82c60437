/**
 * The packet type registry: which plugin owns which type code, and how its payload is decoded.
 *
 * @module
 */
import * as v from "valibot";
import { PluginError } from "./errors.ts";

/** Turns payload bytes into a value (throw to reject the packet). */
export interface PayloadCodec<T> {
  /** Decodes a payload; throws when it is invalid. */
  decode(payload: Uint8Array): T;
  /** Encodes a value as a payload. */
  encode(value: T): Uint8Array;
}

/**
 * A packet type a plugin registers: its code, its name and how its payload decodes. `Body` is what
 * the handler finds in `ctx.body` (see `definePacketType()`).
 */
export interface PacketTypeDefinition<Body = unknown> {
  /** Type code, 0..255. */
  readonly code: number;
  /** Upper-case name, e.g. `NOTE`. */
  readonly name: string;
  /** Decodes the payload into `ctx.body` before the handler runs. */
  readonly codec?: PayloadCodec<Body>;
  /** Or: the payload is UTF-8 JSON that must match this valibot schema; the result is `ctx.body`. */
  readonly schema?: v.GenericSchema<unknown, Body>;
}

/**
 * Defines a packet type as a token a plugin owns: register it with `api.registerPacketType(token)`
 * and handle it with `api.handle(token, (ctx) => …)`, where `ctx.body` has the codec's or schema's
 * type. A packet type without codec or schema has an `undefined` body (read `ctx.packet.payload`).
 *
 * @throws {RangeError} when `code` is not an integer from 0 to 255
 * @example
 * ```ts
 * import { definePacketType, type PayloadCodec } from "@thing/net";
 *
 * const u8: PayloadCodec<number> = { decode: (p) => p[0] ?? 0, encode: (n) => Uint8Array.of(n) };
 * const LEVEL = definePacketType({ code: 0x90, name: "LEVEL", codec: u8 });
 * console.log(LEVEL.name); // LEVEL
 * ```
 */
export function definePacketType<Body = undefined>(
  definition: PacketTypeDefinition<Body>,
): PacketTypeDefinition<Body> {
  checkCode(definition.code, definition.name);
  return Object.freeze({ ...definition });
}

function checkCode(code: number, name: string): void {
  if (!Number.isInteger(code) || code < 0 || code > 0xff) {
    throw new RangeError(`Cannot define packet type ${code} "${name}": codes are 0..255`);
  }
}

/** A registered type and the plugin that owns it. */
export interface RegisteredType extends PacketTypeDefinition<unknown> {
  /** Name of the plugin that registered it. */
  owner: string;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

/** Maps type codes to their definitions. */
export class PacketRegistry {
  #types = new Map<number, RegisteredType>();

  /** Registers `definition` for `owner`; a code registered twice is a `PluginError`. */
  register(definition: PacketTypeDefinition<unknown>, owner: string): void {
    const { code, name } = definition;
    if (!Number.isInteger(code) || code < 0 || code > 0xff) {
      throw new RangeError(`Cannot register packet type ${code}: codes are 0..255`);
    }
    const taken = this.#types.get(code);
    if (taken) {
      throw new PluginError(
        "THING_ERR_PACKET_TYPE_TAKEN",
        `Cannot register packet type 0x${hex(code)} "${name}" for plugin "${owner}": ` +
          `plugin "${taken.owner}" already registered it as "${taken.name}"`,
      );
    }
    this.#types.set(code, { ...definition, owner });
  }

  /** The definition of `code`, if registered. */
  get(code: number): RegisteredType | undefined {
    return this.#types.get(code);
  }

  /** The name of `code`, or `0xNN`. */
  name(code: number): string {
    return this.#types.get(code)?.name ?? `0x${hex(code)}`;
  }

  /** Every registered type. */
  all(): RegisteredType[] {
    return [...this.#types.values()];
  }

  /** Decodes a payload with the type's codec or schema; `undefined` when it has neither. */
  decodeBody(type: RegisteredType, payload: Uint8Array): unknown {
    if (type.codec) return type.codec.decode(payload);
    if (type.schema) return v.parse(type.schema, JSON.parse(decoder.decode(payload)));
    return undefined;
  }
}

function hex(code: number): string {
  return code.toString(16).padStart(2, "0");
}
