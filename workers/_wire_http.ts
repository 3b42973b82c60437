/**
 * HTTP requests and responses as plain data, so `WorkerPool.request()` can pass them between the
 * supervisor and a worker thread (a `Request` or `Response` cannot be posted).
 *
 * @module
 */
import type { WireHttp } from "./_messages.ts";

/** `request` as plain data, its body read whole. */
export async function wireRequest(request: Request): Promise<WireHttp> {
  return {
    method: request.method,
    url: request.url,
    headers: [...request.headers],
    body: new Uint8Array(await request.arrayBuffer()),
  };
}

/** `response` as plain data, its body read whole. */
export async function wireResponse(response: Response): Promise<WireHttp> {
  return {
    status: response.status,
    headers: [...response.headers],
    body: new Uint8Array(await response.arrayBuffer()),
  };
}

/** The `Request` that `wire` describes. */
export function requestFromWire(wire: WireHttp): Request {
  const bodyless = wire.method === "GET" || wire.method === "HEAD";
  return new Request(wire.url!, {
    method: wire.method!,
    headers: wire.headers,
    ...(bodyless ? {} : { body: wire.body as Uint8Array<ArrayBuffer> }),
  });
}

/** The `Response` that `wire` describes. */
export function responseFromWire(wire: WireHttp): Response {
  const bodyless = wire.status === 204 || wire.status === 304;
  return new Response(bodyless ? null : wire.body as Uint8Array<ArrayBuffer>, {
    status: wire.status!,
    headers: wire.headers,
  });
}
