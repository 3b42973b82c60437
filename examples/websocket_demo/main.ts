/**
 * Runs the WebSocket demo: `deno run -A examples/websocket_demo/main.ts [--port 8080]
 * [--hostname 127.0.0.1]` (or `bun examples/websocket_demo/main.ts`), then open the printed URL.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { startWebSocketDemo } from "./demo.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8080" },
    hostname: { type: "string", default: "127.0.0.1" },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) {
  throw new RangeError(`Cannot use port '${values.port}': pass an integer from 0 to 65535`);
}
const demo = await startWebSocketDemo({ hostname: values.hostname, port });
console.log(`Thing over WebSocket: open ${demo.url} (server key ${demo.fingerprint})`);
