import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Hono } from "hono";
import type { UpgradeWebSocket } from "hono/ws";
import { ThingError } from "../../core/errors.ts";
import type { Link, PeerAddress } from "../../core/transport.ts";
import { websocket, websocketClient } from "../../transports/websocket/mod.ts";
import { assertThrowsCode, makePacket, Recorder, transportSuite } from "../../core/testing/mod.ts";

for (const hostname of ["127.0.0.1", "::1"]) {
  transportSuite(`websocket ${hostname}`, () => websocket(), { hostname });
}

const local = { hostname: "127.0.0.1", port: 0 };

/** Opens a bare WebSocket to `server`, collecting its messages and close event. */
async function rawSocket(server: Link, path = "/thing") {
  const ws = new WebSocket(`ws://127.0.0.1:${server.localAddress.port}${path}`);
  ws.binaryType = "arraybuffer";
  const messages: unknown[] = [];
  const closed = new Promise<CloseEvent>((resolve) => (ws.onclose = resolve));
  ws.onmessage = (event) => messages.push(event.data);
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = reject;
  });
  return { ws, messages, closed };
}

/** Runs `body` with a listening server and closes everything afterwards. */
async function withServer(
  body: (server: Link, rec: Recorder) => Promise<void>,
  transport = websocket(),
): Promise<void> {
  const rec = new Recorder(3000);
  const server = await transport.listen(local, rec);
  try {
    await body(server, rec);
  } finally {
    await server.close();
  }
}

/** This runtime's Hono upgrade helper (each adapter module needs its own runtime). */
async function runtimeUpgrade(): Promise<UpgradeWebSocket> {
  const onBun = (globalThis as { Bun?: unknown }).Bun !== undefined;
  return (onBun ? await import("hono/bun") : await import("hono/deno")).upgradeWebSocket;
}

