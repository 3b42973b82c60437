/**
 * The JSON error shape of the admin API: `{ "error": { "status", "code", "message" } }`.
 *
 * @module
 */
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The body of every admin API error. */
export interface AdminErrorBody {
  /** What went wrong. */
  error: {
    /** The HTTP status, repeated. */
    status: number;
    /** A stable machine-readable code, e.g. `not_found`. */
    code: string;
    /** What went wrong and what to do, in a sentence. */
    message: string;
  };
}

/** A JSON error response. */
export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
): Response {
  const body: AdminErrorBody = { error: { status, code, message } };
  return c.json(body, status);
}
