/**
 * The `:id` route parameter of the admin API's session routes: 32 hex digits of a client ID,
 * lowercased, or a 400 `bad_session_id` answer naming what was given.
 *
 * @module
 */
import { validator } from "hono/validator";
import * as v from "valibot";
import { errorResponse } from "./errors.ts";

const SessionIdSchema = v.pipe(
  v.string(),
  v.regex(/^[0-9a-fA-F]{32}$/, "a session ID is 32 hex digits"),
  v.toLowerCase(),
);

/** Validates `:id`; a handler reads it as `c.req.valid("param").id`. */
export const sessionIdParam = validator("param", (params, c) => {
  const parsed = v.safeParse(SessionIdSchema, params.id);
  if (!parsed.success) {
    return errorResponse(
      c,
      400,
      "bad_session_id",
      `Invalid session ID "${
        String(params.id).slice(0, 80)
      }": use the 32 hex digits of a client ID`,
    );
  }
  return { id: parsed.output };
});
