// The `history_busy` scenario: appends spread over 1,000 journeys, so the history queue's
// consumer gets batches from many outboxes at once. It reports what D1 pays per event (D1
// transactions from the consumer's own count, rows from the write counter's triggers) and the
// history lag, sampled the way the hot-journey scenario samples it (bench/lib/d1.mjs).
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { expectOk, pool } from "./api.mjs";
import { lagSampler, rowCounts, writeCounts } from "./d1.mjs";

export const JOURNEYS = 1000;
const round3 = (v) => Math.round(v * 1000) / 1000;

async function eventsInD1(db, ws) {
  return (
    await db.prepare("SELECT count(*) AS n FROM events WHERE workspace_id = ?1").bind(ws).first()
  ).n;
}

/**
 * Waits until D1 has stopped changing: the workspace's event count and the consumer's D1 calls
 * stay the same for `quietMs` (the consumer has drained the queue). Resolves to the wait (ms).
 */
async function settle(db, ws, stats, { quietMs = 1500, timeoutMs = 300_000 } = {}) {
  const start = performance.now();
  let last = null;
  let since = performance.now();
  while (performance.now() - start < timeoutMs) {
    const now = `${await eventsInD1(db, ws)}/${stats.calls()}`;
    if (now !== last) {
      last = now;
      since = performance.now();
    } else if (performance.now() - since >= quietMs) {
      return Math.round(since - start);
    }
    await sleep(50);
  }
  return null;
}

/** The D1 database's size in bytes, as D1 reports it after a statement (`meta.size_after`). */
async function dbBytes(db) {
  return (await db.prepare("SELECT 1").run()).meta.size_after ?? null;
}

/** A snapshot of everything the scenario divides by the number of events. */
async function snapshot(db, ws, stats) {
  return {
    bytes: await dbBytes(db),
    events: await eventsInD1(db, ws),
    rows: await rowCounts(db),
    writes: await writeCounts(db),
    consumer: stats.snapshot(),
  };
}

function delta(after, before) {
  const events = after.events - before.events;
  const d = (a, b) => {
    const out = {};
    let total = 0;
    for (const k of Object.keys(a)) {
      out[k] = a[k] - (b[k] ?? 0);
      total += out[k];
    }
    return { by: out, total };
  };
  const rows = d(after.rows, before.rows);
  const writes = d(after.writes, before.writes);
  const c = {};
  for (const k of Object.keys(after.consumer)) {
    c[k] = {};
    for (const f of Object.keys(after.consumer[k])) {
      c[k][f] = after.consumer[k][f] - (before.consumer[k]?.[f] ?? 0);
    }
  }
  // D1 transactions the consumer opened: batch writes plus single writes (isolation), ok or not.
  const tx = (c.batch?.calls ?? 0) + (c.single?.calls ?? 0);
  const bytes = after.bytes !== null && before.bytes !== null ? after.bytes - before.bytes : null;
  return {
    eventsAccepted: events,
    // Database growth per event: rows, index entries and SQLite's page slack (short texts).
    bytesPerEvent: events && bytes !== null ? Math.round(bytes / events) : null,
    d1Transactions: tx,
    transactionsPerEvent: events ? round3(tx / events) : null,
    recordsPerBatch: c.batch?.calls
      ? Math.round((c.batch.records / c.batch.calls) * 10) / 10
      : null,
    failedCalls: (c.batch?.failed ?? 0) + (c.single?.failed ?? 0) + (c.probe?.failed ?? 0),
    // The erasure/retention guard read after each batch (history/consumer.ts dropErased): one
    // indexed D1 read per batch, against the batch write it follows.
    guardReads: c.guard?.calls ?? 0,
    guardMsPerRead: c.guard?.calls ? Math.round((c.guard.ms / c.guard.calls) * 10) / 10 : null,
    writeMsPerBatch: c.batch?.calls ? Math.round((c.batch.ms / c.batch.calls) * 10) / 10 : null,
    consumer: c,
    netNewRowsPerEvent: events ? round3(rows.total / events) : null,
    rowWritesPerEvent: events ? round3(writes.total / events) : null,
    rowDelta: rows.by,
    writes: writes.by,
  };
}

