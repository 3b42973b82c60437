/**
 * Run as a child process by node_test.ts: a server and a client talk over real UDP, leave a
 * long timer pending, close, and must then let the process exit on its own.
 *
 * @module
 */
import { connect, listen } from "../../core/node.ts";
import { udp } from "../../transports/udp/mod.ts";
import { text, toy, utf8 } from "./_toy_dialect.ts";
import { controls } from "../_controls.ts";

const c = controls();
const server = await listen({ transport: udp(), plugins: [toy(), c.plugin] });
const got = new Promise<string>((resolve) => {
  server.on("message", ({ session, data }) => {
    c.of(session).setTimer("far", server.endpoint.clock.now() + 60_000, () => {});
    resolve(text(data));
  });
});
const client = await connect({
  transport: udp(),
  port: server.address.port,
  plugins: [toy(), c.plugin],
});
c.of(client.session).setTimer("far", client.endpoint.clock.now() + 60_000, () => {});
await client.send(utf8("bye"));
const message = await got;
await client.close();
await server.close();
console.log(`done ${message}`);
