/**
 * `thing bench --transport quic`: the QUIC-style transport's goodput (one stream of COUNT × SIZE
 * bytes) and stream round trips (a SIZE-byte stream answered by its SHA-256), using the file
 * protocol that `thing serve --transport quic --out DIR` speaks.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { mkdir, mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TimeoutError } from "../core/errors.ts";
import type { ThingNode } from "../core/node.ts";
import { addressKey, type PeerAddress } from "../core/transport.ts";
import { isLoopback } from "../plugins/admin/mod.ts";
import { generateIdentity } from "../plugins/thing/mod.ts";
import {
  connectQuic,
  listenQuic,
  LOOPBACK_PACKET_SIZE,
  receiveFiles,
  sendFile,
} from "../presets/quic/mod.ts";
import type { BenchPlan, Measured } from "./bench_run.ts";
import type { CommandIo, FlagValues } from "./command.ts";
import { serverAddress, serverKeyFlag } from "./endpoints.ts";
import { flag, MillisecondsFlag } from "./flags.ts";
import type { BenchBars } from "./progress.ts";

/** Runs the stream benchmark; temporary files (and a local server's store) are removed after. */
export async function measureStreams(
  plan: BenchPlan,
  values: FlagValues,
  io: CommandIo,
  begin: (target: PeerAddress) => BenchBars,
): Promise<Measured> {
  const connectTimeout = flag("connect-timeout", MillisecondsFlag, values["connect-timeout"]);
  let serverKey = await serverKeyFlag(values["server-key"]);
  const scratch = await mkdtemp(join(tmpdir(), "thing-bench-"));
  let server: ThingNode | undefined;
  try {
    let target = plan.local ? undefined : serverAddress(plan.positionals);
    if (plan.local) {
      const identity = generateIdentity();
      server = await listenQuic({
        hostname: "127.0.0.1",
        port: 0,
        thing: { identity },
        maxPacketSize: LOOPBACK_PACKET_SIZE,
      });
      await mkdir(join(scratch, "in"));
      receiveFiles(server, join(scratch, "in"));
      target = { hostname: "127.0.0.1", port: server.address.port };
      serverKey = Buffer.from(identity.publicKey).toString("base64url");
    }
    const client = await connectQuic({
      ...target!,
      connectTimeout,
      thing: serverKey === undefined ? {} : { serverKey },
      ...(isLoopback(target!.hostname) ? { maxPacketSize: LOOPBACK_PACKET_SIZE } : {}),
    }).catch((error: Error) => {
      const reason = error instanceof TimeoutError
        ? `no answer within ${connectTimeout} ms`
        : error.message;
      throw new Error(`Cannot connect to ${addressKey(target!)} over quic: ${reason}`, {
        cause: error,
      });
    });
    try {
      const bars = begin(target!);
      const bulk = join(scratch, "thing-bench.bin");
      const small = join(scratch, "thing-bench-rtt.bin");
      await fill(bulk, plan.count * plan.size);
      await fill(small, plan.size);
      const started = performance.now();
      const sent = await Promise.race([
        sendFile(client.streams, bulk, {
          onProgress: ({ bytes }) =>
            bars.messages.update(Math.floor(bytes / Math.max(plan.size, 1))),
        }),
        new Promise<undefined>((resolve) =>
          io.signal.addEventListener("abort", () => resolve(undefined), { once: true })
        ),
      ]);
      const seconds = (performance.now() - started) / 1000;
      const confirmed = sent !== undefined && sent.sha256 === sent.peer ? plan.count : 0;
      const bar = bars.roundTrips();
      const rtts: number[] = [];
      for (let i = 0; i < plan.rounds && !io.signal.aborted; i++) {
        const at = performance.now();
        const result = await sendFile(client.streams, small);
        if (result.sha256 === result.peer) rtts.push(performance.now() - at);
        bar.update(i + 1);
      }
      bar.finish();
      return { target: target!, run: { sent: plan.count, confirmed, seconds }, rtts };
    } finally {
      await client.node.close();
    }
  } finally {
    await server?.close();
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Writes `bytes` bytes of a repeating pattern to `path`. */
async function fill(path: string, bytes: number): Promise<void> {
  const file = await open(path, "w");
  try {
    const chunk = new Uint8Array(Math.min(bytes, 1 << 20)).map((_, i) => i * 7);
    for (let written = 0; written < bytes;) {
      const length = Math.min(chunk.length, bytes - written);
      await file.write(chunk, 0, length);
      written += length;
    }
  } finally {
    await file.close();
  }
}
