#!/usr/bin/env node
// pnpm bench [--scale]: load-tests the relay in workerd against a hello-world Worker served
// by the same workerd process, with wrk on loopback. See docs/benchmarks.md.
//
// Environment: BENCH_SECONDS (per measured run, default 10), BENCH_WARMUP_SECONDS (default
// 2), BENCH_ONLY (comma-separated scenario ids, for development; skips the results copy in
// docs/), BENCH_SCALE=1 (same as --scale), and for the scale run BENCH_SCALE_CUSTOMERS,
// BENCH_SCALE_EVENTS, BENCH_SCALE_IDENTITIES, BENCH_SCALE_BUDGET_SECONDS, BENCH_COLD_RUNS
// (fresh workerd processes for the cold start, default 5; 0 skips it), and for the rate-limit
// A/B (ratelimit_ab) BENCH_AB_PAIRS (default 10) and BENCH_AB_SECONDS (per run, default 2).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { fileURLToPath, URLSearchParams } from "node:url";
import { client, expectOk } from "./lib/api.mjs";
import {
  billedRowsPerWrite,
  installWriteCounter,
  lagSampler,
  rowCounts,
  waitForD1,
  writeCounts,
} from "./lib/d1.mjs";
import { captureToolCall } from "./lib/mcp.mjs";
import { historyBusyScenario } from "./lib/history.mjs";
import { memorySampler, waitForQuiet } from "./lib/memory.mjs";
import {
  docsSection,
  evaluateTargets,
  FLOOR_HEADER,
  FLOORS,
  floorRatios,
  floorTargetRows,
  HEADER,
  replaceDocsSection,
  markdownTable,
  AB_HEADER,
  abRows,
  SCALE_HEADER,
  scaleRows,
  tableRows,
  textTable,
} from "./lib/report.mjs";
import { rateLimitAb } from "./lib/ratelimit-ab.mjs";
import { scaleRun } from "./lib/scale.mjs";
import {
  ADMIN_SECRET,
  CONNECT_BODY,
  HOT_PHONE,
  IVR_PATH,
  KEY,
  PUBLIC_BASE,
  SMS_PATH,
  TWILIO_TOKEN,
  WS,
  setupWorkspace,
} from "./lib/setup.mjs";
import { applyMigrations, bundle, coldStarts, startServer, versions } from "./lib/server.mjs";
import { senderPhones, smsParams, twilioSignature, writeSignedSms } from "./lib/twilio.mjs";
import { killWrk, runWrk, shape, wrkVersion } from "./lib/wrk.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = `${root}bench/out`;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const SCALE = process.argv.includes("--scale") || process.env.BENCH_SCALE === "1";
const QUIET_WAIT = Number(process.env.BENCH_QUIET_WAIT_SECONDS ?? 90);
// A run in which other processes took more than this share of the CPU is repeated.
const DISTURBED_PCT = 15;
const RETRIES = Number(process.env.BENCH_RETRIES ?? 2);
const ONLY = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(",") : null;
// A relay scenario's "× floor" needs its floor measured in the same run: add missing floors.
const ADDED_FLOORS = ONLY
  ? [...new Set(ONLY.map((id) => FLOORS[id]).filter((f) => f && f !== "hello"))].filter(
      (f) => !ONLY.includes(f),
    )
  : [];
if (ONLY) ONLY.push(...ADDED_FLOORS);
const COLD_RUNS = Number(process.env.BENCH_COLD_RUNS ?? 5);
const CONCURRENCY = [1, 16];
// The rate-limit A/B (bench/lib/ratelimit-ab.mjs): its second relay Worker is started only
// when the section runs.
const AB = !ONLY || ONLY.includes("ratelimit_ab");
const AB_PAIRS = Number(process.env.BENCH_AB_PAIRS ?? 10);
const AB_SECONDS = Number(process.env.BENCH_AB_SECONDS ?? 2);

const log = (...a) => console.log(...a);
const round2 = (v) => Math.round(v * 100) / 100;

// `node bench/run.mjs --write-docs`: regenerate docs/ from bench/out/results.json only.
if (process.argv.includes("--write-docs")) {
  await writeDocs(JSON.parse(readFileSync(`${outDir}/results.json`, "utf8")));
  process.exit(0);
}

