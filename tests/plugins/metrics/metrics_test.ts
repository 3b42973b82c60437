import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { PluginError } from "../../../core/mod.ts";
import { latency, pair } from "../../../core/testing/mod.ts";
import { connection } from "../../../plugins/connection/mod.ts";
import { metrics, type ThingMetrics } from "../../../plugins/metrics/mod.ts";
import { probe, toyDialect } from "./_toy_dialect.ts";
import { ConnectionPacket } from "../../../plugins/connection/mod.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** Client and server, each with its own metrics, 10 ms apart. */
function scripted(options: { reject?: boolean } = {}) {
  const serverMetrics = metrics();
  const clientMetrics = metrics();
  const serverProbe = probe();
  const clientProbe = probe();
  const p = pair({
    clientPlugins: [clientMetrics, toyDialect(options), clientProbe.plugin],
    serverPlugins: [serverMetrics, toyDialect(options), serverProbe.plugin],
    toServer: latency(10),
    toClient: latency(10),
  });
  p.server.on("message", ({ session, data }) => void session.send(data));
  return {
    p,
    serverMetrics,
    clientMetrics,
    serverApi: serverProbe.api,
    clientApi: clientProbe.api,
  };
}

function line(m: ThingMetrics, prefix: string): string | undefined {
  return m.render().split("\n").find((l) => l.startsWith(prefix + " "));
}

/** `scripted()` after the client `session` connected and sent "hi", "abc" and a PING, all delivered. */
async function exchanged() {
  const script = scripted();
  const session = await script.p.connect();
  await session.send(text("hi"));
  await session.send(text("abc"));
  script.clientApi().control(session).sendPacket({ type: ConnectionPacket.PING });
  await script.p.net.drive();
  return { ...script, session };
}

