import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { startWebSocketDemo } from "../../examples/websocket_demo/demo.ts";
import { bundleBrowserClient } from "../../examples/websocket_demo/bundle.ts";

describe("websocket demo", () => {
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
