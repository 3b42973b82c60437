// The WebSocket demo page in headless Chromium: it loads its bundled script, completes the Thing
// handshake over WebSocket and shows the server's echoes. Skips with a message when
// /usr/bin/chromium or the playwright-core package is missing (CI: `apt-get install -y chromium`
// and `npm install --no-save playwright-core`).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startWebSocketDemo } from "../../transports/websocket/demo/demo.ts";

const CHROMIUM = "/usr/bin/chromium";

interface Locator {
  waitFor(options?: { state?: "visible" | "hidden" | "attached" }): Promise<void>;
  textContent(): Promise<string | null>;
  click(): Promise<void>;
  fill(value: string): Promise<void>;
  count(): Promise<number>;
}
interface Page {
  goto(url: string): Promise<unknown>;
  locator(selector: string): Locator;
  setDefaultTimeout(ms: number): void;
  on(event: "pageerror", listener: (error: Error) => void): void;
  close(): Promise<void>;
}
interface BrowserContext {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}
interface Chromium {
  launchPersistentContext(dir: string, options: {
    executablePath: string;
    headless: boolean;
    args: string[];
    timeout: number;
  }): Promise<BrowserContext>;
}

async function loadChromium(): Promise<Chromium | undefined> {
  const name = "playwright-core";
  try {
    return ((await import(name)) as { chromium: Chromium }).chromium;
  } catch {
    return undefined;
  }
}

const chromium = await loadChromium();
const skip = !existsSync(CHROMIUM)
  ? `needs ${CHROMIUM} (apt-get install -y chromium)`
  : chromium === undefined
  ? "needs playwright-core (npm install --no-save playwright-core)"
  : false;
// Runners do not print a skip reason, so say it here.
if (skip) console.warn(`websocket_page_test.ts skipped: it ${skip}`);

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
  const profile = mkdtempSync(join(tmpdir(), "thing-chromium-"));
  const pageErrors: string[] = [];
  let context: BrowserContext | undefined;
  try {
    context = await chromium!.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 20_000,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    const page = await context.newPage();
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
    await context?.close();
    await demo.close();
    rmSync(profile, { recursive: true, force: true });
  }
}
