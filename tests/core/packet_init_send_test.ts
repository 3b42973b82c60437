import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePacket } from "../../core/mod.ts";
import { pair } from "../../core/testing/mod.ts";
import { ConnectionPacket } from "../../plugins/connection/mod.ts";
import { controls } from "../_controls.ts";
import { helloDialect } from "../_hello_dialect.ts";

const dialect = helloDialect("test:resend");

test("sendPacket() with order reuses it and onEncoded sees the encoded bytes", async () => {
  const c = controls();
  const p = pair({ plugins: [dialect, c.plugin] });
  const session = c.of(await p.connect());
  const encoded: Uint8Array[] = [];
  const first = session.nextOrder;
  session.sendPacket({ type: ConnectionPacket.HELLO, onEncoded: (bytes) => encoded.push(bytes) });
  session.sendPacket({
    type: ConnectionPacket.HELLO,
    order: first,
    onEncoded: (b) => encoded.push(b),
  });
  assert.equal(session.nextOrder, first + 1, "an explicit order does not advance the count");
  assert.equal(encoded.length, 2);
  assert.equal(decodePacket(encoded[0]!).order, first);
  assert.equal(decodePacket(encoded[1]!).order, first);
  assert.deepEqual(encoded[0], encoded[1], "same fields and order give the same checksum");
  const sent = [p.client.pollTransmit()!.bytes, p.client.pollTransmit()!.bytes];
  assert.deepEqual(sent, encoded);
});
