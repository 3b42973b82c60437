import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connect, listen, type Transport } from "../../mod.ts";
import { memory, memoryNetwork } from "../../transports/memory/mod.ts";
import { udp } from "../../transports/udp/mod.ts";
import {
  BYE,
  knock,
  KnockError,
  type KnockEvent,
  knockEvent,
} from "../../examples/knock_dialect/knock.ts";
import { within } from "../_within.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** A knock server and what it heard, on `transport` at `hostname`. */
async function knockServer(transport: () => Transport, hostname: string) {
  const server = await listen({
    transport: transport(),
    hostname,
    port: 0,
    plugins: knock({ admit: (name) => name !== "eve" }),
  });
  const knocks: KnockEvent[] = [];
  server.on(knockEvent, (event) => knocks.push(event));
  server.on("message", ({ session, data, customId }) => {
    void session.send(utf8(`echo ${text(data)}`), { customId: customId + 1 }).catch(() => {});
  });
  return { server, knocks };
}

for (
  const [label, transport, hostname] of [
    [
      "memory",
      (() => {
        const net = memoryNetwork();
        return () => memory(net);
      })(),
      "mem-server",
    ],
    ["udp", () => udp(), "127.0.0.1"],
  ] as const
) {
  describe(`knock dialect (examples/knock_dialect) over ${label}`, () => {
    it("opens on KNOCK/WELCOME, carries datagrams both ways, and says BYE", async () => {
      const { server, knocks } = await knockServer(transport, hostname);
      try {
        const client = await within(
          3_000,
          connect({
            transport: transport(),
            hostname,
            port: server.address.port,
            plugins: knock({ name: "ada" }),
          }),
          "the WELCOME",
        );
        const echoed = new Promise<string>((resolve) => {
          client.on("message", ({ data, customId }) => resolve(`${text(data)}@${customId}`));
        });
        await client.send(utf8("hi"), { customId: 4 });
        assert.equal(await within(3_000, echoed, "the echo"), "echo hi@5");
        assert.deepEqual(knocks.map(({ name, admitted }) => `${name}/${admitted}`), ["ada/true"]);
        const serverClosed = new Promise<string>((resolve) => {
          server.on("close", ({ reason }) => resolve(reason));
        });
        await client.close();
        assert.equal(await within(3_000, serverClosed, `the ${BYE.name}`), "peer said bye");
      } finally {
        await server.close();
      }
    });

    it("turns a denied name away with its own error code KNOCK_ERR_DENIED", async () => {
      const { server, knocks } = await knockServer(transport, hostname);
      try {
        await assert.rejects(
          within(
            3_000,
            connect({
              transport: transport(),
              hostname,
              port: server.address.port,
              plugins: knock({ name: "eve" }),
            }),
            "the DENY",
          ),
          (error: unknown) => {
            assert.ok(error instanceof KnockError);
            assert.equal(error.code, "KNOCK_ERR_DENIED");
            assert.match(error.message, /eve is not welcome/);
            return true;
          },
        );
        assert.deepEqual(knocks.map(({ admitted }) => admitted), [false]);
      } finally {
        await server.close();
      }
    });
  });
}

describe("knock() options and sends", () => {
  it("refuses an empty name with KNOCK_ERR_NAME", () => {
    assert.throws(() => knock({ name: "" }), { code: "KNOCK_ERR_NAME" });
  });

  it("refuses { reliable: true } with KNOCK_ERR_RELIABLE, and sends a plain send()", async () => {
    const net = memoryNetwork();
    const { server } = await knockServer(() => memory(net), "mem-server");
    try {
      const client = await connect({
        transport: memory(net),
        hostname: "mem-server",
        port: server.address.port,
        plugins: knock(),
      });
      try {
        await assert.rejects(client.send(utf8("x"), { reliable: true }), {
          code: "KNOCK_ERR_RELIABLE",
        });
        await client.send(utf8("plain"));
      } finally {
        await client.close();
      }
    } finally {
      await server.close();
    }
  });
});