const wrk = wrkVersion();
if (!wrk) {
  console.error(
    "wrk is not installed. Install it (Debian/Ubuntu) with:\n\n  sudo apt-get install -y wrk\n",
  );
  process.exit(1);
}
if (!Number.isFinite(SECONDS) || SECONDS < 1) {
  console.error("BENCH_SECONDS must be a number ≥ 1");
  process.exit(1);
}
if (!Number.isInteger(AB_PAIRS) || AB_PAIRS < 1 || !Number.isFinite(AB_SECONDS) || AB_SECONDS < 1) {
  console.error("BENCH_AB_PAIRS must be an integer ≥ 1 and BENCH_AB_SECONDS a number ≥ 1");
  process.exit(1);
}

mkdirSync(outDir, { recursive: true });
const started = new Date();
const loadStart = os.loadavg();
if (ADDED_FLOORS.length) {
  log(`BENCH_ONLY: added ${ADDED_FLOORS.join(", ")} (the floors of the scenarios asked for)`);
}
log(`bundling the relay (wrangler deploy --dry-run, as wrangler.toml says) …`);
const bundled = bundle(`${outDir}/worker`);
// For comparison only: the same bundle not minified (what was deployed before minify = true).
const plain = bundle(`${outDir}/worker-unminified`, { minify: false });
const kib = (b) => `${(b / 1024).toFixed(2)} KiB`;
log(
  `  bundle ${kib(bundled.bytes)} (gzip ${kib(bundled.gzipBytes)}); not minified ${kib(plain.bytes)} (gzip ${kib(plain.gzipBytes)})`,
);
let cold = null;
if (COLD_RUNS > 0) {
  log(`cold start: ${COLD_RUNS} fresh workerd processes with the relay, and with hello-world …`);
  cold = await coldStarts({
    scriptPath: bundled.main,
    configPath: `${root}wrangler.toml`,
    stateDir: `${outDir}/cold-state`,
    adminSecret: ADMIN_SECRET,
    runs: COLD_RUNS,
  });
  const { relay: r, hello: h } = cold.median;
  log(
    `  median: relay ready ${r.readyMs} ms, first GET / ${r.firstRootMs} ms (start → first answer ${r.startToFirstAnswerMs} ms), ` +
      `first object ${r.firstObjectMs} ms, second object ${r.secondObjectMs} ms, workerd RSS ${r.rssMb} MB; ` +
      `hello-world ready ${h.readyMs} ms, start → first answer ${h.startToFirstAnswerMs} ms, RSS ${h.rssMb} MB`,
  );
}
log(`starting workerd through Miniflare …`);
const server = await startServer({
  scriptPath: bundled.main,
  stateDir: `${outDir}/state`,
  adminSecret: ADMIN_SECRET,
  configPath: `${root}wrangler.toml`,
  withoutLimits: AB,
});
const { relayUrl, helloUrl, floorUrl, db } = server;
const mem = memorySampler(server.pid);

let stopping = false;
const shutdown = async (code) => {
  if (stopping) return;
  stopping = true;
  killWrk();
  mem.stop();
  await server.mf.dispose().catch(() => {});
  process.exit(code);
};
process.on("SIGINT", () => void shutdown(130));
process.on("SIGTERM", () => void shutdown(143));

try {
  await main();
  await shutdown(0);
} catch (e) {
  console.error(e instanceof Error ? e.stack : e);
  await shutdown(1);
}

