/**
 * A BBR-style congestion controller (after BBR v1, draft-cardwell-iccrg-bbr-congestion-control-00,
 * simplified): it models the path as a bottleneck rate (the most delivered per ms over the last
 * ten round trips) and a propagation delay (the least RTT over the last ten seconds), paces at a
 * gain times that rate and keeps at most twice their product in flight. A random loss changes
 * neither, so it does not shrink the window the way NewReno halves it; a queue that overflows
 * shows as a rate that stops growing. Startup doubles the rate each round until it stops growing
 * by a quarter three rounds running, drain empties the queue startup built, probe-bandwidth
 * cycles the pacing gain (1.25, 0.75, then 1 for six rounds) so that flows sharing a bottleneck
 * converge on fair shares, and probe-RTT drops to four packets for 200 ms when the delay estimate
 * is ten seconds old so that they all see the empty queue.
 *
 * @module
 */
import type { CongestionController, CongestionFactory } from "./congestion.ts";
import { DeliveryRateSampler } from "./delivery_rate.ts";
import type { RttEstimator } from "./rtt.ts";

/** Startup's pacing and window gain: 2 / ln 2, which doubles the sending rate each round. */
const STARTUP_GAIN = 2 / Math.LN2;
/** The window gain outside startup. */
const WINDOW_GAIN = 2;
/** Probe-bandwidth's pacing gains, one phase of about one minimum RTT each. */
const PROBE_GAINS = [1.25, 0.75, 1, 1, 1, 1, 1, 1] as const;
/** Round trips the bottleneck-rate maximum covers. */
const RATE_ROUNDS = 10;
/** How long a minimum RTT stays valid, in ms. */
const MIN_RTT_LIFETIME = 10_000;
/** How long probe-RTT holds the window at its floor, in ms. */
const PROBE_RTT_TIME = 200;
/** Packets the window never goes below. */
const MIN_WINDOW_PACKETS = 4;

type Mode = "startup" | "drain" | "probeBandwidth" | "probeRtt";

/** The BBR-style controller. All times are milliseconds, rates bytes per millisecond. */
export class Bbr implements CongestionController {
  window: number;
  /** Bytes per ms to pace at; `undefined` until the first rate sample. */
  pacingRate: number | undefined;
  readonly #maxDatagram: number;
  readonly #sampler = new DeliveryRateSampler();
  /** The most delivered per ms in each of the last rounds: `[round, rate]` pairs, newest last. */
  #rates: Array<[number, number]> = [];
  #minRtt = Infinity;
  #minRttAt = -Infinity;
  #mode: Mode = "startup";
  #pacingGain = STARTUP_GAIN;
  #windowGain = STARTUP_GAIN;
  #fullRate = 0;
  #flatRounds = 0;
  #filled = false;
  #phase = 0;
  #phaseStart = 0;
  #probeRttUntil: number | undefined;
  #windowBeforeProbeRtt = 0;

  /** @param maxDatagram the largest packet on the path, in bytes */
  constructor(maxDatagram: number) {
    this.#maxDatagram = maxDatagram;
    this.window = this.#initial();
  }

  #initial(): number {
    return Math.min(10 * this.#maxDatagram, Math.max(14_720, 2 * this.#maxDatagram));
  }