describe("metrics()", () => {
  it("counts packets and bytes per direction and type under a scripted exchange", async () => {
    const { p, serverMetrics, clientMetrics } = await exchanged();

    const server = serverMetrics.snapshot();
    assert.deepEqual(server.packets, {
      in: { HELLO: 1, PING: 1, DATA_NOACK: 2 },
      out: { ACCEPT: 1, PONG: 1, DATA_NOACK: 2 },
    });
    assert.deepEqual(server.bytes.in, { HELLO: 64, PING: 64, DATA_NOACK: 133 });
    assert.deepEqual(clientMetrics.snapshot().packets, {
      in: { ACCEPT: 1, PONG: 1, DATA_NOACK: 2 },
      out: { HELLO: 1, PING: 1, DATA_NOACK: 2 },
    });
    assert.equal(p.server.stats.packetsOut, 4, "the endpoint agrees on the total");
    assert.equal(
      line(serverMetrics, 'thing_packets_total{direction="in",type="DATA_NOACK"}'),
      'thing_packets_total{direction="in",type="DATA_NOACK"} 2',
    );
    assert.equal(
      line(serverMetrics, 'thing_bytes_total{direction="out",type="ACCEPT"}'),
      'thing_bytes_total{direction="out",type="ACCEPT"} 64',
    );
  });

  it("keeps per-session figures", async () => {
    const { p, serverMetrics, clientMetrics, session } = await exchanged();
    const serverSession = [...p.server.sessions][0]!;
    const figures = serverMetrics.session(serverSession)!;
    // HELLO arrives before the server session exists, so it counts for the endpoint only.
    assert.deepEqual(
      [figures.packetsIn, figures.bytesIn, figures.packetsOut, figures.bytesOut],
      [3, 197, 4, 261],
    );
    assert.equal(figures.openedAt, p.net.clock.wallNow() - 30);
    const client = clientMetrics.session(session)!;
    assert.deepEqual([client.packetsOut, client.packetsIn], [4, 4]);
    assert.deepEqual(client.rtt, { last: 20, min: 20, smoothed: 20, samples: 1 });
  });

  it("times PING/PONG into the RTT histogram and emits rtt", async () => {
    const { p, clientMetrics, clientApi } = scripted();
    const samples: string[] = [];
    p.client.on("rtt", ({ rtt, exchange }) => samples.push(`${exchange} ${rtt}`));
    const session = await p.connect();
    clientApi().control(session).sendPacket({ type: ConnectionPacket.PING });
    await p.net.drive();
    assert.deepEqual(samples, ["PING/PONG 20"]);
    const text = clientMetrics.render();
    assert.match(text, /^# HELP thing_rtt_seconds .+$/m);
    assert.match(text, /^# TYPE thing_rtt_seconds histogram$/m);
    assert.match(text, /^thing_rtt_seconds_bucket\{le="0\.01"\} 0$/m);
    assert.match(text, /^thing_rtt_seconds_bucket\{le="0\.025"\} 1$/m);
    assert.match(text, /^thing_rtt_seconds_bucket\{le="\+Inf"\} 1$/m);
    assert.match(text, /^thing_rtt_seconds_sum 0\.02$/m);
    assert.match(text, /^thing_rtt_seconds_count 1$/m);
  });

  it("skips the RTT of a request that was sent twice (Karn's rule)", async () => {
    const { p, clientMetrics, clientApi } = scripted();
    const session = await p.connect();
    clientApi().control(session).sendPacket({ type: ConnectionPacket.PING });
    clientApi().control(session).sendPacket({ type: ConnectionPacket.PING });
    await p.net.drive();
    assert.equal(clientMetrics.snapshot().rtt.count, 0);
    clientApi().control(session).sendPacket({ type: ConnectionPacket.PING });
    await p.net.drive();
    assert.equal(clientMetrics.snapshot().rtt.count, 1);
  });

  it("counts drops by reason and retransmissions by type", async () => {
    const { p, serverMetrics, serverApi } = scripted();
    const session = await p.connect();
    p.server.handleDatagram(new Uint8Array(70), p.clientAddress);
    p.server.handleDatagram(new Uint8Array(10), p.clientAddress);
    const serverSession = [...p.server.sessions][0]!;
    serverApi().emit("retransmit", {
      session: serverSession,
      type: ConnectionPacket.DATA_ACK,
      attempt: 2,
    });
    serverApi().emit("retransmit", {
      session: serverSession,
      type: ConnectionPacket.DATA_ACK,
      attempt: 3,
    });
    const snapshot = serverMetrics.snapshot();
    assert.deepEqual(snapshot.dropped, p.server.stats.dropped);
    assert.equal(Object.values(snapshot.dropped).reduce((a, b) => a + b, 0), 2);
    // Types are named by the endpoint's registry: the toy dialect registers no DATA_ACK.
    assert.deepEqual(snapshot.retransmissions, { "0x06": 2 });
    assert.equal(serverMetrics.session(serverSession)!.retransmissions, 2);
    assert.match(serverMetrics.render(), /^thing_retransmissions_total\{type="0x06"\} 2$/m);
    for (const [reason, count] of Object.entries(snapshot.dropped)) {
      assert.equal(
        line(serverMetrics, `thing_dropped_total{reason="${reason}"}`)?.split(" ")[1],
        String(count),
      );
    }
    assert.equal(session.state, "open");
  });

  it("counts active sessions, completed and failed handshakes and closed sessions", async () => {
    const { p, serverMetrics, clientMetrics } = scripted();
    const session = await p.connect();
    assert.deepEqual(serverMetrics.snapshot().sessions, {
      connecting: 0,
      open: 1,
      closing: 0,
      closed: 0,
    });
    assert.match(serverMetrics.render(), /^thing_sessions\{state="open"\} 1$/m);
    const serverSession = [...p.server.sessions][0]!;
    await serverSession.close("kicked");
    await p.net.drive();
    assert.equal(session.state, "closed");
    for (const m of [serverMetrics, clientMetrics]) {
      const s = m.snapshot();
      assert.deepEqual([
        s.sessions.open,
        s.handshakes.completed,
        s.handshakes.failed,
        s.sessionsClosed,
      ], [0, 1, 0, 1]);
    }
    assert.equal(serverMetrics.session(serverSession), undefined, "figures go with the session");
    assert.match(serverMetrics.render(), /^thing_handshakes_total\{result="completed"\} 1$/m);

    const rejected = scripted({ reject: true });
    await assert.rejects(rejected.p.connect());
    for (const m of [rejected.serverMetrics, rejected.clientMetrics]) {
      assert.deepEqual(m.snapshot().handshakes, { completed: 0, failed: 1 });
    }
    assert.match(rejected.serverMetrics.render(), /^thing_handshakes_total\{result="failed"\} 1$/m);
  });

  it("refuses a second endpoint and bad options", () => {
    const shared = metrics();
    assert.throws(
      () => pair({ plugins: [shared, toyDialect()] }),
      (error: Error) => error instanceof PluginError && error.code === "THING_ERR_PLUGIN_OPTIONS",
    );
    assert.throws(() => metrics({ rttPairs: [[1, 256]] }), TypeError);
    assert.throws(() => metrics({ rttBuckets: [0.5, 0.1] }), RangeError);
  });
});

describe("metrics() with the Connection dialect", () => {
  it("counts a retransmitted DATA_ACK and the RTT the dialect measures", async () => {
    const clientMetrics = metrics();
    let dropped = 0;
    const p = pair({
      // The seed data path (this client offers no FRAMED packets), whose DATA_ACK is resent.
      clientPlugins: [clientMetrics, connection({ framed: false })],
      serverPlugins: [connection()],
      toServer: {
        plan(bytes, now) {
          // Lose the first DATA_ACK (type byte at offset 48) once.
          if (bytes[48] === ConnectionPacket.DATA_ACK && dropped++ === 0) return [];
          return [{ bytes, at: now + 5 }];
        },
      },
      toClient: latency(5),
    });
    const session = await p.connect();
    const first = session.send(text("lost once"));
    await p.net.runUntil(() => clientMetrics.snapshot().retransmissions.DATA_ACK === 1);
    await p.net.drive();
    await first;
    const second = session.send(text("straight through"));
    await p.net.drive();
    await second;
    const snapshot = clientMetrics.snapshot();
    assert.deepEqual(snapshot.retransmissions, { DATA_ACK: 1 });
    assert.equal(snapshot.packets.out.DATA_ACK, 3);
    assert.equal(clientMetrics.session(session)!.retransmissions, 1);
    assert.ok(snapshot.rtt.count >= 1, "the clean DATA_ACK/ACK gave a sample");
    assert.equal(clientMetrics.session(session)!.rtt!.min, 10);
  });
});
