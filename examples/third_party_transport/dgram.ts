/**
 * A transport written the way a third party would write one: UDP over `node:dgram`, importing
 * only `@thing/net` (here `../../mod.ts`, the file that entry point names). It passes the same
 * conformance suite as the built-in transports (tests/examples/third_party_transport_test.ts runs
 * `transportSuite()` from `@thing/net/testing` on it), and any dialect runs over it.
 *
 * @example
 * ```ts ignore
 * import { listen } from "@thing/net";
 * import { connection } from "@thing/net/plugins/connection";
 * const server = await listen({ transport: dgram(), port: 7777, plugins: connection() });
 * ```
 *
 * @module
 */
import { createSocket, type Socket } from "node:dgram";
import {
  type BindOptions,
  type Link,
  type LinkHandlers,
  MAX_PACKET_SIZE,
  type PeerAddress,
  type Transport,
  TransportError,
} from "../../mod.ts";

/** The largest UDP payload over IPv4. */
const MAX_UDP_PAYLOAD = 65_507;

/** UDP over `node:dgram`, as a `Transport`. */
export function dgram(): Transport {
  return { name: "dgram", kind: "datagram", listen: bind, connect: bindForServer };
}

/** A client link binds any local port on the server's address family. */
function bindForServer(server: BindOptions, handlers: LinkHandlers): Promise<Link> {
  return bind({ hostname: server.hostname.includes(":") ? "::1" : "127.0.0.1", port: 0 }, handlers);
}

async function bind(options: BindOptions, handlers: LinkHandlers): Promise<Link> {
  const socket = createSocket(options.hostname.includes(":") ? "udp6" : "udp4");
  await new Promise<void>((resolve, reject) => {
    socket.once("error", (error: Error & { code?: string }) => {
      socket.close();
      const code = error.code === "EADDRINUSE" ? "THING_ERR_ADDRESS_IN_USE" : "THING_ERR_TRANSPORT";
      reject(
        new TransportError(code, `Cannot bind dgram to port ${options.port}: ${error.message}`, {
          cause: error,
        }),
      );
    });
    socket.bind(options.port, options.hostname, () => {
      socket.removeAllListeners("error");
      resolve();
    });
  });
  return new DgramLink(socket, handlers);
}

/** One bound socket. */
class DgramLink implements Link {
  readonly kind = "datagram" as const;
  readonly maxPacketSize: number = Math.min(MAX_PACKET_SIZE, MAX_UDP_PAYLOAD);
  readonly localAddress: PeerAddress;
  readonly #socket: Socket;
  #closing: Promise<void> | undefined;

  constructor(socket: Socket, handlers: LinkHandlers) {
    this.#socket = socket;
    const { address, port } = socket.address();
    this.localAddress = { hostname: address, port };
    socket.on("message", (message: Uint8Array, from) => {
      try {
        handlers.packet(new Uint8Array(message), { hostname: from.address, port: from.port });
      } catch (error) {
        handlers.error?.(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on("error", (error: Error) => handlers.error?.(error));
  }

  send(bytes: Uint8Array, peer: PeerAddress): void {
    if (this.#closing) {
      throw new TransportError("THING_ERR_CLOSED", "Cannot send on a closed dgram link");
    }
    if (bytes.byteLength > this.maxPacketSize) {
      throw new TransportError(
        "THING_ERR_PACKET_TOO_LARGE",
        `Cannot send ${bytes.byteLength} bytes over dgram: the limit is ${this.maxPacketSize}`,
      );
    }
    // A send that fails (an unreachable port) is a lost datagram, not an error of this link.
    this.#socket.send(bytes, peer.port, peer.hostname, () => {});
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => this.#socket.close(() => resolve()));
    return this.#closing;
  }
}