  /** The bottleneck rate estimate in bytes per ms (0 before any sample). */
  get bottleneckRate(): number {
    let best = 0;
    for (const [, rate] of this.#rates) best = Math.max(best, rate);
    return best;
  }

  /** The propagation delay estimate in ms (`Infinity` before any sample). */
  get minRtt(): number {
    return this.#minRtt;
  }

  /** The current phase: startup, drain, probe-bandwidth or probe-RTT. */
  get mode(): Mode {
    return this.#mode;
  }

  onSent(now: number, bytes: number): void {
    this.#sampler.onSent(now, bytes);
  }

  onAcked(now: number, bytes: number, sentAt: number, rtt: RttEstimator): void {
    const expired = now - this.#minRttAt > MIN_RTT_LIFETIME;
    if (rtt.sampled && (rtt.latest <= this.#minRtt || expired)) {
      if (expired && this.#mode !== "probeRtt" && this.#minRtt !== Infinity) this.#enterProbeRtt();
      this.#minRtt = rtt.latest;
      this.#minRttAt = now;
    }
    const sample = this.#sampler.onAcked(now, bytes, sentAt, this.#minRtt);
    if (sample !== undefined) this.#takeRate(sample.rate, sample.roundStart);
    this.#advance(now, sample?.roundStart === true);
    this.#setWindow(bytes);
    const rate = this.bottleneckRate;
    if (rate > 0) this.pacingRate = this.#pacingGain * rate;
  }

  /** Random loss says nothing about the bottleneck: only the in-flight count changes. */
  onLost(_now: number, bytes: number): void {
    this.#sampler.onLost(bytes);
  }

  /** Losses spanning several PTOs: start again from the minimum window (as BBR on an RTO). */
  onPersistentCongestion(): void {
    this.window = MIN_WINDOW_PACKETS * this.#maxDatagram;
  }

  reset(): void {
    this.window = this.#initial();
    this.pacingRate = undefined;
    this.#sampler.reset();
    this.#rates = [];
    this.#minRtt = Infinity;
    this.#minRttAt = -Infinity;
    this.#enterStartup();
    this.#fullRate = 0;
    this.#flatRounds = 0;
    this.#filled = false;
    this.#probeRttUntil = undefined;
  }

  #takeRate(rate: number, roundStart: boolean): void {
    const round = this.#sampler.round;
    const last = this.#rates[this.#rates.length - 1];
    if (last !== undefined && last[0] === round) last[1] = Math.max(last[1], rate);
    else if (rate > 0) this.#rates.push([round, rate]);
    while (this.#rates.length > 0 && this.#rates[0]![0] <= round - RATE_ROUNDS) this.#rates.shift();
    if (!roundStart || this.#filled) return;
    const best = this.bottleneckRate;
    if (best >= this.#fullRate * 1.25) {
      this.#fullRate = best;
      this.#flatRounds = 0;
    } else if (++this.#flatRounds >= 3) this.#filled = true;
  }

  #advance(now: number, roundStart: boolean): void {
    const bdp = this.#bdp(1);
    const inFlight = this.#sampler.inFlight;
    switch (this.#mode) {
      case "startup":
        if (this.#filled) {
          this.#mode = "drain";
          this.#pacingGain = 1 / STARTUP_GAIN;
        }
        return;
      case "drain":
        if (inFlight <= bdp) this.#enterProbeBandwidth(now);
        return;
      case "probeBandwidth": {
        const gain = PROBE_GAINS[this.#phase]!;
        const elapsed = now - this.#phaseStart > this.#minRtt;
        const done = gain > 1
          ? elapsed && inFlight >= gain * bdp
          : gain < 1
          ? elapsed || inFlight <= bdp
          : elapsed;
        if (done) this.#nextPhase(now);
        return;
      }
      case "probeRtt":
        if (this.#probeRttUntil === undefined) {
          if (inFlight <= MIN_WINDOW_PACKETS * this.#maxDatagram) {
            this.#probeRttUntil = now + PROBE_RTT_TIME;
          }
        } else if (now >= this.#probeRttUntil && roundStart) {
          this.#probeRttUntil = undefined;
          this.window = Math.max(this.window, this.#windowBeforeProbeRtt);
          if (this.#filled) this.#enterProbeBandwidth(now);
          else this.#enterStartup();
        }
    }
  }

  #enterStartup(): void {
    this.#mode = "startup";
    this.#pacingGain = STARTUP_GAIN;
    this.#windowGain = STARTUP_GAIN;
  }

  #enterProbeBandwidth(now: number): void {
    this.#mode = "probeBandwidth";
    this.#windowGain = WINDOW_GAIN;
    this.#phase = 2;
    this.#phaseStart = now;
    this.#pacingGain = PROBE_GAINS[this.#phase]!;
  }

  #nextPhase(now: number): void {
    this.#phase = (this.#phase + 1) % PROBE_GAINS.length;
    this.#phaseStart = now;
    this.#pacingGain = PROBE_GAINS[this.#phase]!;
  }

  #enterProbeRtt(): void {
    this.#mode = "probeRtt";
    this.#pacingGain = 1;
    this.#windowBeforeProbeRtt = this.window;
    this.#probeRttUntil = undefined;
  }

  /** `gain` × rate × minimum RTT, in bytes; 0 before both are known. */
  #bdp(gain: number): number {
    const rate = this.bottleneckRate;
    if (rate === 0 || this.#minRtt === Infinity) return 0;
    return gain * rate * this.#minRtt;
  }

  #setWindow(acked: number): void {
    const floor = MIN_WINDOW_PACKETS * this.#maxDatagram;
    if (this.#mode === "probeRtt") {
      this.window = floor;
      return;
    }
    const bdp = this.#bdp(this.#windowGain);
    const target = bdp === 0 ? this.window : bdp + 3 * this.#maxDatagram;
    if (this.#filled) this.window = Math.min(this.window + acked, target);
    else if (this.window < target || this.#sampler.delivered < this.#initial()) {
      this.window += acked;
    }
    this.window = Math.max(this.window, floor);
  }
}

/** The factory of `Bbr` controllers, for `streams({ congestion: bbr })`. */
export const bbr: CongestionFactory = (maxDatagram) => new Bbr(maxDatagram);
