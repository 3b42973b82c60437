import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Endpoint } from "../../core/endpoint.ts";
import { PluginError, TimeoutError } from "../../core/errors.ts";
import type { CloseEvent } from "../../core/events.ts";
import { definePlugin } from "../../core/plugin.ts";
import { ManualClock, pair } from "../../core/testing/mod.ts";
import { text, toy, utf8 } from "./_toy_dialect.ts";
import { ConnectionPacket } from "../../plugins/connection/mod.ts";
import { controls } from "../_controls.ts";

describe("Endpoint sessions", () => {
  it("pair() connects a client and echoes a message through a toy dialect", async () => {
    const p = pair({ plugins: [toy()] });
    const got: string[] = [];
    const opened: string[] = [];
    p.server.on("session", ({ session }) => void opened.push(session.id));
    p.server.on("message", ({ session, data }) => void session.send(data, { customId: 7 }));
    p.client.on("message", ({ data, customId }) => void got.push(`${text(data)}@${customId}`));
    const session = await p.connect();
    assert.equal(session.state, "open");
    await session.send(utf8("hi"));
    await p.net.drive();
    assert.deepEqual(got, ["hi@7"]);
    assert.deepEqual(opened, [session.id]);
    assert.equal(p.server.sessions.size, 1);
  });

  it("connect() rejects with a TimeoutError when the handshake does not finish", async () => {
    const p = pair({ plugins: [toy({ accept: false })], connectTimeout: 500 });
    const closes: CloseEvent[] = [];
    p.client.on("close", (e) => void closes.push(e));
    await assert.rejects(p.connect(), (error: unknown) => {
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.code, "THING_ERR_TIMEOUT");
      return true;
    });
    assert.equal(p.net.clock.now(), 500);
    assert.equal(p.client.sessions.size, 0);
    assert.equal(closes[0]?.reason, "connect timed out");
    assert.equal(p.client.pollTimeout(), undefined, "no timer left behind");
  });

  it("connect() fails clearly without a dialect and from a server", async () => {
    const clock = new ManualClock();
    const bare = new Endpoint({ role: "client", plugins: [], clock });
    await assert.rejects(
      bare.connect({ hostname: "x", port: 1 }),
      (error: unknown) => error instanceof PluginError && error.code === "THING_ERR_PLUGIN_SERVICE",
    );
    const server = new Endpoint({ role: "server", plugins: [toy()], clock });
    await assert.rejects(server.connect({ hostname: "x", port: 1 }), TypeError);
  });

  it("Session.opened waits again after a suspend, and rejects if the session then closes", async () => {
    const c = controls();
    const p = pair({ plugins: [toy(), c.plugin] });
    const session = c.of(await p.connect());
    await session.opened;
    session.suspend("peer went quiet");
    let settled = "pending";
    session.opened.then(() => (settled = "resolved"), () => (settled = "rejected"));
    await p.net.drive();
    assert.equal(settled, "pending");
    session.open();
    await session.opened;
    assert.equal(settled, "resolved");
    session.suspend("quiet again");
    const again = session.opened;
    session.terminate("gone");
    await assert.rejects(again, /closed: gone/);
  });

  it("Session.send() rejects with THING_ERR_PLUGIN_SERVICE when no plugin provides a messenger", async () => {
    const handshakeOnly = definePlugin({
      name: "handshake-only",
      setup(api) {
        api.registerPacketType({ code: ConnectionPacket.HELLO, name: "HELLO" });
        api.onConnect((session) => session.open());
      },
    });
    const p = pair({ plugins: [handshakeOnly] });
    const session = await p.connect();
    await assert.rejects(session.send(utf8("x")), (error: unknown) => {
      assert.ok(error instanceof PluginError);
      assert.equal(error.code, "THING_ERR_PLUGIN_SERVICE");
      return true;
    });
  });

  it("Endpoint construction fails when two plugins register one type code, naming both", () => {
    const clash = definePlugin({
      name: "clash",
      setup(api) {
        api.registerPacketType({ code: ConnectionPacket.HELLO, name: "MY_HELLO" });
      },
    });
    assert.throws(
      () => new Endpoint({ role: "server", plugins: [toy(), clash], clock: new ManualClock() }),
      (error: unknown) =>
        error instanceof PluginError && error.code === "THING_ERR_PACKET_TYPE_TAKEN" &&
        error.message.includes('"test:toy"') && error.message.includes('"clash"'),
    );
  });

  it("api.handle() refuses a second handler for one code", () => {
    const twice = definePlugin({
      name: "twice",
      setup(api) {
        api.handle(ConnectionPacket.HELLO, () => {});
      },
    });
    assert.throws(
      () => new Endpoint({ role: "server", plugins: [toy(), twice], clock: new ManualClock() }),
      (error: unknown) =>
        error instanceof PluginError && error.code === "THING_ERR_PACKET_TYPE_TAKEN" &&
        error.message.includes('"twice"'),
    );
  });

  it("Session.terminate() clears the session's timers", async () => {
    const c = controls();
    const p = pair({ plugins: [toy(), c.plugin] });
    const session = c.of(await p.connect());
    let fired = 0;
    session.setTimer("a", p.net.clock.now() + 100, () => fired++);
    session.setTimer("b", p.net.clock.now() + 200, () => fired++);
    assert.equal(session.hasTimer("a"), true);
    assert.notEqual(p.client.pollTimeout(), undefined);
    session.terminate("test");
    assert.equal(p.client.pollTimeout(), undefined);
    assert.equal(session.hasTimer("a"), false);
    await p.net.runFor(1000);
    assert.equal(fired, 0);
    session.setTimer("c", p.net.clock.now() + 1, () => fired++);
    assert.equal(p.client.pollTimeout(), undefined, "a closed session sets no timer");
  });

  it("Session.setTimer() replaces a timer of the same name, and clearTimer() cancels it", async () => {
    const c = controls();
    const p = pair({ plugins: [toy(), c.plugin] });
    const session = c.of(await p.connect());
    const fired: string[] = [];
    const now = p.net.clock.now();
    session.setTimer("t", now + 10, () => void fired.push("first"));
    session.setTimer("t", now + 20, () => void fired.push("second"));
    session.setTimer("u", now + 30, () => void fired.push("u"));
    session.clearTimer("u");
    session.clearTimer("missing");
    await p.net.runFor(100);
    assert.deepEqual(fired, ["second"]);
    assert.equal(session.hasTimer("t"), false);
  });
});

