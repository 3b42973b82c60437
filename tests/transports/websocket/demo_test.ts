import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Buffer as NodeBuffer } from "node:buffer";
import { Buffer } from "../../../transports/websocket/demo/shims/node_buffer.ts";
import * as crypto from "../../../transports/websocket/demo/shims/node_crypto.ts";
import { startWebSocketDemo } from "../../../transports/websocket/demo/demo.ts";
import { bundleBrowserClient } from "../../../transports/websocket/demo/bundle.ts";

describe("websocket demo", () => {
  it("the browser Buffer stand-in encodes and decodes like node:buffer", () => {
    for (let length = 0; length < 40; length++) {
      const bytes = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff);
      for (const encoding of ["base64", "base64url"] as const) {
        const text = NodeBuffer.from(bytes).toString(encoding);
        assert.equal(Buffer.from(bytes).toString(encoding), text);
        assert.deepEqual(new Uint8Array(Buffer.from(text, encoding)), bytes);
      }
    }
    assert.deepEqual(new Uint8Array(Buffer.alloc(3)), new Uint8Array(3));
  });

  it("the browser node:crypto stand-in offers no native primitive", () => {
    assert.deepEqual(crypto.getCiphers(), []);
    assert.throws(() => crypto.diffieHellman(), TypeError);
    assert.throws(() => crypto.createPrivateKey(), TypeError);
  });

  it("bundleBrowserClient() builds a script that imports no node: module", async () => {
    const script = await bundleBrowserClient();
    assert.doesNotMatch(script, /(from|import|require\()\s*["']node:/);
    assert.match(script, /thing-ws\/1/, "the WebSocket client is inside");
    assert.match(script, /thing-server-key/, "the page script is inside");
  });

  it("startWebSocketDemo() serves the page, its script and Thing on one port", async () => {
    const demo = await startWebSocketDemo();
    try {
      const page = await (await fetch(demo.url)).text();
      assert.match(page, /<meta name="thing-server-key" content="thing-public-key: [\w-]{43}">/);
      assert.ok(page.includes(demo.fingerprint));
      const script = await fetch(new URL("/client.js", demo.url));
      assert.equal(script.headers.get("content-type"), "text/javascript");
      assert.ok((await script.text()).length > 1000);
      const upgrade = await fetch(new URL("/thing", demo.url));
      assert.notEqual(upgrade.status, 200, "a plain GET of /thing is not a page");
      await upgrade.body?.cancel();
    } finally {
      await demo.close();
    }
  });
});
