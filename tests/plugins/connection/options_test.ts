import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { connection, connectionData, connectionSession } from "../../../plugins/connection/mod.ts";
import { RtoEstimator } from "../../../plugins/connection/rto.ts";

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

describe("RtoEstimator", () => {
  it("follows RFC 6298: first sample, then smoothing, clamped and backed off", () => {
    const rto = new RtoEstimator(1_000, 200, 60_000);
    assert.equal(rto.rto, 1_000);
    rto.sample(100);
    assert.equal(rto.srtt, 100);
    assert.equal(rto.rttvar, 50);
    assert.equal(rto.rto, 300);
    rto.sample(200);
    assert.equal(rto.rttvar, 0.75 * 50 + 0.25 * 100);
    assert.equal(rto.srtt, 0.875 * 100 + 0.125 * 200);
    assert.equal(rto.rto, 112.5 + 4 * 62.5);
    assert.equal(rto.backoff(2), 4 * (112.5 + 4 * 62.5));
    rto.sample(0);
    rto.sample(0);
    rto.sample(0);
    assert.ok(rto.rto >= 200);
    assert.equal(new RtoEstimator(1_000, 1, 5_000).backoff(10), 5_000);
  });
});
