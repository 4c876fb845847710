import { schema } from "@baton/db";
import { and, desc, eq, gte, lt, or, type SQL } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { fail } from "../http/problem";

export interface SearchParams {
  customer?: string | undefined;
  status?: string | undefined;
  owner?: string | undefined;
  updatedSince?: string | undefined;
  /** Only journeys updated before this instant (the console's time range; not on the API). */
  updatedBefore?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  try {
    const [updatedAt, id] = JSON.parse(atob(cursor.replace(/-/g, "+").replace(/_/g, "/"))) as [
      string,
      string,
    ];
    if (typeof updatedAt === "string" && typeof id === "string") return { updatedAt, id };
  } catch {
    // fall through to the problem below
  }
  const message = "pass the nextCursor of a previous page unchanged";
  return fail(400, "invalid_cursor", "Invalid cursor", `cursor: ${message}`, {
    errors: [{ path: "cursor", message }],
  });
}

function encodeCursor(updatedAt: string, id: string): string {
  return btoa(JSON.stringify([updatedAt, id]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_");
}

/**
 * Searches journey history in D1, newest activity first, with keyset paging. D1 trails the
 * journey objects by the outbox flush delay (docs/architecture.md), so this is for history
 * and search, never for the live context of one journey.
 */
export async function searchJourneys(d1: D1Database, workspace: string, q: SearchParams) {
  const j = schema.journeys;
  const where: SQL[] = [eq(j.workspaceId, workspace)];
  if (q.customer) where.push(eq(j.customerId, q.customer));
  if (q.status) where.push(eq(j.status, q.status));
  if (q.owner) where.push(eq(j.ownerId, q.owner));
  if (q.updatedSince) where.push(gte(j.updatedAt, q.updatedSince));
  if (q.updatedBefore) where.push(lt(j.updatedAt, q.updatedBefore));
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    const before = or(
      lt(j.updatedAt, c.updatedAt),
      and(eq(j.updatedAt, c.updatedAt), lt(j.id, c.id)),
    );
    if (before) where.push(before);
  }
  const rows = await drizzle(d1)
    .select()
    .from(j)
    .where(and(...where))
    .orderBy(desc(j.updatedAt), desc(j.id))
    .limit(q.limit + 1);
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return {
    items: page.map(({ workspaceId: _w, channels, ...r }) => ({
      ...r,
      channels: JSON.parse(channels) as string[],
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor(last.updatedAt, last.id) : null,
  };
}
