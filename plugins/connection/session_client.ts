/**
 * The client half of the Connection session plugin: HELLO with retries and backoff, PING on an
 * interval, re-establishing a session whose server went silent (a new client ID and HELLO, with
 * backoff), REJECT as the server's final word, and DISCONNECT retried until REJECT.
 *
 * @module
 */
import { SessionError, TimeoutError } from "../../core/errors.ts";
import type { PluginApi } from "../../core/plugin.ts";
import type { Session, SessionControl } from "../../core/session.ts";
import { reconnectingEvent } from "./events.ts";
import type { ResolvedSessionOptions } from "./options.ts";
import { ConnectionPacket, timestampCodec } from "./packets.ts";
import { decodeExtensions, encodeExtensions } from "../../core/extensions.ts";

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

  const sendHello = (control: SessionControl, st: ClientState): void => {
    st.hellos++;
    if (st.reconnecting) {
      api.emit(reconnectingEvent, { session: control.session, attempt: st.hellos });
    }
    const time = timestampCodec.encode(Math.floor(api.clock.wallNow()));
    const offers = encodeExtensions(api.extensions.offers());
    const payload = new Uint8Array(time.length + offers.length);
    payload.set(time);
    payload.set(offers, time.length);
    control.sendPacket({ type: ConnectionPacket.HELLO, payload });
    control.setTimer("hello", api.clock.now() + backoff(st.hellos), () => {
      if (control.state !== "connecting") return;
      if (st.hellos < opts.helloTries) return sendHello(control, st);
      const what = st.reconnecting ? "re-establish the session" : "connect";
      control.terminate(
        st.reconnecting ? "could not re-establish" : "no ACCEPT",
        new TimeoutError(
          `Cannot ${what}: no ACCEPT after ${st.hellos} HELLOs to ${control.peer.hostname}:${control.peer.port}; check the server is running`,
        ),
      );
    });
  };

  const armPing = (control: SessionControl, st: ClientState): void => {
    control.setTimer("ping", api.clock.now() + opts.pingInterval, () => {
      if (control.state !== "open") return;
      const silent = api.clock.now() - st.lastHeard;
      if (silent < opts.pongTimeout) {
        control.sendPacket({ type: ConnectionPacket.PING });
        return armPing(control, st);
      }
      const reason = `no PONG for ${Math.round(silent)} ms`;
      if (!opts.reconnect) {
        return control.terminate(
          reason,
          new TimeoutError(`Lost session ${control.id}: ${reason}; the server is unreachable`),
        );
      }
      control.suspend(reason);
      control.rename(api.random.fill(new Uint8Array(16)));
      st.reconnecting = true;
      st.hellos = 0;
      sendHello(control, st);
    });
  };

  api.onConnect((control) => {
    const st: ClientState = {
      lastHeard: api.clock.now(),
      hellos: 0,
      reconnecting: false,
      disconnects: 0,
    };
    states.set(control.session, st);
    sendHello(control, st);
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
    const control = api.control(ctx.session!);
    const st = states.get(control.session)!;
    if (control.state !== "connecting") return ctx.drop("duplicate");
    // ACCEPT's payload lists the extensions the server took, only offered ones (§3.13).
    const taken = decodeExtensions(ctx.packet.payload) ?? [];
    const unoffered = api.extensions.unoffered(taken);
    if (unoffered) {
      return control.terminate(
        "extension not offered",
        new SessionError(
          "THING_ERR_HANDSHAKE",
          `Cannot connect to ${control.peer.hostname}:${control.peer.port}: the server's ACCEPT takes extension ${unoffered.type}, which this client did not offer`,
        ),
      );
    }
    control.setExtensions(taken);
    control.clearTimer("hello");
    st.reconnecting = false;
    st.hellos = 0;
    control.open();
    armPing(control, st);
  });

  api.handle(ConnectionPacket.PONG, () => {});

  api.handle(ConnectionPacket.REJECT, (ctx) => {
    const control = api.control(ctx.session!);
    if (control.state === "closing") return control.terminate("disconnected");
    if (control.state === "open") return control.terminate("rejected by server");
    control.terminate(
      "rejected by server",
      new SessionError(
        "THING_ERR_REJECTED",
        `Cannot connect to ${control.peer.hostname}:${control.peer.port}: the server rejected the session`,
      ),
    );
  });

  const sendDisconnect = (control: SessionControl, st: ClientState): void => {
    st.disconnects++;
    control.sendPacket({ type: ConnectionPacket.DISCONNECT });
    if (st.disconnects > 1) {
      api.emit("retransmit", {
        session: control.session,
        type: ConnectionPacket.DISCONNECT,
        attempt: st.disconnects,
      });
    }
    control.setTimer("disconnect", api.clock.now() + opts.disconnectRetry, () => {
      if (st.disconnects < opts.disconnectTries) return sendDisconnect(control, st);
      control.terminate(`disconnect unconfirmed: no REJECT after ${st.disconnects} DISCONNECTs`);
    });
  };

  api.onSessionClosing((control) => {
    const st = states.get(control.session);
    if (!st) return false;
    control.clearTimer("ping");
    control.clearTimer("hello");
    sendDisconnect(control, st);
    return true;
  });
}
