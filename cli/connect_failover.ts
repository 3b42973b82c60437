/**
 * `thing connect A:P,B:P`: several servers of one cluster. The client connects to the first and,
 * with `failover()`, re-establishes on the next when its server goes silent, saying so on stderr.
 *
 * @module
 */
import type { Plugin } from "../core/plugin.ts";
import { addressKey } from "../core/transport.ts";
import { failover, reconnectedEvent } from "../plugins/cluster/failover.ts";
import type { CommandIo } from "./command.ts";
import { type EndpointChoice, serverAddress } from "./endpoints.ts";
import { UsageError } from "./flags.ts";

/**
 * The servers named by the one positional (`HOST:PORT` or `HOST:PORT,HOST:PORT,…`) and the extra
 * plugins their failover needs (none for one server).
 *
 * @throws {UsageError} for a bad address, or several with a dialect that cannot fail over
 */
export function failoverServers(
  positionals: string[],
  choice: EndpointChoice,
  io: CommandIo,
): { server: { hostname: string; port: number }; plugins: Plugin[] } {
  if (positionals.length !== 1) serverAddress(positionals); // throws its usage error
  const servers = positionals[0]!.split(",").map((one) => serverAddress([one]));
  if (servers.length === 1) return { server: servers[0]!, plugins: [] };
  if (choice.dialect !== "connection") {
    throw new UsageError(
      `Invalid servers "${
        positionals.join(" ")
      }" with --dialect ${choice.dialect}: failing over between servers needs --dialect connection`,
    );
  }
  const reporter: Plugin = {
    name: "thing-cli:reconnected",
    setup(api) {
      api.on(
        reconnectedEvent,
        ({ peer, previous }) =>
          io.err(`reconnected to ${addressKey(peer)} (lost ${addressKey(previous)})`),
      );
    },
  };
  return { server: servers[0]!, plugins: [failover({ endpoints: servers }), reporter] };
}
