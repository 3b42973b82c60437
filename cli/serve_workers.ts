/**
 * `thing serve --workers N|auto`: the same server as `thing serve`, run by N worker threads on one
 * shared port (`SO_REUSEPORT`, see docs/SCALING.md). This thread supervises: it checks the flags,
 * starts the pool, reports workers that die and come back, serves the pool's admin API with
 * `--admin` (one address; each worker answers for its own sessions, see
 * `plugins/admin/workers_app.ts`), and stops the pool on Ctrl-C. Each worker runs
 * `cli/serve_worker_main.ts`.
 *
 * @module
 */
import { randomBytes } from "node:crypto";
import * as v from "valibot";
import { toHex } from "../core/hex.ts";
import { addressKey } from "../core/transport.ts";
import {
  type AdminServer,
  isLoopback,
  serveAdminApp,
  workersAdminApp,
} from "../plugins/admin/mod.ts";
import { autoWorkers, serveWorkers } from "../workers/mod.ts";
import { aborted, type CommandIo, type FlagValues } from "./command.ts";
import { endpointChoice, serverIdentity } from "./endpoints.ts";
import { flag, HostFlag, hostPort, optionalFlag, PortFlag, UsageError } from "./flags.ts";
import { TokenFlag } from "./serve.ts";
import type { ServeWorkerData } from "./serve_worker_main.ts";

const WORKERS = "an integer from 1 to 1024, or auto (one per CPU)";
/** `--workers`: `auto`, or a count from 1 to 1,024. */
export const WorkersFlag = v.pipe(
  v.string(),
  v.regex(/^(auto|\d+)$/, WORKERS),
  v.transform((text) => text === "auto" ? autoWorkers() : Number(text)),
  v.number(),
  v.minValue(1, WORKERS),
  v.maxValue(1024, WORKERS),
);

/** The `serve` flags that `--workers` cannot take yet, each with the reason. */
const UNSUPPORTED: Record<string, string> = {
  out: "files travel over quic, and --workers serves udp or tcp",
  "log-level": "structured logs are per thread; use --json for the session events",
  "log-format": "structured logs are per thread; use --json for the session events",
  "rekey-after": "the workers do not take it yet",
};

/**
 * The `--cluster` flags for the workers, each of which joins as member `NODE/INDEX` (one node name
 * for all of them). A `--node` or `--cluster-prefix` without `--cluster` is a usage error here,
 * before any thread starts.
 */
function clusterFlags(values: FlagValues): Pick<ServeWorkerData, "cluster"> {
  if (values.cluster === undefined) {
    for (const name of ["node", "cluster-prefix", "cluster-ttl"]) {
      if (values[name] !== undefined) {
        throw new UsageError(
          `Invalid --${name} without --cluster: add --cluster redis://HOST:PORT`,
        );
      }
    }
    return {};
  }
  const flags: Record<string, string> = {
    cluster: String(values.cluster),
    node: values.node === undefined
      ? `node-${randomBytes(4).toString("hex")}`
      : String(values.node),
  };
  for (const name of ["cluster-prefix", "cluster-ttl"]) {
    if (values[name] !== undefined) flags[name] = String(values[name]);
  }
  return { cluster: flags };
}

/**
 * `--admin` and `--admin-token`, checked before any thread starts: a token is needed off
 * loopback, and a random one is made on loopback when none is given (the workers need it too).
 */
function adminFlags(
  values: FlagValues,
): { hostname: string; port: number; token: string; given: boolean } | undefined {
  const token = optionalFlag("admin-token", TokenFlag, values["admin-token"]);
  if (values.admin === undefined) {
    if (token !== undefined) {
      throw new UsageError("Invalid --admin-token without --admin: add --admin HOST:PORT");
    }
    return undefined;
  }
  const address = hostPort(String(values.admin), "admin");
  if (token === undefined && !isLoopback(address.hostname)) {
    throw new UsageError(
      `Invalid --admin ${address.hostname} without --admin-token: anyone who can reach it ` +
        "could end sessions; pass a token or bind 127.0.0.1",
    );
  }
  return {
    ...address,
    token: token ?? toHex(crypto.getRandomValues(new Uint8Array(16))),
    given: token !== undefined,
  };
}

