import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connection, connectionData, connectionSession } from "../../../plugins/connection/mod.ts";

describe("connection() options", () => {
  it("returns the session and data plugins, in that order", () => {
    const names = connection().flat().map((plugin) => (plugin as { name: string }).name);
    assert.deepEqual(names, ["thing:connection-session", "thing:connection-data"]);
  });

  it("rejects a bad option with THING_ERR_PLUGIN_OPTIONS naming it", () => {
    for (
      const [make, option] of [
        [() => connection({ timeout: -1 }), "timeout"],
        [() => connection({ pingInterval: 1.5 }), "pingInterval"],
        [() => connection({ window: 100 }), "window"],
        [() => connection({ nope: 1 } as never), "nope"],
        [() => connectionSession({ reconnect: "yes" as never }), "reconnect"],
        [() => connectionData({ maxRetransmits: -2 }), "maxRetransmits"],
        [() => connectionData({ minRto: 500, maxRto: 100 }), "minRto"],
      ] as const
    ) {
      assert.throws(make, (error: Error & { code?: string }) => {
        assert.equal(error.name, "PluginError");
        assert.equal(error.code, "THING_ERR_PLUGIN_OPTIONS");
        assert.match(error.message, new RegExp(`option "${option}"`));
        return true;
      });
    }
  });
});