async function main() {
  const call = client(relayUrl);
  log(`relay ${relayUrl}, hello-world ${helloUrl}, workerd pid ${server.pid}`);
  const migrations = await applyMigrations(db, `${root}migrations`);
  // Before the write counter's triggers exist: they would add their own rows written.
  const billed = await billedRowsPerWrite(db);
  await installWriteCounter(db);

  // The bench workspace, a known admin key, Twilio configured, and the hot journey.
  const { hot, settings } = await setupWorkspace(call);
  await waitForD1(db, WS, hot, 1, 10_000);
  // The A/B's relay without rate limits: the same migrations, write counter and workspace.
  if (server.noLimits) {
    const { url, db: offDb } = server.noLimits;
    await applyMigrations(offDb, `${root}migrations`);
    await installWriteCounter(offDb);
    const off = await setupWorkspace(client(url));
    await waitForD1(offDb, WS, off.hot, 1, 10_000);
  }

  const results = {
    generatedAt: started.toISOString(),
    command: `BENCH_SECONDS=${SECONDS} pnpm bench${SCALE ? " --scale" : ""}`,
    config: {
      secondsPerRun: SECONDS,
      warmupSeconds: WARMUP,
      concurrency: CONCURRENCY.map((c) => ({ c, ...shape(c) })),
      wrkTimeoutSeconds: 10,
      quietWaitSeconds: QUIET_WAIT,
      retriesWhenDisturbed: RETRIES,
      disturbedAbovePct: DISTURBED_PCT,
      scale: SCALE,
      only: ONLY,
      floorsAddedToOnly: ADDED_FLOORS,
      rateLimitAb: AB ? { pairs: AB_PAIRS, secondsPerRun: AB_SECONDS } : null,
    },
    machine: machine(),
    bundle: {
      bytes: bundled.bytes,
      gzipBytes: bundled.gzipBytes,
      minified: minifySetting(),
      unminified: { bytes: plain.bytes, gzipBytes: plain.gzipBytes },
      migrations,
      source: sourceState(),
    },
    coldStart: cold,
    baseline: {},
    scenarios: [],
    d1: {},
    memory: null,
    workerLogs: null,
    scale: null,
    rateLimitAb: null,
    targets: [],
  };

  const scenarios = defineScenarios({ call, hot, settings, results, billed });
  const wanted = (id) => !ONLY || ONLY.includes(id) || id === "hello";

  for (const s of scenarios) {
    if (!wanted(s.id)) continue;
    if (s.run) {
      log(`\n${s.name}`);
      await s.run();
      continue;
    }
    const entry = { id: s.id, name: s.name, path: s.path, status: "measured", runs: {} };
    results.scenarios.push(entry);
    const probe = s.probe ? await s.probe() : { ok: true };
    if (!probe.ok) {
      entry.status = probe.status;
      entry.reason = probe.reason;
      log(`\n${s.name}: ${probe.status} — ${probe.reason}`);
      continue;
    }
    log(`\n${s.name}  (${s.path})`);
    if (s.before) await s.before(entry);
    if (WARMUP > 0) await runWrk({ ...s.load("warmup"), concurrency: 16, seconds: WARMUP });
    if (s.afterWarmup) await s.afterWarmup(entry);
    for (const c of CONCURRENCY) {
      const load = s.load(`c${c}`);
      // A run that other processes disturbed is repeated; the least disturbed one is kept.
      let kept = null;
      let attemptsMade = 0;
      for (let attempt = 1; attempt <= 1 + RETRIES; attempt++) {
        const quietWaitS = await waitForQuiet(mem, QUIET_WAIT);
        if (s.duringRun) await s.duringRun.start(c);
        mem.window();
        mem.filesWindow();
        const loadavg = os.loadavg()[0];
        mem.cpuWindow();
        const r = await runWrk({ ...load, concurrency: c, seconds: SECONDS });
        const cpu = mem.cpuWindow();
        const run = { ...r, peakRssMb: mem.window(), ...cpu, loadavg1m: round2(loadavg) };
        run.peakOpenFiles = mem.filesWindow();
        run.quietWaitS = quietWaitS;
        run.attempt = attempt;
        attemptsMade = attempt;
        const extra = s.duringRun ? await s.duringRun.stop(c) : null;
        log(
          `  c=${String(c).padEnd(2)} ${String(r.okRps).padStart(8)} ok req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  workerd ${cpu.workerdCpuPctOfOneCore}% of a core, others ${cpu.otherProcessesPct}%` +
            (quietWaitS === null ? `  (the machine was not quiet after ${QUIET_WAIT} s)` : "") +
            (r.notOk
              ? `  NOT OK ${r.notOk} ${JSON.stringify(r.statuses)}${r.flagged ? ` ${r.flagged} degraded` : ""} ${r.sample ?? ""}`
              : "") +
            (r.wrapped ? "  (request list wrapped: some requests were repeats)" : ""),
        );
        if (!kept || (run.otherProcessesPct ?? 0) < (kept.run.otherProcessesPct ?? 0)) {
          kept = { run, extra };
        }
        if ((run.otherProcessesPct ?? 0) <= DISTURBED_PCT) break;
        if (attempt <= RETRIES) log(`     disturbed by other processes: running it again`);
      }
      kept.run.attemptsMade = attemptsMade;
      entry.runs[c] = kept.run;
      if (s.duringRun) s.duringRun.keep(c, kept.extra);
    }
    if (s.after) await s.after(entry);
  }

  // A second baseline at the end shows how much the machine drifted during the run.
  if (results.scenarios.some((s) => s.id === "hello")) {
    log(`\nhello-world again (drift check)`);
    const end = {};
    for (const c of CONCURRENCY) {
      await waitForQuiet(mem, QUIET_WAIT);
      end[c] = await runWrk({
        url: `${helloUrl}/`,
        script: "get.lua",
        concurrency: c,
        seconds: SECONDS,
      });
      log(
        `  c=${String(c).padEnd(2)} ${String(end[c].okRps).padStart(8)} ok req/s  p50 ${end[c].latencyMs.p50} ms  p99 ${end[c].latencyMs.p99} ms`,
      );
    }
    const start = results.scenarios.find((s) => s.id === "hello").runs;
    results.baseline = { start, end, method: "ratios use the mean of the two hello-world runs" };
    const base = {};
    for (const c of CONCURRENCY) {
      base[c] = {
        okRps: (start[c].okRps + end[c].okRps) / 2,
        p50: (start[c].latencyMs.p50 + end[c].latencyMs.p50) / 2,
        p99: (start[c].latencyMs.p99 + end[c].latencyMs.p99) / 2,
      };
      results.baseline[`drift_c${c}`] = round2(end[c].okRps / start[c].okRps);
    }
    for (const s of results.scenarios) {
      for (const [c, r] of Object.entries(s.runs)) {
        r.vsHello = {
          okRps: round2(r.okRps / base[c].okRps),
          p50: round2(r.latencyMs.p50 / base[c].p50),
          p99: round2(r.latencyMs.p99 / base[c].p99),
        };
      }
    }
  }

  // Each relay scenario as a fraction of its floor (FLOORS) at the same concurrency.
  for (const s of results.scenarios) {
    for (const [c, r] of Object.entries(s.runs)) {
      const v = floorRatios(results, s.id, c);
      if (v) r.vsFloor = v;
    }
  }

  if (SCALE) {
    log(`\nscale run`);
    results.scale = await scaleRun({
      db,
      ws: WS,
      key: KEY,
      call,
      mem,
      log,
      outDir,
      relayUrl,
      floorUrl,
      seconds: SECONDS,
      quietWait: QUIET_WAIT,
      retries: RETRIES,
      disturbedPct: DISTURBED_PCT,
    });
  }

  results.mcp = mcpVersusRest(results);
  if (results.mcp) {
    for (const [c, r] of Object.entries(results.mcp.byConcurrency)) {
      log(
        `MCP get_context vs REST bot context, c=${c}: throughput ${r.okRps}×, p50 ${r.p50}×, p99 ${r.p99}×`,
      );
    }
  }

  results.memory = mem.summary();
  results.workerLogs = server.logs;
  results.machine.loadavgStart = loadStart.map(round2);
  results.machine.loadavgEnd = os.loadavg().map(round2);
  results.finishedAt = new Date().toISOString();
  results.targets = evaluateTargets(results);
  await writeResults(results);
}

