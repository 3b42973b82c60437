import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { TransportError } from "../../../core/mod.ts";
import { pair } from "../../../core/testing/mod.ts";
import {
  type AdminServer,
  constantTimeEqual,
  isLoopback,
  startAdmin,
} from "../../../plugins/admin/mod.ts";
import { metrics } from "../../../plugins/metrics/mod.ts";
import { toyDialect } from "../metrics/_toy_dialect.ts";
import { readEvents } from "./_sse.ts";

const TOKEN = "test-token-0123456789";
const auth = { Authorization: `Bearer ${TOKEN}` };

for (const server of ["native", "node"] as const) {
  describe(`startAdmin() on the ${server} HTTP server`, () => {
    const stats = metrics();
    const p = pair({ clientPlugins: [toyDialect()], serverPlugins: [stats, toyDialect()] });
    let admin: AdminServer;
    let id = "";

    before(async () => {
      admin = await startAdmin({
        endpoint: p.server,
        metrics: stats,
        port: 0,
        token: TOKEN,
        statsInterval: 50,
        ...(server === "node" ? { server } : {}),
      });
      id = (await p.connect()).id;
    });
    after(() => admin.close());

    const routes = () =>
      [
        ["GET", "/health"],
        ["GET", "/sessions"],
        ["GET", `/sessions/${id}`],
        ["DELETE", `/sessions/${id}`],
        ["GET", "/metrics"],
        ["GET", "/events"],
      ] as const;

    it("answers 401 with a JSON error on every route without the token or with a wrong one", async () => {
      for (const [method, path] of routes()) {
        const attempts: Record<string, string>[] = [
          {},
          { Authorization: "Bearer wrong" },
          { Authorization: TOKEN },
        ];
        for (const headers of attempts) {
          const response = await fetch(new URL(path, admin.url), { method, headers });
          assert.equal(response.status, 401, `${method} ${path} ${JSON.stringify(headers)}`);
          assert.equal(response.headers.get("www-authenticate"), 'Bearer realm="thing-admin"');
          const body = await response.json();
          assert.equal(body.error.code, "unauthorized");
          assert.equal(body.error.status, 401);
        }
      }
      assert.equal(p.server.sessions.size, 1, "nothing was kicked");
    });

    it("GET / serves the dashboard page without a token, locked down", async () => {
      const response = await fetch(admin.url);
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type")!, /^text\/html/);
      assert.match(response.headers.get("content-security-policy")!, /default-src 'none'/);
      assert.equal(response.headers.get("referrer-policy"), "no-referrer");
      const html = await response.text();
      assert.match(html, /<table id="sessions">/);
      assert.doesNotMatch(html, new RegExp(TOKEN), "the page holds no secret");
    });

    it("GET /health reports the endpoint", async () => {
      const response = await fetch(new URL("/health", admin.url), { headers: auth });
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.equal(body.status, "ok");
      assert.equal(body.role, "server");
      assert.equal(body.sessions, 1);
      assert.equal(body.stats.packetsIn, p.server.stats.packetsIn);
    });

    it("GET /sessions and /sessions/:id show sessions with their figures", async () => {
      const list = await (await fetch(new URL("/sessions", admin.url), { headers: auth })).json();
      assert.equal(list.sessions.length, 1);
      assert.deepEqual(
        { id: list.sessions[0].id, peer: list.sessions[0].peer, state: list.sessions[0].state },
        { id, peer: "client:1", state: "open" },
      );
      const one = await fetch(new URL(`/sessions/${id.toUpperCase()}`, admin.url), {
        headers: auth,
      });
      assert.equal(one.status, 200);
      const body = await one.json();
      assert.equal(body.id, id);
      assert.equal(body.figures.packetsOut, 1, "the ACCEPT");
    });

    it("GET /sessions/:id answers 400 for a bad ID and 404 for an unknown one", async () => {
      for (const bad of ["xyz", "0".repeat(31), "g".repeat(32), `${"0".repeat(32)}00`]) {
        const response = await fetch(new URL(`/sessions/${bad}`, admin.url), { headers: auth });
        assert.equal(response.status, 400, bad);
        assert.equal((await response.json()).error.code, "bad_session_id");
      }
      for (const method of ["GET", "DELETE"]) {
        const response = await fetch(new URL(`/sessions/${"ab".repeat(16)}`, admin.url), {
          method,
          headers: auth,
        });
        assert.equal(response.status, 404);
        assert.equal((await response.json()).error.code, "unknown_session");
      }
      const nowhere = await fetch(new URL("/nowhere", admin.url), { headers: auth });
      assert.equal(nowhere.status, 404);
      assert.equal((await nowhere.json()).error.code, "not_found");
    });

    it("GET /metrics is Prometheus text", async () => {
      const response = await fetch(new URL("/metrics", admin.url), { headers: auth });
      assert.equal(response.status, 200);
      assert.equal(
        response.headers.get("content-type"),
        "text/plain; version=0.0.4; charset=utf-8",
      );
      const text = await response.text();
      assert.match(text, /^# TYPE thing_endpoint_packets_total counter$/m);
      assert.match(
        text,
        new RegExp(
          `^thing_endpoint_packets_total\\{direction="in"\\} ${p.server.stats.packetsIn}$`,
          "m",
        ),
      );
      assert.match(text, /^thing_packets_total\{direction="in",type="HELLO"\} 1$/m);
      assert.match(text, /^thing_sessions\{state="open"\} 1$/m);
    });

    it("GET /events streams stats and session events", async () => {
      const response = await fetch(new URL("/events", admin.url), { headers: auth });
      assert.equal(response.status, 200);
      assert.match(response.headers.get("content-type")!, /^text\/event-stream/);
      const reading = readEvents(response, (events) => events.some((e) => e.event === "session"));
      await new Promise((resolve) => setTimeout(resolve, 120));
      const second = await p.connect();
      const events = await reading;
      const stats = events.filter((e) => e.event === "stats").map((e) => JSON.parse(e.data));
      assert.ok(stats.length >= 2, `stats tick (got ${stats.length})`);
      assert.equal(typeof stats[0].packetsIn, "number");
      const opened = events.find((e) => e.event === "session")!;
      assert.equal(JSON.parse(opened.data).id, second.id);
      await [...p.server.sessions].find((s) => s.id === second.id)!.close();
      await p.net.drive();
    });

    it("DELETE /sessions/:id closes the session the dialect's way, ending it on the client", async () => {
      const client = [...p.client.sessions].find((s) => s.id === id)!;
      assert.equal(client.state, "open");
      const response = await fetch(new URL(`/sessions/${id}`, admin.url), {
        method: "DELETE",
        headers: auth,
      });
      assert.equal(response.status, 200);
      const body = await response.json();
      assert.deepEqual([body.id, body.state, body.closeReason], [id, "closed", "closed by admin"]);
      await p.net.drive();
      assert.equal(client.state, "closed");
      assert.equal(client.closeReason, "rejected by server");
      assert.equal(p.server.sessions.size, 0);
    });
  });
}

describe("startAdmin() binding", () => {
  const p = pair({ plugins: [toyDialect()] });

  it("refuses a non-loopback address without a token, before binding", async () => {
    for (const hostname of ["0.0.0.0", "::", "192.168.1.10", "example.com"]) {
      await assert.rejects(
        startAdmin({ endpoint: p.server, hostname, port: 0 }),
        (error: Error) =>
          error instanceof TypeError && error.message.includes(`"${hostname}" without a token`),
      );
    }
  });

  it("makes a random token on loopback when none is given", async () => {
    const admin = await startAdmin({ endpoint: p.server, port: 0 });
    try {
      assert.match(admin.token, /^[0-9a-f]{32}$/);
      assert.equal(admin.dashboardUrl, `${admin.url}?token=${admin.token}`);
      const denied = await fetch(new URL("/health", admin.url));
      assert.equal(denied.status, 401);
      await denied.body?.cancel();
      const ok = await fetch(new URL("/health", admin.url), {
        headers: { Authorization: `Bearer ${admin.token}` },
      });
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
    } finally {
      await admin.close();
    }
  });

  it("reports a taken port as THING_ERR_ADDRESS_IN_USE", async () => {
    const first = await startAdmin({ endpoint: p.server, port: 0, token: TOKEN });
    try {
      await assert.rejects(
        startAdmin({ endpoint: p.server, port: first.port, token: TOKEN }),
        (error: Error) =>
          error instanceof TransportError && error.code === "THING_ERR_ADDRESS_IN_USE",
      );
    } finally {
      await first.close();
    }
  });
});

describe("isLoopback() and constantTimeEqual()", () => {
  it("isLoopback() accepts only loopback names and addresses", () => {
    for (const host of ["127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]", "0:0:0:0:0:0:0:1"]) {
      assert.equal(isLoopback(host), true, host);
    }
    for (const host of ["0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "localhost.example.com", "::2"]) {
      assert.equal(isLoopback(host), false, host);
    }
  });

  it("constantTimeEqual() compares whole strings", () => {
    assert.equal(constantTimeEqual("secret", "secret"), true);
    for (const other of ["", "secre", "secret!", "Secret", "secreT"]) {
      assert.equal(constantTimeEqual(other, "secret"), false, other);
    }
  });
});
