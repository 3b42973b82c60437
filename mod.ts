/**
 * Thing: build secure, fast packet protocols over UDP and TCP.
 *
 * A minimal core (packet codec, middleware pipeline, plugin API, sans-IO endpoint) plus plugins
 * for the dialects and transports.
 *
 * @example
 * ```ts
 * import { connect, listen } from "@thing/net";
 * import { connection } from "@thing/net/plugins/connection";
 * import { udp } from "@thing/net/transports/udp";
 *
 * const server = await listen({ transport: udp(), port: 0, plugins: connection() });
 * server.on("message", ({ session, data }) => session.send(data));
 * const { port } = server.address;
 * const client = await connect({ transport: udp(), port, plugins: connection() });
 * await client.send(new TextEncoder().encode("hello"));
 * await client.close();
 * await server.close();
 * ```
 *
 * @module
 */
export * from "./core/mod.ts";
