import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { commands } from "../../cli/main.ts";
import { VERSION } from "../../cli/version.ts";
import { here, run, there } from "./_spawn.ts";

const root = new URL("../../", import.meta.url);
const versionOf = (file: string) => JSON.parse(readFileSync(new URL(file, root), "utf8")).version;

describe(`thing help and version (${here})`, () => {
  it("VERSION matches deno.json and package.json", () => {
    assert.equal(VERSION, versionOf("deno.json"));
    assert.equal(VERSION, versionOf("package.json"));
  });

  it("version prints the version and runtime, --json too", async () => {
    const text = await run(here, ["version"]);
    assert.equal(text.code, 0);
    assert.match(
      text.stdout,
      new RegExp(`^thing ${VERSION.replaceAll(".", "\\.")} \\(${here} [\\d.]+`),
    );
    const json = await run(there, ["version", "--json"]);
    assert.deepEqual(Object.keys(JSON.parse(json.stdout)), [
      "version",
      "runtime",
      "runtimeVersion",
    ]);
    assert.equal(JSON.parse(json.stdout).runtime, there);
  });

  it("help lists every command; no command is a usage error", async () => {
    const help = await run(here, ["help"]);
    assert.equal(help.code, 0);
    for (const name of Object.keys(commands)) {
      assert.match(help.stdout, new RegExp(`^  ${name} `, "m"));
    }
    const none = await run(here, []);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^thing \S+: build and test/);
  });

  it("every command has --help (and help <command>) starting with its usage", async () => {
    await Promise.all(
      Object.keys(commands).map(async (name) => {
        const flag = await run(here, [name, "--help"]);
        assert.equal(flag.code, 0, name);
        assert.match(flag.stdout, new RegExp(`^Usage: thing ${name}\\b`), name);
        const topic = await run(there, ["help", name]);
        assert.equal(topic.stdout, flag.stdout, name);
      }),
    );
  });

  it("bad values exit 2 with one line naming the flag, the value and what is expected", async () => {
    const cases: [string[], RegExp][] = [
      [
        ["ping", "127.0.0.1:1", "-c", "0"],
        /^thing ping: Invalid --count "0": expected an integer from 1/,
      ],
      [
        ["ping", "127.0.0.1:1", "--interval", "soon"],
        /Invalid --interval "soon": expected an integer/,
      ],
      [
        ["bench", "--local", "--size", "70000"],
        /Invalid --size "70000": expected an integer from 0 to 65443/,
      ],
      [
        ["serve", "--log-level", "loud"],
        /Invalid --log-level "loud": expected one of trace, debug/,
      ],
      [["serve", "--log-format", "xml"], /Invalid --log-format "xml": expected pretty or json/],
      [["serve", "--admin", "9090"], /Invalid --admin "9090": expected HOST:PORT/],
      [
        ["serve", "--admin", "127.0.0.1:1", "--admin-token", "short"],
        /Invalid --admin-token "short"/,
      ],
      [
        ["serve", "--dialect", "smoke"],
        /Invalid --dialect "smoke": expected one of 'connection', 'thing', 'hybrid'/,
      ],
      [["serve", "--key", "k"], /Invalid --key for --dialect connection/],
      [["connect", "127.0.0.1:0"], /Invalid port 0 in "127\.0\.0\.1:0"/],
      [
        ["connect", "127.0.0.1:1", "--server-key", "nope"],
        /Invalid --server-key "nope": expected the 43-character/,
      ],
      [["keygen", "--out", ""], /Invalid --out "": expected a file path/],
      [["help", "teleport"], /Unknown command "teleport"/],
    ];
    await Promise.all(cases.map(async ([args, pattern]) => {
      const { code, stderr } = await run(here, args);
      assert.equal(code, 2, `${args.join(" ")}: ${stderr}`);
      assert.match(stderr, pattern);
      assert.equal(stderr.trim().split("\n").length, 1, stderr);
    }));
  });
});
