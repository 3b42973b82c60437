/**
 * The flags every networked command shares (`--dialect`, `--transport`, `--timeout`, `--key`,
 * `--server-key`) and the code that turns them into a server or a client.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { connect as connectNode, listen, type ThingClient, type ThingNode } from "../core/node.ts";
import type { Plugin, PluginList } from "../core/plugin.ts";
import { fingerprint, generateIdentity, type Identity } from "../plugins/thing/mod.ts";
import { readIdentityFile, serverKeyEvent } from "../plugins/thing/mod.ts";
import type { Command, CommandIo, FlagValues } from "./command.ts";
import { TimeoutError, TransportError } from "../core/errors.ts";
import { addressKey } from "../core/transport.ts";
import {
  CountFlag,
  DialectFlag,
  flag,
  hostPort,
  MillisecondsFlag,
  optionalFlag,
  TransportFlag,
  UsageError,
} from "./flags.ts";
import { type DialectEntry, dialects, type DialectSettings, transports } from "./registry.ts";

/** `--dialect`, `--transport`, `--timeout` and `--rekey-after`, for servers and clients. */
export const endpointOptions: Command["options"] = {
  dialect: { type: "string" },
  transport: { type: "string", default: "udp" },
  timeout: { type: "string" },
  "rekey-after": { type: "string" },
};

/** `--server-key` and `--connect-timeout`, for clients. */
export const clientOptions: Command["options"] = {
  "server-key": { type: "string" },
  "connect-timeout": { type: "string", default: "5000" },
};

/** Help lines for `clientOptions`. */
export const clientHelp =
  `  --server-key KEY    pin the server's public key (thing, hybrid): from thing keygen, or a key file
  --connect-timeout MS  give up connecting after this long (default 5000)`;

/** Help lines for `endpointOptions`. */
export const endpointHelp = `  --dialect NAME      ${
  Object.keys(dialects).join(", ")
} (default connection)
  --transport NAME    ${Object.keys(transports).join(", ")} (default udp)
  --timeout MS        session idle timeout (connection) or TTL (thing, hybrid), in ms
  --rekey-after N     move to the next key after sealing N packets (thing, hybrid; default 2^22)`;

/** The checked dialect and transport flags. */
export interface EndpointChoice {
  /** Dialect name. */
  dialect: string;
  /** The dialect's registry entry. */
  entry: DialectEntry;
  /** Transport name. */
  transport: string;
  /** `--timeout`, if given. */
  timeout: number | undefined;
  /** `--rekey-after`, if given (thing, hybrid). */
  rekeyAfter: number | undefined;
  /** Whether the transport carries files over streams (quic) rather than messages. */
  streams: boolean;
}

/**
 * Refuses a streams transport for a command that exchanges messages.
 *
 * @throws {UsageError} naming the command to use instead
 */
export function messagesOnly(choice: EndpointChoice): void {
  if (choice.streams) {
    throw new UsageError(
      `Invalid --transport "${choice.transport}" here: it carries files over streams; use 'thing send HOST:PORT FILE' and 'thing serve --transport ${choice.transport} --out DIR'`,
    );
  }
}

/** Checks `--dialect`, `--transport` and `--timeout`. */
export function endpointChoice(values: FlagValues): EndpointChoice {
  const transport = flag("transport", TransportFlag, values.transport);
  const streams = transports[transport]!.streams === true;
  const dialect = flag(
    "dialect",
    DialectFlag,
    values.dialect ?? (streams ? "thing" : "connection"),
  );
  if (streams && dialect !== "thing") {
    throw new UsageError(
      `Invalid --dialect "${dialect}" with --transport ${transport}: it runs the thing handshake; drop --dialect`,
    );
  }
  const timeout = optionalFlag("timeout", MillisecondsFlag, values.timeout);
  const rekeyAfter = optionalFlag("rekey-after", CountFlag, values["rekey-after"]);
  if (rekeyAfter !== undefined && streams) {
    throw new UsageError(
      `Invalid --rekey-after with --transport ${transport}: not supported there yet`,
    );
  }
  if (rekeyAfter !== undefined && !dialects[dialect]!.identity) {
    throw new UsageError(
      `Invalid --rekey-after for --dialect ${dialect}: it seals nothing; use thing or hybrid`,
    );
  }
  return { dialect, entry: dialects[dialect]!, transport, timeout, rekeyAfter, streams };
}

/**
 * Reads the server identity for `--key FILE`; for a dialect that needs one and no `--key`, makes a
 * throwaway identity and says so (clients can't pin a key that changes every start).
 */
export async function serverIdentity(
  choice: EndpointChoice,
  keyFile: string | undefined,
  io: CommandIo,
): Promise<Identity | undefined> {
  if (!choice.entry.identity) {
    if (keyFile !== undefined) {
      throw new UsageError(
        `Invalid --key for --dialect ${choice.dialect}: it has no server key; use thing or hybrid`,
      );
    }
    return undefined;
  }
  if (keyFile === undefined) {
    const identity = generateIdentity();
    io.err(
      `no --key: using a throwaway identity ${
        fingerprint(identity.publicKey)
      }; make a lasting one with 'thing keygen --out FILE'`,
    );
    return identity;
  }
  const identity = await readIdentityFile(keyFile).catch((error: Error) => {
    throw new UsageError(`Invalid --key ${JSON.stringify(keyFile)}: ${whyUnreadable(error)}`);
  });
  if (identity.privateKey === undefined) {
    throw new Error(
      `Cannot serve with key file "${keyFile}": it holds only a public key; pass the file thing keygen wrote`,
    );
  }
  return identity;
}