/** Every scenario: how to probe it, and the wrk load for a run label (warmup, c1, c16). */
function defineScenarios({ call, hot, settings, results, billed }) {
  const hotRead = `/v1/journeys/${hot}`;
  const list = [];

  list.push({
    id: "hello",
    name: "hello-world (baseline)",
    path: "GET / on a module Worker returning a small JSON",
    load: () => ({ url: `${helloUrl}/`, script: "get.lua" }),
  });

  list.push({
    id: "relay_root",
    name: "relay GET / (no object)",
    path: "GET /",
    load: () => ({ url: `${relayUrl}/`, script: "get.lua" }),
  });

  // The runtime's floor for an object hop (bench/lib/server.mjs, FLOOR): no router, no auth,
  // no validation. Any path through one object costs at least this much here.
  list.push({
    id: "floor_hop",
    name: "floor: one object hop (empty RPC)",
    path: "GET /hop on a minimal Worker → SQLite object, returns a constant",
    load: () => ({ url: `${floorUrl}/hop`, script: "get.lua" }),
  });
  list.push({
    id: "floor_hop_read",
    name: "floor: one object hop + SQLite read",
    path: "GET /hop-read: the object SELECTs one row",
    load: () => ({ url: `${floorUrl}/hop-read`, script: "get.lua" }),
  });
  list.push({
    id: "floor_hop_write",
    name: "floor: one object hop + SQLite write",
    path: "GET /hop-write: the object UPDATEs one row (the answer waits for the commit)",
    load: () => ({ url: `${floorUrl}/hop-write`, script: "get.lua" }),
  });

  // (d) appends to one hot journey, with the D1 lag sampled and D1 rows counted around it.
  let before = null;
  let sampler = null;
  const lag = {};
  list.push({
    id: "append_hot",
    name: "(d) append to one hot journey",
    path: "POST /v1/events {journeyId}, unique Idempotency-Key",
    load: (label) => ({
      url: relayUrl,
      script: "post-json.lua",
      env: {
        BENCH_PATH: "/v1/events",
        BENCH_AUTH: KEY,
        BENCH_RUN: `app-${label}-${Date.now()}`,
        BENCH_BODY: JSON.stringify({
          journeyId: hot,
          channel: "sms",
          direction: "inbound",
          actor: { kind: "customer" },
          text: "bench message {n}",
        }),
      },
    }),
    afterWarmup: async () => {
      // Let the warm-up's backlog reach D1 before counting rows.
      const seq = await liveSeq(call, hot);
      await waitForD1(db, WS, hot, seq, 120_000);
      before = { seq, rows: await rowCounts(db), writes: await writeCounts(db) };
    },
    duringRun: {
      start: async () => {
        sampler = lagSampler({ call, key: KEY, ws: WS, journeyId: hot, db });
      },
      stop: async (c) => {
        const loadEnded = performance.now();
        const l = await sampler.stop();
        // Then wait for every event of the run, not just the samples, to reach D1.
        const seq = await liveSeq(call, hot);
        const waited = await waitForD1(db, WS, hot, seq, 300_000);
        l.backlogDrainedMsAfterLoad =
          waited === null ? null : Math.round(performance.now() - loadEnded);
        log(
          `     D1 lag (c=${c}): p50 ${l.lagMs.p50} ms, p99 ${l.lagMs.p99} ms, max ${l.lagMs.max} ms over ${l.seen} samples` +
            (l.notSeenWithinSettle ? `, ${l.notSeenWithinSettle} not seen` : "") +
            `; backlog drained ${l.backlogDrainedMsAfterLoad} ms after the load stopped`,
        );
        return l;
      },
      keep: (c, l) => {
        lag[c] = l;
      },
    },
    after: async () => {
      const seq = await liveSeq(call, hot);
      const rows = await rowCounts(db);
      const writes = await writeCounts(db);
      const events = seq - before.seq;
      const rowDelta = {};
      let total = 0;
      for (const t of Object.keys(rows)) {
        rowDelta[t] = rows[t] - (before.rows[t] ?? 0);
        total += rowDelta[t];
      }
      const writeDelta = {};
      let writesTotal = 0;
      for (const k of Object.keys(writes)) {
        writeDelta[k] = writes[k] - (before.writes[k] ?? 0);
        writesTotal += writeDelta[k];
      }
      let billedRows = 0;
      for (const [k, n] of Object.entries(writeDelta)) billedRows += n * (billed[k] ?? 1);
      const billedPerEvent = round2(billedRows / events);
      results.d1 = {
        lag,
        lagMethod:
          "a marked event appended every 50 ms during the run (one at a time); lag = first poll (every 20 ms, D1 binding) that finds its row − the moment its 201 arrived",
        rowsPerEvent: {
          eventsAccepted: events,
          rowDelta,
          netNewRowsPerEvent: round2(total / events),
          writes: writeDelta,
          rowWritesPerEvent: round2(writesTotal / events),
          note: "rowWrites counts every row inserted or updated (SQLite triggers); D1 bills index entries too",
          billedPerWrite: billed,
          billedRowsWrittenPerEvent: billedPerEvent,
          billedNote:
            "D1's rows_written (row + index entries) per insert/update, measured on throwaway rows, times the writes counted above; writes to other tables are not priced",
        },
      };
      log(
        `     D1 rows per event: ${round2(total / events)} net new, ${round2(writesTotal / events)} row writes, about ${billedPerEvent} billed rows written (over ${events} events)`,
      );
    },
  });

  // History through the queue under appends spread over 1,000 journeys (bench/lib/history.mjs).
  list.push(
    historyBusyScenario({
      call,
      db,
      ws: WS,
      key: KEY,
      relayUrl,
      outDir,
      stats: server.history,
      results,
      log,
    }),
  );

  list.push({
    id: "journey_read",
    name: "read one journey (stand-in for the bot context read)",
    path: "GET /v1/journeys/:id",
    load: () => ({ url: `${relayUrl}${hotRead}`, script: "get.lua", env: { BENCH_AUTH: KEY } }),
  });

  // (a) IVR lookup and the Amazon Connect hook, (c) the bot context read: probed, run when built.
  // A degraded IVR answer (the lookup ran out of its budget) is a 200 but not a success.
  const DEGRADED = '"degraded"';
  const ivrPath = IVR_PATH;
  list.push({
    id: "context_ivr",
    name: "(a) IVR lookup",
    path: "GET /v1/context?phone=…&audience=ivr",
    probe: async () => {
      const res = await call("GET", ivrPath, { token: KEY });
      const answer = probeAnswer(res, "the probe request");
      if (answer.ok && res.json?.match !== "single") {
        return {
          ok: false,
          status: "skipped",
          reason: `the hot caller was not matched: ${res.text.slice(0, 200)}`,
        };
      }
      return answer;
    },
    load: () => ({
      url: `${relayUrl}${ivrPath}`,
      script: "get.lua",
      env: { BENCH_AUTH: KEY, BENCH_FLAG: DEGRADED },
    }),
  });
  const connectBody = CONNECT_BODY;
  list.push({
    id: "connect_hook",
    name: "(a) Amazon Connect hook",
    path: `POST /hooks/${WS}/connect`,
    probe: async () => {
      const res = await call("POST", `/hooks/${WS}/connect`, {
        token: KEY,
        body: JSON.parse(JSON.stringify(connectBody).replaceAll("{n}", "probe")),
      });
      return probeAnswer(res, "the bench's Amazon Connect-shaped request");
    },
    load: (label) => ({
      url: relayUrl,
      script: "post-json.lua",
      env: {
        BENCH_PATH: `/hooks/${WS}/connect`,
        BENCH_AUTH: KEY,
        BENCH_RUN: `connect-${label}-${Date.now()}`,
        BENCH_BODY: JSON.stringify(connectBody),
        BENCH_FLAG: DEGRADED,
      },
    }),
  });

  // The path an SMS takes once verified and parsed, without Twilio: an event routed by the
  // sender's number (identity → customer → journey), over the same pool of senders.
  const phones = senderPhones(64);
  list.push({
    id: "routed_append",
    name: "append routed by phone (64 callers)",
    path: "POST /v1/events {identifiers:[phone]}, unique Idempotency-Key",
    load: (label) => {
      const file = `${outDir}/routed-${label}.txt`;
      const bodies = phones.map((value) =>
        JSON.stringify({
          identifiers: [{ type: "phone", value }],
          channel: "sms",
          direction: "inbound",
          actor: { kind: "customer" },
          text: "routed bench message {n}",
        }),
      );
      writeFileSync(file, `${bodies.join("\n")}\n`);
      return {
        url: relayUrl,
        script: "post-json.lua",
        env: {
          BENCH_PATH: "/v1/events",
          BENCH_AUTH: KEY,
          BENCH_LINES: file,
          BENCH_RUN: `routed-${label}-${Date.now()}`,
        },
      };
    },
  });

  // (b) signed Twilio inbound SMS: every request pre-signed, each with its own MessageSid.
  const smsPath = SMS_PATH;
  list.push({
    id: "twilio_sms",
    name: "(b) signed Twilio inbound SMS",
    path: `POST ${smsPath} (X-Twilio-Signature)`,
    probe: async () => {
      if (settings.status !== 200) {
        return {
          ok: false,
          status: "skipped",
          reason: `could not set the Twilio auth token: PATCH settings answered ${settings.status} ${settings.text.slice(0, 200)}`,
        };
      }
      const params = smsParams(HOT_PHONE, "probe");
      const res = await call("POST", smsPath, {
        headers: {
          "x-twilio-signature": twilioSignature(TWILIO_TOKEN, PUBLIC_BASE + smsPath, params),
        },
        form: new URLSearchParams(params).toString(),
      });
      return probeAnswer(res, "a signed SMS");
    },
    load: (label) => {
      const file = `${outDir}/twilio-${label}.txt`;
      const seconds = label === "warmup" ? WARMUP : label === "ab" ? AB_SECONDS : SECONDS;
      writeSignedSms(file, {
        count: Math.max(5000, 4000 * seconds),
        phones,
        authToken: TWILIO_TOKEN,
        signedUrl: PUBLIC_BASE + smsPath,
        label,
      });
      return {
        url: relayUrl,
        script: "post-signed-form.lua",
        env: { BENCH_PATH: smsPath, BENCH_LINES: file },
      };
    },
  });

  const botPath = `/v1/context?journey=${hot}&audience=bot`;
  list.push({
    id: "context_bot",
    name: "(c) bot context read",
    path: "GET /v1/context?journey=…&audience=bot",
    probe: () => probeGet(call, botPath),
    load: () => ({ url: `${relayUrl}${botPath}`, script: "get.lua", env: { BENCH_AUTH: KEY } }),
  });

  // The same bot pack through the MCP server: the official client's tools/call, replayed.
  let mcpCall = null;
  list.push({
    id: "mcp_context",
    name: "(c) bot context over MCP",
    path: "POST /mcp tools/call get_context {journey} (official client's request)",
    probe: async () => {
      try {
        mcpCall = await captureToolCall(relayUrl, KEY, "get_context", { journey: hot });
      } catch (e) {
        const reason = `the MCP client failed: ${e instanceof Error ? e.message : String(e)}`;
        return { ok: false, status: "skipped", reason: reason.slice(0, 300) };
      }
      if (mcpCall.ok) return { ok: true };
      return { ok: false, status: "skipped", reason: `get_context failed: ${mcpCall.text}` };
    },
    load: () => ({
      url: `${relayUrl}/mcp`,
      script: "post-mcp.lua",
      env: {
        BENCH_AUTH: KEY,
        BENCH_BODY: mcpCall.body,
        BENCH_MCP_VERSION: mcpCall.protocolVersion,
        BENCH_FLAG: '"isError":true',
      },
    }),
  });

  // The rate-limit check on the IVR lookup and the signed SMS: an interleaved A/B against the
  // relay without rate-limit bindings, with the two scenarios' own loads. Run right after
  // hello-world, while both relays hold only what setupWorkspace created.
  list.splice(1, 0, {
    id: "ratelimit_ab",
    name: `rate limits on ÷ off, interleaved (${AB_PAIRS} pairs × ${AB_SECONDS} s per run)`,
    run: async () => {
      const paths = [];
      for (const id of ["context_ivr", "twilio_sms"]) {
        const s = list.find((x) => x.id === id);
        const probe = s.probe ? await s.probe() : { ok: true };
        if (probe.ok) paths.push(s);
        else log(`  ${s.name}: ${probe.status} — ${probe.reason}`);
      }
      results.rateLimitAb = await rateLimitAb({
        paths,
        onUrl: relayUrl,
        offUrl: server.noLimits.url,
        mem,
        log,
        pairs: AB_PAIRS,
        seconds: AB_SECONDS,
        warmupSeconds: WARMUP,
        concurrency: CONCURRENCY,
        quietWaitSeconds: Math.min(QUIET_WAIT, 15),
        aaCheck: process.env.BENCH_RATE_LIMITS === "off",
      });
    },
  });
  return list;
}

