/**
 * The session directory in Redis: which member holds which session, and which members are alive.
 *
 * A member's liveness is one key with a TTL (`P:node:M`), renewed by one script call per beat
 * whatever the number of sessions; its sessions are plain hash fields, written once when a
 * session opens and once when it closes. Each beat also reaps the members whose key has expired
 * (their sessions leave `P:where` and their hash is deleted), so a dead node's sessions leave the
 * listing within one TTL and the routing table within a TTL and a beat. Everything read back is
 * validated: foreign or malformed entries are skipped and counted, never trusted.
 *
 * @module
 */
import type { Session } from "../../core/session.ts";
import { addressKey } from "../../core/transport.ts";
import type { ClusterKeys } from "./keys.ts";
import type { RedisLink } from "./redis_link.ts";

/** A live member of the cluster, as `GET /cluster/nodes` lists it. */
export interface NodeInfo {
  /** The node's name. */
  node: string;
  /** Its worker number, when the node runs several. */
  worker?: number;
  /** The name in Redis: `node` or `node/worker`. */
  member: string;
  /** When it joined (ms since the epoch, its clock). */
  startedAt: number;
  /** How many sessions it held at its last beat. */
  sessions: number;
  /** When it last renewed its entry (ms since the epoch, its clock). */
  beatAt: number;
}

/** A session somewhere in the cluster, as the directory knows it. */
export interface DirectorySession {
  /** The client ID, 32 lowercase hex digits. */
  id: string;
  /** The node holding it. */
  node: string;
  /** The worker holding it, when the node runs several. */
  worker?: number;
  /** The peer as `host:port`. */
  peer: string;
  /** When it opened (ms since the epoch, its node's clock). */
  openedAt: number;
}

const SESSION_ID = /^[0-9a-f]{32}$/;

/** Renews this member, reaps the expired ones, returns the live ones. */
const BEAT = `
local p, m, info, ttl, now = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4]), tonumber(ARGV[5])
redis.call('SET', p .. ':node:' .. m, info, 'PX', ttl)
redis.call('ZADD', p .. ':nodes', now, m)
local live = {}
for _, n in ipairs(redis.call('ZRANGE', p .. ':nodes', 0, -1)) do
  if redis.call('EXISTS', p .. ':node:' .. n) == 1 then
    live[#live + 1] = n
  else
    local ids = redis.pcall('HKEYS', p .. ':node:' .. n .. ':sessions')
    if type(ids) == 'table' and ids.err == nil then
      for _, id in ipairs(ids) do
        if redis.pcall('HGET', p .. ':where', id) == n then redis.pcall('HDEL', p .. ':where', id) end
      end
    end
    redis.pcall('DEL', p .. ':node:' .. n .. ':sessions')
    redis.call('ZREM', p .. ':nodes', n)
  end
end
return live
`;

/** Records a session: KEYS where, sessions; ARGV id, member, json. */
const CLAIM = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[3])
return 1
`;

/** Forgets a session, leaving `where` alone if another member claimed it since. */
const RELEASE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
redis.call('HDEL', KEYS[2], ARGV[1])
return 1
`;

/** What a directory needs to know about its own member. */
export interface DirectoryMember {
  /** The node name. */
  node: string;
  /** The worker number, if any. */
  worker: number | undefined;
  /** `node` or `node/worker`. */
  member: string;
  /** Milliseconds the liveness key lives. */
  ttl: number;
}

/** One member's view of the directory. */
export class Directory {
  readonly #link: RedisLink;
  readonly #keys: ClusterKeys;
  readonly #self: DirectoryMember;
  readonly #startedAt = Date.now();
  /** Entries read back from Redis that were not well-formed, and were skipped. */
  malformed = 0;

  /** A directory for `self` over `link`. */
  constructor(link: RedisLink, keys: ClusterKeys, self: DirectoryMember) {
    this.#link = link;
    this.#keys = keys;
    this.#self = self;
  }