/** Why a key file could not be used, in words (not `ENOENT: …`). */
function whyUnreadable(error: Error): string {
  switch ((error as { code?: unknown }).code) {
    case "ENOENT":
      return "no such file; make one with 'thing keygen --out FILE'";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory, not a key file";
    default:
      return error instanceof SyntaxError ? `not a key file (${error.message})` : error.message;
  }
}

/**
 * Reads `--server-key`: a 43-character public key, or the path of a key file.
 *
 * @throws {UsageError} when it is neither
 */
export async function serverKeyFlag(value: unknown): Promise<string | undefined> {
  if (value === undefined) return undefined;
  const text = String(value);
  if (/^[A-Za-z0-9_-]{43}$/.test(text)) return text;
  try {
    return await readFile(text, "utf8");
  } catch {
    throw new UsageError(
      `Invalid --server-key ${
        JSON.stringify(text)
      }: expected the 43-character public key thing keygen printed, or a key file`,
    );
  }
}

/**
 * Reads the one `HOST:PORT` positional of a client command.
 *
 * @throws {UsageError} when it is missing, extra, malformed, or has port 0
 */
export function serverAddress(positionals: string[]): { hostname: string; port: number } {
  if (positionals.length !== 1) {
    throw new UsageError(
      `Invalid arguments ${JSON.stringify(positionals)}: expected one HOST:PORT`,
    );
  }
  const server = hostPort(positionals[0]);
  if (server.port === 0) {
    throw new UsageError(`Invalid port 0 in "${positionals[0]}": expected 1 to 65535`);
  }
  return server;
}

/** The dialect settings the shared flags give. */
function dialectFlags(choice: EndpointChoice): DialectSettings {
  return {
    timeout: choice.timeout,
    ...(choice.rekeyAfter === undefined ? {} : { rekeyAfter: choice.rekeyAfter }),
  };
}

/** Starts a server with the chosen dialect and transport, `extra` plugins first. */
export function startServer(
  choice: EndpointChoice,
  where: { hostname: string; port: number },
  settings: DialectSettings,
  extra: PluginList = [],
): Promise<ThingNode> {
  return listen({
    transport: transports[choice.transport]!.create(),
    ...where,
    plugins: [...extra, choice.entry.plugins({ ...dialectFlags(choice), ...settings })],
  });
}

/**
 * Connects with the chosen dialect and transport, `extra` plugins first. For the thing and hybrid
 * dialects the server's verified key is reported on stderr (pinned, or trusted on first use).
 */
export async function startClient(
  choice: EndpointChoice,
  server: { hostname: string; port: number },
  values: FlagValues,
  io: CommandIo,
  settings: DialectSettings = {},
  extra: Plugin[] = [],
): Promise<ThingClient> {
  const connectTimeout = flag("connect-timeout", MillisecondsFlag, values["connect-timeout"]);
  const serverKey = await serverKeyFlag(values["server-key"]);
  if (serverKey !== undefined && !choice.entry.identity) {
    throw new UsageError(
      `Invalid --server-key for --dialect ${choice.dialect}: it has no server key; use thing or hybrid`,
    );
  }
  const where = `${addressKey(server)} over ${choice.transport}`;
  try {
    return await connectNode({
      transport: transports[choice.transport]!.create(),
      ...server,
      connectTimeout,
      plugins: [
        serverKeyReporter(io),
        ...extra,
        choice.entry.plugins({
          ...dialectFlags(choice),
          ...(serverKey === undefined ? {} : { serverKey }),
          ...settings,
        }),
      ],
    });
  } catch (error) {
    const serve = `thing serve --dialect ${choice.dialect} --transport ${choice.transport}`;
    throw new Error(
      `Cannot connect to ${where}: ${whyNoConnection(error, connectTimeout, serve)}`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Why a client could not connect, in words, with the `serve` command that would answer it when
 * the cause is that nothing answered (a timeout) or nothing listens (port unreachable).
 */
export function whyNoConnection(error: unknown, connectTimeout: number, serve: string): string {
  const hint = `is '${serve}' running there?`;
  if (error instanceof TimeoutError) return `no answer within ${connectTimeout} ms; ${hint}`;
  if (error instanceof TransportError && error.code === "THING_ERR_UNREACHABLE") {
    return `nothing listens on that port (port unreachable); ${hint}`;
  }
  return (error as Error).message;
}

function serverKeyReporter(io: CommandIo): Plugin {
  return {
    name: "thing-cli:server-key",
    setup(api) {
      api.on(serverKeyEvent, ({ fingerprint, pinned }) =>
        io.err(
          pinned
            ? `server key ${fingerprint} matches --server-key`
            : `server key ${fingerprint} (not pinned: trusting it on first use; pin it with --server-key)`,
        ));
    },
  };
}