/** MCP get_context against the REST bot context read, run by run (same machine, same run). */
function mcpVersusRest(results) {
  const runs = (id) => results.scenarios.find((s) => s.id === id && s.status === "measured")?.runs;
  const mcp = runs("mcp_context");
  const rest = runs("context_bot");
  if (!mcp || !rest) return null;
  const byConcurrency = {};
  for (const c of Object.keys(mcp)) {
    if (!rest[c]) continue;
    byConcurrency[c] = {
      okRps: round2(mcp[c].okRps / rest[c].okRps),
      p50: round2(mcp[c].latencyMs.p50 / rest[c].latencyMs.p50),
      p99: round2(mcp[c].latencyMs.p99 / rest[c].latencyMs.p99),
    };
  }
  return {
    byConcurrency,
    method: "MCP figure divided by the REST bot context's at the same concurrency",
  };
}

async function probeGet(call, path) {
  return probeAnswer(await call("GET", path, { token: KEY }), "the probe request");
}

/** 404 not_found means the route does not exist yet; any other failure is reported. */
function probeAnswer(res, what) {
  if (res.status >= 200 && res.status < 300) return { ok: true };
  if (res.status === 404 && res.json?.code === "not_found") {
    return { ok: false, status: "not built yet", reason: "the route answers 404 not_found" };
  }
  return {
    ok: false,
    status: "skipped",
    reason: `the route exists but answered ${res.status} ${res.json?.code ?? ""} to ${what}: ${res.text.slice(0, 200)}`,
  };
}

