/**
 * `streams(options)`: reliable, ordered, multiplexed streams, datagrams and connection migration
 * over any dialect's sessions, as one plugin. It uses only the core Session API, so it runs over
 * the Thing dialect (sealed: put `thingSession()` first) or any other that opens sessions.
 *
 * @module
 */
import { DecodeError, SessionError } from "../../core/errors.ts";
import type { PacketContext } from "../../core/context.ts";
import { HEADER_SIZE } from "../../core/packet.ts";
import type { Plugin, PluginApi } from "../../core/plugin.ts";
import type { Session } from "../../core/session.ts";
import { StreamConnection } from "./connection.ts";
import { decodePathData, FrameType, PATH_DATA_SIZE } from "./frames.ts";
import { parseStreamsOptions, type StreamsConfig, type StreamsOptions } from "./options.ts";
import { PathValidator } from "./path.ts";
import { attachStreamSession, type StreamSession } from "./stream_session.ts";

/** The name of the streams plugin. */
export const STREAMS_PLUGIN = "streams";

/**
 * The streams plugin. Options are validated here, once.
 *
 * @throws {RangeError} for an option out of range
 * @example
 * ```ts
 * import { listen } from "@thing/net";
 * import { streams, streamSession } from "@thing/net/plugins/streams";
 * import { generateIdentity, thingSession } from "@thing/net/plugins/thing";
 * import { udp } from "@thing/net/transports/udp";
 *
 * const identity = generateIdentity();
 * const server = await listen({ transport: udp(), plugins: [thingSession({ identity }), streams()] });
 * server.on("session", async ({ session }) => {
 *   for await (const stream of streamSession(session).incomingBidirectionalStreams) {
 *     void stream.readable.pipeTo(stream.writable); // echo
 *   }
 * });
 * await server.close();
 * ```
 */
export function streams(options?: StreamsOptions): Plugin {
  const config = parseStreamsOptions(options);
  return {
    name: STREAMS_PLUGIN,
    seed: options ?? null,
    setup: (api) => setupStreams(api, config),
  };
}

function setupStreams(api: PluginApi, config: StreamsConfig): void {
  type Entry = { conn: StreamConnection; app: StreamSession; id: string };
  const connections = new WeakMap<Session, Entry>();
  const connectionOf = (session: Session) => {
    let found = connections.get(session);
    // A renamed session (a dialect re-established it under a new client ID) numbers its packets
    // from 0 again, and its peer has a new session: the old streams cannot continue.
    if (found && found.id !== session.id) found.conn.abort();
    if (!found || found.id !== session.id) {
      const conn = new StreamConnection(wireOf(api, session), config, api.role === "client");
      const app = attachStreamSession(session, conn, config.sendBuffer, config.datagramQueue);
      found = { conn, app, id: session.id };
      connections.set(session, found);
    }
    return found.conn;
  };
  const paths = new PathValidator({
    random: api.random,
    now: () => api.clock.now(),
    retryAfter: (session) => 3 * connectionOf(session).recovery.rtt.pto(config.maxAckDelay),
    attempts: config.pathAttempts,
    challengeBytes: HEADER_SIZE + PATH_DATA_SIZE + config.overhead,
    migrated(session, from, to) {
      const conn = connectionOf(session);
      conn.pathChanged();
      conn.flush();
      connections.get(session)?.app.onMigrate?.({ from, to });
    },
  });
  for (const [name, code] of Object.entries(FrameType)) api.registerPacketType({ code, name });
  api.on("session", ({ session }) => void connectionOf(session));
  api.on("resume", ({ session }) => void connectionOf(session));
  api.on("close", ({ session }) => connections.get(session)?.conn.abort());
  const frame = (ctx: PacketContext) => {
    const session = ctx.session ?? ctx.claimed;
    if (!session || session.state === "closed") return ctx.drop("no-session");
    const { type, order, payload } = ctx.packet;
    try {
      if (type === FrameType.PATH_CHALLENGE) {
        return paths.challenged(api.control(session), ctx.peer, decodePathData(payload));
      }
      if (type === FrameType.PATH_RESPONSE) {
        return paths.responded(api.control(session), ctx.peer, decodePathData(payload));
      }
      const conn = connectionOf(session);
      conn.handle(type, order, payload, ctx.authenticated);
      if (ctx.claimed) {
        // The dialect has opened the payload: add back its overhead for the size on the wire.
        paths.claimed(
          api.control(session),
          ctx.peer,
          HEADER_SIZE + payload.length + config.overhead,
        );
      }
      conn.flush();
    } catch (error) {
      if (error instanceof DecodeError) return ctx.drop("payload", error);
      throw error;
    }
  };
  for (const code of Object.values(FrameType)) api.handle(code, frame);
  // Every packet of a session takes a packet number: ACKs list the others' too (no gaps).
  api.use({
    inbound: (ctx, next) => {
      const handled = next();
      if (ACKED_FRAMES.has(ctx.packet.type)) return handled;
      if (!handled) return noteOther(ctx);
      return handled.then(() => noteOther(ctx));
    },
  });
  const noteOther = (ctx: PacketContext): void => {
    const session = ctx.session;
    if (ctx.dropped || !session) return;
    const found = connections.get(session);
    if (found && found.id === session.id) found.conn.noteOther(ctx.packet.order, ctx.authenticated);
  };
}

/**
 * The frames whose packets the connection's ACK schedule takes itself; PATH frames are handled
 * beside it, so their numbers are noted like other plugins' packets.
 */
const ACKED_FRAMES: ReadonlySet<number> = new Set(
  Object.values(FrameType).filter((type) =>
    type !== FrameType.PATH_CHALLENGE && type !== FrameType.PATH_RESPONSE
  ),
);

function wireOf(api: PluginApi, session: Session) {
  const control = api.control(session);
  return {
    now: () => api.clock.now(),
    send(
      type: number,
      customId: number,
      payload: Uint8Array,
      encoded?: (bytes: Uint8Array) => void,
    ): number {
      const pn = control.nextOrder;
      // The hook (a payload slot's release) only compares the bytes' buffer with its own.
      control.sendPacket({ type, customId, payload, onEncoded: encoded, borrowsEncoded: true });
      return pn;
    },
    setTimer(name: string, at: number, fire: () => void): void {
      control.setTimer(name, at, fire);
    },
    fail(reason: string): void {
      control.terminate(
        reason,
        new SessionError("THING_ERR_BAD_FIELD", `Cannot continue the session: ${reason}`),
      );
    },
  };
}
