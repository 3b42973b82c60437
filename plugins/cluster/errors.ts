/**
 * The error a cluster call fails with: Redis unreachable, an unknown session, a node that is gone,
 * no answer in time, or the owner's own failure (its `code`, e.g. `THING_ERR_TIMEOUT`, kept).
 *
 * @module
 */
import { ThingError, type ThingErrorCode, type ThingErrorOptions } from "../../core/errors.ts";

/** What a cluster error adds to a Thing error. */
export interface ClusterErrorOptions extends ThingErrorOptions {
  /** The cluster member that held (or was thought to hold) the session, when known. */
  node?: string;
}

/**
 * A cluster call failed. `code` says why:
 *
 * - `THING_ERR_CLUSTER_DOWN`: this node cannot reach Redis (the outcome of a call in flight when
 *   the link dropped is unknown);
 * - `THING_ERR_CLUSTER_UNKNOWN_SESSION`: no node holds that session;
 * - `THING_ERR_CLUSTER_NODE_GONE`: the node that held it is no longer in the cluster;
 * - `THING_ERR_TIMEOUT`: the owner did not answer in time (the message may have been delivered);
 * - any other code: the owner's own send or close failed with it.
 */
export class ClusterError extends ThingError {
  /** The cluster member concerned, when known. */
  readonly node: string | undefined;

  /** Creates a cluster error. */
  constructor(code: ThingErrorCode, message: string, options: ClusterErrorOptions = {}) {
    super(code, message, options);
    this.name = "ClusterError";
    this.node = options.node;
  }
}