describe("websocket()", () => {
  it("websocket() names itself and reports the stream kind", () => {
    const transport = websocket();
    assert.equal(transport.name, "websocket");
    assert.equal(transport.kind, "stream");
  });

  it("websocket() rejects bad options", () => {
    assert.throws(() => websocket({ maxPacketSize: 70_000 }), RangeError);
    assert.throws(() => websocket({ highWaterMark: -1 }), RangeError);
    assert.throws(() => websocket({ maxBufferedBytes: 1000 }), RangeError);
    assert.throws(() => websocket({ connectTimeout: 0 }), RangeError);
    assert.throws(() => websocket({ closeTimeout: 1.5 }), RangeError);
    assert.throws(() => websocket({ path: "thing" }), TypeError);
  });

  it("websocketClient() connects but refuses to listen", async () => {
    await assert.rejects(
      websocketClient().listen(local, new Recorder(100)),
      (error: unknown) => error instanceof ThingError && error.code === "THING_ERR_TRANSPORT",
    );
    await withServer(async (server, serverRec) => {
      serverRec.onPacket = (bytes, peer) => server.send(bytes.slice(), peer);
      const rec = new Recorder(3000);
      const client = await websocketClient().connect(server.localAddress, rec);
      try {
        client.send(makePacket(5, 9), server.localAddress);
        await rec.until("the echo", () => rec.packets.length === 1);
        assert.deepEqual(rec.packets[0]?.bytes, makePacket(5, 9));
      } finally {
        await client.close();
      }
    });
  });

  it("the server welcomes a socket with its address, then closes it on a text message", async () => {
    await withServer(async (server, rec) => {
      const raw = await rawSocket(server);
      await rec.until("nothing", () => true);
      raw.ws.send("hello");
      const event = await raw.closed;
      assert.equal(event.code, 4003);
      const welcome = JSON.parse(String(raw.messages[0])) as PeerAddress & { thing: string };
      assert.equal(welcome.thing, "thing-ws/1");
      assert.equal(welcome.hostname, "127.0.0.1");
      await rec.until("peerClosed", () => rec.closed.length === 1);
      assert.equal(rec.closed[0]?.port, welcome.port);
      assert.match(rec.errors[0]?.message ?? "", /non-binary message/);
    });
  });

  it("the server closes a socket whose message disagrees with its header length", async () => {
    await withServer(async (server, rec) => {
      const raw = await rawSocket(server);
      raw.ws.send(makePacket(10).subarray(0, 70));
      assert.equal((await raw.closed).code, 4007);
      await rec.until("the error", () => rec.errors.length === 1);
      assert.match(rec.errors[0]!.message, /'70'-byte message whose header claims '74' bytes/);
      assert.equal(rec.packets.length, 0);
    });
  });

  it("the server closes a socket whose message exceeds maxPacketSize", async () => {
    await withServer(async (server, rec) => {
      const raw = await rawSocket(server);
      raw.ws.send(makePacket(100));
      assert.equal((await raw.closed).code, 4009);
      await rec.until("the error", () => rec.errors.length === 1);
      assert.match(rec.errors[0]!.message, /limit is '128'/);
    }, websocket({ maxPacketSize: 128 }));
  });

  it("a client told it sent garbage reports the server's close code", async () => {
    await withServer(async (server) => {
      const rec = new Recorder(3000);
      const client = await websocket().connect(server.localAddress, rec);
      try {
        client.send(new Uint8Array(64).fill(0xff), server.localAddress);
        await rec.until("peerClosed", () => rec.closed.length === 1);
        assert.match(rec.errors[0]?.message ?? "", /code '4007'/);
        assertThrowsCode(() => client.send(makePacket(0), server.localAddress), "THING_ERR_CLOSED");
      } finally {
        await client.close();
      }
    });
  });

  it("connect() rejects a closed port, a plain HTTP route and an unknown path", async () => {
    const routes = new Hono().get("/other", (c) => c.text("not a websocket"));
    await withServer(async (server) => {
      const { port } = server.localAddress;
      const isTransportError = (error: unknown) =>
        error instanceof ThingError && error.code === "THING_ERR_TRANSPORT";
      await assert.rejects(
        websocket({ path: "/other" }).connect({ hostname: "127.0.0.1", port }, new Recorder(100)),
        isTransportError,
      );
      await assert.rejects(
        websocket({ path: "/nowhere" }).connect({ hostname: "127.0.0.1", port }, new Recorder(100)),
        isTransportError,
      );
      const closedPort = await websocket().listen(local, new Recorder(100));
      const freed = closedPort.localAddress;
      await closedPort.close();
      await assert.rejects(websocket().connect(freed, new Recorder(100)), isTransportError);
    }, websocket({ routes }));
  });

  it("connect() rejects a WebSocket that sends no welcome, or something else first", async () => {
    const upgradeWebSocket = await runtimeUpgrade();
    const routes = new Hono()
      .get("/silent", upgradeWebSocket(() => ({})))
      .get("/chatty", upgradeWebSocket(() => ({ onOpen: (_event, ws) => ws.send("hi") })));
    await withServer(async (server) => {
      const { port } = server.localAddress;
      const started = Date.now();
      await assert.rejects(
        websocket({ path: "/silent", connectTimeout: 200 }).connect(
          { hostname: "127.0.0.1", port },
          new Recorder(100),
        ),
        /no Thing welcome within '200' ms/,
      );
      assert.ok(Date.now() - started < 2000, "the timeout is the one asked for");
      await assert.rejects(
        websocket({ path: "/chatty" }).connect({ hostname: "127.0.0.1", port }, new Recorder(100)),
        /first message was not a Thing welcome/,
      );
    }, websocket({ routes }));
  });

  it("the server app serves mounted routes on the same port", async () => {
    const routes = new Hono().get("/", (c) => c.text("page"));
    await withServer(async (server) => {
      const response = await fetch(`http://127.0.0.1:${server.localAddress.port}/`);
      assert.equal(await response.text(), "page");
    }, websocket({ routes }));
  });

  it("a mounted route's own WebSocket keeps its messages beside /thing", async () => {
    const upgradeWebSocket = await runtimeUpgrade();
    const routes = new Hono().get(
      "/chat",
      upgradeWebSocket(() => ({
        onMessage: (event, ws) => ws.send(`chat: ${String(event.data)}`),
      })),
    );
    await withServer(async (server, rec) => {
      const raw = await rawSocket(server, "/chat");
      raw.ws.send("hi");
      await rec.until("the chat reply", () => raw.messages.length === 1);
      assert.equal(raw.messages[0], "chat: hi");
      raw.ws.close();
      await raw.closed;
      const client = await websocket().connect(server.localAddress, new Recorder(100));
      client.send(makePacket(1), server.localAddress);
      await rec.until("a packet on /thing", () => rec.packets.length === 1);
      await client.close();
    }, websocket({ routes }));
  });

  it("a client link refuses a peer other than its server", async () => {
    await withServer(async (server) => {
      const client = await websocket().connect(server.localAddress, new Recorder(100));
      try {
        assert.throws(
          () => client.send(makePacket(0), { hostname: "127.0.0.2", port: 9 }),
          TypeError,
        );
      } finally {
        await client.close();
      }
    });
  });

  it("send() refuses to buffer past maxBufferedBytes", async () => {
    const transport = websocket({ highWaterMark: 0, maxBufferedBytes: 65_507 });
    await withServer(async (server) => {
      const client = await transport.connect(server.localAddress, new Recorder(100));
      try {
        const big = makePacket(40_000);
        assert.throws(
          () => {
            for (let i = 0; i < 1000; i++) client.send(big, server.localAddress);
          },
          (error: unknown) => error instanceof ThingError && /await link.ready/.test(error.message),
        );
        await client.ready!(server.localAddress);
      } finally {
        await client.close();
      }
    }, transport);
  });

  for (const direction of ["client to server", "server to client"]) {
    it(`streams 4 MiB ${direction} in order with ready() backpressure`, async () => {
      const transport = websocket({ highWaterMark: 64 * 1024 });
      const serverRec = new Recorder(10_000);
      const server = await transport.listen(local, serverRec);
      const clientRec = new Recorder(10_000);
      const client = await transport.connect(server.localAddress, clientRec);
      try {
        const [from, to, rec] = direction === "client to server"
          ? [client, server.localAddress, serverRec]
          : [server, client.localAddress, clientRec];
        for (let i = 0; i < 256; i++) {
          await from.ready!(to);
          from.send(makePacket(16 * 1024 - 64, i), to);
        }
        await rec.until("256 packets", () => rec.packets.length === 256);
        rec.packets.forEach(({ bytes }, i) => assert.equal(bytes[64], i & 0xff));
      } finally {
        await Promise.all([client.close(), server.close()]);
      }
    });
  }
});
