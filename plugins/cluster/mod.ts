/**
 * Scale-out across machines: `cluster({ url })` joins a server to a cluster whose shared state
 * (session directory, routing, rooms) lives in Redis, and is the handle of the cluster calls.
 *
 * @module
 */
export * from "./cluster.ts";
export * from "./directory.ts";
export * from "./errors.ts";
export * from "./failover.ts";
export * from "./keys.ts";
export * from "./options.ts";
