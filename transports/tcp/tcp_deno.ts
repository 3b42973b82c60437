/**
 * TCP over `Deno.listen` / `Deno.connect`, with writes joined into large chunks per syscall.
 *
 * @module
 */

import type { BindOptions, Link, LinkHandlers, PeerAddress } from "../../core/transport.ts";
import { bindError } from "../_runtime.ts";
import { Waiters } from "../_waiters.ts";
import { type StreamConn, type StreamLimits, StreamLink } from "./_stream_link.ts";
import { WriteQueue } from "./write_queue.ts";

/** The most bytes joined into one `write` call (16 KiB measured best on loopback; see docs/TRANSPORTS.md). */
const WRITE_CHUNK = 16 * 1024;
/** Read buffer size per connection. */
const READ_CHUNK = 64 * 1024;

function netAddress(addr: Deno.Addr): PeerAddress {
  return "hostname" in addr ? { hostname: addr.hostname, port: addr.port } : {
    hostname: "",
    port: 0,
  };
}

/** Wires a Deno connection to a stream link; resolves when the connection has fully ended. */
function adopt(link: StreamLink, conn: Deno.TcpConn, dialed?: BindOptions): Promise<void> {
  conn.setNoDelay(true);
  const queue = new WriteQueue();
  const progress = new Waiters();
  let inFlight = 0;
  let pumping = false;
  let open = true;
  const destroy = () => {
    if (!open) return;
    open = false;
    queue.clear();
    try {
      conn.close();
    } catch {
      // Already closed by the runtime after an error.
    }
    progress.wake();
  };
  const pump = async () => {
    pumping = true;
    try {
      for (let chunk = queue.take(WRITE_CHUNK); chunk && open; chunk = queue.take(WRITE_CHUNK)) {
        inFlight = chunk.length;
        for (let at = 0; at < chunk.length;) at += await conn.write(chunk.subarray(at));
        inFlight = 0;
        progress.wake();
      }
    } catch {
      destroy(); // the read loop sees the failure and reports it
    } finally {
      inFlight = 0;
      pumping = false;
    }
  };
  const stream: StreamConn = {
    remote: netAddress(conn.remoteAddr),
    get buffered() {
      return queue.size + inFlight;
    },
    write(bytes) {
      queue.push(bytes);
      if (!pumping) void pump();
    },
    progress: () => progress.wait(),
    destroy,
  };
  const sink = link.attach(stream, dialed);
  return (async () => {
    const buffer = new Uint8Array(READ_CHUNK);
    let failure: unknown;
    try {
      for (let n = await conn.read(buffer); n !== null && open; n = await conn.read(buffer)) {
        sink.data(buffer.slice(0, n)); // the read buffer is reused; packets are handed over
      }
    } catch (error) {
      if (open) failure = error;
    }
    destroy();
    sink.closed(failure);
  })();
}

/** Listens with `Deno.listen` and returns a stream link accepting many peers. */
export function tcpDenoListen(
  bind: BindOptions,
  limits: StreamLimits,
  handlers: LinkHandlers,
  reusePort = false,
): Promise<Link> {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({
      hostname: bind.hostname,
      port: bind.port,
      transport: "tcp",
      ...(reusePort ? { reusePort } : {}),
    });
  } catch (error) {
    return Promise.reject(bindError("tcp", "bind", bind, error));
  }
  const connections = new Set<Promise<void>>();
  const loop = { accepting: Promise.resolve() };
  const link = new StreamLink(netAddress(listener.addr), limits, handlers, async () => {
    listener.close();
    await loop.accepting;
    await Promise.all(connections);
  });
  loop.accepting = (async () => {
    try {
      for await (const conn of listener) {
        const done = adopt(link, conn).finally(() => connections.delete(done));
        connections.add(done);
      }
    } catch {
      // The listener was closed.
    }
  })();
  return Promise.resolve(link);
}

/** Connects with `Deno.connect` and returns a stream link to that one server. */
export async function tcpDenoConnect(
  remote: BindOptions,
  limits: StreamLimits,
  handlers: LinkHandlers,
): Promise<Link> {
  let conn: Deno.TcpConn;
  try {
    conn = await Deno.connect({ hostname: remote.hostname, port: remote.port, transport: "tcp" });
  } catch (error) {
    throw bindError("tcp", "connect", remote, error);
  }
  let done: Promise<void> = Promise.resolve();
  const link = new StreamLink(netAddress(conn.localAddr), limits, handlers, () => done);
  done = adopt(link, conn, remote);
  return link;
}
