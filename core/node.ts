/**
 * `listen()` and `connect()`: an endpoint, a transport link and the driver between them, ready
 * to use. This is what applications call.
 *
 * @module
 */
import { Driver } from "./driver.ts";
import { TransportError } from "./errors.ts";
import { Endpoint, type EndpointOptions, type EndpointStats } from "./endpoint.ts";
import type { Unsubscribe } from "./emitter.ts";
import type { EventName, EventPayload } from "./events.ts";
import type { SendOptions, Session } from "./session.ts";
import type { Link, PeerAddress, Transport } from "./transport.ts";

/** Options shared by servers and clients. */
export interface NodeOptions extends Omit<EndpointOptions, "role"> {
  /** How packets move (e.g. `udp()`, `tcp()`). */
  transport: Transport;
  /** Address to bind (server) or reach (client); default `127.0.0.1`. */
  hostname?: string;
  /** Port to bind (server, 0 = any) or reach (client). */
  port?: number;
}

/** A running endpoint on a link. */
export class ThingNode {
  /** The protocol engine. */
  readonly endpoint: Endpoint;
  /** The transport link. */
  readonly link: Link;
  readonly #driver: Driver;
  #closing: Promise<void> | undefined;

  /** Use `listen()` or `connect()`. */
  constructor(endpoint: Endpoint, link: Link, driver: Driver) {
    this.endpoint = endpoint;
    this.link = link;
    this.#driver = driver;
  }

  /** The local address (with the OS-chosen port). */
  get address(): PeerAddress {
    return this.link.localAddress;
  }

  /** Packet and drop counters of the endpoint (the same object as `endpoint.stats`). */
  get stats(): EndpointStats {
    return this.endpoint.stats;
  }

  /** Listens to a core event (by name) or a plugin's (by its key). */
  on<N extends EventName>(name: N, listener: (event: EventPayload<N>) => void): Unsubscribe {
    return this.endpoint.on(name, listener);
  }

  /** Closes every session gracefully, then the link. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      try {
        await this.endpoint.close();
      } finally {
        this.#driver.stop();
        await this.link.close();
      }
    })();
    return this.#closing;
  }
}

/** A client node with its one session. */
export class ThingClient extends ThingNode {
  /** The established session. */
  readonly session: Session;

  /** Use `connect()`. */
  constructor(endpoint: Endpoint, link: Link, driver: Driver, session: Session) {
    super(endpoint, link, driver);
    this.session = session;
  }

  /** Sends a message on the session (`reliable` by default). */
  send(data: Uint8Array, options?: SendOptions): Promise<void> {
    return this.session.send(data, options);
  }
}

/**
 * Starts a server.
 *
 * @example
 * ```ts
 * import { listen } from "@thing/net";
 * import { connection } from "@thing/net/plugins/connection";
 * import { udp } from "@thing/net/transports/udp";
 *
 * const server = await listen({ transport: udp(), port: 0, plugins: connection() });
 * server.on("message", ({ session, data }) => session.send(data));
 * await server.close();
 * ```
 */
export async function listen(options: NodeOptions): Promise<ThingNode> {
  const endpoint = new Endpoint({ ...options, role: "server" });
  const driver = new Driver(endpoint);
  const link = await options.transport.listen(
    { hostname: options.hostname ?? "127.0.0.1", port: options.port ?? 0 },
    driver.handlers,
  );
  driver.attach(link);
  return new ThingNode(endpoint, link, driver);
}

/**
 * Connects to a server and completes the dialect's handshake.
 *
 * @throws {TimeoutError} when the handshake does not finish within `connectTimeout`
 * @throws {TransportError} `THING_ERR_UNREACHABLE` as soon as the transport learns that nothing
 * listens at the server's port (ICMP port unreachable on UDP, where the runtime reports it)
 */
export async function connect(options: NodeOptions & { port: number }): Promise<ThingClient> {
  const endpoint = new Endpoint({ ...options, role: "client" });
  const driver = new Driver(endpoint);
  const server = { hostname: options.hostname ?? "127.0.0.1", port: options.port };
  const link = await options.transport.connect(server, driver.handlers);
  driver.attach(link);
  let stopWatching: Unsubscribe | undefined;
  const unreachable = new Promise<never>((_, reject) => {
    stopWatching = endpoint.on("error", ({ error }) => {
      if (error instanceof TransportError && error.code === "THING_ERR_UNREACHABLE") reject(error);
    });
  });
  unreachable.catch(() => {}); // only the race below observes it
  try {
    const session = await Promise.race([endpoint.connect(server), unreachable]);
    return new ThingClient(endpoint, link, driver, session);
  } catch (error) {
    await endpoint.close();
    driver.stop();
    await link.close();
    throw error;
  } finally {
    stopWatching?.();
  }
}
