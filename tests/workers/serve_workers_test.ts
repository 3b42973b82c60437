import { test } from "node:test";
import assert from "node:assert/strict";
import { encodePacket } from "../../core/codec.ts";
import { connect, type ThingClient } from "../../core/node.ts";
import { ConnectionPacket } from "../../plugins/connection/mod.ts";
import { defaultSha256 } from "../../core/sha256.ts";
import type { Transport } from "../../core/transport.ts";
import { connection } from "../../plugins/connection/mod.ts";
import { streamSession } from "../../plugins/streams/mod.ts";
import { generateIdentity } from "../../plugins/thing/mod.ts";
import { quic } from "../../presets/quic/mod.ts";
import { tcp } from "../../transports/tcp/mod.ts";
import { udp } from "../../transports/udp/mod.ts";
import { serveWorkers, type WorkerPool } from "../../workers/mod.ts";
import { within } from "../_within.ts";
import { CRASH, type EchoWorkerData } from "./_echo_worker.ts";
import { migrating } from "./_migrating_transport.ts";

const MODULE = new URL("./_echo_worker.ts", import.meta.url);
const isDeno = (globalThis as { Deno?: unknown }).Deno !== undefined;
/** Deno has no SO_REUSEPORT for UDP (serveWorkers says so: tested below). */
const kinds: Array<"udp" | "tcp"> = isDeno ? ["tcp"] : ["udp", "tcp"];
const clientTransport = (kind: "udp" | "tcp"): Transport => kind === "tcp" ? tcp() : udp();

async function startPool(kind: "udp" | "tcp", data: EchoWorkerData): Promise<WorkerPool> {
  return await within(
    20_000,
    serveWorkers({ module: MODULE, workers: 2, transport: kind, data }),
    "pool start",
  );
}

/** Sends one message and waits for its echo. */
async function echo(client: ThingClient, byte: number): Promise<void> {
  const back = new Promise<void>((resolve) => {
    const off = client.on("message", ({ data }) => {
      if (data[0] === byte) {
        off();
        resolve();
      }
    });
  });
  await client.send(new Uint8Array([byte]), { reliable: false });
  await within(3_000, back, `echo of ${byte}`);
}

async function totals(pool: WorkerPool) {
  const stats = await pool.stats();
  const sum = (key: "sessions" | "forwardedOut" | "forwardedIn") =>
    stats.reduce((total, worker) => total + worker[key], 0);
  return { stats, sessions: sum("sessions"), forwarded: sum("forwardedOut") };
}

test("serveWorkers() rejects bad options before starting a thread", async () => {
  await assert.rejects(serveWorkers({ module: MODULE, workers: 0 }), RangeError);
  await assert.rejects(serveWorkers({ module: MODULE, workers: 1.5 }), RangeError);
  await assert.rejects(serveWorkers({ module: MODULE, workers: 1025 }), RangeError);
  await assert.rejects(
    serveWorkers({ module: MODULE, workers: "x" as unknown as number }),
    RangeError,
  );
  await assert.rejects(
    serveWorkers({ module: MODULE, transport: "quic" as unknown as "udp" }),
    TypeError,
  );
  await assert.rejects(serveWorkers({ module: MODULE, port: 70_000 }), RangeError);
  await assert.rejects(serveWorkers({ module: 7 as unknown as string }), TypeError);
  await assert.rejects(
    serveWorkers({ module: MODULE, transport: "tcp", maxSessions: 0 }),
    RangeError,
  );
  await assert.rejects(serveWorkers({ module: MODULE, restartDelay: -1 }), RangeError);
  await assert.rejects(serveWorkers({ module: MODULE, startTimeout: 0 }), RangeError);
});

test(
  "serveWorkers() says when the runtime has no SO_REUSEPORT for UDP",
  { skip: !isDeno },
  async () => {
    await assert.rejects(
      serveWorkers({ module: MODULE, workers: 2, transport: "udp" }),
      (error: Error) => error instanceof TypeError && /Deno/.test(error.message),
    );
  },
);

test("serveWorkers() fails clearly when the worker module does not listen", {
  timeout: 30_000,
}, async () => {
  const module = new URL("./_idle_worker.ts", import.meta.url);
  await assert.rejects(
    within(20_000, serveWorkers({ module, workers: 2, transport: "tcp" }), "failed start"),
    /did not call host\.listen\(\)/,
  );
});

