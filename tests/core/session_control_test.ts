import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { PluginError } from "../../core/errors.ts";
import * as thing from "../../mod.ts";
import { pair } from "../../core/testing/mod.ts";
import { controls } from "../_controls.ts";
import { toy } from "./_toy_dialect.ts";

const CONTROL_MEMBERS = [
  "open",
  "suspend",
  "terminate",
  "rename",
  "migrate",
  "sendPacket",
  "setTimer",
  "clearTimer",
  "hasTimer",
  "takeOrder",
  "nextOrder",
];

describe("Session and SessionControl", () => {
  it("a Session carries none of its control's members, and no way to reach them", async () => {
    const p = pair({ plugins: [toy()] });
    const session = await p.connect();
    for (const name of CONTROL_MEMBERS) {
      assert.equal(name in session, false, `Session has ${name}`);
    }
    const keys = [...Object.keys(session), ...Object.getOwnPropertySymbols(session)];
    assert.deepEqual(keys, [], "a Session has no own enumerable properties or symbols");
    for (const name of ["id", "peer", "state", "clientId"] as const) {
      assert.throws(() => {
        (session as unknown as Record<string, unknown>)[name] = "x";
      }, TypeError);
    }
    assert.equal("SessionControl" in thing, false, "the package exports no SessionControl class");
  });

  it("api.control() returns the same handle for a session; control.session is the Session", async () => {
    const c = controls();
    const p = pair({ plugins: [toy(), c.plugin] });
    const session = await p.connect();
    const control = c.of(session);
    assert.equal(c.of(session), control);
    assert.equal(control.session, session);
    assert.equal(control.id, session.id);
    control.suspend("quiet");
    assert.equal(session.state, "connecting");
    control.open();
    assert.equal(session.state, "open");
    control.terminate("done");
    assert.equal(session.state, "closed");
    assert.equal(session.closeReason, "done");
    assert.equal(c.of(session), control, "a closed session keeps its control");
  });

  it("api.control() throws THING_ERR_FOREIGN_SESSION for another endpoint's session", async () => {
    let api: thing.PluginApi | undefined;
    const grab = thing.definePlugin({ name: "test:grab", setup: (a) => void (api = a) });
    const p = pair({ plugins: [toy()], serverPlugins: [toy(), grab] });
    const session = await p.connect();
    assert.throws(
      () => api!.control(session),
      (error: unknown) =>
        error instanceof PluginError && error.code === "THING_ERR_FOREIGN_SESSION",
    );
    assert.equal(api!.control(undefined), undefined);
  });

  it("api.sessions.create() returns the control of a session the table and events hold", () => {
    let api: thing.PluginApi | undefined;
    const grab = thing.definePlugin({ name: "test:grab", setup: (a) => void (api = a) });
    const p = pair({ plugins: [toy()], serverPlugins: [toy(), grab] });
    const opened: thing.Session[] = [];
    p.server.on("session", ({ session }) => void opened.push(session));
    const clientId = new Uint8Array(16).fill(7);
    const control = api!.sessions.create(clientId, { hostname: "elsewhere", port: 9 });
    assert.equal(api!.sessions.get(clientId), control.session);
    assert.deepEqual([...api!.sessions.values()], [control.session]);
    assert.equal(api!.control(control.session), control);
    control.open();
    assert.deepEqual(opened, [control.session]);
    const renamed = new Uint8Array(16).fill(8);
    control.rename(renamed);
    assert.equal(api!.sessions.get(clientId), undefined);
    assert.equal(api!.sessions.get(renamed), control.session);
    assert.equal(control.session.id, "08".repeat(16));
    assert.throws(() => control.rename(new Uint8Array(3)), RangeError);
    assert.equal(control.session.id, "08".repeat(16), "a refused rename changes nothing");
  });
});
