import { test } from "node:test";
import assert from "node:assert/strict";
import { connect, listen } from "../../../core/mod.ts";
import { startAdmin } from "../../../plugins/admin/mod.ts";
import { connection } from "../../../plugins/connection/mod.ts";
import { metrics } from "../../../plugins/metrics/mod.ts";
import { udp } from "../../../transports/udp/mod.ts";
import { resolvesWithin } from "../../_within.ts";

const TOKEN = "kick-test-token-42";

test("DELETE /sessions/:id ends a Connection session on a real UDP client", async () => {
  const stats = metrics();
  const server = await listen({ transport: udp(), plugins: [stats, connection()] });
  const admin = await startAdmin({
    endpoint: server.endpoint,
    metrics: stats,
    port: 0,
    token: TOKEN,
  });
  let client: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    client = await connect({
      transport: udp(),
      port: server.address.port,
      plugins: connection(),
      connectTimeout: 3000,
    });
    await client.send(new TextEncoder().encode("hello"));
    const id = client.session.id;
    const shown = await fetch(new URL(`/sessions/${id}`, admin.url), {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    const before = await shown.json();
    assert.equal(before.state, "open");
    assert.ok(before.figures.packetsIn >= 1, "the server counted the DATA_ACK");
    assert.ok(before.figures.packetsOut >= 2, "the server counted ACCEPT and ACK");

    const kicked = await fetch(new URL(`/sessions/${id}`, admin.url), {
      method: "DELETE",
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(kicked.status, 200);
    assert.equal((await kicked.json()).state, "closed");

    const ended = await resolvesWithin(3000, client.session.closed);
    assert.equal(ended, true, "the client saw the REJECT within 3 s");
    assert.equal(client.session.closeReason, "rejected by server");
    assert.equal(server.endpoint.sessions.size, 0);
    assert.match(
      await (await fetch(new URL("/metrics", admin.url), {
        headers: { Authorization: `Bearer ${TOKEN}` },
      })).text(),
      /^thing_packets_total\{direction="out",type="REJECT"\} 1$/m,
    );
  } finally {
    await client?.close();
    await admin.close();
    await server.close();
  }
});
