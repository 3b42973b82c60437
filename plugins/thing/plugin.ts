/**
 * `thingSession(options)`: the Thing dialect's session layer — the seven-step handshake, the
 * sealing middleware, heartbeats and both terminations — as one plugin. It carries no application
 * data itself: put a data plugin after it (`thingDatagrams()` in `thing()`, the Connection
 * dialect's data plugin in `hybrid()`, or your own). It must come first in the plugin list, so
 * that it opens packets before any other plugin sees them and seals them after every other
 * plugin has written them.
 *
 * @module
 */
import { PluginError, SessionError } from "../../core/errors.ts";
import type { Next } from "../../core/compose.ts";
import type { PacketContext } from "../../core/context.ts";
import { AUTHENTICATED_BIT } from "../../core/packet.ts";
import type { Plugin, PluginApi } from "../../core/plugin.ts";
import type { Session } from "../../core/session.ts";
import { ClientHandshake } from "./client_handshake.ts";
import { constantTimeEqual } from "./crypto/mod.ts";
import type { ThingHost } from "./host.ts";
import { Lifecycle } from "./lifecycle.ts";
import { parseThingOptions, type ThingConfig, type ThingOptions } from "./options.ts";
import { PLAINTEXT_TYPES, ThingPacket } from "./packets.ts";
import { Opener, Sealer } from "./sealer.ts";
import { ServerHandshakes, type ServerSide } from "./server_handshake.ts";
import { isStatelessReset, resetKeyOf, ResetResponder } from "./reset.ts";
import { defineThingExtensions } from "./thing_extensions.ts";
import { Tickets } from "./tickets.ts";
import { ticketStoreKey } from "./ticket_store_key.ts";
import type { SessionTokens } from "./resumption_packets.ts";

/** The name of the Thing session plugin (data plugins declare it as a dependency). */
export const THING_PLUGIN = "thing";

const TYPES = [
  "CHI",
  "SHI",
  "SDH",
  "CDH",
  "SCC",
  "CCC",
  "SHF",
  "CHB",
  "SUU",
  "CGB",
  "SGB",
  "CFL",
  "SFL",
  "CRH",
  "SRH",
] as const;

/** The session layer's own packet codes: never acted on from an unvalidated address. */
const OWN_TYPES: ReadonlySet<number> = new Set(TYPES.map((name) => ThingPacket[name]));

/**
 * The Thing session layer as a plugin. Options are validated here, once.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` for invalid options; at setup, for a server
 *   without an identity
 * @example
 * ```ts
 * import { readFileSync } from "node:fs";
 * import { thingDatagrams, thingSession } from "@thing/net/plugins/thing";
 *
 * export const plugins = (keyFile: string) => [
 *   thingSession({ identity: readFileSync(keyFile, "utf8") }),
 *   thingDatagrams(),
 * ];
 * ```
 */
export function thingSession(options?: ThingOptions, layer: ThingLayer = {}): Plugin {
  const config = parseThingOptions(options);
  const duplicates = new Set(layer.duplicates ?? []);
  return {
    name: THING_PLUGIN,
    seed: { options: options ?? null, duplicates: [...duplicates] },
    setup: (api) => setupThing(api, config, duplicates),
  };
}

/** How the session layer treats the data plugin composed with it. */
export interface ThingLayer {
  /**
   * Packet types whose data plugin resends them under the same order count and deduplicates
   * them itself: a repeat still inside the replay window is let through instead of dropped
   * (the Connection data plugin's DATA_ACK, so that a lost ACK can be answered again).
   */
  duplicates?: readonly number[];
}

interface Ciphers {
  sealer: Sealer;
  opener: Opener;
}

