/**
 * The error codes the Thing dialect owns, carried by the `HandshakeError` a failed handshake ends
 * with: `THING_ERR_HANDSHAKE` (no common cipher suite, a bad or missing step) and `THING_ERR_AUTH`
 * (a signature, key confirmation or pinned key that does not verify).
 *
 * @module
 */

/** An error code of the Thing dialect. */
export type ThingDialectErrorCode = "THING_ERR_HANDSHAKE" | "THING_ERR_AUTH";
