/**
 * Output helpers shared by the commands: colours (only on a terminal, never with `NO_COLOR`),
 * aligned tables, and number formats for rates, sizes and durations.
 *
 * @module
 */
import process from "node:process";

/** Colour functions; each returns its text unchanged when colours are off. */
export interface Paint {
  /** Bold text. */
  bold(text: string): string;
  /** Dimmed text. */
  dim(text: string): string;
  /** Green text (success). */
  green(text: string): string;
  /** Red text (failure). */
  red(text: string): string;
  /** Yellow text (warning). */
  yellow(text: string): string;
  /** Cyan text (names, addresses). */
  cyan(text: string): string;
}

/** Whether to colour a stream: it must be a terminal, and `NO_COLOR` must be unset or empty. */
export function colorsWanted(isTty: boolean | undefined): boolean {
  const noColor = process.env.NO_COLOR;
  return isTty === true && (noColor === undefined || noColor === "");
}

/** Colour functions that colour when `on`, else pass text through. */
export function paint(on: boolean): Paint {
  const sgr = (open: number, close: number) => (text: string) =>
    on ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    green: sgr(32, 39),
    red: sgr(31, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
  };
}

/**
 * Lays out rows as columns separated by two spaces; the first row is the header. Cells that look
 * like numbers are right-aligned.
 */
export function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => widths[i] = Math.max(widths[i] ?? 0, cell.length));
  }
  const numeric = /^[-+]?[\d.,]+\s*[a-zA-Zµ/%]*$/;
  return rows.map((row) =>
    row.map((cell, i) => {
      const width = widths[i] ?? 0;
      return numeric.test(cell) ? cell.padStart(width) : cell.padEnd(width);
    }).join("  ").trimEnd()
  ).join("\n");
}

/** A duration in ms with a precision that suits it: `0.042 ms`, `1.25 ms`, `120 ms`. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 100) return `${ms.toFixed(2)} ms`;
  return `${ms.toFixed(0)} ms`;
}

/** A byte count in binary units: `512 B`, `1.5 KiB`, `12.0 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A count with thousands separators: `12,345`. */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/**
 * One JSON line for `--json` output, with every fractional number rounded to 3 decimals
 * (milliseconds to the microsecond, seconds to the millisecond): `0.09465556199999997` → `0.095`.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(
    value,
    (_, v) => typeof v === "number" && !Number.isInteger(v) ? Math.round(v * 1000) / 1000 : v,
  );
}
