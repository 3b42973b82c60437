/**
 * The windowed one-way throughput meter of the transport and WebSocket benches: a pipe from a
 * client to a server, sent into for short runs with a fixed window of packets in flight, its runs
 * interleaved with those of a raw-API pipe so that load from other processes hits both alike.
 *
 * @module
 */
import type { Transport } from "../core/transport.ts";
import { median } from "./_stats.ts";

/** A one-way client → server path. */
export interface Pipe {
  /** Sends one packet of bytes. */
  send(bytes: Uint8Array): void;
  /** Closes both ends. */
  close(): Promise<void>;
}

/** Opens a pipe for packets of `size` bytes; `received` is called with a count of whole packets. */
export type MakePipe = (size: number, received: (packets: number) => void) => Promise<Pipe>;

/** How each run is timed and what a stalled window means. */
export interface MeterOptions {
  /** Length of one run, in ms. */
  runMs: number;
  /** Runs measured after one warm-up run each. */
  runs: number;
  /** A window that makes no progress for 20 ms was lost (datagrams): send a fresh one. */
  lossy: boolean;
}

/** A pipe over `transport`: a listener on `host` and a client connected to it. */
export function viaTransport(transport: Transport, host: string): MakePipe {
  return async (_size, received) => {
    const server = await transport.listen({ hostname: host, port: 0 }, {
      packet: () => received(1),
    });
    const client = await transport.connect(server.localAddress, { packet() {} });
    return {
      send: (bytes) => client.send(bytes, server.localAddress),
      close: () => Promise.all([client.close(), server.close()]).then(() => {}),
    };
  };
}

/** A pipe plus the window bookkeeping that paces it. */
async function meter(make: MakePipe, size: number, options: MeterOptions) {
  const window = Math.max(4, Math.floor((128 * 1024) / (size + 1024)));
  let received = 0;
  let sent = 0;
  let wake: (() => void) | undefined;
  const pipe = await make(size, (n) => {
    received += n;
    if (wake && sent - received <= window / 2) wake();
  });
  const bytes = new Uint8Array(size);
  new DataView(bytes.buffer).setUint16(52, size - 64);
  /** Sends for `runMs` keeping at most `window` packets in flight; returns packets/s received. */
  const run = async (): Promise<number> => {
    const start = performance.now();
    const first = received;
    while (performance.now() - start < options.runMs) {
      while (sent - received < window) {
        pipe.send(bytes);
        sent++;
      }
      const progressed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 20);
        wake = () => (clearTimeout(timer), resolve(true));
      });
      wake = undefined;
      if (!progressed && options.lossy) sent = received; // lost datagrams: give up on them
    }
    return ((received - first) * 1000) / (performance.now() - start);
  };
  return { run, close: () => pipe.close() };
}

/**
 * Median packets/s of `make` and of the raw API's `raw` (if any) for packets of `size` bytes,
 * their runs interleaved after one warm-up each.
 */
export async function measure(
  make: MakePipe,
  raw: MakePipe | undefined,
  size: number,
  options: MeterOptions,
): Promise<{ ours: number; base: number | undefined }> {
  const ours = await meter(make, size, options);
  const base = raw ? await meter(raw, size, options) : undefined;
  const oursRates: number[] = [];
  const baseRates: number[] = [];
  for (let i = 0; i <= options.runs; i++) {
    const a = await ours.run();
    const b = await base?.run();
    if (i === 0) continue;
    oursRates.push(a);
    if (b !== undefined) baseRates.push(b);
  }
  await Promise.all([ours.close(), base?.close()]);
  return { ours: median(oursRates), base: base ? median(baseRates) : undefined };
}
