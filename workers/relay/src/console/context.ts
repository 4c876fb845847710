/**
 * The console's types: who is signed in and what middleware puts on each request's context.
 * Every console sub-app is a `Hono<ConsoleEnv>`; `c.get("person")` is the signed-in person,
 * `c.get("csrf")` the session's CSRF token (forms carry it as `_csrf`), `c.get("nonce")` the
 * per-response CSP nonce for <script> tags (layout.tsx uses it).
 */

/** agent: read and act on journeys; lead: + the effort dashboard; admin: + customer merge/unmerge. */
export type Role = "agent" | "lead" | "admin";

export interface Person {
  /** Stable id: `access:<email>` (Cloudflare Access), `local:<email>` (dev sign-in), `embed:<journey>`. */
  id: string;
  email: string;
  name: string;
  role: Role;
  workspace: string;
  /**
   * Set only for a session opened by an embed link: the one journey it may see and act on.
   * Every other console page refuses such a session (403).
   */
  journey?: string;
}

export type ConsoleEnv = {
  Bindings: Env;
  Variables: { person: Person; csrf: string; nonce: string };
};

const RANK: Record<Role, number> = { agent: 0, lead: 1, admin: 2 };

/** True when `role` has at least the rights of `needed` (admin ⊇ lead ⊇ agent). */
export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export function isRole(value: unknown): value is Role {
  return value === "agent" || value === "lead" || value === "admin";
}
