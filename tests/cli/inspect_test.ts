import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { builtinTypeName } from "../_packet_names.ts";
import { inspectBytes } from "../../cli/inspect.ts";
import { fromHex } from "../../core/hex.ts";
import { here, run, there } from "./_spawn.ts";

interface Vector {
  name: string;
  fields?: {
    type: number;
    clientId: string;
    customId: number;
    order: number;
    payload?: string;
    payloadLength?: number;
  };
  hex?: string;
  headerHex?: string;
  error?: string;
}

const vectors = JSON.parse(
  readFileSync(new URL("../vectors/packets.json", import.meta.url), "utf8"),
) as { valid: Vector[]; malformed: Vector[] };

/** The whole packet's hex: given, or header + the rule-made payload (byte i = (i*7+3) mod 256). */
function packetHex(vector: Vector): string {
  if (vector.hex !== undefined) return vector.hex;
  const header = fromHex(vector.headerHex!);
  const length = (header[52]! << 8) | header[53]!;
  let payload = "";
  for (let i = 0; i < length; i++) payload += ((i * 7 + 3) % 256).toString(16).padStart(2, "0");
  return vector.headerHex! + payload;
}

function payloadHex(vector: Vector): string {
  const hex = packetHex(vector);
  return hex.slice(128);
}

for (const runtime of [here, there]) {
  describe(`thing inspect (${runtime})`, () => {
    it("decodes every valid wire vector from stdin into the issue's JSON fields", async () => {
      const input = vectors.valid.map(packetHex).join("\n") + "\n";
      const { code, stdout, stderr } = await run(runtime, ["inspect"], input);
      assert.equal(code, 0, stderr);
      const lines = stdout.trimEnd().split("\n");
      assert.equal(lines.length, vectors.valid.length);
      lines.forEach((line, i) => {
        const vector = vectors.valid[i]!;
        const fields = vector.fields!;
        assert.deepEqual(JSON.parse(line), {
          type: builtinTypeName(fields.type),
          typeCode: fields.type,
          clientId: fields.clientId,
          length: payloadHex(vector).length / 2,
          customId: fields.customId,
          order: fields.order,
          checksumValid: true,
          payload: payloadHex(vector),
        }, vector.name);
      });
    });

    it("reports each malformed vector's error code, and a bad checksum as checksumValid false", async () => {
      const args = ["inspect", ...vectors.malformed.map(packetHex)];
      const { code, stdout } = await run(runtime, args);
      assert.equal(code, 1, "malformed input exits 1");
      const lines = stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
      assert.equal(lines.length, vectors.malformed.length);
      lines.forEach((result, i) => {
        const vector = vectors.malformed[i]!;
        if (vector.error === "THING_ERR_CHECKSUM") {
          assert.equal(result.checksumValid, false, vector.name);
          assert.equal(result.error, undefined, vector.name);
        } else {
          assert.equal(result.error, vector.error, vector.name);
          assert.equal(typeof result.message, "string");
          assert.equal(typeof result.offset, "number");
        }
      });
    });
  });
}

describe("thing inspect --pretty", () => {
  it("lays out the 64-byte header field by field", async () => {
    const hex = vectors.valid[0]!.hex!;
    const { code, stdout } = await run(here, ["inspect", "--pretty", hex]);
    assert.equal(code, 0);
    assert.match(stdout, /^packet 1: DATA_NOACK, 66 bytes, checksum valid$/m);
    for (
      const row of [
        /^\s+0\s+32\s+checksum\s+385fee75e9e51213…0f0e373ea2f1461d/m,
        /^\s+32\s+16\s+client ID\s+00112233445566778899aabbccddeeff/m,
        /^\s+48\s+1\s+type\s+07\s+DATA_NOACK \(7\)/m,
        /^\s+52\s+2\s+length\s+0002\s+2 payload bytes/m,
        /^\s+54\s+2\s+custom ID\s+0001\s+channel 1/m,
        /^\s+56\s+8\s+order\s+0000000000000005\s+5$/m,
        /^\s+64\s+2\s+payload\s+6869\s+"hi"$/m,
      ]
    ) assert.match(stdout, row);
    assert.ok(!stdout.includes("\x1b["), "no colours when stdout is not a terminal");
  });

  it("says what is wrong with a malformed packet", async () => {
    const { code, stdout } = await run(here, ["inspect", "--pretty", "00ff"]);
    assert.equal(code, 1);
    assert.match(stdout, /packet 1: malformed \(THING_ERR_TRUNCATED at byte 2\)/);
  });
});

describe("inspectBytes()", () => {
  it("names unknown type codes in hex", () => {
    const bytes = fromHex(vectors.valid[3]!.hex!);
    assert.equal((inspectBytes(bytes) as { type: string }).type, "0xff");
  });
});
