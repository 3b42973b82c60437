/**
 * The file server behind `thing serve --transport quic --out DIR`: a QUIC-style server that stores
 * every incoming file stream under DIR and prints each file's SHA-256 (the sender prints the
 * same hash once the server has confirmed it).
 *
 * @module
 */
import { mkdir } from "node:fs/promises";
import type { ThingNode } from "../core/node.ts";
import type { Plugin } from "../core/plugin.ts";
import { isLoopback } from "../plugins/admin/mod.ts";
import type { Identity } from "../plugins/thing/mod.ts";
import { listenQuic, LOOPBACK_PACKET_SIZE, receiveFiles } from "../presets/quic/mod.ts";
import { type CommandIo, shortId } from "./command.ts";
import { formatBytes } from "./output.ts";

/** Where and how to serve files. */
export interface FileServerOptions {
  /** Address to bind. */
  hostname: string;
  /** Port to bind. */
  port: number;
  /** The server identity. */
  identity: Identity | undefined;
  /** Session TTL in ms, if given. */
  ttl: number | undefined;
  /** Directory the files are stored in (made if missing). */
  dir: string;
  /** Print JSON lines instead of text. */
  json: boolean;
  /** Plugins after the quic preset's own (logging, metrics). */
  plugins: Plugin[];
}

/** Starts the file server; files are stored and reported until the node is closed. */
export async function startFileServer(o: FileServerOptions, io: CommandIo): Promise<ThingNode> {
  await mkdir(o.dir, { recursive: true });
  const server = await listenQuic({
    hostname: o.hostname,
    port: o.port,
    thing: { identity: o.identity, ...(o.ttl === undefined ? {} : { ttl: o.ttl }) },
    ...(isLoopback(o.hostname) ? { maxPacketSize: LOOPBACK_PACKET_SIZE } : {}),
    plugins: o.plugins,
  });
  const started = new Set<string>();
  receiveFiles(server, o.dir, {
    onProgress({ name }, session) {
      const key = `${session.id}/${name}`;
      if (started.has(key)) return;
      started.add(key);
      if (!o.json) io.out(`session ${shortId(session.id)} sending ${name}`);
    },
    onFile({ name, size, sha256, peer }, session) {
      started.delete(`${session.id}/${name}`);
      io.out(
        o.json
          ? JSON.stringify({ event: "file", session: session.id, name, size, sha256, path: peer })
          : `stored ${peer} (${formatBytes(size)}) sha256 ${sha256}`,
      );
    },
    onError(error, session) {
      io.err(`file from ${shortId(session.id)} failed: ${error.message}`);
    },
  });
  return server;
}
