/**
 * The worker module of `thing serve --workers`: one worker's server, built from the flags the
 * supervisor checked, logging one line per session event as `thing serve` does (prefixed with
 * the worker's index).
 *
 * @module
 */
import { adminApp } from "../plugins/admin/mod.ts";
import { metrics } from "../plugins/metrics/mod.ts";
import type { Identity } from "../plugins/thing/mod.ts";
import { defineWorker } from "../workers/mod.ts";
import { joinCluster } from "./serve_cluster.ts";
import { printSessions } from "./session_lines.ts";
import { dialects } from "./registry.ts";

/** What the supervisor passes each worker. */
export interface ServeWorkerData {
  /** A `dialects` name. */
  dialect: string;
  /** `--timeout`, if given. */
  timeout?: number;
  /** The server identity (thing, hybrid). */
  identity?: Identity;
  /** Whether to send messages back. */
  echo: boolean;
  /** Whether to print session events as JSON lines. */
  json: boolean;
  /** `--cluster` and its flags (with `node` always set): each worker joins as `NODE/INDEX`. */
  cluster?: Record<string, string>;
  /** With `--admin`: the bearer token of the supervisor's admin API, which this worker answers. */
  admin?: { token: string };
}

export default defineWorker(async (host) => {
  const data = host.data as ServeWorkerData;
  const entry = dialects[data.dialect]!;
  const member = data.cluster &&
    await joinCluster(data.cluster, host.index, data.json, { out: (line) => console.log(line) });
  const stats = data.admin && metrics();
  const server = await host.listen({
    plugins: [
      ...(member ? [member] : []),
      ...(stats ? [stats] : []),
      entry.plugins({
        ...(data.timeout === undefined ? {} : { timeout: data.timeout }),
        ...(data.identity === undefined ? {} : { identity: data.identity }),
      }),
    ],
  });
  const worker = host.index;
  if (data.admin) {
    host.handleRequests(
      adminApp({
        endpoint: server.endpoint,
        metrics: stats,
        token: data.admin.token,
        ...(member ? { cluster: member } : {}),
        labels: { worker: String(worker) },
      }).fetch,
    );
  }
  const event = (name: string, fields: Record<string, unknown>, text: string) =>
    console.log(
      data.json ? JSON.stringify({ event: name, worker, ...fields }) : `[worker ${worker}] ${text}`,
    );
  printSessions(server, event, (line) => console.error(`[worker ${worker}] ${line}`));
  if (data.echo) {
    server.on("message", ({ session, data: bytes, customId, reliable, channel }) => {
      session.send(bytes, { customId, reliable, channel }).catch(() => {});
    });
  }
});
