/**
 * The plugin API. Dialects, encryption, data semantics and logging are all plugins written against
 * exactly this interface; nothing built in uses a private hook.
 *
 * @module
 */
import type { Clock, Random } from "./clock.ts";
import type { Middleware, Terminal } from "./compose.ts";
import type { PacketContext } from "./context.ts";
import type { ChecksumError } from "./codec.ts";
import type { Unsubscribe } from "./emitter.ts";
import { PluginError } from "./errors.ts";
import type { ExtensionDefinition, HandshakeExtensions } from "./extensions.ts";
import type { EventName, EventPayload, Role } from "./events.ts";
import type { PacketInit } from "./packet.ts";
import type { PacketTypeDefinition } from "./registry.ts";
import type { SendOptions, Session, SessionControl } from "./session.ts";
import type { Timer } from "./timers.ts";
import type { PeerAddress } from "./transport.ts";

/** Sends application messages for `session.send()`; a data plugin provides it. */
export interface Messenger {
  /** Sends `data`; resolves when delivered (reliable) or handed to the transport (unreliable). */
  send(session: Session, data: Uint8Array, options: SendOptions): Promise<void>;
  /**
   * `session.cork()` (true) and `session.uncork()` (false): while corked, messages wait to be
   * packed together; uncorking sends them. A messenger that does not batch leaves it out.
   */
  cork?(session: Session, corked: boolean): void;
}

/**
 * Secrets shared by the servers of a cluster for stateless cookies (the Thing dialect's retry
 * cookies), so a cookie minted by one server verifies on another. A cluster plugin provides it.
 */
export interface CookieSecrets {
  /**
   * The secrets valid now, newest first: cookies are minted with the first and accepted under
   * any. Empty until the source has any (the jar then uses its own).
   */
  secrets(): readonly Uint8Array[];
}

/**
 * Services plugins provide to each other, by name. Augment it to add one:
 *
 * ```ts
 * declare module "@thing/net" {
 *   interface ThingServices {
 *     clock2: { now(): number };
 *   }
 * }
 * ```
 */
export interface ThingServices {
  /** Application messaging, used by `session.send()`. */
  messenger: Messenger;
  /** Cookie secrets shared across servers (the Thing server uses them when provided). */
  cookieSecrets: CookieSecrets;
  /**
   * Resumption ticket secrets shared across servers, in the same shape (the Thing server seals
   * its tickets with the first and opens them under any, when provided).
   */
  ticketSecrets: CookieSecrets;
}

/** A packet whose checksum did not verify, handed to `onMalformed` hooks. */
export interface MalformedPacket {
  /** The error, carrying the packet as received. */
  error: ChecksumError;
  /** Who sent it. */
  peer: PeerAddress;
  /** The session at that address with that client ID, if any. */
  session: Session | undefined;
  /** Answers the sender with a packet of the same client ID. */
  reply(init: PacketInit): void;
}

/** Middleware for each direction: either may be left out. */
export interface DirectedMiddleware {
  /** Runs on received packets, in plugin order. */
  inbound?: Middleware<PacketContext>;
  /** Runs on packets being sent, in reverse plugin order. */
  outbound?: Middleware<PacketContext>;
}

/** Sessions by client ID. */
export interface SessionTable {
  /** The session with this client ID, if any. */
  get(clientId: Uint8Array): Session | undefined;
  /**
   * Creates a session bound to `peer` and returns its control handle (`.session` is what the
   * application gets). Throws `RangeError` if the client ID is taken.
   */
  create(clientId: Uint8Array, peer: PeerAddress): SessionControl;
  /** How many sessions exist. */
  readonly size: number;
  /** Every session. */
  values(): IterableIterator<Session>;
}