function setupThing(api: PluginApi, config: ThingConfig, duplicates: Set<number>): void {
  if (api.role === "server" && !config.identity?.privateKey) {
    throw new PluginError(
      "THING_ERR_PLUGIN_OPTIONS",
      "Cannot run a thing server without its private identity key: pass `identity` (a key file from `thing keygen`)",
    );
  }
  for (const name of TYPES) api.registerPacketType({ code: ThingPacket[name], name });
  defineThingExtensions(api, config);
  // Every packet with the authenticated bit is opened below or dropped: a plaintext one is dropped.
  api.claimAuthenticated();
  const ciphers = new WeakMap<Session, Ciphers>();
  const clients = new WeakMap<Session, ClientHandshake>();
  const servers = new WeakMap<Session, ServerSide>();
  const resetTokens = new WeakMap<Session, Uint8Array>();
  const identity = config.identity;
  const server = api.role === "server" && identity?.privateKey
    ? {
      resets: new ResetResponder(
        resetKeyOf(identity.privateKey, config),
        api.clock,
        api.random,
        config.statelessResetRate,
        config,
      ),
      tickets: new Tickets(
        api.clock,
        api.random,
        config.ticketLifetime,
        identity.publicKey,
        () => api.service("ticketSecrets"),
        config,
      ),
    }
    : undefined;
  const host: ThingHost = {
    api,
    config,
    install(session, keys, suite) {
      const client = api.role === "client";
      const common = {
        suite,
        rekeyAfter: config.rekeyAfter,
        implementation: config.implementation,
      };
      const c2s = { ...common, key: keys.clientToServer, iv: keys.c2sIv };
      const s2c = { ...common, key: keys.serverToClient, iv: keys.s2cIv };
      ciphers.set(session, {
        sealer: new Sealer(client ? c2s : s2c),
        opener: new Opener(client ? s2c : c2s, config.replayWindow),
      });
    },
    established(control, ttl) {
      handshakes?.settle(control.session);
      life.start(control.session, ttl);
      control.open();
    },
    fail(control, error) {
      control.terminate("handshake failed", error);
    },
    issueTokens(clientId, taken, secret) {
      const tokens: SessionTokens = {};
      if (!server) return tokens;
      if (taken.reset) tokens.resetToken = server.resets.tokenOf(clientId);
      if (taken.resumption && secret) {
        tokens.ticket = {
          lifetime: server.tickets.lifetimeSeconds,
          bytes: server.tickets.mint(secret),
        };
      }
      return tokens;
    },
    armReset(session, token) {
      resetTokens.set(session, token);
      life.padHeartbeats(session);
    },
  };
  const life = new Lifecycle(host);
  const handshakes = server ? new ServerHandshakes(host, server.tickets) : undefined;
  const handshakeOf = (session: Session) => clients.get(session) ?? servers.get(session);

  // A sealed packet of `session` from another address (connection migration, or an attacker
  // replaying or redirecting one). Authentic and fresh data packets go on, still unbound to the
  // session, so that a path-validating plugin (streams) can challenge the new address. The session
  // layer's own packets (heartbeat, goodbye, flatline) are dropped unopened: from an unvalidated
  // address they neither renew nor end the session, nor use up an order count.
  const openClaimed = (ctx: PacketContext, session: Session, next: Next) => {
    const type = ctx.packet.type;
    const cipher = ciphers.get(session);
    if (!cipher || !life.established(session) || OWN_TYPES.has(type)) {
      return ctx.drop("thing-wrong-address");
    }
    const result = cipher.opener.open(ctx.packet, duplicates.has(type));
    if (result === "auth") return ctx.drop("thing-wrong-address");
    if (result === "replay") return ctx.drop("thing-replay");
    ctx.authenticated = true;
    return next();
  };

  const seal = (ctx: PacketContext, next: Next) => {
    const type = ctx.packet.type;
    const session = ctx.session;
    if (!session || PLAINTEXT_TYPES.has(type)) return next();
    const cipher = ciphers.get(session);
    if (!cipher) {
      throw new SessionError(
        "THING_ERR_NOT_CONNECTED",
        `Cannot send ${
          api.typeName(type)
        } on session ${session.id} before its thing handshake derives keys: wait until it is open`,
      );
    }
    cipher.sealer.seal(ctx.packet);
    return next();
  };

  const open = (ctx: PacketContext, next: Next) => {
    const type = ctx.packet.type;
    if (PLAINTEXT_TYPES.has(type)) {
      return (ctx.packet.reserved & AUTHENTICATED_BIT) === 0 ? next() : ctx.drop("thing-auth");
    }
    if (!ctx.session && ctx.claimed) return openClaimed(ctx, ctx.claimed, next);
    const session = ctx.session;
    const cipher = session && ciphers.get(session);
    if (!session && server) {
      const reset = server.resets.answer(ctx.packet);
      if (reset) api.sendTo(ctx.peer, ctx.packet.clientId.slice(), reset);
    }
    if (!session || !cipher) return ctx.drop("thing-unsealed");
    const result = cipher.opener.open(ctx.packet, duplicates.has(type));
    if (result !== "ok") {
      const token = resetTokens.get(session);
      if (token && isStatelessReset(ctx.packet, token)) {
        api.control(session).terminate(
          "stateless reset",
          new SessionError(
            "THING_ERR_RESET",
            `The server has no session ${session.id} any more (it restarted or lost it): connect again`,
          ),
        );
        return ctx.drop("thing-reset");
      }
      if (result === "auth") handshakeOf(session)?.onAuthFailure(type);
      return ctx.drop(result === "auth" ? "thing-auth" : "thing-replay");
    }
    ctx.authenticated = true;
    const client = clients.get(session);
    if (client?.awaitingFinish && type !== ThingPacket.SCC) client.onFinish();
    life.touch(session);
    return next();
  };
  api.use({ inbound: open, outbound: seal });

  api.on("close", ({ session }) => handshakes?.settle(session));
  api.onSessionClosing((control, reason) => life.onClosing(control.session, reason));

  if (api.role === "client") {
    api.onConnect((control) => {
      const resume = config.tickets?.take(ticketStoreKey(config, control.peer));
      const usable = resume && resume.expiresAt > api.clock.wallNow() &&
        (!config.serverKey || constantTimeEqual(resume.serverKey, config.serverKey));
      const handshake = new ClientHandshake(host, control, usable ? resume : undefined);
      clients.set(control.session, handshake);
      handshake.start();
    });
    const withClient =
      (fn: (h: ClientHandshake, ctx: PacketContext) => void) => (ctx: PacketContext) => {
        const handshake = ctx.session && clients.get(ctx.session);
        if (!handshake) return ctx.drop("thing-no-session");
        fn(handshake, ctx);
      };
    api.handle(ThingPacket.SHI, withClient((h, ctx) => h.onHello(ctx.packet)));
    api.handle(ThingPacket.SDH, withClient((h, ctx) => h.onKeys(ctx.packet)));
    api.handle(ThingPacket.SRH, withClient((h, ctx) => h.onResumeAnswer(ctx.packet)));
    api.handle(ThingPacket.SCC, withClient((h, ctx) => h.onConfirm(ctx.packet.payload)));
    api.handle(ThingPacket.SHF, () => {});
    api.handle(ThingPacket.SUU, () => {});
    api.handle(ThingPacket.SGB, (ctx) => life.onGoodbyeAnswer(ctx.session!));
    api.handle(ThingPacket.SFL, (ctx) => life.onServerFlatline(ctx.session!, ctx.packet.payload));
    return;
  }
  api.handle(ThingPacket.CHI, (ctx) => {
    if (ctx.session) return servers.get(ctx.session)?.onHelloAgain(ctx.packet);
    if (ctx.claimed) return ctx.drop("thing-wrong-address");
    const result = handshakes!.accept(ctx.packet, ctx.peer);
    if (result === "malformed") return ctx.drop("thing-bad-chi");
    if (result !== "retry") servers.set(result.session, result);
  });
  api.handle(ThingPacket.CRH, (ctx) => {
    if (ctx.session) return servers.get(ctx.session)?.onHelloAgain(ctx.packet);
    if (ctx.claimed) return ctx.drop("thing-wrong-address");
    const result = handshakes!.acceptResume(ctx.packet, ctx.peer);
    if (result === "malformed") return ctx.drop("thing-bad-crh");
    if (typeof result !== "string") servers.set(result.session, result);
  });
  const withServer = (fn: (h: ServerSide, ctx: PacketContext) => void) => (ctx: PacketContext) => {
    const handshake = ctx.session && servers.get(ctx.session);
    if (!handshake) return ctx.drop("thing-no-session");
    fn(handshake, ctx);
  };
  api.handle(ThingPacket.CDH, withServer((h, ctx) => h.onKeys(ctx.packet)));
  api.handle(ThingPacket.CCC, withServer((h, ctx) => h.onConfirm(ctx.packet.payload)));
  api.handle(ThingPacket.CHB, (ctx) => life.onHeartbeat(ctx.session!));
  api.handle(ThingPacket.CGB, (ctx) => life.onGoodbye(ctx.session!));
  api.handle(ThingPacket.CFL, (ctx) => life.onFlatline(ctx.session!));
}
