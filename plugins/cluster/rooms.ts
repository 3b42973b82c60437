/**
 * Room membership of this member's sessions. A broadcast reaches each member once (pub/sub), and
 * each member delivers it to its own sessions in the room, so every session gets it exactly once.
 *
 * @module
 */
import type { Session } from "../../core/session.ts";

/** Room names: 1 to 200 characters. */
export function checkRoom(room: unknown): string {
  if (typeof room !== "string" || room.length === 0 || room.length > 200) {
    throw new TypeError(
      `Invalid room ${JSON.stringify(room)?.slice(0, 80)}: use a string of 1 to 200 characters`,
    );
  }
  return room;
}

/** Local sessions by room. */
export class Rooms {
  readonly #members = new Map<string, Set<Session>>();
  readonly #rooms = new Map<Session, Set<string>>();

  /** Puts `session` in `room`. */
  join(session: Session, room: string): void {
    let members = this.#members.get(room);
    if (!members) this.#members.set(room, members = new Set());
    members.add(session);
    let rooms = this.#rooms.get(session);
    if (!rooms) this.#rooms.set(session, rooms = new Set());
    rooms.add(room);
  }

  /** Takes `session` out of `room`. */
  leave(session: Session, room: string): void {
    const members = this.#members.get(room);
    members?.delete(session);
    if (members?.size === 0) this.#members.delete(room);
    const rooms = this.#rooms.get(session);
    rooms?.delete(room);
    if (rooms?.size === 0) this.#rooms.delete(session);
  }

  /** Takes `session` out of every room (it closed). */
  forget(session: Session): void {
    for (const room of this.#rooms.get(session) ?? []) this.leave(session, room);
  }

  /** The rooms `session` is in. */
  of(session: Session): string[] {
    return [...this.#rooms.get(session) ?? []];
  }

  /** The local sessions in `room`. */
  members(room: string): Session[] {
    return [...this.#members.get(room) ?? []];
  }
}
