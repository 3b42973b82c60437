/**
 * `connectionData()`: the Connection dialect's data plugin. DATA_NOACK is sent once and never
 * answered; DATA_ACK is kept until an ACK naming its checksum arrives, resent at once on BAD_ACK
 * and on an RFC 6298 timeout otherwise, and its `send()` fails with a TimeoutError after
 * `maxRetransmits`. Receivers deliver each message once, however often it arrives, by its order
 * count. It provides the `messenger` service behind `session.send()` and needs only the core
 * Session API, so any dialect that opens sessions can reuse it.
 *
 * @module
 */
import { packetSlab } from "../../core/byte_slab.ts";
import { SessionError, TimeoutError } from "../../core/errors.ts";
import type { PacketContext } from "../../core/context.ts";
import { PacketType } from "../../core/packet.ts";
import type { Plugin, PluginApi } from "../../core/plugin.ts";
import type { SendOptions, Session } from "../../core/session.ts";
import { sameBytes } from "../../core/same_bytes.ts";
import type { Timer } from "../../core/timers.ts";
import type {} from "../metrics/events.ts";
import { ReplayWindow } from "../thing/crypto/replay_window.ts";
import { checkMessage, key48 } from "./_message.ts";
import { dataPacketTypes } from "./packets.ts";
import { type DataOptions, parseDataOptions, type ResolvedDataOptions } from "./options.ts";
import { RtoEstimator } from "./rto.ts";

/** The data plugin's name. */
export const DATA_PLUGIN = "thing:connection-data";

