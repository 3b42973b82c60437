/**
 * Structured logging with LogTape: the `logging()` plugin and `configureThingLogging()` for
 * applications and the CLI. Silent until an application configures a sink.
 *
 * @module
 */
export * from "./configure.ts";
export * from "./logging.ts";
