/**
 * A cluster node in its own process for bench/cluster_bench.ts: joins the cluster at argv[2] as
 * node argv[3], connects argv[4] UDP clients to itself, prints their session IDs as one JSON line,
 * answers each line "cpu" on its stdin with its CPU time so far (µs, one JSON line), and closes
 * everything when its stdin ends.
 *
 * @module
 */
import process from "node:process";
import { connect, listen } from "../core/node.ts";
import { cluster } from "../plugins/cluster/mod.ts";
import { connection } from "../plugins/connection/mod.ts";
import { udp } from "../transports/udp/mod.ts";

const [url, name, count] = process.argv.slice(2);
const member = cluster({ url: url!, node: name!, prefix: "bench" });
await member.start();
const server = await listen({ transport: udp(), plugins: [connection(), member] });
const clients: Awaited<ReturnType<typeof connect>>[] = [];
for (let i = 0; i < Number(count); i++) {
  clients.push(
    await connect({
      transport: udp(),
      port: server.address.port,
      plugins: connection(),
      connectTimeout: 10_000,
    }),
  );
}
let received = 0;
for (const client of clients) client.on("message", () => received++);
console.log(JSON.stringify({ ids: clients.map((c) => c.session.id) }));
process.stdin.on("data", (chunk) => {
  for (const line of String(chunk).split("\n")) {
    if (line.trim() !== "cpu") continue;
    const { user, system } = process.cpuUsage();
    console.log(JSON.stringify({ cpu: user + system }));
  }
});
process.stdin.on("end", async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
  console.error(`peer ${name}: ${received} messages received`);
  process.exit(0);
});
