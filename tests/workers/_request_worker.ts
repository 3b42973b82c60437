/**
 * A worker module for the `pool.request()` tests: a Connection server whose request handler
 * echoes each request (`/hang` never answers, `/throw` throws); with `host.data.handler` false it
 * sets no handler.
 *
 * @module
 */
import { connection } from "../../plugins/connection/mod.ts";
import { defineWorker } from "../../workers/mod.ts";

export default defineWorker(async (host) => {
  await host.listen({ plugins: connection() });
  if ((host.data as { handler?: boolean } | undefined)?.handler === false) return;
  host.handleRequests(async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/hang") return await new Promise<Response>(() => {});
    if (path === "/throw") throw new Error("asked to throw");
    return Response.json(
      { worker: host.index, method: request.method, path, body: await request.text() },
      { status: 201, headers: { "x-worker": String(host.index) } },
    );
  });
});
