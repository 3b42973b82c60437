/**
 * Adds constant labels to every sample of a Prometheus text exposition (the cluster's `node` and
 * `worker`), leaving `# HELP` and `# TYPE` lines as they are.
 *
 * @module
 */

/** `text` with `labels` added to every sample line. */
export function withLabels(text: string, labels: Readonly<Record<string, string>>): string {
  const extra = Object.entries(labels)
    .map(([name, value]) => `${name}="${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)
    .join(",");
  return text.split("\n").map((line) => {
    if (line === "" || line.startsWith("#")) return line;
    const brace = line.indexOf("{");
    const space = line.indexOf(" ");
    if (brace >= 0 && brace < space) {
      const close = line.lastIndexOf("}");
      const inner = line.slice(brace + 1, close);
      return `${line.slice(0, brace)}{${inner === "" ? extra : `${inner},${extra}`}${
        line.slice(close)
      }`;
    }
    return `${line.slice(0, space)}{${extra}}${line.slice(space)}`;
  }).join("\n");
}
