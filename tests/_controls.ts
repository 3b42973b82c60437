/**
 * Test helper: a plugin that hands a test the control handles of its endpoints' sessions, as a
 * dialect has them (`api.control(session)`), for tests that drive a session's life cycle or
 * timers from outside.
 *
 * @module
 */
import { definePlugin, type Plugin, type PluginApi } from "../core/plugin.ts";
import type { Session } from "../core/session.ts";
import type { SessionControl } from "../core/session.ts";

/** The plugin to add to each endpoint, and `of(session)` to get a session's control. */
export interface Controls {
  /** Add it to the plugin list of every endpoint whose sessions the test drives. */
  plugin: Plugin;
  /** The control handle of `session`; throws if no endpoint with the plugin owns it. */
  of(session: Session): SessionControl;
}

/** Makes a `Controls`. */
export function controls(): Controls {
  const apis: PluginApi[] = [];
  return {
    plugin: definePlugin({ name: "test:controls", setup: (api) => void apis.push(api) }),
    of(session) {
      for (const api of apis) {
        try {
          return api.control(session);
        } catch {
          // another endpoint's session: try the next
        }
      }
      throw new Error(`No endpoint with the test:controls plugin owns session ${session.id}`);
    },
  };
}
