import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Session } from "../../../core/session.ts";
import { build, connectionPair, intruder, settle, stamp, utf8 } from "./_helpers.ts";
import { ConnectionPacket, reconnectingEvent } from "../../../plugins/connection/mod.ts";

const EVIL = { hostname: "evil", port: 666 };

describe("connection() initiating", () => {
  it("connect() sends HELLO with the wall-clock time and opens on ACCEPT", async () => {
    const p = connectionPair();
    const started = p.net.clock.wallNow();
    const session = await p.connect();
    assert.equal(session.state, "open");
    const hello = p.up.seen[0]!;
    assert.equal(hello.type, ConnectionPacket.HELLO);
    const sent = new DataView(hello.payload.buffer, hello.payload.byteOffset).getBigUint64(0);
    assert.equal(Number(sent), started);
    assert.deepEqual(p.down.types(), [ConnectionPacket.ACCEPT]);
    assert.deepEqual(p.down.seen[0]!.clientId, session.clientId);
    assert.equal([...p.server.sessions][0]!.id, session.id);
  });

  it("discards a HELLO outside the freshness window without an answer", async () => {
    const p = connectionPair({ helloWindow: 30_000 });
    const evil = intruder(p, EVIL);
    const id = new Uint8Array(16).fill(7);
    evil.send(id, { type: ConnectionPacket.HELLO, payload: stamp(p.net.clock.wallNow() - 30_001) });
    evil.send(id, { type: ConnectionPacket.HELLO, payload: stamp(p.net.clock.wallNow() + 30_001) });
    await p.net.drive();
    assert.equal(evil.answers.seen.length, 0);
    assert.equal(p.server.sessions.size, 0);
    assert.equal(p.server.stats.dropped["stale-hello"], 2);
  });

  it("repeats ACCEPT when the client repeats its HELLO because ACCEPT was lost", async () => {
    const p = connectionPair();
    p.down.open = false;
    const connecting = p.client.connect(p.serverAddress);
    await p.net.runFor(200);
    p.down.open = true;
    await p.net.runFor(2_000);
    const session = await connecting;
    assert.equal(session.state, "open");
    assert.equal(p.up.types().filter((t) => t === ConnectionPacket.HELLO).length, 2);
    assert.equal(p.server.sessions.size, 1);
  });

  it("fails connect() with a TimeoutError when no ACCEPT comes", async () => {
    const p = connectionPair({ helloTries: 3 });
    p.up.open = false;
    await assert.rejects(p.connect(), { name: "TimeoutError" });
    assert.equal(p.up.types().filter((t) => t === ConnectionPacket.HELLO).length, 3);
  });

  it("REJECTs a HELLO beyond maxSessions and connect() fails with THING_ERR_REJECTED", async () => {
    const p = connectionPair({ maxSessions: 0 });
    await assert.rejects(p.connect(), { code: "THING_ERR_REJECTED" });
    assert.equal(p.server.sessions.size, 0);
  });
});

describe("connection() replay and address binding", () => {
  it("a replayed HELLO neither takes over a live session nor revives a closed one", async () => {
    const p = connectionPair();
    const session = await p.connect();
    const helloBytes = build(session.clientId, {
      type: ConnectionPacket.HELLO,
      payload: p.up.seen[0]!.payload,
    });
    const evil = intruder(p, EVIL);
    // From another address: REJECT to the sender, the real session untouched.
    p.server.handleDatagram(helloBytes, EVIL);
    // From the session's own address: dropped as a replay.
    p.server.handleDatagram(helloBytes, p.clientAddress);
    await p.net.drive();
    assert.deepEqual(evil.answers.types(), [ConnectionPacket.REJECT]);
    const serverSession = [...p.server.sessions][0]!;
    assert.equal(serverSession.peer, p.clientAddress);
    assert.equal(p.server.stats.dropped["replayed-hello"], 1);
    await settle(p, session.close());
    assert.equal(p.server.sessions.size, 0);
    p.server.handleDatagram(helloBytes, p.clientAddress);
    p.server.handleDatagram(helloBytes, EVIL);
    await p.net.drive();
    assert.equal(p.server.sessions.size, 0);
    assert.equal(p.server.stats.dropped["replayed-hello"], 3);
  });

  it("packets claiming a session from another address get REJECT and change nothing", async () => {
    const p = connectionPair();
    const session = await p.connect();
    const delivered: string[] = [];
    p.server.on("message", ({ data }) => delivered.push(new TextDecoder().decode(data)));
    const evil = intruder(p, EVIL);
    for (
      const type of [
        ConnectionPacket.DISCONNECT,
        ConnectionPacket.PING,
        ConnectionPacket.DATA_NOACK,
      ]
    ) {
      evil.send(session.clientId, { type, payload: utf8("spoof"), order: 99 });
    }
    evil.send(session.clientId, {
      type: ConnectionPacket.DATA_ACK,
      payload: utf8("spoof"),
      order: 98,
    });
    await p.net.drive();
    assert.deepEqual(evil.answers.types(), Array(4).fill(ConnectionPacket.REJECT));
    assert.deepEqual(delivered, []);
    assert.equal(p.server.stats.dropped["claimed"], 4);
    const serverSession = [...p.server.sessions][0]!;
    assert.equal(serverSession.state, "open");
    await settle(p, session.send(utf8("real")));
    assert.deepEqual(delivered, ["real"]);
  });

  it("any request without a session gets REJECT, and a REJECT gets nothing", async () => {
    const p = connectionPair();
    const evil = intruder(p, EVIL);
    const id = new Uint8Array(16).fill(3);
    evil.send(id, { type: ConnectionPacket.PING });
    evil.send(id, { type: ConnectionPacket.DATA_ACK, payload: utf8("x") });
    evil.send(id, { type: ConnectionPacket.DISCONNECT });
    evil.send(id, { type: ConnectionPacket.REJECT });
    await p.net.drive();
    assert.deepEqual(evil.answers.types(), Array(3).fill(ConnectionPacket.REJECT));
    assert.deepEqual(evil.answers.seen[0]!.clientId, id);
  });
});

