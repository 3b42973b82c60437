import { describe, it } from "node:test";
import { Buffer } from "node:buffer";
import assert from "node:assert/strict";
import { SeededRandom } from "../../../core/clock.ts";
import { Endpoint } from "../../../core/endpoint.ts";
import type { CookieSecrets, Plugin } from "../../../core/plugin.ts";
import { pair, SimNetwork } from "../../../core/testing/mod.ts";
import {
  hybrid,
  MemoryTicketStore,
  type ResumptionEvent,
  resumptionEvent,
  type ResumptionTicket,
  thing,
  type ThingOptions,
  ThingPacket,
  type TicketRefusedEvent,
  ticketRefusedEvent,
} from "../../../plugins/thing/mod.ts";
import { fingerprint } from "../../../plugins/thing/crypto/mod.ts";
import { decodeUnverified } from "../../../core/codec.ts";
import type { Extension } from "../../../core/extensions.ts";
import { ConnectionPacket } from "../../../plugins/connection/mod.ts";
import { FRAMED_EXTENSION } from "../../../plugins/connection/channels.ts";
import { decodeClientHello, decodeServerHello } from "../../../plugins/thing/packets.ts";
import {
  decodeResumeAnswer,
  decodeResumeHello,
} from "../../../plugins/thing/resumption_packets.ts";
import { EXT_RESUMPTION, EXT_STATELESS_RESET } from "../../../plugins/thing/thing_extensions.ts";
import { IDENTITY, OTHER_IDENTITY, Tap, thingPair } from "./_fixtures.ts";

const { CHI, CRH, SRH, SCC, CCC, SHF, DATA_NOACK } = ThingPacket;
const STORE_KEY = fingerprint(IDENTITY.publicKey);

/** A pair whose client keeps tickets in `tickets`; returns the pair and its outcome events. */
function resumingPair(
  tickets: MemoryTicketStore,
  server: ThingOptions = {},
  client: ThingOptions = {},
) {
  const toServer = new Tap();
  const toClient = new Tap();
  const p = pair({ ...thingPair({ tickets, ...client }, server), toServer, toClient });
  const outcomes: ResumptionEvent[] = [];
  const refusals: TicketRefusedEvent[] = [];
  p.client.on(resumptionEvent, (event) => void outcomes.push(event));
  p.server.on(ticketRefusedEvent, (event) => void refusals.push(event));
  return { p, toServer, toClient, outcomes, refusals };
}

/** Connects, then closes with the goodbye, leaving the next ticket in the store. */
async function connectAndClose(p: ReturnType<typeof pair>) {
  const session = await p.connect();
  const closing = session.close();
  await p.net.drive();
  await closing;
  return session;
}

/** A plugin providing fixed shared ticket secrets, as the cluster does. */
function sharedTicketSecrets(secret: Uint8Array): Plugin {
  const secrets: CookieSecrets = { secrets: () => [secret] };
  return { name: "test:ticket-secrets", setup: (api) => api.provide("ticketSecrets", secrets) };
}

