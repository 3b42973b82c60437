/**
 * The fastest raw UDP socket of the running runtime (Bun.udpSocket, Deno.listenDatagram or
 * node:dgram), for the baselines of the Connection benches.
 *
 * @module
 */
import { createSocket } from "node:dgram";

const HOST = "127.0.0.1";

/** A bound raw UDP socket on 127.0.0.1. */
export interface RawSocket {
  port: number;
  send(bytes: Uint8Array, port: number): void;
  close(): void;
}
/** Called with each datagram received and its source port. */
export type OnPacket = (bytes: Uint8Array, port: number) => void;

interface BunApi {
  udpSocket(o: object): Promise<{
    port: number;
    send(b: Uint8Array, port: number, host: string): boolean;
    close(): void;
  }>;
}
interface DenoDatagram {
  addr: { port: number };
  receive(b: Uint8Array): Promise<[Uint8Array, { port: number }]>;
  send(b: Uint8Array, to: object): Promise<number>;
  close(): void;
}
const g = globalThis as unknown as {
  Bun?: BunApi;
  Deno?: { listenDatagram?(o: object): DenoDatagram };
};

/** The fastest raw UDP socket this runtime has: Bun.udpSocket, Deno.listenDatagram or node:dgram. */
export async function rawSocket(onPacket: OnPacket): Promise<RawSocket> {
  if (g.Bun) {
    const s = await g.Bun.udpSocket({
      hostname: HOST,
      port: 0,
      socket: { data: (_s: unknown, b: Uint8Array, port: number) => onPacket(b, port) },
    });
    return { port: s.port, send: (b, port) => void s.send(b, port, HOST), close: () => s.close() };
  }
  if (g.Deno?.listenDatagram) {
    const s = g.Deno.listenDatagram({ hostname: HOST, port: 0, transport: "udp" });
    void (async () => {
      const buffer = new Uint8Array(65_536);
      try {
        for (;;) {
          const [b, from] = await s.receive(buffer);
          onPacket(b, from.port);
        }
      } catch { /* closed */ }
    })();
    return {
      port: s.addr.port,
      send: (b, port) => void s.send(b, { transport: "udp", hostname: HOST, port }).catch(() => {}),
      close: () => s.close(),
    };
  }
  const s = createSocket("udp4").on("message", (b, info) => onPacket(b, info.port));
  await new Promise<void>((r) => s.bind(0, HOST, r));
  return {
    port: s.address().port,
    send: (b, port) => s.send(b, port, HOST),
    close: () => s.close(),
  };
}

/** The name of the API `rawSocket` uses here. */
export const rawName: string = g.Bun
  ? "Bun.udpSocket"
  : g.Deno?.listenDatagram
  ? "Deno.listenDatagram"
  : "node:dgram";
