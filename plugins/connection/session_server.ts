/**
 * The server half of the Connection session plugin: HELLO freshness and replay checks, ACCEPT or
 * REJECT, address binding (a packet without a session at its address gets REJECT), PONG, the idle
 * timeout, DISCONNECT, and REJECT as the server's goodbye.
 *
 * @module
 */
import type { PacketContext } from "../../core/context.ts";
import { decodeExtensions, encodeExtensions } from "../../core/extensions.ts";
import { toHex } from "../../core/hex.ts";
import type { PluginApi } from "../../core/plugin.ts";
import type { Session, SessionControl } from "../../core/session.ts";
import type { Timer } from "../../core/timers.ts";
import type { ResolvedSessionOptions } from "./options.ts";
import { ConnectionPacket, HELLO } from "./packets.ts";

/** Wires the server side of the session plugin into `api`. */
export function setupServer(api: PluginApi, opts: ResolvedSessionOptions): void {
  const lastHeard = new WeakMap<Session, { at: number }>();
  /** Newest HELLO timestamp taken per client ID, kept while such a HELLO could still be fresh. */
  const newestHello = new Map<string, number>();
  let sweep: Timer | undefined;

  const reject = (ctx: PacketContext) =>
    api.sendTo(ctx.peer, ctx.packet.clientId.slice(), { type: ConnectionPacket.REJECT });

  const armIdle = (control: SessionControl, heard: { at: number }) => {
    control.setTimer("idle", heard.at + opts.timeout, () => {
      if (api.clock.now() - heard.at >= opts.timeout) {
        control.terminate(`timed out: nothing heard for ${opts.timeout} ms`);
      } else armIdle(control, heard);
    });
  };

  const armSweep = () => {
    if (sweep) return;
    sweep = api.setTimer(api.clock.now() + opts.helloWindow, () => {
      sweep = undefined;
      const cutoff = api.clock.wallNow() - opts.helloWindow;
      for (const [id, at] of newestHello) if (at < cutoff) newestHello.delete(id);
      if (newestHello.size > 0) armSweep();
    });
  };
  api.onClose(() => {
    sweep?.cancel();
    sweep = undefined;
  });

  api.use({
    inbound: (ctx, next) => {
      if (ctx.packet.type === ConnectionPacket.HELLO) return next();
      const session = ctx.session;
      if (!session || session.state === "closed") {
        if (ctx.packet.type !== ConnectionPacket.REJECT) reject(ctx);
        return ctx.drop(ctx.claimed ? "claimed" : "no-session");
      }
      const heard = lastHeard.get(session);
      if (heard) heard.at = api.clock.now();
      return next();
    },
  });

  api.handle(HELLO, (ctx) => {
    const timestamp = ctx.body;
    if (Math.abs(api.clock.wallNow() - timestamp) > opts.helloWindow) {
      return ctx.drop("stale-hello");
    }
    if (ctx.claimed) {
      reject(ctx);
      return ctx.drop("claimed");
    }
    const id = toHex(ctx.packet.clientId);
    const newest = newestHello.get(id);
    if (newest !== undefined && timestamp <= newest) return ctx.drop("replayed-hello");
    const session = ctx.session;
    if (!session && api.sessions.size >= opts.maxSessions) {
      reject(ctx);
      return ctx.drop("full");
    }
    newestHello.set(id, timestamp);
    armSweep();
    if (session) {
      // The client repeats its HELLO (our ACCEPT was lost): answer again, change nothing.
      const heard = lastHeard.get(session);
      if (heard) heard.at = api.clock.now();
      const again = api.control(session);
      return again.sendPacket({
        type: ConnectionPacket.ACCEPT,
        payload: encodeExtensions(again.extensions),
      });
    }
    // The HELLO decoded, so its extension list after the time is whole (§3.13).
    const taken = api.extensions.answer(decodeExtensions(ctx.packet.payload.subarray(8)) ?? []);
    const control = api.sessions.create(ctx.packet.clientId, ctx.peer);
    control.setExtensions(taken);
    const heard = { at: api.clock.now() };
    lastHeard.set(control.session, heard);
    armIdle(control, heard);
    control.sendPacket({ type: ConnectionPacket.ACCEPT, payload: encodeExtensions(taken) });
    control.open();
  });

  api.handle(
    ConnectionPacket.PING,
    (ctx) => api.control(ctx.session)?.sendPacket({ type: ConnectionPacket.PONG }),
  );

  api.handle(ConnectionPacket.DISCONNECT, (ctx) => {
    reject(ctx);
    api.control(ctx.session)?.terminate("disconnected by client");
  });

  api.onSessionClosing((control) => {
    control.sendPacket({ type: ConnectionPacket.REJECT });
    return false;
  });
}