describe("connection() continuing", () => {
  it("the client PINGs on its interval and the server answers PONG", async () => {
    const p = connectionPair({ pingInterval: 1_000, timeout: 1_500 });
    const session = await p.connect();
    await p.net.runFor(10_000);
    assert.equal(session.state, "open");
    const pings = p.up.types().filter((t) => t === ConnectionPacket.PING).length;
    assert.ok(pings >= 9 && pings <= 10, `${pings} PINGs`);
    const pongs = p.down.types().filter((t) => t === ConnectionPacket.PONG).length;
    assert.ok(pongs >= pings - 1 && pongs <= pings, `${pongs} PONGs`);
  });

  it("the server ends an idle session, REJECTs what it sends next, and the client stops", async () => {
    const p = connectionPair({ pingInterval: 60_000, pongTimeout: 120_000, timeout: 1_500 });
    const session = await p.connect();
    const serverClosed: string[] = [];
    p.server.on("close", ({ reason }) => serverClosed.push(reason));
    await p.net.runFor(1_600);
    assert.deepEqual(serverClosed, ["timed out: nothing heard for 1500 ms"]);
    const failed = session.send(utf8("late"), { reliable: false });
    await failed;
    await p.net.drive();
    assert.equal(p.down.types().at(-1), ConnectionPacket.REJECT);
    assert.equal(session.state, "closed");
    assert.equal(session.closeReason, "rejected by server");
    const before = p.up.seen.length;
    await p.net.runFor(200_000);
    assert.equal(p.up.seen.length, before, "the client sent nothing after REJECT");
  });

  it("the client re-establishes a silent session under a new client ID with backoff", async () => {
    const p = connectionPair({ pingInterval: 500, pongTimeout: 1_600, timeout: 3_000 });
    const session = await p.connect();
    const events: string[] = [];
    p.client.on("suspend", ({ reason }) => events.push(`suspend ${reason.split(" ")[0]}`));
    p.client.on(reconnectingEvent, ({ attempt }) => events.push(`reconnecting ${attempt}`));
    p.client.on("resume", () => events.push("resume"));
    const oldId = session.id;
    p.up.open = false;
    p.down.open = false;
    await p.net.runFor(4_000);
    p.up.open = true;
    p.down.open = true;
    await p.net.runUntil(() => session.state === "open" && events.includes("resume"), 20_000);
    assert.equal(events[0], "suspend no");
    assert.ok(events.includes("reconnecting 2"), events.join());
    assert.equal(events.at(-1), "resume");
    assert.notEqual(session.id, oldId);
    const got: string[] = [];
    p.server.on("message", ({ data }) => got.push(new TextDecoder().decode(data)));
    await settle(p, session.send(utf8("after")));
    assert.deepEqual(got, ["after"]);
    await p.net.runFor(5_000);
    assert.deepEqual([...p.server.sessions].map((s: Session) => s.id), [session.id]);
  });

  it("gives up re-establishing after helloTries and closes with a TimeoutError", async () => {
    const p = connectionPair({ pingInterval: 500, pongTimeout: 1_600, helloTries: 3 });
    const session = await p.connect();
    p.up.open = false;
    await p.net.runUntil(() => session.state === "closed", 60_000);
    assert.equal(session.closeReason, "could not re-establish");
    assert.equal(session.closeError?.name, "TimeoutError");
  });
});

describe("connection() termination", () => {
  it("the client retries DISCONNECT until REJECT arrives", async () => {
    const p = connectionPair({ disconnectRetry: 100 });
    const session = await p.connect();
    let dropped = 0;
    const inner = {
      plan: (bytes: Uint8Array, now: number) =>
        bytes[48] === ConnectionPacket.DISCONNECT && dropped++ < 2 ? [] : [{ bytes, at: now + 1 }],
    };
    p.net.setFate(p.clientAddress, p.serverAddress, inner);
    await settle(p, session.close());
    assert.equal(session.closeReason, "disconnected");
    assert.equal(dropped, 3);
    assert.equal(p.server.sessions.size, 0);
  });

  it("the client gives up DISCONNECT after disconnectTries", async () => {
    const p = connectionPair({ disconnectRetry: 100, disconnectTries: 4 });
    const session = await p.connect();
    p.up.open = false;
    const closing = session.close();
    await p.net.runFor(1_000);
    await closing;
    assert.equal(p.up.types().filter((t) => t === ConnectionPacket.DISCONNECT).length, 4);
    assert.match(session.closeReason ?? "", /no REJECT after 4 DISCONNECTs/);
  });

  it("server termination: REJECT, after which the client sends nothing", async () => {
    const p = connectionPair({ pingInterval: 500 });
    const session = await p.connect();
    const pending = session.send(utf8("never acked"));
    const serverSession = [...p.server.sessions][0]!;
    p.down.open = false;
    await settle(p, serverSession.close());
    p.down.open = true;
    // the first REJECT was lost; the next client packet draws another
    await p.net.runUntil(() => session.state === "closed", 10_000);
    await assert.rejects(pending, { name: "SessionError" });
    assert.equal(session.closeReason, "rejected by server");
    const before = p.up.seen.length;
    await p.net.runFor(30_000);
    assert.equal(p.up.seen.length, before);
  });
});
