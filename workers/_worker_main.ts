/**
 * The entry of each worker thread `serveWorkers()` starts: maps the shared directory, loads the
 * worker module, serves, and answers the supervisor. Loaded in the supervisor too (so bundlers
 * and `tsc` keep it), where it does nothing.
 *
 * @module
 */
import { isMainThread, parentPort, workerData } from "node:worker_threads";
import { listen, type ThingNode } from "../core/node.ts";
import { tcp } from "../transports/tcp/mod.ts";
import { udp } from "../transports/udp/mod.ts";
import type { FromWorker, ToWorker, WireHttp, WorkerBoot } from "./_messages.ts";
import { SharedDirectory } from "./directory.ts";
import { WorkerRouter } from "./router.ts";
import type { RequestHandler, WorkerHost, WorkerListenOptions, WorkerMain } from "./worker_host.ts";
import { requestFromWire, wireResponse } from "./_wire_http.ts";

/** Runs this thread as worker `boot.index`. */
async function runWorker(boot: WorkerBoot): Promise<void> {
  const port = parentPort!;
  const post = (message: FromWorker) => {
    const transfer = "bytes" in message && message.bytes
      ? [message.bytes.buffer as ArrayBuffer]
      : [];
    port.postMessage(message, transfer);
  };
  const directory = new SharedDirectory(boot.directory, true);
  const router = new WorkerRouter(boot.index, directory, post);
  const servers: ThingNode[] = [];
  let handler: RequestHandler | undefined;
  const host: WorkerHost = {
    index: boot.index,
    count: boot.count,
    data: boot.data,
    async listen(options: WorkerListenOptions) {
      const inner = boot.transport === "tcp" ? tcp({ reusePort: true }) : udp({ reusePort: true });
      const server = await listen({
        ...options,
        transport: router.transport(inner),
        hostname: boot.hostname,
        port: boot.port,
        plugins: [router.plugin(), options.plugins],
      });
      servers.push(server);
      post({ t: "listening", address: server.address });
      return server;
    },
    handleRequests(next: RequestHandler) {
      if (typeof next !== "function") {
        throw new TypeError(
          "Cannot handle requests without a function: pass (request) => Response",
        );
      }
      handler = next;
    },
  };
  port.on("message", (message: ToWorker) => {
    switch (message.t) {
      case "stats": {
        let sessions = 0;
        for (const server of servers) sessions += server.endpoint.sessions.size;
        return post({
          t: "stats",
          id: message.id,
          stats: { index: boot.index, sessions, ...router.stats },
        });
      }
      case "request":
        return void answer(handler, message.request).then((response) =>
          post({ t: "response", id: message.id, response })
        );
      case "close":
        // The supervisor ends the thread on "closed".
        return void Promise.allSettled(servers.map((server) => server.close())).then(() =>
          post({ t: "closed" })
        );
      default:
        return router.receive(message);
    }
  });
  try {
    const module = await import(boot.module) as { default?: WorkerMain };
    if (typeof module.default !== "function") {
      throw new TypeError(
        `Cannot run worker module '${boot.module}': it has no default export; export default defineWorker(...)`,
      );
    }
    await module.default(host);
    if (servers.length === 0) {
      throw new TypeError(
        `Cannot run worker module '${boot.module}': it did not call host.listen(); call it once`,
      );
    }
  } catch (error) {
    // The supervisor ends the thread on "failed".
    post({ t: "failed", message: error instanceof Error ? error.message : String(error) });
  }
}

/** The response of `handler` to `wire`: 503 without a handler, 500 when it throws. */
async function answer(
  handler: RequestHandler | undefined,
  wire: WireHttp,
): Promise<WireHttp> {
  const failure = (status: number, message: string) =>
    wireResponse(Response.json({ error: { status, code: "worker", message } }, { status }));
  if (!handler) {
    return failure(503, "This worker serves no requests: it called no handleRequests()");
  }
  try {
    return await wireResponse(await handler(requestFromWire(wire)));
  } catch (error) {
    return failure(500, `The worker's handler failed: ${(error as Error)?.message ?? error}`);
  }
}

const boot = workerData as Partial<WorkerBoot> | null;
if (!isMainThread && boot?.thingWorker === true) void runWorker(boot as WorkerBoot);