/** What a plugin's `setup` receives: the whole extension surface of an endpoint. */
export interface PluginApi {
  /** Whether this endpoint is a client or a server. */
  readonly role: Role;
  /** The injected clock. */
  readonly clock: Clock;
  /** The injected random source. */
  readonly random: Random;
  /** The endpoint's sessions. */
  readonly sessions: SessionTable;
  /**
   * The control handle of a session of this endpoint (`open`, `terminate`, `sendPacket`, timers…);
   * `undefined` for `undefined`, so `api.control(ctx.session)?.open()` reads as it runs.
   *
   * @throws {PluginError} `THING_ERR_FOREIGN_SESSION` for a session of another endpoint
   */
  control(session: Session): SessionControl;
  /** The control handle of `session` if there is one (see above). */
  control(session: Session | undefined): SessionControl | undefined;
  /** The registered name of a packet type code (`HELLO`), or `0xNN` when none is registered. */
  typeName(code: number): string;
  /**
   * Defines a handshake extension this plugin negotiates (docs/PROTOCOL.md §3.13): the dialect's
   * session plugin offers it (client) or answers it (server), and records the outcome in
   * `control.extensions` before the session opens.
   *
   * @throws {RangeError} for a type outside 1..65,535 or defined by another plugin
   */
  defineExtension(definition: ExtensionDefinition): void;
  /** Every extension the endpoint's plugins defined: what a session plugin's handshake carries. */
  readonly extensions: HandshakeExtensions;
  /** Claims a packet type code (a token from `definePacketType()`, or a plain definition). */
  registerPacketType<Body>(definition: PacketTypeDefinition<Body>): void;
  /**
   * Adds middleware: inbound in plugin order, outbound in reverse (the first plugin is nearest the
   * wire). A function sees both directions; `{ inbound, outbound }` gives each its own.
   */
  use(middleware: Middleware<PacketContext> | DirectedMiddleware): void;
  /**
   * Handles inbound packets of one type after all middleware; one handler per type. Given a
   * packet type token, the handler's `ctx.body` has the token's payload type.
   */
  handle<Body>(type: PacketTypeDefinition<Body>, handler: Terminal<PacketContext<Body>>): void;
  /** Handles inbound packets of type `code` after all middleware (`ctx.body` is `unknown`). */
  handle(code: number, handler: Terminal<PacketContext>): void;
  /**
   * Claims the packets that carry `AUTHENTICATED_BIT`: their checksum covers only the header and
   * the final tag, so this plugin promises to authenticate the payload of every such packet before
   * any later plugin sees it, and to drop those it cannot. Without a claim the endpoint drops them
   * as malformed. (The Thing session plugin claims them for its sealed packets.)
   */
  claimAuthenticated(): void;
  /** Hears about packets whose checksum failed (they are dropped either way). */
  onMalformed(hook: (packet: MalformedPacket) => void): void;
  /** Client side: a session was created by `connect()`; start the handshake. */
  onConnect(hook: (control: SessionControl) => void): void;
  /** A session is closing; return true to run a goodbye and call `control.terminate()` later. */
  onSessionClosing(hook: (control: SessionControl, reason: string) => boolean): void;
  /** The endpoint is closing; runs before its sessions are closed. */
  onClose(hook: () => void | Promise<void>): void;
  /** Sends a packet outside any session (order count 0), e.g. a REJECT. */
  sendTo(peer: PeerAddress, clientId: Uint8Array, init: PacketInit): void;
  /** Runs `fire` at time `at` on the endpoint's timer table. */
  setTimer(at: number, fire: () => void): Timer;
  /** Listens to a core event (by name) or a plugin's (by its key). */
  on<N extends EventName>(name: N, listener: (event: EventPayload<N>) => void): Unsubscribe;
  /** Emits a core event (by name) or this plugin's own (by its key). */
  emit<N extends EventName>(name: N, event: EventPayload<N>): void;
  /** Offers a service to other plugins and to the endpoint. */
  provide<K extends keyof ThingServices>(name: K, service: ThingServices[K]): void;
  /** A service some plugin provided, or `undefined`. */
  service<K extends keyof ThingServices>(name: K): ThingServices[K] | undefined;
}

