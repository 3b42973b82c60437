/**
 * A worker module that never calls `host.listen()`, for the failed-start test.
 *
 * @module
 */
import { defineWorker } from "../../workers/mod.ts";

export default defineWorker(() => {});
