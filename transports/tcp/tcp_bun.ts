/**
 * TCP over `Bun.listen` / `Bun.connect`. Bun writes what the kernel takes at once and returns the
 * count; the rest waits here, bounded by the link's limits, until `drain`.
 *
 * @module
 */

import type { BindOptions, Link, LinkHandlers } from "../../core/transport.ts";
import { bindError } from "../_runtime.ts";
import { Waiters } from "../_waiters.ts";
import { type ConnSink, type StreamConn, type StreamLimits, StreamLink } from "./_stream_link.ts";
import { WriteQueue } from "./write_queue.ts";

interface BunSocket {
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly localAddress: string;
  readonly localPort: number;
  write(bytes: Uint8Array): number;
  setNoDelay(enabled: boolean): boolean;
  end(): void;
}

interface BunSocketHandlers {
  open(socket: BunSocket): void;
  data(socket: BunSocket, data: Uint8Array): void;
  drain(socket: BunSocket): void;
  close(socket: BunSocket, error?: Error): void;
  error(socket: BunSocket, error: Error): void;
}

interface BunTcpApi {
  listen(options: {
    hostname: string;
    port: number;
    reusePort?: boolean;
    socket: BunSocketHandlers;
  }): {
    readonly port: number;
    stop(closeActiveConnections?: boolean): void;
  };
  connect(options: { hostname: string; port: number; socket: BunSocketHandlers }): Promise<
    BunSocket
  >;
}

/** The TCP part of the `Bun` global, when running on Bun. */
export function bunTcp(): BunTcpApi | undefined {
  return (globalThis as { Bun?: BunTcpApi }).Bun;
}

/** The most bytes joined into one `write` call when draining. */
const WRITE_CHUNK = 256 * 1024;

interface Conn {
  sink: ConnSink;
  drain(): void;
  failure?: Error;
}

/** Socket handlers that adopt each opened socket into `link`. */
function handlersFor(getLink: () => StreamLink, dialed?: BindOptions) {
  const conns = new Map<BunSocket, Conn>();
  const closed = new Waiters();
  const handlers: BunSocketHandlers = {
    open(socket) {
      socket.setNoDelay(true);
      const queue = new WriteQueue();
      const progress = new Waiters();
      const flush = () => {
        for (let chunk = queue.take(WRITE_CHUNK); chunk; chunk = queue.take(WRITE_CHUNK)) {
          const written = socket.write(chunk);
          if (written < chunk.length) {
            queue.unshift(chunk.subarray(Math.max(written, 0)));
            return;
          }
        }
      };
      const conn: StreamConn = {
        remote: { hostname: socket.remoteAddress, port: socket.remotePort },
        get buffered() {
          return queue.size;
        },
        write(bytes) {
          if (queue.size > 0) return queue.push(bytes);
          const written = socket.write(bytes);
          if (written < bytes.length) queue.push(bytes.subarray(Math.max(written, 0)));
        },
        progress: () => progress.wait(),
        destroy: () => socket.end(),
      };
      const sink = getLink().attach(conn, dialed);
      conns.set(socket, {
        sink,
        drain() {
          flush();
          progress.wake();
        },
      });
    },
    data: (socket, data) => conns.get(socket)?.sink.data(data),
    drain: (socket) => conns.get(socket)?.drain(),
    error(socket, error) {
      const conn = conns.get(socket);
      if (conn) conn.failure = error;
    },
    close(socket, error) {
      const conn = conns.get(socket);
      if (!conn) return;
      conns.delete(socket);
      conn.drain();
      conn.sink.closed(error ?? conn.failure);
      closed.wake();
    },
  };
  /** Resolves once every adopted socket has closed. */
  const allClosed = async () => {
    while (conns.size > 0) await closed.wait();
  };
  return { handlers, allClosed };
}

/** Listens with `Bun.listen` and returns a stream link accepting many peers. */
export function tcpBunListen(
  bind: BindOptions,
  limits: StreamLimits,
  handlers: LinkHandlers,
  reusePort = false,
): Promise<Link> {
  const bun = bunTcp()!;
  const link = { current: undefined as StreamLink | undefined };
  const adopted = handlersFor(() => link.current!);
  let server: ReturnType<BunTcpApi["listen"]>;
  try {
    server = bun.listen({
      hostname: bind.hostname,
      port: bind.port,
      ...(reusePort ? { reusePort } : {}),
      socket: adopted.handlers,
    });
  } catch (error) {
    return Promise.reject(bindError("tcp", "bind", bind, error));
  }
  link.current = new StreamLink(
    { hostname: bind.hostname, port: server.port },
    limits,
    handlers,
    async () => {
      server.stop(true);
      await adopted.allClosed();
    },
  );
  return Promise.resolve(link.current);
}

/** Connects with `Bun.connect` and returns a stream link to that one server. */
export async function tcpBunConnect(
  remote: BindOptions,
  limits: StreamLimits,
  handlers: LinkHandlers,
): Promise<Link> {
  const bun = bunTcp()!;
  const link = { current: undefined as StreamLink | undefined };
  // The socket opens (and may receive) before connect() resolves, so the link exists first and
  // learns its local address right after.
  const adopted = handlersFor(() => link.current!, remote);
  const local = { hostname: "", port: 0 };
  link.current = new StreamLink(local, limits, handlers, () => adopted.allClosed());
  try {
    const socket = await bun.connect({
      hostname: remote.hostname,
      port: remote.port,
      socket: adopted.handlers,
    });
    local.hostname = socket.localAddress;
    local.port = socket.localPort;
  } catch (error) {
    throw bindError("tcp", "connect", remote, error);
  }
  return link.current;
}