/** A plugin: a name, what it needs, and a setup function. */
export interface Plugin {
  /** Unique name, e.g. `thing:connection`. */
  readonly name: string;
  /** Names of plugins that must also be registered. */
  readonly dependencies?: readonly string[];
  /** The options it was made with; the same name and seed twice is applied once. */
  readonly seed?: unknown;
  /** Wires the plugin into an endpoint. Called once per endpoint. */
  setup(api: PluginApi): void;
}

/** Plugins, or lists of plugins (a dialect preset is a list), nested as deep as convenient. */
export type PluginList = ReadonlyArray<Plugin | PluginList>;

/**
 * Checks a plugin's shape and returns it, so a typo fails at definition time.
 *
 * @example
 * ```ts
 * import { definePlugin } from "@thing/net";
 *
 * const hello = definePlugin({ name: "hello", setup: (api) => api.use((_ctx, next) => next()) });
 * ```
 */
export function definePlugin(plugin: Plugin): Plugin {
  if (typeof plugin?.name !== "string" || plugin.name === "") {
    throw new PluginError(
      "THING_ERR_PLUGIN_OPTIONS",
      "Cannot define a plugin without a name: set `name`",
    );
  }
  if (typeof plugin.setup !== "function") {
    throw new PluginError(
      "THING_ERR_PLUGIN_OPTIONS",
      `Cannot define plugin "${plugin.name}" without a setup function: set \`setup(api)\``,
    );
  }
  return plugin;
}

/**
 * Orders a plugin list for setup: removes exact duplicates (same name and seed), rejects the same
 * name with other options, and checks every declared dependency is present.
 *
 * @throws {PluginError} `THING_ERR_PLUGIN_DEPENDENCY` or `THING_ERR_PLUGIN_OPTIONS`
 */
export function resolvePlugins(plugins: PluginList): Plugin[] {
  const byName = new Map<string, Plugin>();
  const ordered: Plugin[] = [];
  for (const plugin of (plugins as Plugin[]).flat(Infinity as 1) as Plugin[]) {
    definePlugin(plugin);
    const seen = byName.get(plugin.name);
    if (seen) {
      // Seeds are compared only for a repeated name: most lists have none, and a seed holding
      // key bytes is costly to serialise on every connect.
      if (seen === plugin || seedKey(seen.seed) === seedKey(plugin.seed)) continue;
      throw new PluginError(
        "THING_ERR_PLUGIN_OPTIONS",
        `Cannot register plugin "${plugin.name}" twice with different options: register it once`,
      );
    }
    byName.set(plugin.name, plugin);
    ordered.push(plugin);
  }
  for (const plugin of ordered) {
    for (const dependency of plugin.dependencies ?? []) {
      if (!byName.has(dependency)) {
        throw new PluginError(
          "THING_ERR_PLUGIN_DEPENDENCY",
          `Cannot use plugin "${plugin.name}" without plugin "${dependency}": add it to the plugin list`,
        );
      }
    }
  }
  return ordered;
}

const identities = new WeakMap<object, number>();
let nextIdentity = 1;

/**
 * A comparable key for a plugin's options: plain objects, arrays, typed arrays and primitives by
 * value; functions and class instances (stores, clocks) by identity, since JSON would erase them.
 */
function seedKey(seed: unknown): string {
  return JSON.stringify(seed ?? null, (_key, value: unknown) => {
    if (typeof value === "bigint") return `${value}n`;
    if (
      typeof value === "function" ||
      (typeof value === "object" && value !== null && !byValue(value))
    ) {
      let id = identities.get(value);
      if (id === undefined) identities.set(value, id = nextIdentity++);
      return `#${id}`;
    }
    return value;
  });
}

function byValue(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null || Array.isArray(value) ||
    ArrayBuffer.isView(value);
}
