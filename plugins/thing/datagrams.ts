/**
 * `thingDatagrams()`: the application data of the plain Thing dialect. The draft names no data
 * packets, so the plain dialect carries messages as sealed DATA_NOACK packets (code 0x07, the
 * custom ID is the channel): unacknowledged datagrams, delivered at most once (the replay window
 * drops duplicates) and possibly out of order. A plain `send(data)` sends one; only an explicit
 * `{ reliable: true }` is refused, reliable delivery being the hybrid dialect's job.
 *
 * @module
 */
import { PluginError } from "../../core/errors.ts";
import { MAX_PAYLOAD_SIZE } from "../../core/packet.ts";
import type { Plugin } from "../../core/plugin.ts";
import { AEAD_TAG_LENGTH } from "./crypto/mod.ts";
import { THING_PLUGIN } from "./plugin.ts";
import { ThingPacket } from "./packets.ts";

/** The largest message the Thing dialect can seal into one packet. */
export const MAX_THING_MESSAGE: number = MAX_PAYLOAD_SIZE - AEAD_TAG_LENGTH;

/** Unreliable sealed datagrams for the plain Thing dialect (needs `thingSession()` first). */
export function thingDatagrams(): Plugin {
  return {
    name: "thing:datagrams",
    dependencies: [THING_PLUGIN],
    setup(api) {
      api.registerPacketType({ code: ThingPacket.DATA_NOACK, name: "DATA_NOACK" });
      api.handle(ThingPacket.DATA_NOACK, (ctx) => {
        const session = ctx.session;
        if (!session || session.state !== "open") return ctx.drop("thing-not-open");
        api.emit("message", {
          session,
          data: ctx.packet.payload,
          customId: ctx.packet.customId,
          reliable: false,
        });
      });
      api.provide("messenger", {
        send(session, data, options) {
          if (options.reliable === true) {
            return Promise.reject(
              new PluginError(
                "THING_ERR_PLUGIN_SERVICE",
                "Cannot send reliably with the thing dialect: omit `reliable` (datagrams) or use hybrid()",
              ),
            );
          }
          if (data.length > MAX_THING_MESSAGE) {
            return Promise.reject(
              new RangeError(
                `Cannot send a message of ${data.length} bytes: the thing dialect seals at most ${MAX_THING_MESSAGE}`,
              ),
            );
          }
          try {
            api.control(session).sendPacket({
              type: ThingPacket.DATA_NOACK,
              payload: data,
              customId: options.customId ?? 0,
            });
          } catch (error) {
            return Promise.reject(error);
          }
          return Promise.resolve();
        },
      });
    },
  };
}
