/**
 * A toy dialect for the core's endpoint tests, written with the public plugin API only:
 * HELLO → ACCEPT opens a session, DATA_NOACK carries messages, DISCONNECT says goodbye.
 *
 * @module
 */
import { definePlugin, type Plugin, type PluginApi } from "../../core/plugin.ts";
import { ConnectionPacket } from "../../plugins/connection/mod.ts";

/** Options of the toy dialect. */
export interface ToyOptions {
  /** Server answers HELLO with ACCEPT (default true); false leaves the client waiting. */
  accept?: boolean;
  /** Server answers HELLO with a sessionless REJECT instead. */
  reject?: boolean;
  /** Answer a DISCONNECT with a DISCONNECT (default true); false never ends the goodbye. */
  answerGoodbye?: boolean;
}

/** Builds the toy dialect plugin (`test:toy`). */
export function toy(options: ToyOptions = {}): Plugin {
  const { accept = true, reject = false, answerGoodbye = true } = options;
  return definePlugin({
    name: "test:toy",
    seed: { accept, reject, answerGoodbye },
    setup(api) {
      for (const name of ["HELLO", "ACCEPT", "REJECT", "DATA_NOACK", "DISCONNECT"] as const) {
        api.registerPacketType({ code: ConnectionPacket[name], name });
      }
      api.onConnect((control) => control.sendPacket({ type: ConnectionPacket.HELLO }));
      api.handle(ConnectionPacket.HELLO, (ctx) => {
        if (reject) {
          return api.sendTo(ctx.peer, ctx.packet.clientId, { type: ConnectionPacket.REJECT });
        }
        if (!accept) return;
        const session = api.control(ctx.session) ??
          api.sessions.create(ctx.packet.clientId, ctx.peer);
        session.open();
        session.sendPacket({ type: ConnectionPacket.ACCEPT });
      });
      api.handle(ConnectionPacket.ACCEPT, (ctx) => api.control(ctx.session)?.open());
      api.handle(ConnectionPacket.REJECT, (ctx) => api.control(ctx.session)?.terminate("rejected"));
      api.handle(ConnectionPacket.DISCONNECT, (ctx) => {
        const session = api.control(ctx.session);
        if (!session) return;
        if (session.state === "closing") return session.terminate("goodbye answered");
        if (!answerGoodbye) return;
        session.sendPacket({ type: ConnectionPacket.DISCONNECT });
        session.terminate("peer said goodbye");
      });
      api.onSessionClosing((control) => {
        control.sendPacket({ type: ConnectionPacket.DISCONNECT });
        return true;
      });
      toyMessages(api);
    },
  });
}

/**
 * The toy dialects' messages: DATA_NOACK in is a `message` event (dropped without a session),
 * and the messenger sends each message as one DATA_NOACK.
 */
export function toyMessages(api: PluginApi): void {
  api.handle(ConnectionPacket.DATA_NOACK, (ctx) => {
    if (!ctx.session) return ctx.drop("no-session");
    api.emit("message", {
      session: ctx.session,
      data: ctx.packet.payload.slice(),
      customId: ctx.packet.customId,
      reliable: false,
    });
  });
  api.provide("messenger", {
    send(session, data, opts) {
      api.control(session).sendPacket({
        type: ConnectionPacket.DATA_NOACK,
        payload: data,
        customId: opts.customId ?? 0,
      });
      return Promise.resolve();
    },
  });
}

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** `text` of UTF-8 bytes. */
export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