/**
 * The scenario. `stats` reads the consumer's counters (bench/lib/server.mjs collects the
 * `baton-history-stat` lines the consumer logs when HISTORY_STATS=1).
 */
export function historyBusyScenario({ call, db, ws, key, relayUrl, outDir, stats, results, log }) {
  const journeys = [];
  let before = null;
  let runStart = null;
  let sampler = null;
  const perRun = {};
  return {
    id: "history_busy",
    name: `append spread over ${JOURNEYS.toLocaleString("en")} journeys (history through the queue)`,
    path: "POST /v1/events {journeyId} over 1,000 journeys, unique Idempotency-Key",
    before: async () => {
      const t0 = performance.now();
      const made = await pool(0, JOURNEYS, 16, async (i) => {
        const res = await call("POST", "/v1/events", {
          token: key,
          body: {
            identifiers: [{ type: "phone", value: `+1415556${String(i).padStart(4, "0")}` }],
            channel: "sms",
            direction: "inbound",
            actor: { kind: "customer" },
            text: `busy journey ${i}`,
          },
        });
        journeys[i] = expectOk(res, `creating busy journey ${i}`).journeyId;
      });
      if (made.failures) throw new Error(`creating journeys: ${made.firstFailure}`);
      log(`     ${JOURNEYS} journeys created in ${Math.round(performance.now() - t0)} ms`);
      const lines = journeys.map((journeyId) =>
        JSON.stringify({
          journeyId,
          channel: "sms",
          direction: "inbound",
          actor: { kind: "customer" },
          text: "busy bench message {n}",
        }),
      );
      writeFileSync(`${outDir}/history-busy.txt`, `${lines.join("\n")}\n`);
    },
    load: (label) => ({
      url: relayUrl,
      script: "post-json.lua",
      env: {
        BENCH_PATH: "/v1/events",
        BENCH_AUTH: key,
        BENCH_LINES: `${outDir}/history-busy.txt`,
        BENCH_RUN: `busy-${label}-${Date.now()}`,
      },
    }),
    afterWarmup: async () => {
      await settle(db, ws, stats);
      before = await snapshot(db, ws, stats);
    },
    duringRun: {
      start: async () => {
        runStart = await snapshot(db, ws, stats);
        // The lag probe appends to one of the 1,000 journeys, as one more busy client.
        sampler = lagSampler({ call, key, ws, journeyId: journeys[0], db });
      },
      stop: async (c) => {
        const loadEnded = performance.now();
        const lag = await sampler.stop();
        const waited = await settle(db, ws, stats);
        lag.backlogDrainedMsAfterLoad =
          waited === null ? null : Math.round(performance.now() - loadEnded);
        const d = delta(await snapshot(db, ws, stats), runStart);
        log(
          `     history (c=${c}): lag p50 ${lag.lagMs.p50} ms, p99 ${lag.lagMs.p99} ms, max ${lag.lagMs.max} ms over ${lag.seen} samples; ` +
            `${d.d1Transactions} D1 transactions for ${d.eventsAccepted} events (${d.transactionsPerEvent} per event, ${d.recordsPerBatch} records per batch), ` +
            `${d.rowWritesPerEvent} row writes per event, ${d.bytesPerEvent} bytes of database per event; ` +
            `guard read ${d.guardMsPerRead} ms after each ${d.writeMsPerBatch} ms batch write (${d.guardReads} reads)` +
            (d.failedCalls ? `, ${d.failedCalls} failed D1 calls` : ""),
        );
        return { lag, ...d };
      },
      keep: (c, r) => {
        perRun[c] = r;
      },
    },
    after: async () => {
      results.history = {
        journeys: JOURNEYS,
        perRun,
        overall: delta(await snapshot(db, ws, stats), before),
        lagMethod:
          "a marked event appended every 50 ms to one of the 1,000 journeys during the run (one at a time); lag = first poll (every 20 ms, D1 binding) that finds its row − the moment its 201 arrived",
        transactionsMethod:
          "D1 batch() calls made by the queue consumer (each one D1 transaction), counted by the consumer itself (HISTORY_STATS=1 log lines), divided by the events D1 gained",
      };
    },
  };
}
