import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { pair } from "../../../core/testing/mod.ts";
import {
  configureThingLogging,
  logging,
  type LoggingOptions,
  resetThingLogging,
  type ThingLoggingConfig,
} from "../../../plugins/logging/mod.ts";
import { probe, toyDialect } from "../metrics/_toy_dialect.ts";
import { ConnectionPacket } from "../../../plugins/connection/mod.ts";

interface JsonRecord {
  "@timestamp": string;
  level: string;
  message: string;
  logger: string;
  properties: Record<string, unknown>;
}

/** Runs a scripted exchange (connect, one message each way, a ping) and returns the log lines. */
async function exchange(
  config: ThingLoggingConfig,
  options: LoggingOptions = {},
): Promise<string[]> {
  const lines: string[] = [];
  await configureThingLogging({ ...config, write: (line) => lines.push(line) });
  const p = probe();
  const net = pair({
    clientPlugins: [logging(options), toyDialect(), p.plugin],
    serverPlugins: [logging(options), toyDialect()],
  });
  net.server.on("message", ({ session, data }) => void session.send(data, { customId: 7 }));
  const session = await net.connect();
  await session.send(new TextEncoder().encode("hi"));
  await net.net.drive();
  p.api().emit("rtt", { session, rtt: 12.5, exchange: "PING/PONG" });
  p.api().control(session).sendPacket({ type: ConnectionPacket.PING });
  await net.net.drive();
  return lines;
}

function json(lines: string[]): JsonRecord[] {
  return lines.map((line) => {
    assert.ok(line.endsWith("\n"), `a line ends with a newline: ${JSON.stringify(line)}`);
    return JSON.parse(line) as JsonRecord;
  });
}

function traces(records: JsonRecord[]): JsonRecord[] {
  return records.filter((r) => r.logger === "thing.packet" && "direction" in r.properties);
}

describe("logging()", () => {
  afterEach(() => resetThingLogging());

  it("traces every packet at debug as JSON lines with type, size, short ID, order, custom ID", async () => {
    const records = json(await exchange({ level: "debug", format: "json" }));
    const trace = traces(records);
    const summary = trace.map((r) =>
      `${r.properties.role} ${r.properties.direction} ${r.properties.type} ${r.properties.size}`
    );
    assert.deepEqual(summary.slice(0, 4), [
      "client out HELLO 64",
      "server in HELLO 64",
      "server out ACCEPT 64",
      "client in ACCEPT 64",
    ]);
    assert.ok(summary.includes("client out DATA_NOACK 66"));
    assert.ok(summary.includes("server out DATA_NOACK 66"));
    const echo = trace.find((r) =>
      r.properties.role === "server" && r.properties.type === "DATA_NOACK" &&
      r.properties.direction === "out"
    )!;
    assert.equal(echo.level, "DEBUG");
    assert.equal(echo.properties.customId, 7);
    assert.equal(echo.properties.order, 1);
    assert.equal(echo.properties.peer, "client:1");
    assert.match(String(echo.properties.client), /^[0-9a-f]{8}$/);
    assert.equal(
      echo.message,
      "{direction} {type} {size} B client {client} order {order} custom {customId} peer {peer}",
    );
    assert.ok(trace.every((r) => !("payload" in r.properties)), "payloads are off by default");
  });

  it("adds the last RTT of the session to its packet trace once one is known", async () => {
    const trace = traces(json(await exchange({ level: "debug", format: "json" })));
    const ping = trace.find((r) => r.properties.type === "PING")!;
    assert.equal(ping.properties.rtt, 12.5);
    const hello = trace.find((r) => r.properties.type === "HELLO")!;
    assert.equal("rtt" in hello.properties, false);
  });

  it("logs payloads only when logPayloads is on, cut at payloadLimit", async () => {
    const trace = traces(
      json(
        await exchange({ level: "debug", format: "json" }, { logPayloads: true, payloadLimit: 1 }),
      ),
    );
    const data = trace.find((r) => r.properties.type === "DATA_NOACK")!;
    assert.equal(data.properties.payload, "68…");
    assert.match(data.message, /payload \{payload\}$/);
  });

  it("writes session events at info and no packet trace above debug", async () => {
    const records = json(await exchange({ level: "info", format: "json" }));
    assert.equal(traces(records).length, 0);
    const open = records.filter((r) => r.logger === "thing.session");
    assert.deepEqual(open.map((r) => `${r.level} ${r.properties.role}`), [
      "INFO server",
      "INFO client",
    ]);
    assert.equal(open[0]!.message, "Session {client} open with {peer}");
    assert.equal(open[0]!.properties.sessionId, open[1]!.properties.sessionId);
  });

  it("logs a session close with its reason", async () => {
    const lines: string[] = [];
    await configureThingLogging({ level: "info", format: "json", write: (l) => lines.push(l) });
    const net = pair({ plugins: [logging(), toyDialect()] });
    await net.connect();
    const server = [...net.server.sessions][0]!;
    await server.close("kicked");
    await net.net.drive();
    const closed = json(lines).filter((r) => r.message === "Session {client} closed: {reason}");
    assert.deepEqual(closed.map((r) => `${r.properties.role}: ${r.properties.reason}`), [
      "server: kicked",
      "client: rejected by server",
    ]);
  });

  it("writes pretty lines without colour when asked", async () => {
    const lines = await exchange({ level: "debug", format: "pretty", color: false });
    const hello = lines.find((l) => l.includes("out HELLO"))!;
    assert.match(
      hello,
      /^\d\d:\d\d:\d\d\.\d{3} \[DBG\] thing\.packet: out HELLO 64 B client [0-9a-f]{8} order 0 custom 0 peer server:2\n$/,
    );
    assert.ok(!lines.join("").includes("\x1b["), "no ANSI escapes");
  });

  it("writes nothing at level silent", async () => {
    assert.deepEqual(await exchange({ level: "silent" }), []);
  });

  it("rejects an unknown level and bad options with a TypeError", async () => {
    await assert.rejects(
      configureThingLogging({ level: "loud" as "info" }),
      (error: Error) => error instanceof TypeError && /level/.test(error.message),
    );
    assert.throws(() => logging({ payloadLimit: -1 }), TypeError);
  });
});
