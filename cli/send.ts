/**
 * `thing send HOST:PORT FILE`: sends a file over a QUIC-style stream, with a progress bar (bytes,
 * rate, ETA) on stderr, and prints its SHA-256 once the server has confirmed the same hash.
 *
 * @module
 */
import { stat } from "node:fs/promises";
import { addressKey } from "../core/transport.ts";
import { isLoopback } from "../plugins/admin/mod.ts";
import { connectQuic, LOOPBACK_PACKET_SIZE, sendFile } from "../presets/quic/mod.ts";
import { aborted, type Command, commonOptions, expectPositionals } from "./command.ts";
import {
  clientHelp,
  clientOptions,
  endpointChoice,
  serverAddress,
  serverKeyFlag,
  whyNoConnection,
} from "./endpoints.ts";
import { flag, MillisecondsFlag, UsageError } from "./flags.ts";
import { formatBytes, jsonLine, paint } from "./output.ts";
import { Progress } from "./progress.ts";

/** The `send` command. */
export const send: Command = {
  summary: "send a file over a QUIC-style stream; both ends print its SHA-256",
  help: `Usage: thing send HOST:PORT FILE [flags]

  --transport NAME    quic (the default and only one that carries files)
${clientHelp}
  --json              print {"name", "size", "sha256", "confirmed", "seconds"}

The server (thing serve --transport quic --out DIR) stores the file and answers with the SHA-256
of what it stored; send prints the hash and exits 1 if the two differ.`,
  options: {
    ...commonOptions,
    ...clientOptions,
    transport: { type: "string", default: "quic" },
    json: { type: "boolean" },
  },
  positionals: true,
  async run(values, positionals, io) {
    expectPositionals(positionals, 2, 2, "HOST:PORT FILE");
    const server = serverAddress(positionals.slice(0, 1));
    const path = positionals[1]!;
    const choice = endpointChoice({ transport: values.transport });
    if (!choice.streams) {
      throw new UsageError(
        `Invalid --transport "${choice.transport}" for send: files travel over quic; use --transport quic`,
      );
    }
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) throw new UsageError(`Invalid FILE "${path}": expected a readable file`);
    const connectTimeout = flag("connect-timeout", MillisecondsFlag, values["connect-timeout"]);
    const serverKey = await serverKeyFlag(values["server-key"]);
    const json = values.json === true;
    const client = await connectQuic({
      ...server,
      connectTimeout,
      thing: serverKey === undefined ? {} : { serverKey },
      ...(isLoopback(server.hostname) ? { maxPacketSize: LOOPBACK_PACKET_SIZE } : {}),
    }).catch((error: Error) => {
      const reason = whyNoConnection(
        error,
        connectTimeout,
        "thing serve --transport quic --out DIR",
      );
      throw new Error(`Cannot connect to ${addressKey(server)} over quic: ${reason}`, {
        cause: error,
      });
    });
    const bar = new Progress(io, { label: "send", total: info.size, unit: "bytes" });
    const started = performance.now();
    try {
      const result = await Promise.race([
        sendFile(client.streams, path, { onProgress: ({ bytes }) => bar.update(bytes) }).catch(
          (error: Error) => {
            const reason = client.node.session.closeReason;
            throw new Error(
              `Cannot send "${path}": ${
                reason === undefined ? error.message : `the session ended (${reason})`
              }; nothing was confirmed`,
              { cause: error },
            );
          },
        ),
        aborted(io.signal).then(() => undefined),
      ]);
      bar.finish();
      if (result === undefined) {
        io.err("interrupted: the file was not confirmed");
        return 1;
      }
      const seconds = (performance.now() - started) / 1000;
      const confirmed = result.sha256 === result.peer;
      if (json) {
        io.out(jsonLine({
          name: result.name,
          size: result.size,
          sha256: result.sha256,
          confirmed,
          seconds,
        }));
      } else {
        const c = paint(io.tty.out);
        io.out(
          `sent ${result.name} (${formatBytes(result.size)}) in ${seconds.toFixed(2)} s, ${
            formatBytes(result.size / Math.max(seconds, 1e-9))
          }/s`,
        );
        io.out(
          confirmed
            ? `sha256 ${result.sha256} ${c.green("(server confirmed)")}`
            : `sha256 ${result.sha256} ${c.red(`but the server stored ${result.peer}`)}`,
        );
      }
      return confirmed ? 0 : 1;
    } finally {
      bar.finish();
      await client.node.close();
    }
  },
};
