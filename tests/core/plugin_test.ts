import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PluginError } from "../../core/errors.ts";
import { definePlugin, type Plugin, resolvePlugins } from "../../core/plugin.ts";
import { PacketRegistry } from "../../core/registry.ts";
import * as v from "valibot";

function plugin(name: string, extra: Partial<Plugin> = {}): Plugin {
  return definePlugin({ name, setup() {}, ...extra });
}

function isPluginError(code: string, ...mentions: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof PluginError, String(error));
    assert.equal(error.name, "PluginError");
    assert.equal(error.code, code);
    for (const text of mentions) assert.ok(error.message.includes(text), error.message);
    return true;
  };
}

describe("definePlugin()", () => {
  it("definePlugin() returns a well-formed plugin unchanged", () => {
    const p = { name: "x", setup() {} };
    assert.equal(definePlugin(p), p);
  });

  it("definePlugin() rejects a missing or empty name", () => {
    for (const bad of [{ setup() {} }, { name: "", setup() {} }, { name: 7, setup() {} }]) {
      assert.throws(
        () => definePlugin(bad as unknown as Plugin),
        isPluginError("THING_ERR_PLUGIN_OPTIONS", "name"),
      );
    }
  });

  it("definePlugin() rejects a plugin without a setup function, naming it", () => {
    assert.throws(
      () => definePlugin({ name: "nosetup" } as unknown as Plugin),
      isPluginError("THING_ERR_PLUGIN_OPTIONS", '"nosetup"', "setup"),
    );
  });

  it("definePlugin() rejects a value that is not an object", () => {
    assert.throws(() => definePlugin(undefined as unknown as Plugin), PluginError);
  });
});

describe("resolvePlugins()", () => {
  it("resolvePlugins() keeps the order and flattens nested lists", () => {
    const order = resolvePlugins([plugin("a"), [plugin("b"), [plugin("c"), [[plugin("d")]]]]]);
    assert.deepEqual(order.map((p) => p.name), ["a", "b", "c", "d"]);
  });

  it("resolvePlugins() applies the same name and seed once, keeping the first position", () => {
    const order = resolvePlugins([
      plugin("a", { seed: { n: 1 } }),
      plugin("b"),
      [plugin("a", { seed: { n: 1 } })],
    ]);
    assert.deepEqual(order.map((p) => p.name), ["a", "b"]);
  });

  it("resolvePlugins() rejects the same name with different options", () => {
    assert.throws(
      () => resolvePlugins([plugin("a", { seed: { n: 1 } }), plugin("a", { seed: { n: 2 } })]),
      isPluginError("THING_ERR_PLUGIN_OPTIONS", '"a"'),
    );
  });

  it("resolvePlugins() tells function options apart by identity", () => {
    const f = () => 1;
    const g = () => 2;
    assert.equal(
      resolvePlugins([plugin("a", { seed: { on: f } }), plugin("a", { seed: { on: f } })]).length,
      1,
    );
    assert.throws(
      () => resolvePlugins([plugin("a", { seed: { on: f } }), plugin("a", { seed: { on: g } })]),
      isPluginError("THING_ERR_PLUGIN_OPTIONS"),
    );
  });

  it("resolvePlugins() tells class-instance options apart by identity", () => {
    class Store {
      #items = new Map<string, number>();
      get size(): number {
        return this.#items.size;
      }
    }
    const one = new Store();
    assert.equal(
      resolvePlugins([plugin("a", { seed: { store: one } }), plugin("a", { seed: { store: one } })])
        .length,
      1,
    );
    assert.throws(
      () =>
        resolvePlugins([
          plugin("a", { seed: { store: one } }),
          plugin("a", { seed: { store: new Store() } }),
        ]),
      isPluginError("THING_ERR_PLUGIN_OPTIONS"),
    );
  });

  it("resolvePlugins() accepts a bigint in a seed", () => {
    const seed = { max: 10n };
    assert.equal(resolvePlugins([plugin("a", { seed }), plugin("a", { seed })]).length, 1);
  });

  it("resolvePlugins() names the plugin and its missing dependency", () => {
    assert.throws(
      () => resolvePlugins([plugin("app", { dependencies: ["thing:connection"] })]),
      isPluginError("THING_ERR_PLUGIN_DEPENDENCY", '"app"', '"thing:connection"'),
    );
  });

  it("resolvePlugins() accepts a dependency listed after its dependant or in a nested list", () => {
    const order = resolvePlugins([plugin("app", { dependencies: ["base"] }), [plugin("base")]]);
    assert.deepEqual(order.map((p) => p.name), ["app", "base"]);
  });

  it("resolvePlugins() checks the shape of every listed plugin", () => {
    assert.throws(
      () => resolvePlugins([plugin("a"), { name: "b" } as unknown as Plugin]),
      isPluginError("THING_ERR_PLUGIN_OPTIONS", '"b"'),
    );
  });
});

describe("PacketRegistry", () => {
  it("PacketRegistry.register() names both owners when a code is taken", () => {
    const registry = new PacketRegistry();
    registry.register({ code: 0x80, name: "PING2" }, "first-plugin");
    assert.throws(
      () => registry.register({ code: 0x80, name: "OTHER" }, "second-plugin"),
      isPluginError(
        "THING_ERR_PACKET_TYPE_TAKEN",
        "0x80",
        '"first-plugin"',
        '"second-plugin"',
        '"PING2"',
        '"OTHER"',
      ),
    );
    assert.equal(registry.get(0x80)?.owner, "first-plugin");
  });

  it("PacketRegistry.register() throws a RangeError for a code outside 0..255", () => {
    const registry = new PacketRegistry();
    for (const code of [-1, 256, 1.5]) {
      assert.throws(() => registry.register({ code, name: "X" }, "p"), RangeError);
    }
  });

  it("PacketRegistry.name() names registered codes and hex-formats others", () => {
    const registry = new PacketRegistry();
    registry.register({ code: 0x81, name: "MINE" }, "p");
    assert.equal(registry.name(0x81), "MINE");
    assert.equal(registry.name(0x0a), "0x0a");
    assert.deepEqual(registry.all().map((t) => t.code), [0x81]);
  });

  it("PacketRegistry.decodeBody() uses a codec, a valibot schema, or nothing", () => {
    const registry = new PacketRegistry();
    registry.register({
      code: 1,
      name: "LEN",
      codec: { decode: (p) => p.length, encode: () => new Uint8Array() },
    }, "p");
    registry.register({ code: 2, name: "JSON", schema: v.object({ n: v.number() }) }, "p");
    registry.register({ code: 3, name: "RAW" }, "p");
    const json = new TextEncoder().encode('{"n":4}');
    assert.equal(registry.decodeBody(registry.get(1)!, new Uint8Array(5)), 5);
    assert.deepEqual(registry.decodeBody(registry.get(2)!, json), { n: 4 });
    assert.equal(registry.decodeBody(registry.get(3)!, json), undefined);
    assert.throws(() =>
      registry.decodeBody(registry.get(2)!, new TextEncoder().encode('{"n":"x"}'))
    );
    assert.throws(() => registry.decodeBody(registry.get(2)!, new Uint8Array([0xff])));
  });
});