for (const kind of kinds) {
  test(`serveWorkers() spreads ${kind} clients over the workers on one port`, {
    timeout: 60_000,
  }, async () => {
    const pool = await startPool(kind, { dialect: "connection" });
    const clients: ThingClient[] = [];
    try {
      for (let i = 0; i < 16; i++) {
        const client = await connect({
          transport: clientTransport(kind),
          port: pool.address.port,
          plugins: connection(),
        });
        clients.push(client);
        await echo(client, i);
      }
      const { stats, sessions, forwarded } = await totals(pool);
      assert.equal(sessions, 16);
      assert.equal(forwarded, 0);
      // All 16 on one worker by chance: 1 in 32,768.
      assert.ok(stats.every((worker) => worker.sessions > 0), JSON.stringify(stats));
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await pool.close();
    }
  });

  test(`serveWorkers() keeps a ${kind} session whose client moves to another port`, {
    timeout: 60_000,
  }, async () => {
    const identity = generateIdentity();
    const pool = await startPool(kind, { dialect: "quic", identity });
    const transport = migrating(clientTransport(kind));
    const client = await within(
      5_000,
      connect({
        transport,
        port: pool.address.port,
        plugins: quic({ thing: { serverKey: identity.publicKey } }).plugins,
      }),
      "handshake",
    );
    try {
      const stream = await streamSession(client.session).createBidirectionalStream();
      const writer = stream.writable.getWriter();
      const reader = stream.readable.getReader();
      const roundTrip = async (byte: number) => {
        const chunk = new Uint8Array(1024).fill(byte);
        await writer.write(chunk);
        let echoed = 0;
        while (echoed < chunk.length) {
          const { value, done } = await within(5_000, reader.read(), `echo of ${byte}`);
          assert.ok(!done && value.every((b) => b === byte));
          echoed += value.length;
        }
      };
      await roundTrip(1);
      // Until the kernel hashes the new port to the other worker (1 in 2 each time).
      let forwarded = 0;
      for (let move = 0; move < 16 && forwarded === 0; move++) {
        await transport.migrate();
        await roundTrip(move + 2);
        forwarded = (await totals(pool)).forwarded;
      }
      assert.ok(forwarded > 0, "the client never landed on the other worker");
      await roundTrip(100);
      assert.equal(client.session.state, "open");
      assert.equal((await totals(pool)).sessions, 1);
      await writer.close();
    } finally {
      await client.close();
      await pool.close();
    }
  });

  test(`serveWorkers() sends a ${kind} HELLO for an owned client ID to its owner`, {
    timeout: 60_000,
  }, async () => {
    const pool = await startPool(kind, { dialect: "connection" });
    const client = await connect({
      transport: clientTransport(kind),
      port: pool.address.port,
      plugins: connection(),
    });
    try {
      await echo(client, 1);
      const hash = defaultSha256();
      let forwarded = 0;
      for (let attempt = 0; attempt < 16 && forwarded === 0; attempt++) {
        const timestamp = new Uint8Array(8);
        new DataView(timestamp.buffer).setBigUint64(0, BigInt(Date.now()));
        const hello = encodePacket({
          type: ConnectionPacket.HELLO,
          clientId: client.session.clientId,
          reserved: 0,
          customId: 0,
          order: 0,
          payload: timestamp,
          checksum: new Uint8Array(0),
        }, hash);
        let answered!: () => void;
        const answer = new Promise<void>((resolve) => (answered = resolve));
        const raw = await clientTransport(kind).connect(pool.address, {
          packet: (bytes) => bytes[0] !== undefined && answered(),
        });
        try {
          raw.send(hello, pool.address);
          // The owner answers a HELLO for its session from a new address with a REJECT.
          await within(3_000, answer, "answer to the HELLO");
        } finally {
          await raw.close();
        }
        forwarded = (await totals(pool)).forwarded;
      }
      assert.ok(forwarded > 0, "the HELLO never landed on the other worker");
      assert.equal((await totals(pool)).sessions, 1, "a second session was started");
    } finally {
      await client.close();
      await pool.close();
    }
  });

  test(`serveWorkers() restarts a killed ${kind} worker while the other keeps serving`, {
    timeout: 60_000,
  }, async () => {
    const pool = await startPool(kind, { dialect: "connection" });
    const clients: ThingClient[] = [];
    try {
      for (let i = 0; i < 8; i++) {
        clients.push(
          await connect({
            transport: clientTransport(kind),
            port: pool.address.port,
            plugins: connection(),
          }),
        );
      }
      const before = await pool.stats();
      const victim = before.find((worker) => worker.sessions > 0)!.index;
      const exited = new Promise((resolve) => pool.on("exit", resolve));
      const restarted = new Promise((resolve) => pool.on("restart", resolve));
      await pool.kill(victim);
      const exit = await within(5_000, exited, "exit event") as {
        index: number;
        sessionsLost: number;
      };
      assert.equal(exit.index, victim);
      assert.equal(exit.sessionsLost, before[victim]!.sessions);
      // The survivor's clients keep working meanwhile.
      const survivors = before.find((worker) => worker.index !== victim)!.sessions;
      let served = 0;
      for (const [i, client] of clients.entries()) {
        const back = new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), 1_000);
          client.on("message", () => {
            clearTimeout(timer);
            resolve(true);
          });
        });
        client.send(new Uint8Array([i]), { reliable: false }).catch(() => {});
        if (await back) served++;
      }
      assert.ok(served >= survivors, `${served} clients served, ${survivors} on the survivor`);
      await within(5_000, restarted, "restart event");
      assert.equal((await pool.stats()).length, 2);
      const fresh = await connect({
        transport: clientTransport(kind),
        port: pool.address.port,
        plugins: connection(),
      });
      clients.push(fresh);
      await echo(fresh, 9);
    } finally {
      await Promise.all(clients.map((client) => client.close()));
      await pool.close();
    }
  });
}

test("serveWorkers() restarts a worker that throws an uncaught error", {
  timeout: 60_000,
}, async () => {
  const kind = kinds[0]!;
  const pool = await startPool(kind, { dialect: "connection" });
  const client = await connect({
    transport: clientTransport(kind),
    port: pool.address.port,
    plugins: connection(),
  });
  try {
    await echo(client, 1);
    const exited = new Promise<{ error?: Error; sessionsLost: number }>((resolve) =>
      pool.on("exit", resolve)
    );
    const restarted = new Promise((resolve) => pool.on("restart", resolve));
    await client.send(new Uint8Array([CRASH]), { reliable: false });
    const exit = await within(5_000, exited, "exit event");
    assert.match(exit.error?.message ?? "", /crash requested/);
    assert.equal(exit.sessionsLost, 1);
    await within(5_000, restarted, "restart event");
    assert.equal((await pool.stats()).length, 2);
  } finally {
    await client.close();
    await pool.close();
  }
});
