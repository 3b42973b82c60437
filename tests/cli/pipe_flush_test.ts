import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encodePacket } from "../../core/codec.ts";
import { toHex } from "../../core/hex.ts";
import { MAX_PAYLOAD_SIZE } from "../../core/packet.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

for (const runtime of ["deno", "bun"] as const) {
  describe(`thing output into a slow pipe (${runtime})`, () => {
    it("writes every byte of a line longer than the pipe buffer before exiting", async () => {
      const dir = mkdtempSync(join(tmpdir(), "thing-pipe-"));
      try {
        const packet = encodePacket({
          type: 0x07,
          clientId: new Uint8Array(16),
          reserved: 0,
          customId: 0,
          order: 0,
          payload: new Uint8Array(MAX_PAYLOAD_SIZE).fill(0xab),
          checksum: new Uint8Array(),
        });
        const input = join(dir, "packet.hex");
        writeFileSync(input, `${toHex(packet)}\n`);
        const run = runtime === "deno" ? "deno run -A cli/main.ts" : "bun cli/main.ts";
        // The reader starts late, so the pipe (64 KiB) is full when the command finishes.
        const script = `${run} inspect - < '${input}' | (sleep 0.3; cat)`;
        const out = await new Promise<string>((resolve, reject) => {
          execFile("sh", ["-c", script], { cwd: root, timeout: 4_000, maxBuffer: 1 << 20 }, (
            error,
            stdout,
          ) => error ? reject(error) : resolve(stdout));
        });
        const line = JSON.parse(out.trim()) as { payload: string; checksumValid: boolean };
        assert.equal(line.payload.length, MAX_PAYLOAD_SIZE * 2);
        assert.equal(line.checksumValid, true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
