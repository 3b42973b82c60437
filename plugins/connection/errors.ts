/**
 * The error code the Connection dialect owns: `THING_ERR_REJECTED`, carried by the
 * `SessionError` a client's `connect()` rejects with when the server answers its HELLO with REJECT.
 *
 * @module
 */

/** An error code of the Connection dialect. */
export type ConnectionErrorCode = "THING_ERR_REJECTED";
