import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  decodeIdentity,
  encodeIdentity,
  fingerprint,
} from "../../../../plugins/thing/crypto/identity.ts";
import { fromBase64Url, toBase64, toBase64Url } from "../../../../plugins/thing/crypto/base64.ts";
import { hex, VECTORS } from "./_vectors.ts";

const vector = VECTORS.ed25519[0]!;
const seed = hex(vector.seed);
const publicKey = hex(vector.publicKey);

describe("encodeIdentity() and decodeIdentity()", () => {
  it("write the documented lines for RFC 8032 test 1's key", () => {
    assert.equal(
      encodeIdentity({ privateKey: seed, publicKey }),
      "thing-private-key: nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\n" +
        "thing-public-key: 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\n",
    );
    assert.equal(
      encodeIdentity({ publicKey }),
      "thing-public-key: 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo\n",
    );
  });

  it("round-trip private and public-only identities", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (s) => {
        const text = encodeIdentity({ privateKey: s, publicKey: new Uint8Array(32) });
        const decoded = decodeIdentity(text);
        assert.deepEqual(decoded.privateKey, s);
        assert.deepEqual(decodeIdentity(encodeIdentity({ publicKey: decoded.publicKey })), {
          publicKey: decoded.publicKey,
        });
      }),
      { numRuns: 20 },
    );
  });

  it("decodeIdentity() skips comments, blank lines and CRLF line ends", () => {
    const text = `# server key\r\n\r\n${encodeIdentity({ privateKey: seed, publicKey })}`
      .replaceAll("\n", "\r\n");
    assert.deepEqual(decodeIdentity(text), { privateKey: seed, publicKey });
  });

  it("decodeIdentity() throws SyntaxError for malformed or inconsistent files", () => {
    const good = encodeIdentity({ privateKey: seed, publicKey });
    const other = encodeIdentity({ publicKey: hex(VECTORS.ed25519[1]!.publicKey) });
    const bad = [
      "",
      "thing-public-key\n",
      "thing-secret-key: nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A\n",
      "thing-public-key: 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHUR\n",
      "thing-public-key: 11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n",
      "thing-public-key: 11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo\n",
      good.split("\n")[0]!,
      good + good.split("\n")[1]!,
      good.split("\n")[0]! + "\n" + other,
    ];
    for (const text of bad) assert.throws(() => decodeIdentity(text), SyntaxError, text);
  });
});

describe("fingerprint()", () => {
  it("is SHA256: plus unpadded base64 of the key's SHA-256", () => {
    const digest = createHash("sha256").update(publicKey).digest("base64").replace(/=+$/, "");
    assert.equal(fingerprint(publicKey), `SHA256:${digest}`);
    assert.match(fingerprint(publicKey), /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.throws(() => fingerprint(new Uint8Array(33)), RangeError);
  });
});

describe("base64 helpers", () => {
  it("agree with node:buffer on random bytes, and fromBase64Url() inverts toBase64Url()", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        assert.equal(toBase64(bytes), buffer.toString("base64").replace(/=+$/, ""));
        assert.equal(toBase64Url(bytes), buffer.toString("base64url"));
        assert.deepEqual(fromBase64Url(toBase64Url(bytes)), bytes);
      }),
      { numRuns: 100 },
    );
  });

  it("fromBase64Url() throws SyntaxError for characters outside base64url or a bad length", () => {
    for (const text of ["a+b", "a/b", "ab cd", "abcde", "é"]) {
      assert.throws(() => fromBase64Url(text), SyntaxError, text);
    }
  });
});
