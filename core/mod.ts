/**
 * The Thing core: wire codec, packet registry, middleware pipeline, plugin API, the sans-IO
 * endpoint and the driver that runs it over a transport.
 *
 * @module
 */
export * from "./clock.ts";
export * from "./codec.ts";
export * from "./compose.ts";
export * from "./context.ts";
export * from "./driver.ts";
export * from "./emitter.ts";
export * from "./endpoint.ts";
export * from "./errors.ts";
export * from "./events.ts";
export * from "./extensions.ts";
export * from "./hex.ts";
export * from "./node.ts";
export * from "./packet.ts";
export * from "./plugin.ts";
export * from "./registry.ts";
// The control handle's class stays internal: only its type is public, and plugins get handles
// from `api.control()` and `api.sessions.create()`.
export {
  type SendOptions,
  Session,
  type SessionControl,
  type SessionHost,
  type SessionState,
} from "./session.ts";
export * from "./sha256.ts";
export * from "./timers.ts";
export * from "./transport.ts";
