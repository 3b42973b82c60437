/**
 * Knock: a small dialect written as a third party would write one, importing only `@thing/net`
 * (here `../../mod.ts`, the file that entry point names). It owns everything it speaks: its
 * packet types (tokens in the application range 0x90–0x94), its typed event (`knockEvent`) and its
 * error codes (`KnockErrorCode`), and runs over any transport.
 *
 * ```text
 * client                              server
 * KNOCK name ------------------------> admit(name)?
 *        <------------------------- WELCOME          (session open)   or  DENY reason
 * NOTE data <-----------------------> NOTE data      (datagrams, the app's messages)
 * BYE        ------------------------> (session closed; either side may say it)
 * ```
 *
 * @example
 * ```ts ignore
 * const server = await listen({ transport: udp(), plugins: knock({ admit: (n) => n !== "eve" }) });
 * server.on(knockEvent, ({ name, admitted }) => console.log(name, admitted));
 * const client = await connect({ transport: udp(), port: server.address.port, plugins: knock({ name: "ada" }) });
 * await client.send(new TextEncoder().encode("hi"));
 * ```
 *
 * @module
 */
import {
  defineEvent,
  definePacketType,
  definePlugin,
  type EventKey,
  type PacketTypeDefinition,
  type PayloadCodec,
  type PeerAddress,
  type PluginList,
  ThingError,
} from "../../mod.ts";

/** The error codes the knock dialect owns. */
export type KnockErrorCode =
  /** The server turned the client's name away (`connect()` rejects with it). */
  | "KNOCK_ERR_DENIED"
  /** A name that is empty or longer than 64 bytes (`knock()` throws it). */
  | "KNOCK_ERR_NAME"
  /** A `send()` asked for `{ reliable: true }`: knock carries datagrams only. */
  | "KNOCK_ERR_RELIABLE";

/** An error of the knock dialect, with one of its own codes. */
export class KnockError extends ThingError {
  /** The knock code. */
  declare readonly code: KnockErrorCode;

  /** Creates a knock error. */
  constructor(code: KnockErrorCode, message: string) {
    super(code, message);
    this.name = "KnockError";
  }
}

/** A client knocked on the server. */
export interface KnockEvent {
  /** Who knocked. */
  peer: PeerAddress;
  /** The name it gave. */
  name: string;
  /** Whether it was let in. */
  admitted: boolean;
}

/** Emitted on a server for every new knock: `server.on(knockEvent, ({ name }) => …)`. */
export const knockEvent: EventKey<KnockEvent> = defineEvent("knock:knock");

const MAX_NAME = 64;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** A UTF-8 name of 1 to 64 bytes. */
const nameCodec: PayloadCodec<string> = {
  decode(payload) {
    if (payload.length === 0 || payload.length > MAX_NAME) {
      throw new RangeError(`Cannot read a name of ${payload.length} bytes: send 1 to ${MAX_NAME}`);
    }
    return decoder.decode(payload);
  },
  encode: (name) => encoder.encode(name),
};

/** Free text (a reason). */
const textCodec: PayloadCodec<string> = {
  decode: (payload) => decoder.decode(payload),
  encode: (text) => encoder.encode(text),
};

/** KNOCK: the client asks to come in; its body is the client's name. */
export const KNOCK: PacketTypeDefinition<string> = definePacketType({
  code: 0x90,
  name: "KNOCK",
  codec: nameCodec,
});
/** WELCOME: the server let the client in. */
export const WELCOME: PacketTypeDefinition<undefined> = definePacketType({
  code: 0x91,
  name: "WELCOME",
});
/** DENY: the server turned the client away; its body is the reason. */
export const DENY: PacketTypeDefinition<string> = definePacketType({
  code: 0x92,
  name: "DENY",
  codec: textCodec,
});
/** NOTE: one application message, a datagram; the custom ID is its channel. */
export const NOTE: PacketTypeDefinition<undefined> = definePacketType({ code: 0x93, name: "NOTE" });
/** BYE: the session ends. */
export const BYE: PacketTypeDefinition<undefined> = definePacketType({ code: 0x94, name: "BYE" });

/** Options of `knock()`. */
export interface KnockOptions {
  /** Client: the name to knock with (default `guest`). */
  name?: string;
  /** Server: who is let in (default everyone). */
  admit?: (name: string) => boolean;
  /** Client: milliseconds between KNOCKs until an answer comes (default 200). */
  retryMs?: number;
}

/**
 * The knock dialect, for both sides.
 *
 * @throws {KnockError} `KNOCK_ERR_NAME` for an empty or over-long name
 */
export function knock(options: KnockOptions = {}): PluginList {
  const { name = "guest", admit = () => true, retryMs = 200 } = options;
  const nameBytes = encoder.encode(name);
  if (nameBytes.length === 0 || nameBytes.length > MAX_NAME) {
    throw new KnockError("KNOCK_ERR_NAME", `Cannot knock as "${name}": use 1 to 64 UTF-8 bytes`);
  }
  return [definePlugin({
    name: "knock",
    seed: { name, retryMs },
    setup(api) {
      for (const type of [KNOCK, WELCOME, DENY, NOTE, BYE]) api.registerPacketType(type);

      // Client: knock until the server answers (connect() has its own overall timeout).
      api.onConnect((control) => {
        const knockNow = () => {
          control.sendPacket({ type: KNOCK.code, payload: nameBytes });
          control.setTimer("knock", api.clock.now() + retryMs, knockNow);
        };
        knockNow();
      });
      api.handle(WELCOME, (ctx) => {
        const control = api.control(ctx.session);
        control?.clearTimer("knock");
        control?.open();
      });
      api.handle(DENY, (ctx) => {
        const reason = ctx.body;
        api.control(ctx.session)?.terminate(
          "denied",
          new KnockError("KNOCK_ERR_DENIED", `Cannot come in: the server said "${reason}"`),
        );
      });

      // Server: a KNOCK opens a session, or is answered with DENY.
      api.handle(KNOCK, (ctx) => {
        if (ctx.session?.state === "open") return ctx.reply({ type: WELCOME.code });
        const admitted = admit(ctx.body);
        api.emit(knockEvent, { peer: ctx.peer, name: ctx.body, admitted });
        if (!admitted) {
          return ctx.reply({
            type: DENY.code,
            payload: encoder.encode(`${ctx.body} is not welcome`),
          });
        }
        const control = api.control(ctx.session) ??
          api.sessions.create(ctx.packet.clientId, ctx.peer);
        control.open();
        control.sendPacket({ type: WELCOME.code });
      });

      // Both: messages and goodbyes.
      api.handle(NOTE, (ctx) => {
        const session = ctx.session;
        if (session?.state !== "open") return ctx.drop("knock-not-open");
        api.emit("message", {
          session,
          data: ctx.packet.payload.slice(),
          customId: ctx.packet.customId,
          reliable: false,
        });
      });
      api.handle(BYE, (ctx) => api.control(ctx.session)?.terminate("peer said bye"));
      api.onSessionClosing((control) => {
        if (control.state !== "closed") control.sendPacket({ type: BYE.code });
        return false;
      });
      api.provide("messenger", {
        send(session, data, { reliable, customId = 0 }) {
          if (reliable === true) {
            return Promise.reject(
              new KnockError("KNOCK_ERR_RELIABLE", "Cannot send reliably: knock sends datagrams"),
            );
          }
          try {
            api.control(session).sendPacket({ type: NOTE.code, payload: data, customId });
            return Promise.resolve();
          } catch (error) {
            return Promise.reject(error);
          }
        },
      });
    },
  })];
}
