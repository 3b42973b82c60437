/**
 * A real `redis-server` for the cluster tests and benches: started on a random 127.0.0.1 port in a
 * temporary folder with persistence off, stopped (and restartable on the same port) on demand.
 * `redisSkip()` gives the skip reason when the binary is missing (CI: `apt-get install
 * redis-server`).
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, type RedisArgument } from "@redis/client";

const CANDIDATES = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"];

/** The redis-server binary, if installed. */
export function redisBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, "redis-server"))) return join(dir, "redis-server");
  }
  return CANDIDATES.find((path) => existsSync(path));
}

/** The reason to skip a test that needs Redis, or `false` when it can run. */
export function redisSkip(file: string): string | false {
  return redisBinary() === undefined
    ? `${file}: redis-server is not installed (apt-get install redis-server); skipping`
    : false;
}

/** A running redis-server. */
export interface RedisServer {
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Its port. */
  readonly port: number;
  /** Runs one command on a side connection (to plant or inspect keys). */
  command(args: readonly (string | Uint8Array)[]): Promise<unknown>;
  /** Stops the server (SIGTERM), keeping the port for `restart()`. */
  pause(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Stops it for good and removes its folder. */
  stop(): Promise<void>;
}

/** Starts redis-server on a random free port (tries a few). */
export async function startRedis(): Promise<RedisServer> {
  const binary = redisBinary();
  if (binary === undefined) throw new Error("redis-server is not installed");
  const dir = mkdtempSync(join(tmpdir(), "thing-redis-"));
  let child: ChildProcess | undefined;
  let port = 0;
  for (let attempt = 0; attempt < 5 && child === undefined; attempt++) {
    port = 20_000 + Math.floor(Math.random() * 40_000);
    child = await launch(binary, port, dir);
  }
  if (child === undefined) throw new Error("Could not start redis-server on a free port");
  const url = `redis://127.0.0.1:${port}`;
  let side: ReturnType<typeof createClient> | undefined;
  const closeSide = async () => {
    const client = side;
    side = undefined;
    if (client?.isOpen) await client.close().catch(() => client.destroy());
  };
  return {
    url,
    port,
    async command(args) {
      if (!side) {
        side = createClient({ url, socket: { reconnectStrategy: false } });
        side.on("error", () => {});
        await side.connect();
      }
      return await side.sendCommand(args as RedisArgument[]);
    },
    async pause() {
      await closeSide();
      await halt(child);
      child = undefined;
    },
    async restart() {
      child = await launch(binary, port, dir);
      if (child === undefined) throw new Error(`Could not restart redis-server on port ${port}`);
    },
    async stop() {
      await closeSide();
      await halt(child);
      child = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function launch(
  binary: string,
  port: number,
  dir: string,
): Promise<ChildProcess | undefined> {
  const child = spawn(binary, [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--appendonly",
    "no",
    "--dir",
    dir,
  ], { stdio: "ignore" });
  let exited = false;
  child.on("exit", () => (exited = true));
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && !exited) {
    if (await accepts(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill("SIGKILL");
  return undefined;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function halt(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}
