/**
 * `--channel MODE` and `--flush MODE` of `thing connect` and `thing bench`: which of the CLI's
 * channels (`CLI_CHANNELS`) messages go on, and whether they are packed together.
 *
 * @module
 */
import type { DataOptions, DeliveryMode } from "../plugins/connection/mod.ts";
import type { Command, FlagValues } from "./command.ts";
import type { EndpointChoice } from "./endpoints.ts";
import { ChannelFlag, flag, FlushFlag, optionalFlag, UsageError } from "./flags.ts";
import { CLI_CHANNELS } from "./registry.ts";

/** The flags. */
export const channelOptions: Command["options"] = {
  channel: { type: "string" },
  flush: { type: "string" },
};

/** Help lines for `channelOptions`. */
export const channelHelp =
  `  --channel MODE      reliable-ordered (default), reliable-unordered, unreliable-sequenced or
                      unreliable: the CLI's channel of that mode (connection, hybrid)
  --flush MODE        tick (default: messages of one tick share packets) or immediate (one each)`;

/** What the flags chose. */
export interface ChannelChoice {
  /** The delivery mode (`undefined` for a dialect without channels). */
  mode: DeliveryMode | undefined;
  /** The channel number to send on. */
  channel: number;
  /** Whether sends are acknowledged (resolve on ACK). */
  reliable: boolean;
  /** Data plugin options the flags set. */
  data: DataOptions;
}

/**
 * Checks `--channel` and `--flush` for the chosen dialect.
 *
 * @throws {UsageError} for a bad mode, or either flag with a dialect without channels
 */
export function channelChoice(values: FlagValues, choice: EndpointChoice): ChannelChoice {
  const given = optionalFlag("channel", ChannelFlag, values.channel);
  const flush = optionalFlag("flush", FlushFlag, values.flush);
  if (!choice.entry.reliable) {
    if (given !== undefined || flush !== undefined) {
      throw new UsageError(
        `Invalid --${
          given === undefined ? "flush" : "channel"
        } for --dialect ${choice.dialect}: it has no channels; use connection or hybrid`,
      );
    }
    return { mode: undefined, channel: 0, reliable: false, data: {} };
  }
  const mode = flag("channel", ChannelFlag, given ?? "reliable-ordered");
  return {
    mode,
    channel: CLI_CHANNELS.indexOf(mode),
    reliable: mode.startsWith("reliable"),
    data: flush === undefined ? {} : { flush },
  };
}