async function liveSeq(call, journeyId) {
  const res = await call("GET", `/v1/journeys/${journeyId}`, { token: KEY });
  return expectOk(res, "reading the hot journey").seq;
}

/** `minify` in wrangler.toml (what `wrangler deploy` and the bundle above use). */
function minifySetting() {
  const m = /^minify\s*=\s*(true|false)/m.exec(readFileSync(`${root}wrangler.toml`, "utf8"));
  return m ? m[1] === "true" : false;
}

/** Which code was bundled: the commit, and how many files differed from it. */
function sourceState() {
  const git = (...args) =>
    spawnSync("git", args, { cwd: root, encoding: "utf8" }).stdout?.trim() ?? "";
  return {
    commit: git("rev-parse", "HEAD") || null,
    uncommittedFiles: git("status", "--porcelain").split("\n").filter(Boolean).length,
  };
}

function machine() {
  const cpus = os.cpus();
  const v = versions();
  return {
    nproc: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? null,
    memTotalMb: Math.round(os.totalmem() / 2 ** 20),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    wrk,
    wrangler: v.wrangler,
    miniflare: v.miniflare,
    workerd: v.workerd,
  };
}

async function writeResults(res) {
  const json = `${JSON.stringify(res, null, 2)}\n`;
  writeFileSync(`${outDir}/results.json`, json);
  const rows = tableRows(res);
  log(`\n${textTable(HEADER, rows)}\n`);
  const frows = floorTargetRows(res);
  if (frows.length) log(`${textTable(FLOOR_HEADER, frows, 2)}\n`);
  const srows = scaleRows(res.scale);
  if (srows.length) log(`${textTable(SCALE_HEADER, srows, 3)}\n`);
  const arows = abRows(res.rateLimitAb);
  if (arows.length) log(`${textTable(AB_HEADER, arows, 2)}\n`);
  log(
    `× hello = the relay's figure divided by hello-world's at the same concurrency (mean of the start and end runs).`,
  );
  log(
    `hello-world drift over the run: c=1 ${res.baseline.drift_c1 ?? "–"}×, c=16 ${res.baseline.drift_c16 ?? "–"}×`,
  );
  log(
    `× floor = the same, divided by the scenario's floor (${Object.entries(FLOORS)
      .map(([id, f]) => `${id} → ${f}`)
      .join(", ")}).`,
  );
  log(
    `workerd peak memory over the whole run: VmHWM ${res.memory.vmHwmMb} MB (peak sampled RSS ${res.memory.peakRssMb} MB)`,
  );
  const b = res.bundle;
  log(
    `bundle${b.minified ? " (minified)" : ""}: ${kib(b.bytes)}, gzip ${kib(b.gzipBytes)}` +
      (b.unminified
        ? `; not minified ${kib(b.unminified.bytes)}, gzip ${kib(b.unminified.gzipBytes)}`
        : ""),
  );
  if (res.coldStart) {
    const { relay: r, hello: h } = res.coldStart.median;
    log(
      `cold start (median of ${res.coldStart.runs} fresh workerd processes): start → first GET / answered ${r.startToFirstAnswerMs} ms ` +
        `(hello-world alone ${h.startToFirstAnswerMs} ms); first request to an object ${r.firstObjectMs} ms, ` +
        `a second new object ${r.secondObjectMs} ms; fresh workerd RSS ${r.rssMb} MB (hello-world ${h.rssMb} MB)`,
    );
  }
  if (res.workerLogs.errors)
    log(`the Worker logged ${res.workerLogs.errors} errors, e.g. ${res.workerLogs.samples[0]}`);
  log(`\ntargets:`);
  for (const t of res.targets) log(`  [${t.status}] ${t.target}: ${t.figure}`);
  let md = markdownTable(HEADER, rows);
  if (frows.length) md += `\n\n${markdownTable(FLOOR_HEADER, frows, 2)}`;
  if (srows.length) md += `\n\n${markdownTable(SCALE_HEADER, srows, 3)}`;
  if (arows.length) md += `\n\n${markdownTable(AB_HEADER, arows, 2)}`;
  writeFileSync(`${outDir}/table.md`, `${md}\n`);
  log(`\nwrote bench/out/results.json and bench/out/table.md`);
  if (!ONLY) await writeDocs(res);
}

/** The committed copies: docs/benchmarks.json and the generated part of docs/benchmarks.md. */
async function writeDocs(res) {
  let prettier = null;
  try {
    prettier = await import("prettier");
  } catch {
    // prettier missing: keep the unformatted text
  }
  const format = async (text, file, parser) => {
    if (!prettier) return text;
    const options = (await prettier.resolveConfig(file)) ?? {};
    return prettier.format(text, { ...options, parser });
  };
  const jsonFile = `${root}docs/benchmarks.json`;
  writeFileSync(jsonFile, await format(`${JSON.stringify(res, null, 2)}\n`, jsonFile, "json"));
  const mdFile = `${root}docs/benchmarks.md`;
  const before = existsSync(mdFile) ? readFileSync(mdFile, "utf8") : "# Benchmarks\n";
  writeFileSync(
    mdFile,
    await format(replaceDocsSection(before, docsSection(res)), mdFile, "markdown"),
  );
  log(`wrote docs/benchmarks.json and the results section of docs/benchmarks.md`);
}
