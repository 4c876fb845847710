/**
 * The D1 side of an erasure (docs/privacy.md "Erasure"). For each erased journey: a guard row
 * in `erased_journeys` first (so a history record still in the queue stores nothing), then its
 * rows in `events`, `journeys`, `owners`, `promises` and `history_dead` are overwritten and
 * deleted. Overwriting first replaces each text with filler of the same byte length, which
 * SQLite writes over the old bytes in place; a plain DELETE would leave them in the file's
 * free pages until reused. Idempotent: a second run finds nothing to change.
 */

/** Journeys per statement (each statement binds the workspace and these ids). */
const CHUNK = 50;

/** Filler of the same byte length as `col`, so the row keeps its size and is rewritten in place. */
const fill = (col: string) =>
  `${col} = CASE WHEN ${col} IS NULL THEN NULL ELSE printf('%.*c', length(CAST(${col} AS BLOB)), '*') END`;

/** The text columns of each table that can hold what a customer or an agent wrote. */
const TEXT_COLUMNS: Record<string, { key: string; cols: string[] }> = {
  events: { key: "journey_id", cols: ["text", "data", "actor_id", "actor_name"] },
  journeys: { key: "id", cols: ["reason_text", "reason_topic", "owner_name", "customer_id"] },
  owners: { key: "journey_id", cols: ["owner_name"] },
  promises: { key: "journey_id", cols: ["text", "made_by_name"] },
  history_dead: { key: "journey_id", cols: ["record", "error"] },
};

export interface HistoryErasure {
  /** Rows deleted, per table. */
  rows: Record<string, number>;
}

export async function eraseHistory(
  db: D1Database,
  workspace: string,
  erasureId: string,
  journeyIds: string[],
): Promise<HistoryErasure> {
  const rows: Record<string, number> = {};
  const now = new Date().toISOString();
  for (let i = 0; i < journeyIds.length; i += CHUNK) {
    const ids = journeyIds.slice(i, i + CHUNK);
    const marks = ids.map(() => "?").join(", ");
    const guard = ids.map((id) =>
      db
        .prepare(
          "INSERT OR IGNORE INTO erased_journeys (workspace_id, journey_id, erasure_id, erased_at) VALUES (?, ?, ?, ?)",
        )
        .bind(workspace, id, erasureId, now),
    );
    const statements: D1PreparedStatement[] = [...guard];
    for (const [table, { key, cols }] of Object.entries(TEXT_COLUMNS)) {
      const where = `workspace_id = ? AND ${key} IN (${marks})`;
      statements.push(
        db
          .prepare(`UPDATE ${table} SET ${cols.map(fill).join(", ")} WHERE ${where}`)
          .bind(workspace, ...ids),
        db.prepare(`DELETE FROM ${table} WHERE ${where}`).bind(workspace, ...ids),
      );
    }
    // One batch is one transaction: the guard and the deletes land together.
    const results = await db.batch(statements);
    const deletes = results.slice(guard.length).filter((_, n) => n % 2 === 1);
    Object.keys(TEXT_COLUMNS).forEach((table, n) => {
      rows[table] = (rows[table] ?? 0) + (deletes[n]?.meta.changes ?? 0);
    });
  }
  return { rows };
}

/**
 * The journeys among `journeyIds` an erasure removed: their queued history records are
 * dropped. One indexed read per batch of records.
 */
export async function erasedAmong(
  db: D1Database,
  keys: { workspace: string; journeyId: string }[],
): Promise<Set<string>> {
  const out = new Set<string>();
  const unique = [...new Map(keys.map((k) => [`${k.workspace}/${k.journeyId}`, k])).values()];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const part = unique.slice(i, i + CHUNK);
    const where = part.map(() => "(workspace_id = ? AND journey_id = ?)").join(" OR ");
    const res = await db
      .prepare(`SELECT workspace_id AS w, journey_id AS j FROM erased_journeys WHERE ${where}`)
      .bind(...part.flatMap((k) => [k.workspace, k.journeyId]))
      .all<{ w: string; j: string }>();
    for (const r of res.results) out.add(`${r.w}/${r.j}`);
  }
  return out;
}
