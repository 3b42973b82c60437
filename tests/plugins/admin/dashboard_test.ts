// The dashboard in headless Chromium. Skips with a message when /usr/bin/chromium or the
// playwright-core package is missing (CI: `apt-get install -y chromium` and
// `npm install --no-save playwright-core`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, listen } from "../../../core/mod.ts";
import { startAdmin } from "../../../plugins/admin/mod.ts";
import { connection } from "../../../plugins/connection/mod.ts";
import { metrics } from "../../../plugins/metrics/mod.ts";
import { udp } from "../../../transports/udp/mod.ts";
import {
  artifactPath,
  browserSkip,
  type HeadlessChromium,
  launchChromium,
  type Page,
} from "../../_browser.ts";
import { resolvesWithin } from "../../_within.ts";

const skip = browserSkip("dashboard_test.ts");

const TOKEN = "dashboard-test-token";

async function chartPoints(page: Page): Promise<number> {
  const points = await page.locator("#line-in").getAttribute("points");
  return points ? points.split(" ").length : 0;
}

test("the dashboard shows a session when a client connects, and kicks it", { skip }, async () => {
  const stats = metrics();
  const server = await listen({ transport: udp(), plugins: [stats, connection()] });
  const admin = await startAdmin({
    endpoint: server.endpoint,
    metrics: stats,
    port: 0,
    token: TOKEN,
    statsInterval: 200,
  });
  let browser: HeadlessChromium | undefined;
  let client: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    browser = await launchChromium();
    const page = await browser.context.newPage();
    page.setDefaultTimeout(5000);
    await page.goto(admin.dashboardUrl);
    // Locators, not page functions: the page's CSP forbids eval, and the test keeps that CSP on.
    await page.locator('#status:text-is("live")').waitFor();
    assert.equal(new URL(page.url()).search, "", "the token left the address bar");
    assert.equal(await page.locator("#sessions tbody tr").count(), 0);

    client = await connect({
      transport: udp(),
      port: server.address.port,
      plugins: connection(),
      connectTimeout: 3000,
    });
    for (let i = 0; i < 5; i++) await client.send(new TextEncoder().encode(`message ${i}`));
    const row = page.locator(`#sessions tbody tr[data-id="${client.session.id}"]`);
    await row.waitFor();
    assert.equal(await page.locator("#count").textContent(), "1");
    assert.match((await row.textContent())!, /open/);
    const packetsIn = page.locator(`tr[data-id="${client.session.id}"] td:nth-child(4)`);
    for (let i = 0; i < 25 && Number(await packetsIn.textContent()) < 5; i++) {
      await page.waitForTimeout(200);
    }
    assert.ok(Number(await packetsIn.textContent()) >= 5, "the figures follow the traffic");
    for (let i = 0; i < 25 && (await chartPoints(page)) < 3; i++) await page.waitForTimeout(200);
    assert.ok((await chartPoints(page)) >= 3, "the packet-rate chart draws");
    await page.screenshot({ path: artifactPath("admin_dashboard.png"), fullPage: true });

    await page.locator(`tr[data-id="${client.session.id}"] button`).click();
    const ended = await resolvesWithin(3000, client.session.closed);
    assert.equal(ended, true, "the kicked client saw its session end");
    await row.waitFor({ state: "hidden" });

    const fresh = await browser.context.newPage();
    fresh.setDefaultTimeout(5000);
    await fresh.goto(admin.url);
    await fresh.locator("#login").waitFor();
    await fresh.locator("#token").fill(TOKEN);
    await fresh.locator("#login button").click();
    await fresh.locator('#status:text-is("live")').waitFor();
  } finally {
    await browser?.close();
    await client?.close();
    await admin.close();
    await server.close();
  }
});
