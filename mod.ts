/**
 * Thing: build secure, fast packet protocols over UDP and TCP.
 *
 * A minimal core (packet codec, middleware pipeline, plugin API, sans-IO endpoint) plus plugins
 * for the dialects and transports.
 *
 * @example
 * ```ts ignore
 * import { connect, listen } from "@thing/net";
 * import { connection } from "@thing/net/plugins/connection";
 * import { udp } from "@thing/net/transports/udp";
 *
 * const server = await listen({ transport: udp(), port: 7777, plugins: connection() });
 * server.on("message", ({ session, data }) => session.send(data));
 * const client = await connect({ transport: udp(), port: 7777, plugins: connection() });
 * await client.send(new TextEncoder().encode("hello"));
 * ```
 *
 * @module
 */
export * from "./core/mod.ts";
