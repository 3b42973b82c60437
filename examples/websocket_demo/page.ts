/**
 * The demo page's routes: `GET /` is a small HTML page pinning the server's key, `GET /client.js`
 * the bundled browser script. Mounted beside `/thing` through `websocket({ routes })`.
 *
 * @module
 */

import { Hono } from "hono";

/** What the page needs from the server. */
export interface DemoPageOptions {
  /** The bundled `browser_main.ts`. */
  script: string;
  /** The server's public key as key file text (the page pins it). */
  serverKey: string;
  /** Its fingerprint, shown for people to compare with what the handshake verified. */
  fingerprint: string;
}

function escapeHtml(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll('"', "&quot;");
}

function html({ serverKey, fingerprint }: DemoPageOptions): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="thing-server-key" content="${escapeHtml(serverKey)}">
<title>Thing over WebSocket</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; }
  code { font-size: 0.9em; word-break: break-all; }
  #status { font-weight: bold; }
</style>
</head>
<body>
<h1>Thing over WebSocket</h1>
<p>Status: <output id="status">loading</output></p>
<p>Session: <output id="session"></output></p>
<p>Verified server key: <code id="fingerprint"></code><br>
   Key this server announced: <code id="expected">${escapeHtml(fingerprint)}</code></p>
<form id="send">
  <input id="text" value="hello from the browser" autocomplete="off" aria-label="Message">
  <button disabled>Send</button>
</form>
<h2>Echoes</h2>
<ol id="echoes"></ol>
<script type="module" src="/client.js"></script>
</body>
</html>
`;
}

/** The page and its script as Hono routes. */
export function demoRoutes(options: DemoPageOptions): Hono {
  const page = html(options);
  return new Hono()
    .get("/", (c) => c.html(page))
    .get("/client.js", (c) => c.body(options.script, 200, { "content-type": "text/javascript" }));
}
