/**
 * The client half of the Connection session plugin: HELLO with retries and backoff, PING on an
 * interval, re-establishing a session whose server went silent (a new client ID and HELLO, with
 * backoff), REJECT as the server's final word, and DISCONNECT retried until REJECT.
 *
 * @module
 */
import { SessionError, TimeoutError } from "../../core/errors.ts";
import type { PluginApi } from "../../core/plugin.ts";
import type { Session } from "../../core/session.ts";
import { reconnectingEvent } from "./events.ts";
import type { ResolvedSessionOptions } from "./options.ts";
import { ConnectionPacket, timestampCodec } from "./packets.ts";
import { decodeExtensions } from "../../core/extensions.ts";

interface ClientState {
  lastHeard: number;
  hellos: number;
  reconnecting: boolean;
  disconnects: number;
}

/** Wires the client side of the session plugin into `api`. */
export function setupClient(api: PluginApi, opts: ResolvedSessionOptions): void {
  const states = new WeakMap<Session, ClientState>();
  const jitterBytes = new Uint8Array(4);

  const backoff = (attempt: number): number => {
    const base = Math.min(opts.helloRetryMax, opts.helloRetry * 2 ** (attempt - 1));
    api.random.fill(jitterBytes);
    const r = new DataView(jitterBytes.buffer).getUint32(0) / 4294967296;
    return base * (0.75 + 0.5 * r);
  };

  const sendHello = (session: Session, st: ClientState): void => {
    st.hellos++;
    if (st.reconnecting) api.emit(reconnectingEvent, { session, attempt: st.hellos });
    session.sendPacket({
      type: ConnectionPacket.HELLO,
      payload: timestampCodec.encode(Math.floor(api.clock.wallNow())),
    });
    session.setTimer("hello", api.clock.now() + backoff(st.hellos), () => {
      if (session.state !== "connecting") return;
      if (st.hellos < opts.helloTries) return sendHello(session, st);
      const what = st.reconnecting ? "re-establish the session" : "connect";
      session.terminate(
        st.reconnecting ? "could not re-establish" : "no ACCEPT",
        new TimeoutError(
          `Cannot ${what}: no ACCEPT after ${st.hellos} HELLOs to ${session.peer.hostname}:${session.peer.port}; check the server is running`,
        ),
      );
    });
  };

  const armPing = (session: Session, st: ClientState): void => {
    session.setTimer("ping", api.clock.now() + opts.pingInterval, () => {
      if (session.state !== "open") return;
      const silent = api.clock.now() - st.lastHeard;
      if (silent < opts.pongTimeout) {
        session.sendPacket({ type: ConnectionPacket.PING });
        return armPing(session, st);
      }
      const reason = `no PONG for ${Math.round(silent)} ms`;
      if (!opts.reconnect) {
        return session.terminate(
          reason,
          new TimeoutError(`Lost session ${session.id}: ${reason}; the server is unreachable`),
        );
      }
      session.suspend(reason);
      session.rename(api.random.fill(new Uint8Array(16)));
      st.reconnecting = true;
      st.hellos = 0;
      sendHello(session, st);
    });
  };

  api.onConnect((session) => {
    const st: ClientState = {
      lastHeard: api.clock.now(),
      hellos: 0,
      reconnecting: false,
      disconnects: 0,
    };
    states.set(session, st);
    sendHello(session, st);
  });

  api.use({
    inbound: (ctx, next) => {
      const st = ctx.session && states.get(ctx.session);
      if (!st) return ctx.drop(ctx.claimed ? "claimed" : "no-session");
      st.lastHeard = api.clock.now();
      return next();
    },
  });

  api.handle(ConnectionPacket.ACCEPT, (ctx) => {
    const session = ctx.session!;
    const st = states.get(session)!;
    if (session.state !== "connecting") return ctx.drop("duplicate");
    // ACCEPT's payload lists the extensions the server took; this client offers none (§3.13).
    const taken = decodeExtensions(ctx.packet.payload) ?? [];
    if (taken.length > 0) {
      return session.terminate(
        "extension not offered",
        new SessionError(
          "THING_ERR_HANDSHAKE",
          `Cannot connect to ${session.peer.hostname}:${session.peer.port}: the server's ACCEPT takes extension ${
            taken[0]!.type
          }, which this client did not offer`,
        ),
      );
    }
    session.clearTimer("hello");
    st.reconnecting = false;
    st.hellos = 0;
    session.open();
    armPing(session, st);
  });

  api.handle(ConnectionPacket.PONG, () => {});

  api.handle(ConnectionPacket.REJECT, (ctx) => {
    const session = ctx.session!;
    if (session.state === "closing") return session.terminate("disconnected");
    if (session.state === "open") return session.terminate("rejected by server");
    session.terminate(
      "rejected by server",
      new SessionError(
        "THING_ERR_REJECTED",
        `Cannot connect to ${session.peer.hostname}:${session.peer.port}: the server rejected the session`,
      ),
    );
  });

  const sendDisconnect = (session: Session, st: ClientState): void => {
    st.disconnects++;
    session.sendPacket({ type: ConnectionPacket.DISCONNECT });
    if (st.disconnects > 1) {
      api.emit("retransmit", {
        session,
        type: ConnectionPacket.DISCONNECT,
        attempt: st.disconnects,
      });
    }
    session.setTimer("disconnect", api.clock.now() + opts.disconnectRetry, () => {
      if (st.disconnects < opts.disconnectTries) return sendDisconnect(session, st);
      session.terminate(`disconnect unconfirmed: no REJECT after ${st.disconnects} DISCONNECTs`);
    });
  };

  api.onSessionClosing((session) => {
    const st = states.get(session);
    if (!st) return false;
    session.clearTimer("ping");
    session.clearTimer("hello");
    sendDisconnect(session, st);
    return true;
  });
}