describe("thing() resumption", () => {
  it("resumes with the ticket of the last session in one round trip (CRH, SRH + SCC, CCC)", async () => {
    const tickets = new MemoryTicketStore();
    const { p, toServer, toClient, outcomes } = resumingPair(tickets);
    await connectAndClose(p);
    assert.equal(tickets.size, 1, "the full handshake left a ticket");
    const full = toServer.sent.length;
    const start = p.net.clock.now();
    const session = await p.connect();
    assert.equal(p.net.clock.now() - start, 2, "open after one round trip of the 1 ms link");
    assert.deepEqual(toServer.types().slice(full), [CRH, CCC]);
    assert.deepEqual(outcomes.map((o) => o.resumed), [true]);
    assert.equal(outcomes[0]!.session, session);
    await session.send(new TextEncoder().encode("hi"), { reliable: false });
    const got: string[] = [];
    p.server.on("message", ({ data }) => void got.push(new TextDecoder().decode(data)));
    await p.net.drive();
    assert.deepEqual(got, ["hi"]);
    assert.ok(toClient.types().includes(SRH) && toClient.types().includes(SHF));
    assert.equal([...p.server.sessions].length, 1);
  });

  it("issues a new ticket in every handshake, resumed ones too, and uses each once", async () => {
    const tickets = new MemoryTicketStore();
    const { p, toServer, outcomes } = resumingPair(tickets);
    await connectAndClose(p);
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const kept = tickets.take(STORE_KEY)!;
      seen.add(Buffer.from(kept.ticket).toString("hex"));
      tickets.put(STORE_KEY, kept);
      await connectAndClose(p);
    }
    assert.equal(seen.size, 3);
    assert.deepEqual(outcomes.map((o) => o.resumed), [true, true, true]);
    assert.equal(toServer.types().filter((t) => t === CHI).length, 1);
  });

  it("falls back to a full handshake when the ticket is tampered with (THING_ERR_TICKET_INVALID)", async () => {
    const tickets = new MemoryTicketStore();
    const { p, outcomes, refusals } = resumingPair(tickets);
    await connectAndClose(p);
    const kept = tickets.take(STORE_KEY)!;
    kept.ticket[20]! ^= 1;
    tickets.put(STORE_KEY, kept);
    const session = await p.connect();
    assert.equal(session.state, "open");
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0]!.resumed, false);
    assert.equal(outcomes[0]!.error?.code, "THING_ERR_TICKET_INVALID");
    assert.equal(refusals[0]?.error.code, "THING_ERR_TICKET_INVALID");
    assert.equal(tickets.size, 1, "the full handshake that followed left a fresh ticket");
  });

  it("refuses a forged ticket (random bytes) with THING_ERR_TICKET_INVALID", async () => {
    const tickets = new MemoryTicketStore();
    const { p, outcomes } = resumingPair(tickets);
    await connectAndClose(p);
    const kept = tickets.take(STORE_KEY)!;
    tickets.put(STORE_KEY, { ...kept, ticket: new Uint8Array(kept.ticket.length).fill(7) });
    await p.connect();
    assert.equal(outcomes[0]?.error?.code, "THING_ERR_TICKET_INVALID");
  });

  it("does not offer a ticket past its lifetime", async () => {
    const tickets = new MemoryTicketStore();
    const { p, toServer, outcomes } = resumingPair(tickets, { ticketLifetime: 5000 });
    await connectAndClose(p);
    await p.net.runFor(6000);
    const before = toServer.sent.length;
    await p.connect();
    assert.equal(toServer.types()[before], CHI);
    assert.deepEqual(outcomes, []);
  });

  it("refuses an expired ticket with THING_ERR_TICKET_EXPIRED", async () => {
    const tickets = new MemoryTicketStore();
    const { p, outcomes, refusals } = resumingPair(tickets, { ticketLifetime: 5000 });
    await connectAndClose(p);
    await p.net.runFor(6000);
    // A client whose clock runs behind still offers it: the server's check is what counts.
    const kept = tickets.take(STORE_KEY)!;
    tickets.put(STORE_KEY, { ...kept, expiresAt: Number.MAX_SAFE_INTEGER });
    const session = await p.connect();
    assert.equal(session.state, "open");
    assert.equal(outcomes[0]?.error?.code, "THING_ERR_TICKET_EXPIRED");
    assert.equal(refusals[0]?.error.code, "THING_ERR_TICKET_EXPIRED");
  });

  it("refuses a ticket sent without its secret with THING_ERR_TICKET_BINDER", async () => {
    const tickets = new MemoryTicketStore();
    const { p, outcomes } = resumingPair(tickets);
    await connectAndClose(p);
    const kept = tickets.take(STORE_KEY)!;
    tickets.put(STORE_KEY, { ...kept, secret: new Uint8Array(32) });
    await p.connect();
    assert.equal(outcomes[0]?.error?.code, "THING_ERR_TICKET_BINDER");
  });

  it("refuses a replayed CRH with THING_ERR_TICKET_REPLAYED and starts no session", async () => {
    const tickets = new MemoryTicketStore();
    const { p, toServer, refusals } = resumingPair(tickets);
    await connectAndClose(p);
    const before = toServer.sent.length;
    await connectAndClose(p);
    const crh = toServer.sent.slice(before).find((bytes) => bytes[48] === CRH)!;
    p.server.handleDatagram(crh, p.clientAddress);
    await p.net.drive();
    assert.deepEqual(refusals.map((r) => r.error.code), ["THING_ERR_TICKET_REPLAYED"]);
    assert.equal([...p.server.sessions].length, 0);
  });

  it("a ticket opens only on a server with the same identity, even under the same ticket secret", async () => {
    const secret = new Uint8Array(32).fill(9);
    const net = new SimNetwork();
    const tickets = new MemoryTicketStore();
    const client = new Endpoint({
      role: "client",
      plugins: thing({ tickets }),
      clock: net.clock,
      random: new SeededRandom(1),
    });
    const serverOf = (identity: typeof IDENTITY, seed: number) =>
      new Endpoint({
        role: "server",
        plugins: [sharedTicketSecrets(secret), ...thing({ identity })],
        clock: net.clock,
        random: new SeededRandom(seed),
      });
    const address = { hostname: "server", port: 2 };
    net.add(client, { hostname: "client", port: 1 });
    net.add(serverOf(IDENTITY, 2), address);
    const outcomes: ResumptionEvent[] = [];
    client.on(resumptionEvent, (event) => void outcomes.push(event));
    const connect = async () => {
      let settled = false;
      const connecting = client.connect(address).finally(() => (settled = true));
      await net.runUntil(() => settled);
      const session = await connecting;
      const closing = session.close();
      await net.drive();
      await closing;
    };
    await connect();
    net.add(serverOf(IDENTITY, 3), address);
    await connect();
    assert.deepEqual(outcomes.map((o) => o.resumed), [true], "another node of the same server");
    net.add(serverOf(OTHER_IDENTITY, 4), address);
    await connect();
    assert.equal(outcomes[1]?.error?.code, "THING_ERR_TICKET_INVALID", "another server's key");
  });

  it("does not offer a ticket to a server whose pinned key differs from the ticket's", async () => {
    const tickets = new MemoryTicketStore();
    const { p, toServer } = resumingPair(tickets);
    await connectAndClose(p);
    const kept = tickets.take(STORE_KEY)!;
    const foreign: ResumptionTicket = { ...kept, serverKey: OTHER_IDENTITY.publicKey };
    tickets.put(STORE_KEY, foreign);
    const before = toServer.sent.length;
    await p.connect();
    assert.equal(toServer.types().slice(before)[0], CHI);
  });

  it("completes when SCC and then CCC are lost: CRH and CCC are resent", async () => {
    const tickets = new MemoryTicketStore();
    const { p, toServer, toClient, outcomes } = resumingPair(tickets);
    await connectAndClose(p);
    let sccs = 0;
    let cccs = 0;
    toClient.rewrite = (packet) => (packet.type === SCC && sccs++ === 0 ? null : undefined);
    toServer.rewrite = (packet) => (packet.type === CCC && cccs++ === 0 ? null : undefined);
    const session = await p.connect();
    assert.equal(session.state, "open");
    await p.net.runFor(1000);
    assert.deepEqual(outcomes.map((o) => o.resumed), [true]);
    assert.equal(cccs, 2, "the lost CCC was sent again");
    const [server] = [...p.server.sessions];
    assert.equal(server?.state, "open");
    await session.send(new Uint8Array([1]), { reliable: false });
    await p.net.drive();
    assert.ok(toServer.types().includes(DATA_NOACK));
  });

  it("answers a CRH with a retry SHI under load and resumes with the cookie", async () => {
    const tickets = new MemoryTicketStore();
    const { p, toServer, toClient, outcomes } = resumingPair(tickets, { cookieThreshold: 0 });
    await connectAndClose(p);
    const before = toServer.sent.length;
    await p.connect();
    assert.deepEqual(outcomes.map((o) => o.resumed), [true]);
    assert.deepEqual(toServer.types().slice(before, before + 3), [CRH, CRH, CCC]);
    assert.ok(toClient.types().includes(SRH));
  });

  it("a CRH nobody answers fails the connect at the handshake timeout; the next one is a full handshake", async () => {
    const tickets = new MemoryTicketStore();
    const { p, toServer } = resumingPair(tickets, {}, { handshakeTimeout: 2000 });
    await connectAndClose(p);
    toServer.rewrite = (packet) => (packet.type === CRH ? null : undefined);
    await assert.rejects(p.connect(), { code: "THING_ERR_HANDSHAKE" });
    assert.equal(tickets.size, 0, "the ticket was used up by the attempt");
    const before = toServer.sent.length;
    const session = await p.connect();
    assert.equal(session.state, "open");
    assert.equal(toServer.types()[before], CHI);
  });

  it("hybrid() resumes too, and its reliable messages arrive on each resumed session", async () => {
    const tickets = new MemoryTicketStore();
    const p = pair({
      clientPlugins: hybrid({ serverKey: IDENTITY.publicKey, tickets, statelessReset: true }),
      serverPlugins: hybrid({ identity: IDENTITY }),
    });
    const outcomes: boolean[] = [];
    p.client.on(resumptionEvent, ({ resumed }) => void outcomes.push(resumed));
    const got: string[] = [];
    p.server.on("message", ({ data }) => void got.push(new TextDecoder().decode(data)));
    for (let i = 0; i < 3; i++) {
      const session = await p.connect();
      const sent = session.send(new TextEncoder().encode(`m${i}`));
      await p.net.drive();
      await sent;
      const closing = session.close();
      await p.net.drive();
      await closing;
    }
    assert.deepEqual(outcomes, [true, true]);
    assert.deepEqual(got, ["m0", "m1", "m2"]);
  });

  it("a resumed hybrid() session negotiates FRAMED in CRH/SRH as a full one does in CHI/SHI", async () => {
    const tickets = new MemoryTicketStore();
    const toServer = new Tap();
    const toClient = new Tap();
    const p = pair({
      clientPlugins: hybrid({ serverKey: IDENTITY.publicKey, tickets }),
      serverPlugins: hybrid({ identity: IDENTITY }),
      toServer,
      toClient,
    });
    const outcomes: boolean[] = [];
    p.client.on(resumptionEvent, ({ resumed }) => void outcomes.push(resumed));
    const typesOf = (list: Extension[] | undefined) => list?.map((e) => e.type);
    const all = [FRAMED_EXTENSION, EXT_STATELESS_RESET, EXT_RESUMPTION];
    for (let i = 0; i < 2; i++) {
      const from = toServer.sent.length;
      const session = await p.connect();
      const sent = session.send(new TextEncoder().encode(`m${i}`));
      await p.net.drive();
      await sent;
      const types = toServer.types().slice(from);
      assert.ok(types.includes(ConnectionPacket.FRAMED), `session ${i} sends FRAMED packets`);
      assert.ok(!types.includes(ConnectionPacket.DATA_ACK), `session ${i} sends no DATA_ACK`);
      const closing = session.close();
      await p.net.drive();
      await closing;
    }
    assert.deepEqual(outcomes, [true]);
    const payloadOf = (tap: Tap, type: number) =>
      decodeUnverified(tap.sent.find((bytes) => bytes[48] === type)!).payload;
    const chi = decodeClientHello(payloadOf(toServer, CHI));
    const shi = decodeServerHello(payloadOf(toClient, ThingPacket.SHI));
    const crh = decodeResumeHello(payloadOf(toServer, CRH));
    const srh = decodeResumeAnswer(payloadOf(toClient, SRH));
    assert.deepEqual(typesOf(chi?.extensions)?.sort((a, b) => a - b), all);
    assert.deepEqual(
      typesOf(shi && !shi.retry ? shi.extensions : undefined)?.sort((a, b) => a - b),
      all,
    );
    assert.deepEqual(typesOf(crh?.extensions)?.sort((a, b) => a - b), all);
    assert.deepEqual(
      typesOf(srh && !srh.refused ? srh.extensions : undefined)?.sort((a, b) => a - b),
      all,
    );
  });

  it("offers no extension without a store and with statelessReset: false (the v1 CHI)", async () => {
    const toServer = new Tap();
    const p = pair({ ...thingPair({ statelessReset: false }), toServer });
    await p.connect();
    const chi = toServer.sent.find((bytes) => bytes[48] === CHI)!;
    assert.ok(chi.subarray(64 + 3 + 2 + 32 + 1).every((b) => b === 0), "an empty extension list");
  });
});
