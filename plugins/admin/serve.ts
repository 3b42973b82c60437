/**
 * `startAdmin()`: serves the admin app over HTTP with the runtime's own server (`Deno.serve`,
 * `Bun.serve`, or `node:http` elsewhere). It binds to loopback by default and refuses any other
 * address without a token.
 *
 * @module
 */
import type { Endpoint } from "../../core/endpoint.ts";
import { TransportError } from "../../core/errors.ts";
import { toHex } from "../../core/hex.ts";
import { addressKey } from "../../core/transport.ts";
import type { Cluster } from "../cluster/mod.ts";
import type { ThingMetrics } from "../metrics/mod.ts";
import { adminApp } from "./app.ts";
import { serveNode } from "./node_server.ts";

/** How to run the admin server. */
export interface AdminOptions {
  /** The endpoint to observe and control (`node.endpoint` of a `listen()` result). */
  endpoint: Endpoint;
  /** The endpoint's metrics plugin, for `/metrics` and session figures. */
  metrics?: ThingMetrics;
  /** Address to bind (default `127.0.0.1`); any non-loopback address needs a `token`. */
  hostname?: string;
  /** Port to bind (default 9090; 0 lets the OS pick). */
  port?: number;
  /** The bearer token; on loopback a random one is made when omitted (see `AdminServer.token`). */
  token?: string;
  /** Which HTTP server to use (default: the runtime's own). */
  server?: "deno" | "bun" | "node";
  /** Milliseconds between `stats` events on `/events` (default 1,000). */
  statsInterval?: number;
  /** Milliseconds `DELETE /sessions/:id` waits for the goodbye before answering 202 (default 2,000). */
  closeWait?: number;
  /** The server's cluster member: the session routes then cover the whole cluster. */
  cluster?: Cluster;
}

/** A running admin server. */
export interface AdminServer {
  /** The base URL, e.g. `http://127.0.0.1:9090/`. */
  readonly url: string;
  /** The dashboard URL with the token in its query (the page moves it out of the address bar). */
  readonly dashboardUrl: string;
  /** The bearer token routes require. */
  readonly token: string;
  /** The address bound. */
  readonly hostname: string;
  /** The port bound. */
  readonly port: number;
  /** Ends event streams and stops the server. Idempotent. */
  close(): Promise<void>;
}

/** Whether `hostname` only reaches this machine (`localhost`, `127.0.0.0/8`, `::1`). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  return host === "localhost" || host === "::1" || /^(::ffff:)?127(\.\d{1,3}){3}$/.test(host) ||
    /^(0{1,4}:){7}0{0,3}1$/.test(host);
}

/**
 * Starts the admin API server.
 *
 * @throws {TypeError} when binding a non-loopback address without a token, or on a bad port
 * @throws {TransportError} when the address cannot be bound (`THING_ERR_ADDRESS_IN_USE` if taken)
 * @example
 * ```ts
 * import { listen } from "@thing/net";
 * import { startAdmin } from "@thing/net/plugins/admin";
 * import { connection } from "@thing/net/plugins/connection";
 * import { metrics } from "@thing/net/plugins/metrics";
 * import { udp } from "@thing/net/transports/udp";
 *
 * const stats = metrics();
 * const node = await listen({ transport: udp(), plugins: [stats, connection()] });
 * const admin = await startAdmin({ endpoint: node.endpoint, metrics: stats, port: 0 });
 * console.log(`dashboard: ${admin.dashboardUrl}`);
 * await admin.close();
 * await node.close();
 * ```
 */
export function startAdmin(options: AdminOptions): Promise<AdminServer> {
  const { endpoint, metrics } = options;
  return serveAdminApp(options, (token, signal) =>
    adminApp({
      endpoint,
      metrics,
      token,
      signal,
      ...(options.statsInterval === undefined ? {} : { statsInterval: options.statsInterval }),
      ...(options.closeWait === undefined ? {} : { closeWait: options.closeWait }),
      ...(options.cluster === undefined ? {} : { cluster: options.cluster }),
    }));
}

