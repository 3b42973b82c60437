/**
 * How the admin API shows a session.
 *
 * @module
 */
import type { Session, SessionState } from "../../core/session.ts";
import { addressKey } from "../../core/transport.ts";
import type { ThingMetrics } from "../metrics/mod.ts";
import type { SessionFigures } from "../metrics/mod.ts";

/** A session as JSON. */
export interface SessionJson {
  /** The client ID, 32 lowercase hex digits. */
  id: string;
  /** The peer as `host:port` (`[v6]:port` for IPv6). */
  peer: string;
  /** Where the session is in its life. */
  state: SessionState;
  /** Why it closed, once closed. */
  closeReason?: string;
  /** Its figures, when a metrics plugin runs on the endpoint. */
  figures?: SessionFigures;
}

/** The JSON view of `session`, with its figures when `metrics` is given. */
export function sessionJson(session: Session, metrics?: ThingMetrics): SessionJson {
  const figures = metrics?.session(session);
  return {
    id: session.id,
    peer: addressKey(session.peer),
    state: session.state,
    ...(session.closeReason === undefined ? {} : { closeReason: session.closeReason }),
    ...(figures ? { figures } : {}),
  };
}
