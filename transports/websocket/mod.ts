/**
 * The WebSocket transport: `websocket()` serves and connects on Deno and Bun; `websocketClient()`
 * only connects and is safe to bundle for a browser (import `./client.ts` there).
 *
 * @module
 */

export { websocket, type WebSocketOptions } from "./websocket.ts";
export { websocketClient } from "./client.ts";
export type { WebSocketClientOptions } from "./options.ts";