  /** Renews this member's entry; returns the live members (this one included). */
  async beat(sessions: number): Promise<Set<string>> {
    const { node, worker, member, ttl } = this.#self;
    const now = Date.now();
    const info: NodeInfo = {
      node,
      ...(worker === undefined ? {} : { worker }),
      member,
      startedAt: this.#startedAt,
      sessions,
      beatAt: now,
    };
    const live = await this.#link.script(BEAT, [], [
      this.#keys.prefix,
      member,
      JSON.stringify(info),
      String(ttl),
      String(now),
    ]);
    return new Set(Array.isArray(live) ? live.map(String) : []);
  }

  /** Records `session` as held here. */
  async claim(session: Session): Promise<void> {
    await this.#link.script(CLAIM, [this.#keys.where, this.#keys.sessions(this.#self.member)], [
      session.id,
      this.#self.member,
      this.#entry(session),
    ]);
  }

  /** Forgets `session`. */
  async release(id: string): Promise<void> {
    await this.#link.script(RELEASE, [this.#keys.where, this.#keys.sessions(this.#self.member)], [
      id,
      this.#self.member,
    ]);
  }

  /** Rewrites this member's sessions from scratch (after Redis was away). */
  async resync(sessions: readonly Session[]): Promise<void> {
    const own = this.#keys.sessions(this.#self.member);
    await this.#link.command(["DEL", own]);
    for (let i = 0; i < sessions.length; i += 500) {
      const chunk = sessions.slice(i, i + 500);
      await Promise.all([
        this.#link.command(["HSET", own, ...chunk.flatMap((s) => [s.id, this.#entry(s)])]),
        this.#link.command([
          "HSET",
          this.#keys.where,
          ...chunk.flatMap((s) => [s.id, this.#self.member]),
        ]),
      ]);
    }
  }

  /** Removes this member from Redis (a clean leave). */
  async leave(): Promise<void> {
    const { member } = this.#self;
    const ids = await this.#link.command(["HKEYS", this.#keys.sessions(member)]);
    if (Array.isArray(ids)) { for (const id of ids) await this.release(String(id)); }
    await Promise.all([
      this.#link.command(["DEL", this.#keys.node(member), this.#keys.sessions(member)]),
      this.#link.command(["ZREM", this.#keys.nodes, member]),
    ]);
  }

  /** The live members, with what each last said of itself. */
  async nodes(): Promise<NodeInfo[]> {
    const members = await this.#link.command(["ZRANGE", this.#keys.nodes, "0", "-1"]);
    if (!Array.isArray(members) || members.length === 0) return [];
    const names = members.map(String);
    const infos = await this.#link.command(["MGET", ...names.map((m) => this.#keys.node(m))]);
    const out: NodeInfo[] = [];
    names.forEach((member, i) => {
      const raw = Array.isArray(infos) ? infos[i] : undefined;
      if (raw === null || raw === undefined) return; // expired: not live
      const info = this.#nodeInfo(member, String(raw));
      if (info) out.push(info);
      else this.malformed++;
    });
    return out.sort((a, b) => a.member.localeCompare(b.member));
  }

  /** Every session of every live member. */
  async sessions(): Promise<DirectorySession[]> {
    const nodes = await this.nodes();
    const hashes = await Promise.all(
      nodes.map((n) => this.#link.command(["HGETALL", this.#keys.sessions(n.member)])),
    );
    const out: DirectorySession[] = [];
    nodes.forEach((node, i) => {
      for (const [id, raw] of pairs(hashes[i])) {
        const session = this.#session(node, id, raw);
        if (session) out.push(session);
        else this.malformed++;
      }
    });
    return out;
  }

  /** The member recorded as holding session `id`, if any. */
  async where(id: string): Promise<string | undefined> {
    const member = await this.#link.command(["HGET", this.#keys.where, id]);
    return typeof member === "string" ? member : undefined;
  }

  #entry(session: Session): string {
    return JSON.stringify({ peer: addressKey(session.peer), openedAt: Date.now() });
  }

  #nodeInfo(member: string, raw: string): NodeInfo | undefined {
    const value = parseJson(raw);
    if (typeof value !== "object" || value === null) return undefined;
    const { node, worker, startedAt, sessions, beatAt } = value as Record<string, unknown>;
    if (typeof node !== "string" || !isCount(startedAt) || !isCount(sessions) || !isCount(beatAt)) {
      return undefined;
    }
    if (worker !== undefined && !isCount(worker)) return undefined;
    return {
      node,
      ...(worker === undefined ? {} : { worker: worker as number }),
      member,
      startedAt: startedAt as number,
      sessions: sessions as number,
      beatAt: beatAt as number,
    };
  }

  #session(node: NodeInfo, id: string, raw: string): DirectorySession | undefined {
    if (!SESSION_ID.test(id)) return undefined;
    const value = parseJson(raw);
    if (typeof value !== "object" || value === null) return undefined;
    const { peer, openedAt } = value as Record<string, unknown>;
    if (typeof peer !== "string" || !isCount(openedAt)) return undefined;
    return {
      id,
      node: node.node,
      ...(node.worker === undefined ? {} : { worker: node.worker }),
      peer,
      openedAt: openedAt as number,
    };
  }
}

/** The field/value pairs of an HGETALL reply (an object in RESP3, a flat list in RESP2). */
function pairs(reply: unknown): [string, string][] {
  if (Array.isArray(reply)) {
    const out: [string, string][] = [];
    for (let i = 0; i + 1 < reply.length; i += 2) {
      out.push([String(reply[i]), String(reply[i + 1])]);
    }
    return out;
  }
  if (typeof reply === "object" && reply !== null) {
    return Object.entries(reply).map(([k, v]) => [k, String(v)]);
  }
  return [];
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function isCount(value: unknown): boolean {
  return typeof value === "number" && Number.isFinite(value) && value >= 0;
}
