/**
 * Headless Chromium for the browser tests, through playwright-core: the skip reason when
 * /usr/bin/chromium or the playwright-core package is missing (CI: `apt-get install -y chromium`
 * and `npm install --no-save playwright-core`), one set of launch flags, a throw-away profile
 * folder, and where screenshots go.
 *
 * @module
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = join(import.meta.dirname ?? ".", "../.artifacts");
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The part of playwright's Locator the tests use. */
export interface Locator {
  waitFor(options?: { state?: "visible" | "hidden" | "attached" }): Promise<void>;
  textContent(): Promise<string | null>;
  click(): Promise<void>;
  fill(value: string): Promise<void>;
  count(): Promise<number>;
  getAttribute(name: string): Promise<string | null>;
}

/** The part of playwright's Page the tests use. */
export interface Page {
  goto(url: string): Promise<unknown>;
  url(): string;
  locator(selector: string): Locator;
  setDefaultTimeout(ms: number): void;
  waitForTimeout(ms: number): Promise<void>;
  screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
  on(event: "pageerror", listener: (error: Error) => void): void;
  close(): Promise<void>;
}

/** A persistent browser context: pages share its profile. */
export interface BrowserContext {
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
const reason = !existsSync(CHROMIUM)
  ? `needs ${CHROMIUM} (apt-get install -y chromium)`
  : chromium === undefined
  ? "needs playwright-core (npm install --no-save playwright-core)"
  : undefined;

/**
 * The `skip` option for a browser test: false when Chromium can run here, else why not. Runners
 * do not print a skip reason, so it is also written to the console, naming `file`.
 */
export function browserSkip(file: string): string | false {
  if (reason === undefined) return false;
  console.warn(`${file} skipped: it ${reason}`);
  return reason;
}

/** A launched headless Chromium; `close()` closes it and removes its profile folder. */
export interface HeadlessChromium {
  /** The browser context to open pages in. */
  context: BrowserContext;
  /** Closes the browser and removes its profile folder. */
  close(): Promise<void>;
}

/** Launches headless Chromium with a fresh profile folder; throws when {@link browserSkip} would skip. */
export async function launchChromium(): Promise<HeadlessChromium> {
  if (chromium === undefined || reason !== undefined) {
    throw new Error(`Cannot launch Chromium: the test ${reason ?? "needs playwright-core"}`);
  }
  const profile = mkdtempSync(join(tmpdir(), "thing-chromium-"));
  const removeProfile = () => rmSync(profile, { recursive: true, force: true });
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      timeout: 20_000,
      args: FLAGS,
    });
  } catch (error) {
    removeProfile();
    throw error;
  }
  return {
    context,
    async close() {
      try {
        await context.close();
      } finally {
        removeProfile();
      }
    },
  };
}

/** Where a test's screenshot `name` goes (`.artifacts/` at the repo root), its folder made. */
export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
