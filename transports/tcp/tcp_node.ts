/**
 * TCP over `node:net`: the portable binding (Node, and the fallback on Deno and Bun).
 *
 * @module
 */

import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { BindOptions, Link, LinkHandlers } from "../../core/transport.ts";
import { bindError } from "../_runtime.ts";
import { Waiters } from "../_waiters.ts";
import type { StreamLimits } from "./_stream_link.ts";
import { type StreamConn, StreamLink } from "./_stream_link.ts";

/** Wires a node socket to a stream link. */
function adopt(link: StreamLink, socket: Socket, dialed?: BindOptions): void {
  socket.setNoDelay(true);
  const progress = new Waiters();
  const conn: StreamConn = {
    remote: { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 },
    get buffered() {
      return socket.writableLength;
    },
    write: (bytes) => void socket.write(bytes),
    progress: () => progress.wait(),
    destroy: () => socket.destroy(),
  };
  const sink = link.attach(conn, dialed);
  let failure: Error | undefined;
  socket.on("data", (chunk: Uint8Array) => sink.data(chunk));
  socket.on("drain", () => progress.wake());
  socket.on("error", (error: Error) => failure = error);
  socket.on("close", () => {
    progress.wake();
    sink.closed(failure);
  });
}

/** Listens with `node:net` and returns a stream link accepting many peers. */
export async function tcpNodeListen(
  bind: BindOptions,
  limits: StreamLimits,
  handlers: LinkHandlers,
  reusePort = false,
): Promise<Link> {
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error) => reject(bindError("tcp", "bind", bind, error)));
    const options = { host: bind.hostname, port: bind.port, exclusive: true };
    server.listen(reusePort ? { ...options, reusePort } : options, resolve);
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : bind.port;
  const link = new StreamLink(
    { hostname: bind.hostname, port },
    limits,
    handlers,
    () => new Promise<void>((resolve) => server.close(() => resolve())),
  );
  server.on("connection", (socket: Socket) => adopt(link, socket));
  return link;
}

/** Connects with `node:net` and returns a stream link to that one server. */
export async function tcpNodeConnect(
  remote: BindOptions,
  limits: StreamLimits,
  handlers: LinkHandlers,
): Promise<Link> {
  const socket = createConnection({ host: remote.hostname, port: remote.port });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", (error) => reject(bindError("tcp", "connect", remote, error)));
    socket.once("connect", resolve);
  });
  socket.removeAllListeners("error");
  const local = { hostname: socket.localAddress ?? "", port: socket.localPort ?? 0 };
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const link = new StreamLink(local, limits, handlers, () => closed);
  adopt(link, socket, remote);
  return link;
}