describe("Endpoint.close()", () => {
  it("Endpoint.close() runs onClose hooks, then the dialect's goodbye, and ends every session", async () => {
    const log: string[] = [];
    const hooks = definePlugin({
      name: "hooks",
      setup(api) {
        api.onClose(() => void log.push(`onClose sessions=${api.sessions.size}`));
      },
    });
    const p = pair({ plugins: [toy(), hooks] });
    await p.connect();
    p.client.on("close", (e) => void log.push(`client close: ${e.reason}`));
    p.server.on("close", (e) => void log.push(`server close: ${e.reason}`));
    let done = false;
    const closing = p.client.close().then(() => (done = true));
    await p.net.runUntil(() => done);
    await closing;
    assert.deepEqual(log, [
      "onClose sessions=1",
      "server close: peer said goodbye",
      "client close: goodbye answered",
    ]);
    assert.equal(p.net.clock.now() < 100, true);
    assert.equal(p.client.sessions.size, 0);
    assert.equal(p.server.sessions.size, 0);
    assert.equal(p.client.pollTimeout(), undefined);
    assert.equal(p.client.close(), p.client.close(), "close() is idempotent");
  });

  it("Endpoint.close() is bounded by closeTimeout when the peer never answers the goodbye", async () => {
    const p = pair({
      plugins: [toy()],
      serverPlugins: [toy({ answerGoodbye: false })],
      closeTimeout: 750,
    });
    const session = await p.connect();
    const start = p.net.clock.now();
    let done = false;
    const closing = p.client.close().then(() => (done = true));
    await p.net.runUntil(() => done, 5000);
    await closing;
    assert.equal(p.net.clock.now() - start, 750);
    assert.equal(session.state, "closed");
    assert.equal(session.closeReason, "endpoint closed");
    assert.equal(p.client.pollTimeout(), undefined);
  });
});

describe("Endpoint events", () => {
  it("Endpoint keeps emitting when a listener throws, and reports it as an error event", async () => {
    const p = pair({ plugins: [toy()] });
    const got: string[] = [];
    const errors: string[] = [];
    p.server.on("message", () => {
      throw new Error("listener broke");
    });
    p.server.on("message", ({ data }) => void got.push(text(data)));
    p.server.on("error", ({ error }) => void errors.push(error.message));
    const session = await p.connect();
    await session.send(utf8("one"));
    await session.send(utf8("two"));
    await p.net.drive();
    assert.deepEqual(got, ["one", "two"]);
    assert.deepEqual(errors, ["listener broke", "listener broke"]);
    assert.deepEqual(p.server.stats.dropped, {});
  });

  it("Endpoint survives an error listener that throws", async () => {
    const p = pair({ plugins: [toy()] });
    let calls = 0;
    p.server.on("error", () => {
      calls++;
      throw new Error("error listener broke");
    });
    p.server.on("message", () => {
      throw new Error("listener broke");
    });
    const session = await p.connect();
    await session.send(utf8("x"));
    await p.net.drive();
    assert.equal(calls, 1);
    await session.send(utf8("y"));
    await p.net.drive();
    assert.equal(calls, 2);
  });

  it("Endpoint.on() returns an unsubscribe function", async () => {
    const p = pair({ plugins: [toy()] });
    const got: string[] = [];
    const off = p.server.on("message", ({ data }) => void got.push(text(data)));
    const session = await p.connect();
    await session.send(utf8("a"));
    await p.net.drive();
    off();
    off();
    await session.send(utf8("b"));
    await p.net.drive();
    assert.deepEqual(got, ["a"]);
  });
});
