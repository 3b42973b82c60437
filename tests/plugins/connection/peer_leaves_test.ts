import assert from "node:assert/strict";
import process from "node:process";
import { afterEach, beforeEach, describe, it } from "node:test";
import { decodePacket } from "../../../core/codec.ts";
import type { ErrorEvent } from "../../../core/events.ts";
import { ThingError } from "../../../core/errors.ts";
import { connectionPair, settle, utf8 } from "./_helpers.ts";
import { ConnectionPacket } from "../../../plugins/connection/mod.ts";

/** A link that loses every DATA_ACK and delivers the rest after 1 ms. */
function noEcho(bytes: Uint8Array, now: number) {
  return decodePacket(bytes.slice()).type === ConnectionPacket.DATA_ACK
    ? []
    : [{ bytes, at: now + 1 }];
}

describe("a peer that leaves while the server sends to it reliably", () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => void unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on("unhandledRejection", record);
  });
  afterEach(() => void process.off("unhandledRejection", record));

  /** The README's echo server; the client sends once and closes before the echo is ACKed. */
  async function echoThenLeave(listener: (echo: Promise<void>) => unknown) {
    // The echo never reaches the client, so it is still unacknowledged when the client leaves.
    const p = connectionPair({ framed: false, pingInterval: 60_000 }, { down: { plan: noEcho } });
    const errors: ErrorEvent[] = [];
    p.server.on("error", (event) => errors.push(event));
    p.server.on(
      "message",
      ({ session, data, customId }) => listener(session.send(data, { customId })),
    );
    const session = await p.connect();
    await settle(p, session.send(utf8("hello"), { customId: 1 }));
    await settle(p, session.close());
    await p.net.drive();
    // Two macrotask turns: time for any unhandled rejection to be reported.
    for (let i = 0; i < 2; i++) await new Promise((resolve) => setTimeout(resolve, 0));
    return errors;
  }

  it("a listener returning the send's promise: no unhandled rejection, an error event instead", async () => {
    const errors = await echoThenLeave((echo) => echo);
    assert.deepEqual(unhandled, []);
    assert.equal(errors.length, 1);
    assert.ok(errors[0]!.error instanceof ThingError);
    assert.equal((errors[0]!.error as ThingError).code, "THING_ERR_SESSION_CLOSED");
  });

  it("a listener ignoring the send's promise: no unhandled rejection", async () => {
    await echoThenLeave(() => undefined);
    assert.deepEqual(unhandled, []);
  });

  it("a caller awaiting the send still sees it fail with THING_ERR_SESSION_CLOSED", async () => {
    let failure: unknown;
    await echoThenLeave((echo) => void echo.catch((error) => (failure = error)));
    assert.ok(failure instanceof ThingError);
    assert.equal(failure.code, "THING_ERR_SESSION_CLOSED");
  });
});
