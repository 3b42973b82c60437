// The WebSocket demo page in headless Chromium: it loads its bundled script, completes the Thing
// handshake over WebSocket and shows the server's echoes. Skips with a message when
// /usr/bin/chromium or the playwright-core package is missing (CI: `apt-get install -y chromium`
// and `npm install --no-save playwright-core`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWebSocketDemo } from "../../examples/websocket_demo/demo.ts";
import { browserSkip, type HeadlessChromium, launchChromium } from "../_browser.ts";

const skip = browserSkip("websocket_page_test.ts");

for (const hostname of ["127.0.0.1", "::1"]) {
  test(
    `the demo page on ${hostname} completes the Thing handshake over WebSocket and shows echoes`,
    {
      skip,
    },
    () => pageShowsEchoes(hostname),
  );
}

async function pageShowsEchoes(hostname: string): Promise<void> {
  const demo = await startWebSocketDemo({ hostname });
  const serverSessions: string[] = [];
  demo.server.on("session", ({ session }) => serverSessions.push(String(session.id)));
  const pageErrors: string[] = [];
  let browser: HeadlessChromium | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.context.newPage();
    page.on("pageerror", (error) => pageErrors.push(error.message));
    page.setDefaultTimeout(10_000);
    await page.goto(demo.url);
    const status = page.locator("#status");
    await page.locator('#status:text-matches("handshake done|failed")').waitFor();
    assert.equal(await status.textContent(), "handshake done", `page errors: ${pageErrors}`);
    assert.equal(await page.locator("#fingerprint").textContent(), demo.fingerprint);
    assert.equal(await page.locator("#expected").textContent(), demo.fingerprint);
    assert.deepEqual([await page.locator("#session").textContent()], serverSessions);

    for (const text of ["ping 1", "héllo ✓"]) {
      await page.locator("#text").fill(text);
      await page.locator("#send button").click();
      await page.locator(`#echoes li:text-is("echo: ${text}")`).waitFor();
    }
    assert.equal(await page.locator("#echoes li").count(), 2);
    assert.deepEqual(pageErrors, []);
    await page.close();
  } finally {
    await browser?.close();
    await demo.close();
  }
}
