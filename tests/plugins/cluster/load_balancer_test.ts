import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, type ThingClient } from "../../../core/mod.ts";
import { connection } from "../../../plugins/connection/mod.ts";
import { udp } from "../../../transports/udp/mod.ts";
import { type RedisServer, redisSkip, startRedis } from "../../_redis.ts";
import { type ClusterNode, startNode, until } from "./_nodes.ts";

const NGINX = "/usr/sbin/nginx";
const STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so";
const skip = redisSkip("load_balancer_test.ts") ||
  (!existsSync(NGINX) || !existsSync(STREAM_MODULE)
    ? "load_balancer_test.ts: nginx with its stream module is not installed (apt-get install nginx libnginx-mod-stream); skipping"
    : false);

/** The recipe of docs/SCALING.md, with the port hashed too (every test client is 127.0.0.1). */
function nginxConfig(dir: string, listen: number, upstreams: number[]): string {
  return `load_module ${STREAM_MODULE};
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
stream {
  upstream thing_nodes {
    hash $remote_addr$remote_port consistent;
${upstreams.map((port) => `    server 127.0.0.1:${port};`).join("\n")}
  }
  server {
    listen 127.0.0.1:${listen} udp;
    proxy_pass thing_nodes;
    proxy_timeout 30s;
  }
}
`;
}

describe("a UDP load balancer (nginx stream, hashing the client address) in front of the nodes", {
  skip,
}, () => {
  let redis: RedisServer;
  let nodes: ClusterNode[] = [];
  let nginx: ChildProcess | undefined;
  let dir = "";
  let port = 0;
  before(async () => {
    redis = await startRedis();
    nodes = [await startNode(redis.url, "a"), await startNode(redis.url, "b")];
    dir = mkdtempSync(join(tmpdir(), "thing-nginx-"));
    port = 20_000 + Math.floor(Math.random() * 40_000);
    writeFileSync(
      join(dir, "nginx.conf"),
      nginxConfig(dir, port, nodes.map((n) => n.server.address.port)),
    );
    nginx = spawn(NGINX, ["-c", join(dir, "nginx.conf"), "-p", dir, "-e", join(dir, "error.log")], {
      stdio: "ignore",
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(nginx.exitCode, null, "nginx started");
  });
  after(async () => {
    nginx?.kill("SIGTERM");
    for (const node of nodes) await node.server.close();
    await redis?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("clients connect through it, and a cluster send reaches each wherever it landed", async () => {
    const clients: { client: ThingClient; received: string[] }[] = [];
    try {
      for (let i = 0; i < 12; i++) {
        const client = await connect({
          transport: udp(),
          port,
          plugins: connection(),
          connectTimeout: 3000,
        });
        const received: string[] = [];
        client.on("message", ({ data }) => received.push(new TextDecoder().decode(data)));
        clients.push({ client, received });
      }
      await until(
        async () => (await nodes[0]!.cluster.sessions()).length === 12,
        3000,
        "all 12 sessions in the directory",
      );
      const where = await nodes[0]!.cluster.sessions();
      for (const { client, received } of clients) {
        await nodes[0]!.cluster.send(client.session.id, new TextEncoder().encode("hi"));
        assert.deepEqual(received, ["hi"]);
        await client.send(new TextEncoder().encode("echo?"));
      }
      assert.ok(where.every((s) => s.node === "a" || s.node === "b"));
    } finally {
      for (const { client } of clients) await client.close();
    }
  });
});