interface Outgoing {
  data: Uint8Array;
  customId: number;
  reliable: boolean;
  /** Order count of every transmission (reliable only, -1 until first sent). */
  order: number;
  /** The session's client ID when first sent: a re-established session is another incarnation. */
  incarnation: string;
  /** Transmissions so far. */
  tries: number;
  sentAt: number;
  keys: number[];
  timer: Timer | undefined;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Sent {
  entry: Outgoing;
  checksum: Uint8Array;
}

interface DataState {
  incarnation: string;
  received: ReplayWindow | undefined;
  /** Reliable messages awaiting ACK, oldest (lowest order) first. */
  inFlight: Map<number, Outgoing>;
  /** The same, by the first 48 bits of each transmission's checksum. */
  byChecksum: Map<number, Sent>;
  queue: Outgoing[];
  queueHead: number;
  rto: RtoEstimator;
}

/**
 * Creates the data plugin.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_OPTIONS` naming a bad option
 * @example
 * ```ts ignore
 * const plugins = [myHandshake(), connectionData({ maxRetransmits: 5 })];
 * ```
 */
export function connectionData(options: DataOptions = {}): Plugin {
  const resolved = parseDataOptions(options, DATA_PLUGIN);
  return { name: DATA_PLUGIN, seed: resolved, setup: (api) => setupData(api, resolved) };
}

function setupData(api: PluginApi, opts: ResolvedDataOptions): void {
  const states = new WeakMap<Session, DataState>();
  const halfWindow = opts.window / 2;
  for (const type of dataPacketTypes) api.registerPacketType(type);

  const stateOf = (session: Session): DataState => {
    let st = states.get(session);
    if (!st) {
      st = {
        incarnation: session.id,
        received: undefined,
        inFlight: new Map(),
        byChecksum: new Map(),
        queue: [],
        queueHead: 0,
        rto: new RtoEstimator(opts.initialRto, opts.minRto, opts.maxRto),
      };
      states.set(session, st);
    } else if (st.incarnation !== session.id) {
      st.incarnation = session.id;
      st.received = undefined;
      const error = new SessionError(
        "THING_ERR_NOT_CONNECTED",
        `Cannot confirm delivery on session ${session.id}: it was re-established before the ACK came; send again if needed`,
      );
      for (const entry of [...st.inFlight.values()]) fail(st, entry, error);
    }
    return st;
  };

  const forget = (st: DataState, entry: Outgoing): void => {
    entry.timer?.cancel();
    entry.timer = undefined;
    if (st.inFlight.get(entry.order) === entry) st.inFlight.delete(entry.order);
    for (const key of entry.keys) {
      if (st.byChecksum.get(key)?.entry === entry) st.byChecksum.delete(key);
    }
  };

  const fail = (st: DataState, entry: Outgoing, error: Error): void => {
    forget(st, entry);
    entry.reject(error);
  };

  const canSend = (session: Session, st: DataState, reliable: boolean): boolean => {
    if (session.state !== "open") return false;
    if (st.inFlight.size === 0) return true;
    if (reliable && st.inFlight.size >= opts.maxInFlight) return false;
    const oldest = st.inFlight.values().next().value;
    return oldest === undefined || session.nextOrder - oldest.order < halfWindow;
  };

  const transmit = (session: Session, st: DataState, entry: Outgoing): void => {
    const now = api.clock.now();
    entry.sentAt = now;
    entry.tries++;
    session.sendPacket({
      type: PacketType.DATA_ACK,
      payload: entry.data,
      customId: entry.customId,
      order: entry.order,
      onEncoded: (bytes) => {
        const key = key48(bytes);
        if (st.byChecksum.get(key)?.entry === entry) return;
        // A view, not a copy: encoded packets are never written to again.
        st.byChecksum.set(key, { entry, checksum: bytes.subarray(0, 32) });
        entry.keys.push(key);
      },
    });
    entry.timer = api.setTimer(
      now + st.rto.backoff(entry.tries - 1),
      () => onTimeout(session, entry),
    );
  };

  const sendNow = (session: Session, st: DataState, entry: Outgoing): void => {
    if (!entry.reliable) {
      session.sendPacket({
        type: PacketType.DATA_NOACK,
        payload: entry.data,
        customId: entry.customId,
      });
      return entry.resolve();
    }
    entry.order = session.takeOrder();
    entry.incarnation = session.id;
    st.inFlight.set(entry.order, entry);
    transmit(session, st, entry);
  };

  const pump = (session: Session, st: DataState): void => {
    while (st.queueHead < st.queue.length) {
      const entry = st.queue[st.queueHead]!;
      if (!canSend(session, st, entry.reliable)) return;
      st.queue[st.queueHead++] = undefined as unknown as Outgoing;
      sendNow(session, st, entry);
    }
    st.queue = [];
    st.queueHead = 0;
  };

  const onTimeout = (session: Session, entry: Outgoing): void => {
    entry.timer = undefined;
    if (session.state === "closed") return;
    const st = stateOf(session);
    if (st.inFlight.get(entry.order) !== entry) return;
    if (session.state !== "open") {
      // Paused while the session re-establishes; the tries are kept for when it is back.
      entry.timer = api.setTimer(
        api.clock.now() + st.rto.backoff(entry.tries - 1),
        () => onTimeout(session, entry),
      );
      return;
    }
    retransmit(session, st, entry, "timeout");
  };

  const retransmit = (session: Session, st: DataState, entry: Outgoing, why: string): void => {
    entry.timer?.cancel();
    if (entry.tries > opts.maxRetransmits) {
      return fail(
        st,
        entry,
        new TimeoutError(
          `No ACK for a DATA_ACK on session ${session.id} after ${entry.tries} sends (last: ${why}); check the peer is up or raise maxRetransmits`,
        ),
      );
    }
    if (session.nextOrder - entry.order >= opts.window) {
      return fail(
        st,
        entry,
        new TimeoutError(
          `No ACK for a DATA_ACK on session ${session.id} before it left the receiver's window of ${opts.window} order counts; send it again`,
        ),
      );
    }
    transmit(session, st, entry);
    api.emit("retransmit", { session, type: PacketType.DATA_ACK, attempt: entry.tries });
  };

  const lookup = (st: DataState, checksum: Uint8Array): Outgoing | undefined => {
    const sent = st.byChecksum.get(key48(checksum));
    return sent && sameBytes(sent.checksum, checksum) ? sent.entry : undefined;
  };

  const receive = (ctx: PacketContext, reliable: boolean): void => {
    const session = ctx.session;
    if (!session || session.state === "closed") return ctx.drop("no-session");
    const st = stateOf(session);
    const window = st.received ??= new ReplayWindow(opts.window);
    const order = ctx.packet.order;
    const fresh = window.check(order);
    if (!fresh && window.highest - order >= window.size) return ctx.drop("stale-order");
    // The received bytes are ours and never rewritten: the ACK can carry a view of the field.
    if (reliable) ctx.reply({ type: PacketType.ACK, payload: ctx.packet.checksum });
    if (!fresh) return ctx.drop("duplicate");
    window.update(order);
    api.emit("message", {
      session,
      data: packetSlab.copy(ctx.packet.payload),
      customId: ctx.packet.customId,
      reliable,
    });
  };

  api.handle(PacketType.DATA_ACK, (ctx) => receive(ctx, true));
  api.handle(PacketType.DATA_NOACK, (ctx) => receive(ctx, false));

  api.handle(PacketType.ACK, (ctx) => {
    const session = ctx.session;
    const st = session && states.get(session);
    const entry = st && lookup(st, ctx.body as Uint8Array);
    if (!session || !st || !entry) return ctx.drop("unknown-ack");
    if (entry.tries === 1) {
      const rtt = api.clock.now() - entry.sentAt;
      st.rto.sample(rtt);
      api.emit("rtt", { session, rtt, exchange: "DATA_ACK/ACK" });
    }
    forget(st, entry);
    entry.resolve();
    pump(session, st);
  });

  api.handle(PacketType.BAD_ACK, (ctx) => {
    const session = ctx.session;
    const st = session && states.get(session);
    const entry = st && lookup(st, ctx.body as Uint8Array);
    if (!session || !st || !entry || session.state !== "open") return ctx.drop("unknown-ack");
    retransmit(session, st, entry, "BAD_ACK");
  });

  api.onMalformed(({ error, session, reply }) => {
    if (error.packet.type !== PacketType.DATA_ACK || !session || session.state === "closed") return;
    reply({ type: PacketType.BAD_ACK, payload: error.packet.checksum.slice() });
  });

  const wake = ({ session }: { session: Session }) => {
    const st = states.get(session);
    if (st) pump(session, stateOf(session));
  };
  api.on("session", wake);
  api.on("resume", wake);

  api.on("close", ({ session, reason, error }) => {
    const st = states.get(session);
    if (!st) return;
    states.delete(session);
    const closed = new SessionError(
      "THING_ERR_SESSION_CLOSED",
      `Cannot deliver a message on session ${session.id}: it closed (${reason})`,
      { cause: error },
    );
    for (const entry of [...st.inFlight.values()]) fail(st, entry, closed);
    for (let i = st.queueHead; i < st.queue.length; i++) st.queue[i]!.reject(closed);
    st.queue = [];
  });

  api.provide("messenger", {
    send(session: Session, data: Uint8Array, options: SendOptions): Promise<void> {
      const { reliable = true, customId = 0 } = options;
      const invalid = checkMessage(data, customId);
      if (invalid) return Promise.reject(invalid);
      const st = stateOf(session);
      if (!reliable && st.queueHead === st.queue.length && canSend(session, st, false)) {
        session.sendPacket({ type: PacketType.DATA_NOACK, payload: data, customId });
        return Promise.resolve();
      }
      return new Promise<void>((resolve, reject) => {
        const entry: Outgoing = {
          data: reliable ? packetSlab.copy(data) : data,
          customId,
          reliable,
          order: -1,
          incarnation: session.id,
          tries: 0,
          sentAt: 0,
          keys: [],
          timer: undefined,
          resolve,
          reject,
        };
        if (st.queueHead === st.queue.length && canSend(session, st, reliable)) {
          sendNow(session, st, entry);
        } else st.queue.push(entry);
      });
    },
  });
}
