/**
 * Relays on 127.0.0.1 that hold every datagram (UDP) or chunk (TCP) for a fixed delay in each
 * direction, so a bench can give loopback a round-trip time (2 × delay) and compare protocols by
 * their round trips as well as their CPU. Timers are all the relay adds: no loss, no reordering
 * beyond what equal delays cause (none).
 *
 * @module
 */
import * as dgram from "node:dgram";
import { once } from "node:events";
import * as net from "node:net";

const HOST = "127.0.0.1";
/** An upstream UDP socket not used for this long is closed (each client gets its own). */
const IDLE_MS = 2000;

/** A running relay: the port clients use instead of the server's, and how to stop it. */
export interface Relay {
  /** The relay's port. */
  port: number;
  /** Stops relaying and closes every socket. */
  close(): Promise<void>;
}

/** Relays UDP datagrams to `target` and back, each held `delay` ms. */
export async function udpRelay(target: number, delay: number): Promise<Relay> {
  const front = dgram.createSocket("udp4");
  const upstreams = new Map<
    string,
    { socket: dgram.Socket; idle: ReturnType<typeof setTimeout> }
  >();
  const forget = (key: string) => {
    const up = upstreams.get(key);
    if (!up) return;
    upstreams.delete(key);
    up.socket.close();
  };
  front.on("message", (message, from) => {
    const key = `${from.address}:${from.port}`;
    let up = upstreams.get(key);
    if (!up) {
      const socket = dgram.createSocket("udp4");
      socket.on("message", (reply) => {
        setTimeout(() => front.send(reply, from.port, from.address), delay);
      });
      socket.on("error", () => forget(key));
      up = { socket, idle: setTimeout(() => forget(key), IDLE_MS) };
      upstreams.set(key, up);
    }
    clearTimeout(up.idle);
    up.idle = setTimeout(() => forget(key), IDLE_MS);
    const socket = up.socket;
    setTimeout(() => socket.send(message, target, HOST), delay);
  });
  front.bind(0, HOST);
  await once(front, "listening");
  return {
    port: front.address().port,
    async close() {
      for (const key of [...upstreams.keys()]) {
        clearTimeout(upstreams.get(key)!.idle);
        forget(key);
      }
      front.close();
      await new Promise((resolve) => setTimeout(resolve, delay + 1));
    },
  };
}

/** Relays TCP connections to `target`, each chunk held `delay` ms in either direction. */
export async function tcpRelay(target: number, delay: number): Promise<Relay> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const up = net.connect(target, HOST);
    for (const socket of [client, up]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    const pipe = (from: net.Socket, to: net.Socket) => {
      from.on("data", (chunk) => void setTimeout(() => to.writable && to.write(chunk), delay));
      from.on("end", () => void setTimeout(() => to.end(), delay));
    };
    pipe(client, up);
    pipe(up, client);
  });
  server.listen(0, HOST);
  await once(server, "listening");
  return {
    port: (server.address() as net.AddressInfo).port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
