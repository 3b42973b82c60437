import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";

const root = new URL("../../", import.meta.url);
const document = readFileSync(new URL("docs/PROTOCOL.md", root), "utf8");
const flat = (text: string) => text.replace(/\s+/g, " ");

/** The numbered items of section 6, each as one line of text. */
function conformanceItems(): { number: number; text: string }[] {
  const start = document.indexOf("\n## 6. Conformance");
  assert.ok(start >= 0, "docs/PROTOCOL.md has a section 6. Conformance");
  const next = document.indexOf("\n## ", start + 1);
  const section = document.slice(start, next < 0 ? undefined : next);
  return section.split(/\n(?=\d+\. )/).slice(1).map((item) => ({
    number: Number(/^(\d+)\./.exec(item)![1]),
    text: flat(item.split(/\n\n/)[0]!),
  }));
}

describe("docs/PROTOCOL.md §6 conformance list", () => {
  const items = conformanceItems();

  it("numbers its requirements 1, 2, 3 … and names at least one test for each", () => {
    assert.ok(items.length > 0);
    assert.deepEqual(items.map((item) => item.number), items.map((_, i) => i + 1));
    for (const { number, text } of items) {
      assert.match(text, /Tests: `tests\/[^`]+\.ts` "/, `item ${number} names a test`);
    }
  });

  it("names only test files and test names that exist", () => {
    for (const { number, text } of items) {
      const tests = text.slice(text.lastIndexOf("Tests:"));
      let file: { path: string; text: string } | undefined;
      for (const [, path, name] of tests.matchAll(/`(tests\/[^`]+\.ts)`|"([^"]+)"/g)) {
        if (path !== undefined) {
          assert.ok(existsSync(new URL(path, root)), `item ${number}: ${path} exists`);
          file = { path, text: flat(readFileSync(new URL(path, root), "utf8")) };
          continue;
        }
        assert.ok(file !== undefined, `item ${number}: "${name}" follows a file`);
        assert.ok(file.text.includes(name!), `item ${number}: ${file.path} has a test "${name}"`);
      }
    }
  });
});
