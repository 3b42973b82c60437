/**
 * What plugins register on an endpoint (middleware, handlers, hooks, services) and the `PluginApi`
 * object each plugin's `setup` receives.
 *
 * @module
 */
import type { Clock, Random } from "./clock.ts";
import type { Middleware, Terminal } from "./compose.ts";
import type { PacketContext } from "./context.ts";
import type { Emitter } from "./emitter.ts";
import { PluginError } from "./errors.ts";
import { ExtensionTable } from "./extensions.ts";
import { eventKey, type Role, type ThingEvents } from "./events.ts";
import type { PacketInit } from "./packet.ts";
import type { MalformedPacket, PluginApi, ThingServices } from "./plugin.ts";
import type { PacketRegistry, PacketTypeDefinition } from "./registry.ts";
import type { SendOptions, Session, SessionControl } from "./session.ts";
import type { SessionMap } from "./session_table.ts";
import type { TimerTable } from "./timers.ts";
import type { PeerAddress } from "./transport.ts";

/** The endpoint parts a `PluginApi` exposes. */
export interface PluginHost {
  /** Client or server. */
  role: Role;
  /** The injected clock. */
  clock: Clock;
  /** The injected random source. */
  random: Random;
  /** The session table. */
  sessions: SessionMap;
  /** The packet type registry. */
  registry: PacketRegistry;
  /** The endpoint's timers. */
  timers: TimerTable;
  /** The endpoint's events. */
  emitter: Emitter<ThingEvents>;
  /** Sends a packet outside any session. */
  sendTo(peer: PeerAddress, clientId: Uint8Array, init: PacketInit): void;
}

/** Everything plugins registered, in registration order. */
export class PluginHooks {
  /** Inbound middleware, in plugin order. */
  readonly inbound: Middleware<PacketContext>[] = [];
  /** Outbound middleware, in plugin order (run in reverse). */
  readonly outbound: Middleware<PacketContext>[] = [];
  /** Inbound handlers by packet type. */
  readonly handlers: Map<number, Terminal<PacketContext>> = new Map();
  /** Hooks for packets whose checksum failed. */
  readonly malformed: Array<(packet: MalformedPacket) => void> = [];
  /** Client hooks that start a handshake. */
  readonly connect: Array<(control: SessionControl) => void> = [];
  /** Hooks that may run a goodbye for a closing session. */
  readonly closing: Array<(control: SessionControl, reason: string) => boolean> = [];
  /** Hooks run when the endpoint closes. */
  readonly close: Array<() => void | Promise<void>> = [];
  /** Whether a plugin authenticates packets that carry `AUTHENTICATED_BIT`. */
  authenticated = false;
  /** Handshake extensions the plugins defined. */
  readonly extensions: ExtensionTable = new ExtensionTable();
  /** Services by name. */
  readonly services: Map<keyof ThingServices, unknown> = new Map();

  /** The API handed to the plugin called `owner`. */
  api(owner: string, host: PluginHost): PluginApi {
    return {
      role: host.role,
      clock: host.clock,
      random: host.random,
      sessions: host.sessions,
      control: controlIn(host.sessions),
      typeName: (code) => host.registry.name(code),
      defineExtension: (definition) => this.extensions.define(definition, owner),
      extensions: this.extensions,
      registerPacketType: (definition) =>
        host.registry.register(definition as PacketTypeDefinition<unknown>, owner),
      use: (middleware) => {
        if (typeof middleware === "function") {
          this.inbound.push(middleware);
          this.outbound.push(middleware);
          return;
        }
        if (middleware.inbound) this.inbound.push(middleware.inbound);
        if (middleware.outbound) this.outbound.push(middleware.outbound);
      },
      handle: (
        type: number | PacketTypeDefinition<unknown>,
        handler: Terminal<PacketContext<never>>,
      ) => {
        const code = typeof type === "number" ? type : type.code;
        if (this.handlers.has(code)) {
          const name = host.registry.name(code);
          throw new PluginError(
            "THING_ERR_PACKET_TYPE_TAKEN",
            `Cannot handle packet type ${name} in plugin "${owner}": it has a handler already`,
          );
        }
        this.handlers.set(code, handler as Terminal<PacketContext>);
      },
      claimAuthenticated: () => void (this.authenticated = true),
      onMalformed: (hook) => void this.malformed.push(hook),
      onConnect: (hook) => void this.connect.push(hook),
      onSessionClosing: (hook) => void this.closing.push(hook),
      onClose: (hook) => void this.close.push(hook),
      sendTo: (peer, clientId, init) => host.sendTo(peer, clientId, init),
      setTimer: (at, fire) => host.timers.set(at, fire),
      on: (name, listener) => host.emitter.on(eventKey(name), listener as never),
      emit: (name, event) => host.emitter.emit(eventKey(name), event as never),
      provide: (name, service) => void this.services.set(name, service),
      service: (name) => this.services.get(name) as ThingServices[typeof name] | undefined,
    };
  }

  /** Sends `data` on `session` through the `messenger` service; rejects if no plugin gives one. */
  sendMessage(session: Session, data: Uint8Array, options: SendOptions): Promise<void> {
    const messenger = this.services.get("messenger") as ThingServices["messenger"] | undefined;
    if (!messenger) {
      return Promise.reject(
        new PluginError(
          "THING_ERR_PLUGIN_SERVICE",
          "Cannot send a message: no plugin provides the messenger service (add a dialect's data plugin)",
        ),
      );
    }
    return messenger.send(session, data, options);
  }

  /** `session.cork()` / `uncork()` through the `messenger` service (a no-op without batching). */
  corkMessages(session: Session, corked: boolean): void {
    const messenger = this.services.get("messenger") as ThingServices["messenger"] | undefined;
    messenger?.cork?.(session, corked);
  }
}

/** `api.control` over `sessions`: a session's control, and `undefined` for `undefined`. */
function controlIn(sessions: SessionMap): PluginApi["control"] {
  function control(session: Session): SessionControl;
  function control(session: Session | undefined): SessionControl | undefined;
  function control(session: Session | undefined): SessionControl | undefined {
    return session && sessions.control(session);
  }
  return control;
}
