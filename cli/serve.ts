/**
 * `thing serve`: runs a server — by default an echo server that sends every message back to its
 * sender as the same kind of packet on the same custom ID — and logs one line per session event.
 * Optional structured logs (`--log-level`, `--log-format`) and the admin API (`--admin`).
 *
 * @module
 */
import * as v from "valibot";
import type { Plugin } from "../core/plugin.ts";
import { addressKey } from "../core/transport.ts";
import { type AdminServer, startAdmin } from "../plugins/admin/mod.ts";
import { configureThingLogging, LOG_LEVELS, logging } from "../plugins/logging/mod.ts";
import { metrics } from "../plugins/metrics/mod.ts";
import { aborted, type Command, commonOptions, shortId } from "./command.ts";
import {
  endpointChoice,
  endpointHelp,
  endpointOptions,
  serverIdentity,
  startServer,
} from "./endpoints.ts";
import { flag, HostFlag, hostPort, optionalFlag, PortFlag, UsageError } from "./flags.ts";
import { startFileServer } from "./serve_files.ts";
import { clusterHelp, clusterOptions, joinCluster } from "./serve_cluster.ts";
import { serveWithWorkers } from "./serve_workers.ts";
import { printSessions } from "./session_lines.ts";

const LogLevelFlag = v.picklist(LOG_LEVELS, `one of ${LOG_LEVELS.join(", ")}`);
const LogFormatFlag = v.picklist(["pretty", "json"], "pretty or json");
/** `--admin-token`: at least 8 printable characters. */
export const TokenFlag = v.pipe(
  v.string(),
  v.regex(/^[\x21-\x7e]{8,}$/, "at least 8 printable characters without spaces"),
);

/** The `serve` command. */
export const serve: Command = {
  summary: "run a server (an echo server unless --no-echo)",
  help: `Usage: thing serve [flags]

${endpointHelp}
  --host HOST         address to bind (default 127.0.0.1)
  --port PORT         port to bind, 0 for any (default 7777)
  --key FILE          server identity from thing keygen (thing, hybrid; default: a throwaway one)
  --no-echo           do not send messages back
  --out DIR           with --transport quic: store each file received there
  --json              print session events as JSON lines
  --log-level LEVEL   structured logs on stderr: ${LOG_LEVELS.join(", ")}
  --log-format FMT    pretty or json (default: pretty on a terminal, json otherwise)
  --admin HOST:PORT   serve the admin API and dashboard there (e.g. 127.0.0.1:9090)
  --admin-token TOKEN bearer token for the admin API (default: a random one, printed)
${clusterHelp}
  --workers N|auto    run N worker threads on the port (udp on Bun, tcp), auto = one per CPU;
                      --admin then serves all of them on its one address (docs/SCALING.md)
  --verbose           show stack traces of errors

Ctrl-C closes every session (REJECT or SFL) and stops.`,
  options: {
    ...commonOptions,
    ...endpointOptions,
    host: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "7777" },
    key: { type: "string" },
    "no-echo": { type: "boolean", default: false },
    out: { type: "string" },
    json: { type: "boolean" },
    "log-level": { type: "string" },
    "log-format": { type: "string" },
    admin: { type: "string" },
    "admin-token": { type: "string" },
    ...clusterOptions,
    workers: { type: "string" },
  },
  async run(values, _positionals, io) {
    if (values.workers !== undefined) return await serveWithWorkers(values, io);
    const choice = endpointChoice(values);
    const hostname = flag("host", HostFlag, values.host);
    const port = flag("port", PortFlag, values.port);
    const level = optionalFlag("log-level", LogLevelFlag, values["log-level"]);
    const format = optionalFlag("log-format", LogFormatFlag, values["log-format"]);
    const admin = values.admin === undefined ? undefined : hostPort(String(values.admin), "admin");
    const token = optionalFlag("admin-token", TokenFlag, values["admin-token"]);
    const json = values.json === true;
    const echo = values["no-echo"] !== true;
    const key = values.key === undefined ? undefined : String(values.key);
    const out = values.out === undefined ? undefined : String(values.out);
    if (out !== undefined && !choice.streams) {
      throw new UsageError(
        `Invalid --out with --transport ${choice.transport}: files travel over quic; add --transport quic`,
      );
    }
    if (choice.streams && (out === undefined || out === "")) {
      throw new UsageError(
        `Missing --out DIR: --transport ${choice.transport} stores the files it receives there`,
      );
    }
    const identity = await serverIdentity(choice, key, io);
    const extra: Plugin[] = [];
    if (level !== undefined || format !== undefined) {
      await configureThingLogging({ level: level ?? "info", format: format ?? "auto" });
      extra.push(logging());
    }
    const stats = admin === undefined ? undefined : metrics();
    if (stats !== undefined) extra.push(stats);
    const member = await joinCluster(values, undefined, json, io);
    if (member !== undefined) extra.push(member);

    const server =
      await (out === undefined
        ? startServer(choice, { hostname, port }, { identity }, extra)
        : startFileServer(
          { hostname, port, identity, ttl: choice.timeout, dir: out, json, plugins: extra },
          io,
        )).catch(async (error) => {
          await member?.stop();
          throw error;
        });
    const event = (name: string, fields: Record<string, unknown>, text: string) =>
      io.out(json ? JSON.stringify({ event: name, ...fields }) : text);
    printSessions(server, event, io.err);
    if (echo) {
      server.on("message", ({ session, data, customId, reliable, channel }) => {
        session.send(data, { customId, reliable, channel }).catch((error: Error) => {
          // A session that ended meanwhile is no news: its close was logged.
          if (session.state !== "closed") {
            io.err(`echo to ${shortId(session.id)} failed: ${error.message}`);
          }
        });
      });
    }
    let adminServer: AdminServer | undefined;
    try {
      if (admin !== undefined) {
        adminServer = await startAdmin({
          endpoint: server.endpoint,
          metrics: stats,
          ...(member === undefined ? {} : { cluster: member }),
          ...admin,
          ...(token === undefined ? {} : { token }),
        });
        event(
          "admin",
          { url: adminServer.url, dashboard: adminServer.dashboardUrl },
          `admin API on ${adminServer.url} (dashboard: ${adminServer.dashboardUrl})`,
        );
      }
      event(
        "listening",
        {
          transport: choice.transport,
          address: addressKey(server.address),
          dialect: choice.dialect,
          ...(out === undefined ? { echo } : { out }),
        },
        `listening on ${choice.transport} ${
          addressKey(server.address)
        } (dialect ${choice.dialect}, ${
          out === undefined ? `echo ${echo ? "on" : "off"}` : `files to ${out}`
        }); Ctrl-C to stop`,
      );
      await aborted(io.signal);
    } finally {
      await adminServer?.close();
      await server.close();
    }
    event("stopped", {}, "stopped");
    return 0;
  },
};
