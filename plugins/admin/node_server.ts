/**
 * Serves a fetch handler with `node:http`, for runtimes without `Deno.serve` or `Bun.serve`.
 * Request bodies are read whole (up to 1 MiB); response bodies are streamed, and the request's
 * signal aborts when the client goes away, so server-sent event streams end with it.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** The largest request body accepted. */
const MAX_BODY = 1 << 20;

/** A running `node:http` server. */
export interface NodeServer {
  /** The port bound. */
  port: number;
  /** Stops accepting, ends open connections and resolves when closed. */
  close(): Promise<void>;
}

/** Listens on `hostname:port` and answers every request with `fetch`. */
export function serveNode(
  fetch: (request: Request) => Response | Promise<Response>,
  hostname: string,
  port: number,
): Promise<NodeServer> {
  const server = createServer((req, res) => void answer(fetch, req, res));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, hostname, () => {
      server.off("error", reject);
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

async function answer(
  fetch: (request: Request) => Response | Promise<Response>,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const aborter = new AbortController();
  res.on("close", () => aborter.abort());
  try {
    const body = await readBody(req);
    if (body === undefined) {
      res.writeHead(413, { "Content-Type": "application/json" });
      res.end(
        JSON.stringify({
          error: { status: 413, code: "too_large", message: "Request body over 1 MiB" },
        }),
      );
      return;
    }
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (Array.isArray(value)) { for (const item of value) headers.append(name, item); }
      else if (value !== undefined) headers.set(name, value);
    }
    const request = new Request(`http://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
      method: req.method ?? "GET",
      headers,
      signal: aborter.signal,
      ...(body.length > 0 ? { body } : {}),
    });
    const response = await fetch(request);
    res.writeHead(response.status, [...response.headers].flat());
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    aborter.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}));
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      if (!res.write(value)) {
        await new Promise((resolve) => {
          res.once("drain", resolve);
          aborter.signal.addEventListener("abort", resolve, { once: true });
        });
      }
    }
    res.end();
  } catch {
    if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
    res.end();
  }
}

/** The whole body, or `undefined` when it is over `MAX_BODY`. */
async function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk);
  }
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.length;
  }
  return body;
}