/** Where and how `serveAdminApp()` serves. */
export type AdminBinding = Pick<AdminOptions, "hostname" | "port" | "token" | "server">;

/**
 * Serves the app `build` makes for the token over HTTP, with the rules of `startAdmin()`:
 * loopback by default, a token required elsewhere, a random one on loopback when omitted.
 * `build`'s `signal` aborts when the server closes.
 *
 * @throws {TypeError} when binding a non-loopback address without a token, or on a bad port
 * @throws {TransportError} when the address cannot be bound (`THING_ERR_ADDRESS_IN_USE` if taken)
 */
export async function serveAdminApp(
  binding: AdminBinding,
  build: (token: string, signal: AbortSignal) => { fetch: Fetch },
): Promise<AdminServer> {
  const { hostname = "127.0.0.1", port = 9090 } = binding;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new TypeError(`Cannot serve the admin API on port ${port}: use 0..65535`);
  }
  if (binding.token === undefined && !isLoopback(hostname)) {
    throw new TypeError(
      `Cannot serve the admin API on "${hostname}" without a token: anyone who can reach it ` +
        "could end sessions; pass a token (--admin-token) or bind 127.0.0.1",
    );
  }
  const token = binding.token ?? toHex(crypto.getRandomValues(new Uint8Array(16)));
  const aborter = new AbortController();
  const app = build(token, aborter.signal);
  const kind = binding.server ?? detectServer();
  let running: { port: number; close(): Promise<void> };
  try {
    running = await SERVERS[kind](app.fetch, hostname, port);
  } catch (error) {
    const { code, name } = (error ?? {}) as { code?: unknown; name?: unknown };
    const inUse = code === "EADDRINUSE" || name === "AddrInUse";
    throw new TransportError(
      inUse ? "THING_ERR_ADDRESS_IN_USE" : "THING_ERR_TRANSPORT",
      `Cannot serve the admin API on '${addressKey({ hostname, port })}': ${
        inUse ? "the address is in use; pick another port" : String(error)
      }`,
      { cause: error },
    );
  }
  const url = `http://${addressKey({ hostname, port: running.port })}/`;
  let closing: Promise<void> | undefined;
  return {
    url,
    dashboardUrl: `${url}?token=${encodeURIComponent(token)}`,
    token,
    hostname,
    port: running.port,
    close() {
      aborter.abort();
      closing ??= running.close();
      return closing;
    },
  };
}

type Fetch = (request: Request) => Response | Promise<Response>;
type Serve = (fetch: Fetch, hostname: string, port: number) => Promise<{
  port: number;
  close(): Promise<void>;
}>;

interface DenoServe {
  serve(options: {
    hostname: string;
    port: number;
    onListen: () => void;
    handler: Fetch;
  }): { addr: { port: number }; shutdown(): Promise<void> };
}

interface BunServe {
  serve(options: { hostname: string; port: number; idleTimeout: number; fetch: Fetch }): {
    port: number;
    stop(closeActiveConnections?: boolean): Promise<void> | void;
  };
}

const SERVERS: Record<"deno" | "bun" | "node", Serve> = {
  deno(fetch, hostname, port) {
    const deno = (globalThis as { Deno?: DenoServe }).Deno;
    if (!deno) throw new TypeError("Cannot use Deno.serve outside Deno: pick server 'node'");
    const server = deno.serve({ hostname, port, onListen: () => {}, handler: fetch });
    return Promise.resolve({ port: server.addr.port, close: () => server.shutdown() });
  },
  bun(fetch, hostname, port) {
    const bun = (globalThis as { Bun?: BunServe }).Bun;
    if (!bun) throw new TypeError("Cannot use Bun.serve outside Bun: pick server 'node'");
    // Event streams tick every statsInterval; 60 s of silence means the client is gone.
    const server = bun.serve({ hostname, port, idleTimeout: 60, fetch });
    return Promise.resolve({
      port: server.port,
      close: async () => void await server.stop(true),
    });
  },
  node: serveNode,
};

function detectServer(): "deno" | "bun" | "node" {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  if (g.Bun !== undefined) return "bun";
  if (g.Deno !== undefined) return "deno";
  return "node";
}
