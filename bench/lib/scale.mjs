// The scale run (`pnpm bench --scale`): D1 holding 100k customers and 1M events, for the
// customer-timeline query, and many identity objects, for the caller lookup. Each is
// measured small first (1k) and then large, in the same workerd process.
import { writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { pool } from "./api.mjs";
import { waitForQuiet } from "./memory.mjs";
import { runWrk } from "./wrk.mjs";

const JOURNEYS_PER_CUSTOMER = 2;

const customerId = (i) => `cus_scale${String(i).padStart(17, "0")}`;
export const scalePhone = (i) => `+1415${2_000_000 + i}`;

/**
 * Inserts customers [from, to) straight into D1 through the binding: JOURNEYS_PER_CUSTOMER
 * journeys each and `eventsPerJourney` events per journey, generated inside SQLite by
 * recursive CTEs in chunks (no per-row round trips).
 */
async function seedD1(db, ws, from, to, eventsPerJourney, chunk = 10_000) {
  const t0 = performance.now();
  for (let c = from; c < to; c += chunk) {
    const cEnd = Math.min(to, c + chunk);
    const j0 = c * JOURNEYS_PER_CUSTOMER;
    const j1 = cEnd * JOURNEYS_PER_CUSTOMER;
    await db
      .prepare(
        `INSERT INTO journeys (workspace_id, id, customer_id, status, reason_text, reason_topic,
           last_seq, contacts, channels, created_at, updated_at, resolved_at)
         WITH RECURSIVE k(x) AS (SELECT ?1 UNION ALL SELECT x + 1 FROM k WHERE x + 1 < ?2)
         SELECT ?3, printf('jrn_scale%017d', x), printf('cus_scale%017d', x / ${JOURNEYS_PER_CUSTOMER}),
           CASE x % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'waiting_on_company'
             WHEN 2 THEN 'waiting_on_customer' ELSE 'resolved' END,
           'scale seed journey', 'bench.scale', ?4, 1, '["sms"]',
           strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + (x * 7919) % 31536000, 'unixepoch'),
           strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + (x * 7919) % 31536000 + 3600, 'unixepoch'),
           CASE x % 4 WHEN 3 THEN strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + (x * 7919) % 31536000 + 3600, 'unixepoch') END
         FROM k`,
      )
      .bind(j0, j1, ws, eventsPerJourney)
      .run();
    await db
      .prepare(
        `INSERT INTO events (workspace_id, journey_id, seq, id, type, channel, direction,
           actor_kind, text, occurred_at, recorded_at)
         WITH RECURSIVE k(x) AS (SELECT ?1 UNION ALL SELECT x + 1 FROM k WHERE x + 1 < ?2)
         SELECT ?3, printf('jrn_scale%017d', x / ?4), x % ?4 + 1, printf('evt_scale%017d', x),
           'message', 'sms', 'inbound', 'customer', 'scale seed event',
           strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + ((x / ?4) * 7919) % 31536000 + (x % ?4) * 60, 'unixepoch'),
           strftime('%Y-%m-%dT%H:%M:%fZ', 1735689600 + ((x / ?4) * 7919) % 31536000 + (x % ?4) * 60, 'unixepoch')
         FROM k`,
      )
      .bind(j0 * eventsPerJourney, j1 * eventsPerJourney, ws, eventsPerJourney)
      .run();
  }
  return Math.round(performance.now() - t0);
}

function randomInts(n, below) {
  return Array.from({ length: n }, () => Math.floor(Math.random() * below));
}

async function measure(ctx, label, { script, env }) {
  const runs = {};
  for (const concurrency of [1, 16]) {
    // A run that other processes disturbed is repeated; the least disturbed one is kept.
    for (let attempt = 1; attempt <= 1 + ctx.retries; attempt++) {
      const quietWaitS = await waitForQuiet(ctx.mem, ctx.quietWait);
      ctx.mem.window();
      ctx.mem.filesWindow();
      ctx.mem.cpuWindow();
      const r = await runWrk({ url: ctx.relayUrl, script, env, concurrency, seconds: ctx.seconds });
      const cpu = ctx.mem.cpuWindow();
      const run = {
        ...r,
        ...cpu,
        peakRssMb: ctx.mem.window(),
        peakOpenFiles: ctx.mem.filesWindow(),
        quietWaitS,
        attempt,
      };
      ctx.log(
        `  ${label} c=${concurrency}: ${r.okRps} ok req/s, p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms` +
          `, workerd ${cpu.workerdCpuPctOfOneCore}% of a core, others ${cpu.otherProcessesPct}%, ${run.peakOpenFiles} files open at most` +
          (quietWaitS === null ? " (the machine was not quiet)" : "") +
          (r.notOk ? `, ${r.notOk} not ok (${JSON.stringify(r.statuses)} ${r.sample ?? ""})` : ""),
      );
      const prev = runs[concurrency];
      if (!prev || (run.otherProcessesPct ?? 0) < (prev.otherProcessesPct ?? 0)) {
        runs[concurrency] = run;
      }
      runs[concurrency].attemptsMade = attempt;
      if ((run.otherProcessesPct ?? 0) <= ctx.disturbedPct) break;
    }
  }
  return runs;
}

const visits = (run, n) => Math.round((run.requests / n) * 100) / 100;

const ratio = (a, b) => (a && b ? Math.round((a / b) * 100) / 100 : null);

function compare(small, large) {
  const out = {};
  for (const c of ["1", "16"]) {
    out[c] = {
      p50: ratio(large[c].latencyMs.p50, small[c].latencyMs.p50),
      p99: ratio(large[c].latencyMs.p99, small[c].latencyMs.p99),
      okRps: ratio(large[c].okRps, small[c].okRps),
    };
  }
  return out;
}

export async function scaleRun(ctx) {
  const { db, ws, key, call, outDir, log } = ctx;
  const customers = Number(process.env.BENCH_SCALE_CUSTOMERS ?? 100_000);
  const events = Number(process.env.BENCH_SCALE_EVENTS ?? 1_000_000);
  const eventsPerJourney = Math.max(1, Math.round(events / (customers * JOURNEYS_PER_CUSTOMER)));
  // Each identity is created the way production creates one (a first event from a new
  // number: identity + customer + journey objects, each a new SQLite database). Locally that
  // runs at a few dozen per second, so 100k would take the better part of an hour: the
  // default stops at 10k and the results extrapolate the time. Raise BENCH_SCALE_IDENTITIES
  // to go further (BENCH_SCALE_MAX_RSS_MB stops it if workerd grows too large).
  const identityTarget = Number(process.env.BENCH_SCALE_IDENTITIES ?? 10_000);
  const budgetS = Number(process.env.BENCH_SCALE_BUDGET_SECONDS ?? 1800);
  const maxRssMb = Number(process.env.BENCH_SCALE_MAX_RSS_MB ?? 8000);
  const createConcurrency = 8;
  const small = 1000;
  const result = { d1: {}, identities: {} };

  // --- D1: the customer timeline, GET /v1/journeys?customer=… -----------------------------
  const timelineLoad = (n, label) => {
    const file = `${outDir}/timeline-${label}.txt`;
    const paths = randomInts(50_000, n).map((i) => `/v1/journeys?customer=${customerId(i)}`);
    writeFileSync(file, `${paths.join("\n")}\n`);
    return { script: "get-lines.lua", env: { BENCH_LINES: file, BENCH_AUTH: key } };
  };
  log(`scale: seeding D1 with ${small} customers …`);
  const seedSmallMs = await seedD1(db, ws, 0, small, eventsPerJourney);
  const probe = await call("GET", `/v1/journeys?customer=${customerId(7)}`, { token: key });
  if (probe.status !== 200 || probe.json.items.length !== JOURNEYS_PER_CUSTOMER) {
    throw new Error(`timeline probe failed: ${probe.status} ${probe.text.slice(0, 300)}`);
  }
  const timelineSmall = await measure(ctx, `timeline @${small}`, timelineLoad(small, "small"));
  log(
    `scale: seeding D1 up to ${customers} customers / ${customers * 2 * eventsPerJourney} events …`,
  );
  const seedLargeMs = await seedD1(db, ws, small, customers, eventsPerJourney);
  const counts = {
    journeys: (await db.prepare("SELECT count(*) AS n FROM journeys").first()).n,
    events: (await db.prepare("SELECT count(*) AS n FROM events").first()).n,
  };
  log(`scale: D1 now holds ${counts.journeys} journeys and ${counts.events} events`);
  const timelineLarge = await measure(
    ctx,
    `timeline @${customers}`,
    timelineLoad(customers, "large"),
  );
  const plan = await db
    .prepare(
      "EXPLAIN QUERY PLAN SELECT * FROM journeys WHERE workspace_id = ?1 AND customer_id = ?2 ORDER BY updated_at DESC, id DESC LIMIT 51",
    )
    .bind(ws, customerId(1))
    .all();
  result.d1 = {
    customers: { small, large: customers },
    journeysPerCustomer: JOURNEYS_PER_CUSTOMER,
    eventsPerJourney,
    rowsInD1: counts,
    seedMs: { small: seedSmallMs, large: seedLargeMs },
    queryPlan: plan.results.map((r) => r.detail),
    timeline: { small: timelineSmall, large: timelineLarge },
    largeVsSmall: compare(timelineSmall, timelineLarge),
  };

  // --- Identity objects: the caller lookup ------------------------------------------------
  const contextProbe = await call(
    "GET",
    `/v1/context?phone=${encodeURIComponent(ctx.hotPhone)}&audience=ivr`,
    { token: key },
  );
  const contextBuilt = !(contextProbe.status === 404 && contextProbe.json?.code === "not_found");
  const mode = contextBuilt ? "GET /v1/context?phone=…&audience=ivr" : "stand-in";
  const create = async (i) => {
    const res = await call("POST", "/v1/events", {
      token: key,
      headers: { "idempotency-key": `scale-${i}` },
      body: {
        identifiers: [{ type: "phone", value: scalePhone(i) }],
        channel: "voice",
        direction: "inbound",
        actor: { kind: "customer" },
        type: "call",
        text: "scale seed call",
      },
    });
    if (res.status !== 201 && res.status !== 200) throw new Error(`${res.status} ${res.text}`);
  };
  const lookupLoad = (n, label) => {
    const file = `${outDir}/lookup-${label}.txt`;
    const picks = randomInts(50_000, n);
    if (contextBuilt) {
      const paths = picks.map(
        (i) => `/v1/context?phone=${encodeURIComponent(scalePhone(i))}&audience=ivr`,
      );
      writeFileSync(file, `${paths.join("\n")}\n`);
      return {
        script: "get-lines.lua",
        env: { BENCH_LINES: file, BENCH_AUTH: key, BENCH_FLAG: '"degraded"' },
      };
    }
    // Stand-in until the context endpoint exists: an event routed by the caller's number,
    // which walks the same identity object → customer object → journey object path.
    const bodies = picks.map((i) =>
      JSON.stringify({
        identifiers: [{ type: "phone", value: scalePhone(i) }],
        channel: "voice",
        direction: "inbound",
        actor: { kind: "customer" },
        type: "call",
        text: "lookup stand-in {n}",
      }),
    );
    writeFileSync(file, `${bodies.join("\n")}\n`);
    return {
      script: "post-json.lua",
      env: {
        BENCH_LINES: file,
        BENCH_AUTH: key,
        BENCH_PATH: "/v1/events",
        BENCH_RUN: `lk${label}`,
      },
    };
  };

  log(`scale: creating ${small} identities through POST /v1/events …`);
  const t0 = performance.now();
  const first = await pool(0, small, createConcurrency, create);
  const smallS = (performance.now() - t0) / 1000;
  // The call brief reaches the identity entries with each journey's alarm (200 ms after a
  // write); give it a moment so the lookups measure the one-hop path.
  await sleep(2000);
  const lookupSmall = await measure(ctx, `lookup (${mode}) @${small}`, lookupLoad(small, "small"));

  log(`scale: creating identities up to ${identityTarget} (budget ${budgetS} s) …`);
  const t1 = performance.now();
  let created = small;
  let failures = first.failures;
  let firstFailure = first.firstFailure;
  let at10k = null;
  let stoppedBy = null;
  let rssMb = ctx.mem.current();
  const rssAfterSmall = rssMb;
  const step = 1000;
  while (created < identityTarget) {
    if ((performance.now() - t1) / 1000 >= budgetS) {
      stoppedBy = `time budget (BENCH_SCALE_BUDGET_SECONDS=${budgetS})`;
      break;
    }
    if (rssMb >= maxRssMb) {
      stoppedBy = `workerd memory (BENCH_SCALE_MAX_RSS_MB=${maxRssMb})`;
      break;
    }
    const end = Math.min(identityTarget, created + step);
    const r = await pool(created, end, createConcurrency, create);
    failures += r.failures;
    firstFailure ??= r.firstFailure;
    created = end;
    rssMb = ctx.mem.current();
    if (created === 10_000) at10k = (performance.now() - t1) / 1000 + smallS;
    if (created % 2000 === 0 || created === identityTarget) {
      const s = (performance.now() - t1) / 1000 + smallS;
      log(
        `  ${created} identities after ${Math.round(s)} s (${Math.round(created / s)}/s), workerd RSS ${rssMb} MB, ${ctx.mem.filesWindow()} files open at most`,
      );
    }
  }
  const totalS = (performance.now() - t1) / 1000 + smallS;
  const rate = created / totalS;
  await sleep(2000);
  const lookupLarge = await measure(
    ctx,
    `lookup (${mode}) @${created}`,
    lookupLoad(created, "large"),
  );
  result.identities = {
    mode,
    contextEndpoint: contextBuilt,
    target: identityTarget,
    created,
    failures,
    firstFailure,
    // each creation is one routed event: identity + customer + journey objects
    objectsPerIdentity: 3,
    secondsFor1k: Math.round(smallS * 10) / 10,
    secondsFor10k: at10k === null ? null : Math.round(at10k),
    stoppedBy,
    createConcurrency,
    secondsTotal: Math.round(totalS),
    perSecond: Math.round(rate * 10) / 10,
    extrapolatedSecondsFor100k: created >= 100_000 ? null : Math.round(100_000 / rate),
    workerdRssMb: { after1k: rssAfterSmall, afterAll: rssMb },
    rssMbPerIdentity:
      created > small
        ? Math.round(((rssMb - rssAfterSmall) / (created - small)) * 1000) / 1000
        : null,
    extrapolatedRssMbFor100k:
      created > small && created < 100_000 && rssMb - rssAfterSmall > 0.01 * (created - small)
        ? Math.round(rssMb + ((rssMb - rssAfterSmall) / (created - small)) * (100_000 - created))
        : null,
    lookup: { small: lookupSmall, large: lookupLarge },
    // How often each identity was looked up during a run: far below 1 means most lookups
    // reached an object that had not been used since it was created (not in memory).
    visitsPerIdentity: {
      small: { 1: visits(lookupSmall[1], small), 16: visits(lookupSmall[16], small) },
      large: { 1: visits(lookupLarge[1], created), 16: visits(lookupLarge[16], created) },
    },
    largeVsSmall: compare(lookupSmall, lookupLarge),
  };
  return result;
}
