import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** RFC 9457 problem details with a stable machine-readable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

/** Thrown anywhere in request handling; the app's single `onError` turns it into a response. */
export class ProblemError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

/** Builds a problem; `type` is a URN derived from the code so it stays stable across hosts. */
export function problem(
  status: number,
  code: string,
  title: string,
  detail?: string,
  extra: Record<string, unknown> = {},
): Problem {
  return {
    type: `urn:baton:problem:${code}`,
    title,
    status,
    code,
    ...(detail !== undefined ? { detail } : {}),
    ...extra,
  };
}

/** Throws a problem. */
export function fail(
  status: number,
  code: string,
  title: string,
  detail?: string,
  extra?: Record<string, unknown>,
): never {
  throw new ProblemError(problem(status, code, title, detail, extra));
}

/**
 * Writes a problem as `application/problem+json`. A numeric `retryAfter` extension (seconds,
 * as `rate_limited` carries) is also sent as the `Retry-After` header.
 */
export function problemResponse(c: Context, p: Problem): Response {
  const headers: Record<string, string> = { "content-type": "application/problem+json" };
  if (typeof p.retryAfter === "number") headers["retry-after"] = String(p.retryAfter);
  return c.body(JSON.stringify(p), p.status as ContentfulStatusCode, headers);
}