/** Runs `thing serve` with `--workers`; resolves with the exit code once stopped. */
export async function serveWithWorkers(values: FlagValues, io: CommandIo): Promise<number> {
  const workers = flag("workers", WorkersFlag, values.workers);
  for (const [name, reason] of Object.entries(UNSUPPORTED)) {
    if (values[name] !== undefined) {
      throw new UsageError(`Invalid --${name} with --workers: ${reason}`);
    }
  }
  const choice = endpointChoice(values);
  if (choice.transport !== "udp" && choice.transport !== "tcp") {
    throw new UsageError(
      `Invalid --transport ${choice.transport} with --workers: workers share a udp or tcp port`,
    );
  }
  const hostname = flag("host", HostFlag, values.host);
  const port = flag("port", PortFlag, values.port);
  const json = values.json === true;
  const echo = values["no-echo"] !== true;
  const key = values.key === undefined ? undefined : String(values.key);
  const admin = adminFlags(values);
  const identity = await serverIdentity(choice, key, io);
  const data: ServeWorkerData = {
    dialect: choice.dialect,
    ...clusterFlags(values),
    ...(choice.timeout === undefined ? {} : { timeout: choice.timeout }),
    ...(identity === undefined ? {} : { identity }),
    echo,
    json,
    ...(admin === undefined ? {} : { admin: { token: admin.token } }),
  };
  let pool;
  try {
    pool = await serveWorkers({
      module: new URL(`./serve_worker_main.${extension()}`, import.meta.url),
      workers,
      transport: choice.transport,
      hostname,
      port,
      data,
    });
  } catch (error) {
    // The runtime or platform has no SO_REUSEPORT for this transport: a usage problem.
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  const event = (name: string, fields: Record<string, unknown>, text: string) =>
    io.out(json ? JSON.stringify({ event: name, ...fields }) : text);
  pool.on("exit", ({ index, code, error, sessionsLost }) =>
    event(
      "worker-exit",
      { worker: index, code, error: error?.message, sessionsLost },
      `worker ${index} stopped (${
        error?.message ?? `exit ${code}`
      }), ${sessionsLost} sessions lost; restarting it`,
    ));
  pool.on(
    "restart",
    ({ index }) => event("worker-restart", { worker: index }, `worker ${index} is serving again`),
  );
  pool.on(
    "error",
    ({ index, error }) => io.err(`worker ${index} restart failed: ${error.message}`),
  );
  let adminServer: AdminServer | undefined;
  try {
    if (admin !== undefined) {
      adminServer = await serveAdminApp(admin, (token) => workersAdminApp({ pool, token }));
      event(
        "admin",
        { url: adminServer.url, token: admin.given ? undefined : adminServer.token },
        `admin API on ${adminServer.url} for ${workers} workers${
          admin.given ? "" : ` (token ${adminServer.token})`
        }`,
      );
    }
    event(
      "listening",
      {
        transport: choice.transport,
        address: addressKey(pool.address),
        dialect: choice.dialect,
        echo,
        workers,
      },
      `listening on ${choice.transport} ${
        addressKey(pool.address)
      } with ${workers} workers (dialect ${choice.dialect}, echo ${
        echo ? "on" : "off"
      }); Ctrl-C to stop`,
    );
    await aborted(io.signal);
  } finally {
    await adminServer?.close();
    await pool.close();
  }
  event("stopped", {}, "stopped");
  return 0;
}

/** `ts` when running from source, `js` from the npm build. */
function extension(): string {
  return import.meta.url.endsWith(".ts") ? "ts" : "js";
}
