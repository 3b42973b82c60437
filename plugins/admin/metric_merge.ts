/**
 * Merges Prometheus text expositions (one per worker) into one, keeping every metric family's
 * `# HELP`, `# TYPE` and samples together, as the format requires.
 *
 * @module
 */

interface Family {
  comments: string[];
  samples: string[];
}

/** One exposition holding the samples of every text in `texts`, grouped by family. */
export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, Family>();
  const family = (name: string) => {
    let found = families.get(name);
    if (!found) families.set(name, found = { comments: [], samples: [] });
    return found;
  };
  for (const text of texts) {
    let current: string | undefined;
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const comment = /^# (HELP|TYPE) (\S+)/.exec(line);
      if (comment) {
        current = comment[2]!;
        const kept = family(current).comments;
        if (!kept.some((seen) => seen.startsWith(`# ${comment[1]} `))) kept.push(line);
        continue;
      }
      if (line.startsWith("#")) continue;
      const name = /^[^{\s]+/.exec(line)![0];
      // `_sum`, `_count` and `_bucket` samples belong to the family announced before them.
      const owner = current !== undefined && name.startsWith(current) ? current : name;
      family(owner).samples.push(line);
    }
  }
  const lines: string[] = [];
  for (const { comments, samples } of families.values()) lines.push(...comments, ...samples);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
