/**
 * `thing inspect [HEX | -]`: decodes packets given as hex (arguments, or standard input one per
 * line) and prints each as one JSON line, or with `--pretty` as an annotated header layout.
 *
 * @module
 */
import { createInterface } from "node:readline";
import { checksumValid, decodeUnverified } from "../core/codec.ts";
import { DecodeError } from "../core/errors.ts";
import { fromHex, toHex } from "../core/hex.ts";
import { HEADER_SIZE, Offset, type Packet, packetTypeName } from "../core/packet.ts";
import { ConnectionPacket } from "../plugins/connection/mod.ts";
import { ThingPacket } from "../plugins/thing/mod.ts";
import { type Command, commonOptions } from "./command.ts";
import { type Paint, paint } from "./output.ts";

/** What `inspect` prints for one well-framed packet. */
export interface InspectedPacket {
  /** Type name (`DATA_ACK`), or `0xNN` for a type no built-in dialect names. */
  type: string;
  /** Type code. */
  typeCode: number;
  /** Client ID, hex. */
  clientId: string;
  /** Payload length from the header. */
  length: number;
  /** Custom ID. */
  customId: number;
  /** Order count. */
  order: number;
  /** Whether the checksum field is right (over bytes 32..end, or header and tag when authenticated). */
  checksumValid: boolean;
  /** Payload, hex. */
  payload: string;
}

/** What `inspect` prints for input that is not a packet. */
export interface InspectedError {
  /** The decode error code (`THING_ERR_TRUNCATED`, …), or `THING_ERR_BAD_FIELD` for bad hex. */
  error: string;
  /** What is wrong, in words. */
  message: string;
  /** Byte offset where decoding failed (absent for bad hex). */
  offset?: number;
}

/** The names of the built-in dialects' packet types, by code. */
const KNOWN_TYPES: ReadonlyMap<number, string> = new Map(
  [...Object.entries(ConnectionPacket), ...Object.entries(ThingPacket)].map(([name, code]) => [
    code,
    name,
  ]),
);

/** Decodes one packet's bytes into what `inspect` prints. */
export function inspectBytes(bytes: Uint8Array): InspectedPacket | InspectedError {
  let packet: Packet;
  try {
    packet = decodeUnverified(bytes);
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return { error: error.code, message: error.message, offset: error.offset };
  }
  return {
    type: KNOWN_TYPES.get(packet.type) ?? packetTypeName(packet.type),
    typeCode: packet.type,
    clientId: toHex(packet.clientId),
    length: packet.payload.length,
    customId: packet.customId,
    order: packet.order,
    checksumValid: checksumValid(bytes),
    payload: toHex(packet.payload),
  };
}

/** The `inspect` command. */
export const inspect: Command = {
  summary: "decode packets given as hex (arguments or stdin lines) into JSON",
  help: `Usage: thing inspect [HEX... | -] [--pretty]

Decodes each packet (hex digits; spaces ignored) and prints one JSON object per line:
  {"type", "typeCode", "clientId", "length", "customId", "order", "checksumValid", "payload"}
or {"error", "message", "offset"} for input that is not a well-framed packet.
With no HEX, or with -, reads packets from standard input, one per line.

  --pretty            print an annotated layout of the 64-byte header instead of JSON

Exits 1 when any input was malformed (a bad checksum alone is reported, not an error).`,
  options: { ...commonOptions, pretty: { type: "boolean" } },
  positionals: true,
  async run(values, positionals, io) {
    const pretty = values.pretty === true;
    const colors = paint(io.tty.out);
    let index = 0;
    let malformed = 0;
    const show = (hex: string) => {
      index++;
      const result = inspectHex(hex);
      if ("error" in result) malformed++;
      io.out(pretty ? layout(index, hex, result, colors) : JSON.stringify(result));
    };
    const fromStdin = positionals.length === 0 ||
      (positionals.length === 1 && positionals[0] === "-");
    if (!fromStdin) {
      for (const hex of positionals) show(hex);
    } else {
      if ((io.stdin as { isTTY?: boolean }).isTTY === true) {
        io.err("reading hex packets from standard input, one per line; Ctrl-D ends");
      }
      const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
      for await (const line of lines) if (line.trim() !== "") show(line);
    }
    return malformed > 0 ? 1 : 0;
  },
};

function inspectHex(hex: string): InspectedPacket | InspectedError {
  try {
    return inspectBytes(fromHex(hex));
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return { error: "THING_ERR_BAD_FIELD", message: error.message };
  }
}

const FIELDS: readonly (readonly [name: string, offset: number, size: number])[] = [
  ["checksum", Offset.checksum, 32],
  ["client ID", Offset.clientId, 16],
  ["type", Offset.type, 1],
  ["reserved", Offset.reserved, 3],
  ["length", Offset.length, 2],
  ["custom ID", Offset.customId, 2],
  ["order", Offset.order, 8],
];

/** The annotated layout `--pretty` prints for one input. */
function layout(
  index: number,
  hex: string,
  result: InspectedPacket | InspectedError,
  c: Paint,
): string {
  if ("error" in result) {
    const where = result.offset === undefined ? "" : ` at byte ${result.offset}`;
    return `${c.bold(`packet ${index}`)}: ${
      c.red("malformed")
    } (${result.error}${where}): ${result.message}\n`;
  }
  const bytes = fromHex(hex);
  const check = result.checksumValid ? c.green("checksum valid") : c.red("checksum INVALID");
  const reserved = (bytes[Offset.reserved]! << 16) | (bytes[Offset.reserved + 1]! << 8) |
    bytes[Offset.reserved + 2]!;
  const meaning: Record<string, string> = {
    checksum: result.checksumValid ? "SHA-256 of bytes 32.., matches" : "does NOT match bytes 32..",
    "client ID": "session",
    type: `${result.type} (${result.typeCode})`,
    reserved: reserved === 0 ? "0" : `0x${reserved.toString(16).padStart(6, "0")}`,
    length: `${result.length} payload bytes`,
    "custom ID": `channel ${result.customId}`,
    order: String(result.order),
  };
  const lines = [
    `${c.bold(`packet ${index}`)}: ${result.type}, ${bytes.length} bytes, ${check}`,
    c.dim("  offset  size  field      bytes"),
  ];
  for (const [name, offset, size] of FIELDS) {
    const raw = toHex(bytes.subarray(offset, offset + size));
    const shown = size > 16 ? `${raw.slice(0, 16)}…${raw.slice(-16)}` : raw;
    lines.push(
      `  ${String(offset).padStart(6)}  ${String(size).padStart(4)}  ${name.padEnd(9)}  ${
        shown.padEnd(33)
      }  ${c.cyan(meaning[name] ?? "")}`,
    );
  }
  const payload = bytes.subarray(HEADER_SIZE);
  const text = new TextDecoder("utf-8", { fatal: false }).decode(payload.subarray(0, 48));
  const printable = /^[\x20-\x7e]*$/.test(text) && payload.length > 0 ? `  "${text}"` : "";
  const payloadHex = toHex(payload.subarray(0, 16)) + (payload.length > 16 ? "…" : "");
  lines.push(
    `  ${String(HEADER_SIZE).padStart(6)}  ${String(payload.length).padStart(4)}  ${
      "payload".padEnd(9)
    }  ${payloadHex.padEnd(33)}${c.cyan(printable)}`,
  );
  return `${lines.join("\n")}\n`;
}
