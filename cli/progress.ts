/**
 * A progress bar on standard error (stdout stays pipeable). On a terminal it redraws one line at
 * most ten times a second; elsewhere it prints a plain line at each quarter, so logs stay short.
 *
 * @module
 */
import type { CommandIo } from "./command.ts";
import { formatBytes, formatCount } from "./output.ts";

/** What a bar counts. */
export interface ProgressOptions {
  /** Shown before the bar, e.g. `bench`. */
  label: string;
  /** The count at 100 %. */
  total: number;
  /** `bytes` shows sizes and byte rates; `items` shows counts. */
  unit: "bytes" | "items";
  /** Milliseconds clock (default `performance.now`). */
  now?: () => number;
}

const WIDTH = 24;

/** One progress bar. Call `update` as work is done and `finish` at the end (or on Ctrl-C). */
export class Progress {
  readonly #io: CommandIo;
  readonly #options: ProgressOptions;
  readonly #now: () => number;
  readonly #started: number;
  #drawnAt = -Infinity;
  #quarter = 0;
  #done = 0;
  #finished = false;

  /** Creates a bar; nothing is drawn until the first `update`. */
  constructor(io: CommandIo, options: ProgressOptions) {
    this.#io = io;
    this.#options = options;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /** Records that `done` of `total` is complete and redraws when it is time. */
  update(done: number): void {
    if (this.#finished) return;
    this.#done = Math.min(done, this.#options.total);
    const now = this.#now();
    if (this.#io.tty.err) {
      if (now - this.#drawnAt < 100 && this.#done < this.#options.total) return;
      this.#drawnAt = now;
      this.#io.status(`\r${this.line(now)}\x1b[K`);
      return;
    }
    const quarter = Math.floor((4 * this.#done) / Math.max(1, this.#options.total));
    if (quarter > this.#quarter) {
      this.#quarter = quarter;
      this.#io.status(`${this.line(now)}\n`);
    }
  }

  /** Ends the bar: clears the line on a terminal. Idempotent. */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#io.tty.err && this.#drawnAt > -Infinity) this.#io.status("\r\x1b[K");
  }

  /** The bar as text at time `now`. */
  line(now: number = this.#now()): string {
    const { label, total, unit } = this.#options;
    const fraction = total > 0 ? this.#done / total : 1;
    const filled = Math.round(fraction * WIDTH);
    const bar = "#".repeat(filled) + "-".repeat(WIDTH - filled);
    const seconds = Math.max(1e-3, (now - this.#started) / 1000);
    const rate = this.#done / seconds;
    const amount = unit === "bytes"
      ? `${formatBytes(this.#done)}/${formatBytes(total)}, ${formatBytes(rate)}/s`
      : `${formatCount(this.#done)}/${formatCount(total)}, ${formatCount(rate)}/s`;
    const left = rate > 0 ? (total - this.#done) / rate : Infinity;
    const eta = this.#done >= total
      ? "done"
      : Number.isFinite(left)
      ? `ETA ${formatEta(left)}`
      : "";
    return `${label} [${bar}] ${(fraction * 100).toFixed(0).padStart(3)}% ${amount} ${eta}`
      .trimEnd();
  }
}

function formatEta(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  return `${Math.floor(seconds / 60)}m${String(Math.ceil(seconds % 60)).padStart(2, "0")}s`;
}

/** The bars of a benchmark: the messages (or stream items) first, then the timed round trips. */
export interface BenchBars {
  /** Counts messages confirmed, up to the requested count. */
  readonly messages: Progress;
  /** Ends the messages bar and starts one counting round trips. */
  roundTrips(): Progress;
}
