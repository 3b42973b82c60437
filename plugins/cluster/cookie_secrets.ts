/**
 * Secrets shared through Redis and rotated, one set per use: epoch `E = floor(now / rotation)`
 * has secret `P:cookie:E` (Thing retry cookies) or `P:ticket:E` (Thing resumption tickets): 32
 * random bytes in hex, set once by whichever member asks first (`SET NX`), kept 3 epochs. Each
 * member fetches the previous, current and next epoch's secrets ahead of need, so every member
 * mints with the same current secret and accepts the previous one. The Thing server uses them
 * through the `cookieSecrets` and `ticketSecrets` services.
 *
 * @module
 */
import { fromHex, toHex } from "../../core/hex.ts";
import type { CookieSecrets } from "../../core/plugin.ts";
import type { RedisLink } from "./redis_link.ts";

/** Sets each epoch's secret if unset and returns them all: KEYS the epochs' keys; ARGV ttl, secrets. */
const SYNC = `
local out = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[i + 1], 'NX', 'PX', ARGV[1])
  out[i] = redis.call('GET', key)
end
return out
`;

const SECRET = /^[0-9a-f]{64}$/;

/** This member's copy of one set of shared secrets (cookie or ticket). */
export class SharedSecrets implements CookieSecrets {
  readonly #link: RedisLink;
  readonly #keyOf: (epoch: number) => string;
  readonly #rotation: number;
  #byEpoch = new Map<number, Uint8Array>();
  #syncedAt = -Infinity;
  /** Secrets read back that were malformed, and ignored. */
  malformed = 0;

  /** Secrets under the Redis keys `keyOf(epoch)`, rotated every `rotation` ms. */
  constructor(link: RedisLink, keyOf: (epoch: number) => string, rotation: number) {
    this.#link = link;
    this.#keyOf = keyOf;
    this.#rotation = rotation;
  }

  /** The current epoch's secret, then the previous one's (those known). */
  secrets(): readonly Uint8Array[] {
    const epoch = Math.floor(Date.now() / this.#rotation);
    return [epoch, epoch - 1].map((e) => this.#byEpoch.get(e)).filter((s) => s !== undefined);
  }

  /** Fetches (and creates where missing) the secrets around now, at most every rotation / 4. */
  async sync(force = false): Promise<void> {
    const now = Date.now();
    if (!force && now - this.#syncedAt < this.#rotation / 4) return;
    const epoch = Math.floor(now / this.#rotation);
    const epochs = [epoch - 1, epoch, epoch + 1];
    const fresh = epochs.map(() => toHex(crypto.getRandomValues(new Uint8Array(32))));
    const got = await this.#link.script(
      SYNC,
      epochs.map(this.#keyOf),
      [String(3 * this.#rotation), ...fresh],
    );
    const next = new Map<number, Uint8Array>();
    epochs.forEach((e, i) => {
      const value = Array.isArray(got) ? got[i] : undefined;
      if (typeof value === "string" && SECRET.test(value)) next.set(e, fromHex(value));
      else this.malformed++;
    });
    this.#byEpoch = next;
    this.#syncedAt = now;
  }
}
