import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type ConnectionErrorCode,
  ConnectionPacket,
  reconnectingEvent,
} from "../../plugins/connection/mod.ts";
import {
  serverKeyEvent,
  type ThingDialectErrorCode,
  ThingPacket,
} from "../../plugins/thing/mod.ts";
import { FrameType, type StreamErrorCode } from "../../plugins/streams/mod.ts";
import { ROOT, sourceFiles } from "./_imports.ts";

// docs/ARCHITECTURE.md: nothing in core/ names a built-in plugin's packet types, events or codes.

const ERROR_CODES: Array<ConnectionErrorCode | ThingDialectErrorCode | StreamErrorCode> = [
  "THING_ERR_REJECTED",
  "THING_ERR_HANDSHAKE",
  "THING_ERR_AUTH",
  "THING_ERR_STREAM_RESET",
];

/** Every word a built-in plugin owns: packet type and frame names, event names, error codes. */
const VOCABULARY: readonly string[] = [
  ...Object.keys(ConnectionPacket),
  ...Object.keys(ThingPacket),
  ...Object.keys(FrameType),
  reconnectingEvent.name,
  serverKeyEvent.name,
  ...ERROR_CODES,
];

/** A core file's code: comments and doc comments removed (they may give examples). */
function code(file: string): string {
  return readFileSync(join(ROOT, file), "utf8")
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .replace(/(^|[^:])\/\/.*$/gm, "$1");
}

describe("the open core", () => {
  it("no core file names a built-in plugin's packet type, event or error code", () => {
    const found: string[] = [];
    for (const file of sourceFiles("core")) {
      const text = code(file);
      for (const word of VOCABULARY) {
        const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        if (new RegExp(`(?<![\\w:-])${escaped}(?![\\w:-])`).test(text)) {
          found.push(`${file}: ${word}`);
        }
      }
    }
    assert.deepEqual(found, []);
  });

  it("knows the vocabulary it looks for", () => {
    assert.ok(VOCABULARY.includes("HELLO") && VOCABULARY.includes("CHI"));
    assert.ok(VOCABULARY.includes("thing:server-key"));
  });
});
