// D1 observations from the bench process, through Miniflare's D1 binding: row counts, a
// write counter (triggers), and how long an accepted event takes to become visible in D1.
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";

const COUNTER = "bench_d1_writes";

/** The relay's own tables (not SQLite's, Cloudflare's, the migrations log or ours). */
export async function historyTables(db) {
  const { results } = await db
    .prepare(
      `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         AND name NOT LIKE '_cf_%' AND name NOT IN ('d1_migrations', '${COUNTER}') ORDER BY name`,
    )
    .all();
  return results.map((r) => r.name);
}

export async function rowCounts(db) {
  const counts = {};
  for (const t of await historyTables(db)) {
    counts[t] = (await db.prepare(`SELECT count(*) AS n FROM "${t}"`).first()).n;
  }
  return counts;
}

/**
 * Counts every row inserted or updated in the history tables (an upsert that changes
 * nothing, ON CONFLICT DO NOTHING, or a DO UPDATE whose WHERE fails, counts nothing).
 */
export async function installWriteCounter(db) {
  const stmts = [
    `CREATE TABLE IF NOT EXISTS ${COUNTER} (tbl TEXT NOT NULL, op TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (tbl, op))`,
  ];
  for (const t of await historyTables(db)) {
    for (const op of ["INSERT", "UPDATE"]) {
      stmts.push(
        `INSERT OR IGNORE INTO ${COUNTER} (tbl, op, n) VALUES ('${t}', '${op.toLowerCase()}', 0)`,
        `CREATE TRIGGER IF NOT EXISTS bench_${t}_${op.toLowerCase()} AFTER ${op} ON "${t}"
           BEGIN UPDATE ${COUNTER} SET n = n + 1 WHERE tbl = '${t}' AND op = '${op.toLowerCase()}'; END`,
      );
    }
  }
  await db.batch(stmts.map((s) => db.prepare(s)));
}

export async function writeCounts(db) {
  const { results } = await db.prepare(`SELECT tbl, op, n FROM ${COUNTER}`).all();
  const out = {};
  for (const r of results) out[`${r.tbl}.${r.op}`] = r.n;
  return out;
}

export async function maxSeqInD1(db, ws, journeyId) {
  const row = await db
    .prepare("SELECT max(seq) AS m FROM events WHERE workspace_id = ?1 AND journey_id = ?2")
    .bind(ws, journeyId)
    .first();
  return row?.m ?? 0;
}

/** Waits until D1 holds event `seq` of the journey; resolves to the time waited (ms). */
export async function waitForD1(db, ws, journeyId, seq, timeoutMs) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if ((await maxSeqInD1(db, ws, journeyId)) >= seq) return performance.now() - start;
    await sleep(25);
  }
  return null;
}

const pct = (sorted, p) =>
  sorted.length
    ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
    : null;

/**
 * While load runs, appends one marked event every `everyMs` to the journey (through the
 * API, like any client), records when the append was acknowledged, and polls D1 every
 * `pollMs` until that event's row is there. stop() keeps polling for up to `settleMs`.
 */
export function lagSampler({ call, key, ws, journeyId, db, everyMs = 50, pollMs = 20 }) {
  const pending = new Map(); // seq -> acknowledged at (performance.now())
  const lags = [];
  let sent = 0;
  let failed = 0;
  let running = true;
  let polling = true;

  const sampler = (async () => {
    let i = 0;
    while (running) {
      const t0 = performance.now();
      sent++;
      try {
        const res = await call("POST", "/v1/events", {
          token: key,
          headers: { "idempotency-key": `lag-${process.pid}-${Date.now()}-${i++}` },
          body: {
            journeyId,
            channel: "api",
            direction: "internal",
            actor: { kind: "system", id: "bench" },
            type: "note",
            text: "lag probe",
          },
        });
        if (res.status === 201) pending.set(res.json.event.seq, performance.now());
        else failed++;
      } catch {
        failed++;
      }
      const wait = everyMs - (performance.now() - t0);
      if (wait > 0) await sleep(wait);
    }
  })();

  const poller = (async () => {
    while (polling) {
      if (pending.size > 0) {
        const seqs = [...pending.keys()].sort((a, b) => a - b).slice(0, 50);
        const { results } = await db
          .prepare(
            `SELECT seq FROM events WHERE workspace_id = ?1 AND journey_id = ?2 AND seq IN (${seqs
              .map((_, k) => `?${k + 3}`)
              .join(",")})`,
          )
          .bind(ws, journeyId, ...seqs)
          .all();
        const now = performance.now();
        for (const { seq } of results) {
          lags.push(now - pending.get(seq));
          pending.delete(seq);
        }
      }
      await sleep(pollMs);
    }
  })();

  return {
    async stop(settleMs = 120_000) {
      running = false;
      await sampler;
      const deadline = performance.now() + settleMs;
      while (pending.size > 0 && performance.now() < deadline) await sleep(pollMs);
      polling = false;
      await poller;
      const sorted = [...lags].sort((a, b) => a - b);
      const r = (v) => (v === null ? null : Math.round(v));
      return {
        samples: sent,
        acknowledged: lags.length + pending.size,
        failedAppends: failed,
        seen: lags.length,
        notSeenWithinSettle: pending.size,
        settleMs,
        pollMs,
        lagMs: {
          p50: r(pct(sorted, 50)),
          p90: r(pct(sorted, 90)),
          p99: r(pct(sorted, 99)),
          max: r(sorted.at(-1) ?? null),
          min: r(sorted[0] ?? null),
        },
      };
    },
  };
}

/**
 * What D1 bills as rows written for one insert into, and one update of, each history table:
 * the row plus one per index entry it touches. Measured on the binding with throwaway rows
 * (D1's meta.rows_written), then deleted. Only events and journeys: the tables a plain
 * message event writes.
 */
export async function billedRowsPerWrite(db) {
  const ws = "__bench_probe";
  const run = async (sql) => (await db.prepare(sql).run()).meta.rows_written;
  const out = {};
  out["events.insert"] = await run(
    `INSERT INTO events (workspace_id, journey_id, seq, id, type, occurred_at, recorded_at)
     VALUES ('${ws}', 'j', 1, 'e', 'message', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
  );
  const cols = (await db.prepare("PRAGMA table_info(journeys)").all()).results.filter(
    (c) => c.notnull && c.dflt_value === null,
  );
  const values = cols.map((c) =>
    c.name === "workspace_id" ? `'${ws}'` : /int/i.test(c.type) ? "1" : "'x'",
  );
  out["journeys.insert"] = await run(
    `INSERT INTO journeys (${cols.map((c) => c.name).join(", ")}) VALUES (${values.join(", ")})`,
  );
  // What a flush does to a journey that already has a row: a new updated_at and last_seq.
  out["journeys.update"] = await run(
    `UPDATE journeys SET updated_at = 'y', last_seq = last_seq + 1 WHERE workspace_id = '${ws}'`,
  );
  await db.batch([
    db.prepare(`DELETE FROM events WHERE workspace_id = '${ws}'`),
    db.prepare(`DELETE FROM journeys WHERE workspace_id = '${ws}'`),
  ]);
  return out;
}
