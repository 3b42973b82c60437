import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { truncate } from "../../reliability/truncate.ts";

describe("truncate()", () => {
  it("shortens an array to the length given, by a few elements or by many", () => {
    for (const [from, to] of [[1, 0], [5, 2], [6, 1], [100, 0], [3, 3], [2, 5]]) {
      const list = Array.from({ length: from! }, (_, i) => i);
      truncate(list, to!);
      assert.deepEqual(list, Array.from({ length: Math.min(from!, to!) }, (_, i) => i));
    }
  });
});
