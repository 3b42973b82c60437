import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compose, type Middleware } from "../../core/compose.ts";
import { ThingError } from "../../core/errors.ts";

type Log = string[];

function tag(name: string): Middleware<Log> {
  return (log, next) => {
    log.push(`${name}>`);
    const result = next();
    log.push(`<${name}`);
    return result;
  };
}

describe("compose()", () => {
  it("compose() runs middleware as an onion around the terminal", () => {
    const log: Log = [];
    compose([tag("a"), tag("b")], (l) => void l.push("end"))(log);
    assert.deepEqual(log, ["a>", "b>", "end", "<b", "<a"]);
  });

  it("compose() stops at a middleware that does not call next()", () => {
    const log: Log = [];
    const stop: Middleware<Log> = (l) => void l.push("stop");
    compose([tag("a"), stop, tag("never")], (l) => void l.push("end"))(log);
    assert.deepEqual(log, ["a>", "stop", "<a"]);
  });

  it("compose() stays synchronous: returns undefined, not a promise, when every step is sync", () => {
    const log: Log = [];
    const result = compose([tag("a"), tag("b")], (l) => void l.push("end"))(log);
    assert.equal(result, undefined);
    assert.deepEqual(log, ["a>", "b>", "end", "<b", "<a"]);
  });

  it("compose() with no middleware calls the terminal directly", () => {
    const log: Log = [];
    assert.equal(compose<Log>([], (l) => void l.push("end"))(log), undefined);
    assert.deepEqual(log, ["end"]);
  });

  it("compose() runs async middleware in onion order and returns a promise", async () => {
    const log: Log = [];
    const later: Middleware<Log> = async (l, next) => {
      l.push("x>");
      await Promise.resolve();
      await next();
      l.push("<x");
    };
    const result = compose(
      [tag("a"), later, tag("b")],
      async (l) => {
        await Promise.resolve();
        l.push("end");
      },
    )(log);
    assert.ok(result instanceof Promise);
    assert.deepEqual(log, ["a>", "x>", "<a"]);
    await result;
    assert.deepEqual(log, ["a>", "x>", "<a", "b>", "<b", "end", "<x"]);
  });

  it("compose() throws THING_ERR_MIDDLEWARE when next() is called twice (sync)", () => {
    const twice: Middleware<Log> = (_l, next) => {
      next();
      next();
    };
    assert.throws(
      () => compose([twice], () => {})([]),
      (error: unknown) =>
        error instanceof ThingError && error.code === "THING_ERR_MIDDLEWARE" &&
        /more than once/.test(error.message),
    );
  });

  it("compose() rejects with THING_ERR_MIDDLEWARE when next() is awaited twice", async () => {
    let ends = 0;
    const twice: Middleware<Log> = async (_l, next) => {
      await next();
      await next();
    };
    await assert.rejects(
      async () => await compose([twice], () => void ends++)([]),
      (error: unknown) => error instanceof ThingError && error.code === "THING_ERR_MIDDLEWARE",
    );
    assert.equal(ends, 1);
  });

  it("compose() propagates a sync throw to the caller, unwinding outer middleware", () => {
    const log: Log = [];
    const boom: Middleware<Log> = () => {
      throw new Error("boom");
    };
    const outer: Middleware<Log> = (l, next) => {
      try {
        return next();
      } finally {
        l.push("finally");
      }
    };
    assert.throws(() => compose([outer, boom], () => {})(log), /boom/);
    assert.deepEqual(log, ["finally"]);
  });

  it("compose() propagates an async rejection, and outer middleware can catch it", async () => {
    const caught: unknown[] = [];
    const catcher: Middleware<Log> = async (_l, next) => {
      try {
        await next();
      } catch (error) {
        caught.push(error);
      }
    };
    const boom: Middleware<Log> = () => Promise.reject(new Error("later"));
    await compose([catcher, boom], () => {})([]);
    assert.equal(caught.length, 1);
    assert.match(String(caught[0]), /later/);
    await assert.rejects(async () => await compose([boom], () => {})([]), /later/);
  });

  it("compose() propagates an error thrown by the terminal", () => {
    assert.throws(() =>
      compose([tag("a")], () => {
        throw new RangeError("end");
      })([]), RangeError);
  });

  it("compose() can be run many times; each run has its own next() guard", () => {
    const run = compose([tag("a")], (l) => void l.push("end"));
    const log: Log = [];
    run(log);
    run(log);
    assert.deepEqual(log, ["a>", "end", "<a", "a>", "end", "<a"]);
  });

  it("compose() copies the middleware list: later pushes do not change it", () => {
    const list = [tag("a")];
    const run = compose(list, (l) => void l.push("end"));
    list.push(tag("late"));
    const log: Log = [];
    run(log);
    assert.deepEqual(log, ["a>", "end", "<a"]);
  });
});
