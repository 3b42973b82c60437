/**
 * Bearer-token checking for the admin API, in constant time.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./errors.ts";

const encoder = new TextEncoder();

/**
 * Whether `given` equals `expected`, taking the same time wherever they differ (the time
 * depends only on the length of `expected`, which is not secret here).
 */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = encoder.encode(given);
  const b = encoder.encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i % Math.max(a.length, 1)] ?? 0) ^ b[i]!;
  return diff === 0;
}

/**
 * Hono middleware: requires `Authorization: Bearer <token>`, answering 401 with a JSON error
 * otherwise. Requests for which `isPublic` returns true pass without one.
 */
export function bearerAuth(
  token: string,
  isPublic: (method: string, path: string) => boolean = () => false,
): MiddlewareHandler {
  return async (c, next) => {
    if (isPublic(c.req.method, c.req.path)) return await next();
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
    if (!match || !constantTimeEqual(match[1]!, token)) {
      const response = errorResponse(
        c,
        401,
        "unauthorized",
        header === ""
          ? "Missing bearer token: send the header 'Authorization: Bearer <token>'"
          : "Invalid bearer token: send the token the admin server was started with",
      );
      response.headers.set("WWW-Authenticate", 'Bearer realm="thing-admin"');
      return response;
    }
    await next();
  };
}
