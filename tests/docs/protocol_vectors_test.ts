import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { readFileSync } from "node:fs";
import { documentVectors, renderProtocolVectors } from "../../.ci/protocol_vectors.ts";
import { decodeIdentity, fingerprint } from "../../plugins/thing/crypto/mod.ts";
import { nextKey } from "../../plugins/thing/sealer.ts";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h, "hex"));

describe("docs/PROTOCOL.md §3.12 worked vectors", () => {
  const { text, derived } = renderProtocolVectors();
  const document = readFileSync(new URL("../../docs/PROTOCOL.md", import.meta.url), "utf8");

  it("are what .ci/protocol_vectors.ts renders from tests/vectors/thing_handshake.json", () => {
    const section = documentVectors(document);
    assert.ok(section !== undefined, "docs/PROTOCOL.md has the generated-vectors markers");
    assert.equal(
      section,
      text,
      "docs/PROTOCOL.md and the vectors disagree: run `deno run -A .ci/protocol_vectors.ts --write`",
    );
  });

  it("show a key update that Thing's own code agrees with", () => {
    assert.equal(hex(nextKey(bytes(derived.clientToServerKey))), derived.nextClientToServerKey);
    assert.equal(hex(nextKey(bytes(derived.serverToClientKey))), derived.nextServerToClientKey);
  });

  it("§3.5 shows the vector identity's key file and fingerprint, as Thing's own code reads them", () => {
    const identity = decodeIdentity(derived.keyFile);
    assert.equal(fingerprint(identity.publicKey), derived.fingerprint);
    assert.ok(document.includes(`\n${derived.keyFile}\nfingerprint: ${derived.fingerprint}\n`));
  });
});
