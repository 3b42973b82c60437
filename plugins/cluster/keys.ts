/**
 * The Redis keys and channels of a cluster, all under one prefix (`--cluster-prefix`):
 *
 * | name                         | type    | holds                                     | TTL            |
 * |------------------------------|---------|-------------------------------------------|----------------|
 * | `P:node:M`                   | string  | member M's JSON (`NodeInfo`)              | `ttl`, renewed every `ttl / 3` |
 * | `P:nodes`                    | zset    | every member that joined, by last beat    | none; the dead are reaped |
 * | `P:node:M:sessions`          | hash    | session ID → JSON of M's sessions         | none; reaped with M |
 * | `P:where`                    | hash    | session ID → member holding it            | none; reaped with M |
 * | `P:inbox:M`                  | channel | requests to M and answers to M            | (pub/sub)      |
 * | `P:broadcast`                | channel | broadcasts, heard by every member         | (pub/sub)      |
 * | `P:cookie:E`                 | string  | the cookie secret of epoch E (hex)        | 3 rotations    |
 * | `P:ticket:E`                 | string  | the ticket secret of epoch E (hex)        | 3 rotations    |
 *
 * @module
 */

/** Key and channel names under one prefix. */
export class ClusterKeys {
  /** The prefix, without the separator. */
  readonly prefix: string;
  /** The zset of members. */
  readonly nodes: string;
  /** The session ID → member hash. */
  readonly where: string;
  /** The broadcast channel. */
  readonly broadcast: string;

  /** Names under `prefix`. */
  constructor(prefix: string) {
    this.prefix = prefix;
    this.nodes = `${prefix}:nodes`;
    this.where = `${prefix}:where`;
    this.broadcast = `${prefix}:broadcast`;
  }

  /** Member `member`'s liveness key. */
  node(member: string): string {
    return `${this.prefix}:node:${member}`;
  }

  /** Member `member`'s sessions hash. */
  sessions(member: string): string {
    return `${this.prefix}:node:${member}:sessions`;
  }

  /** Member `member`'s inbox channel. */
  inbox(member: string): string {
    return `${this.prefix}:inbox:${member}`;
  }

  /** The cookie secret of `epoch`. */
  cookie(epoch: number): string {
    return `${this.prefix}:cookie:${epoch}`;
  }

  /** The resumption ticket secret of `epoch`. */
  ticket(epoch: number): string {
    return `${this.prefix}:ticket:${epoch}`;
  }
}
