/**
 * The memory transport's impairment model. It lives in the testing kit (`@thing/net/testing`),
 * where the simulated network uses it too; this module re-exports it for the transport's users.
 *
 * @module
 */
export * from "../../core/testing/impairment.ts";
