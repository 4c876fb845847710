#!/usr/bin/env node
// pnpm bench:profile: where the relay's time goes under load, in workerd. Starts the same
// server as `pnpm bench` (bench/lib/server.mjs) with Miniflare's `inspectorPort`, drives each
// scenario with wrk, and records a V8 CPU profile of the relay's isolate (its Worker and all
// four object classes) and of Miniflare's D1 isolate through the Chrome DevTools Protocol.
// Optionally (PROFILE_NATIVE=1) also samples workerd's native stacks with `perf`. See
// docs/benchmarks.md, "Profiling".
//
// Environment: PROFILE_ONLY (scenario ids, default context_ivr,twilio_sms), PROFILE_SECONDS
// (default 10), PROFILE_CONCURRENCY (default 16), PROFILE_INTERVAL_US (sampling interval,
// default 200), PROFILE_TOP (rows per table, default 20), PROFILE_NATIVE=1 (perf), PROFILE_CPU=0
// (no profiler: only the throughput, for a quick before/after of a change).
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { client } from "./lib/api.mjs";
import { aggregateProfile, bundleModules, cdpSession, inspectorTargets } from "./lib/cdp.mjs";
import { waitForD1 } from "./lib/d1.mjs";
import { memorySampler, waitForQuiet } from "./lib/memory.mjs";
import { applyMigrations, bundle, startServer } from "./lib/server.mjs";
import {
  ADMIN_SECRET,
  CONNECT_BODY,
  IVR_PATH,
  KEY,
  PUBLIC_BASE,
  SMS_PATH,
  TWILIO_TOKEN,
  WS,
  setupWorkspace,
} from "./lib/setup.mjs";
import { captureToolCall } from "./lib/mcp.mjs";
import { senderPhones, writeSignedSms } from "./lib/twilio.mjs";
import { killWrk, runWrk } from "./lib/wrk.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const outDir = `${root}bench/out`;
const SECONDS = Number(process.env.PROFILE_SECONDS ?? 10);
const CONCURRENCY = Number(process.env.PROFILE_CONCURRENCY ?? 16);
const INTERVAL_US = Number(process.env.PROFILE_INTERVAL_US ?? 200);
const TOP = Number(process.env.PROFILE_TOP ?? 20);
const NATIVE = process.env.PROFILE_NATIVE === "1";
// PROFILE_CPU=0: measure the scenarios without a profiler only (quick A/B of a change).
const CPU = process.env.PROFILE_CPU !== "0";
const ONLY = (process.env.PROFILE_ONLY ?? "context_ivr,twilio_sms").split(",");
const QUIET_WAIT = Number(process.env.BENCH_QUIET_WAIT_SECONDS ?? 30);
// The isolates worth profiling: the relay (Worker + its objects) and Miniflare's D1.
const TARGETS = ["core:user:relay", "d1:db"];

const log = (...a) => console.log(...a);

async function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

mkdirSync(outDir, { recursive: true });
log("bundling the relay (wrangler deploy --dry-run --no-minify) …");
// Not minified, whatever wrangler.toml says: frames are mapped to source modules by the
// `// <path>` comments esbuild writes at the start of each module, which minifying drops.
const bundled = bundle(`${outDir}/worker`, { minify: false });
const moduleOf = bundleModules(bundled.main);
const inspectorPort = await freePort();
log(`starting workerd through Miniflare (inspector on 127.0.0.1:${inspectorPort}) …`);
const server = await startServer({
  scriptPath: bundled.main,
  stateDir: `${outDir}/state-profile`,
  adminSecret: ADMIN_SECRET,
  configPath: `${root}wrangler.toml`,
  inspectorPort,
});
const mem = memorySampler(server.pid);
const shutdown = async (code) => {
  killWrk();
  mem.stop();
  await server.mf.dispose().catch(() => {});
  process.exit(code);
};
process.on("SIGINT", () => void shutdown(130));

let firstContactBase = 0;

function scenarios(hot, mcpCall) {
  const { relayUrl, helloUrl, floorUrl } = server;
  const phones = senderPhones(64);
  const auth = { BENCH_AUTH: KEY };
  return {
    hello: () => ({ url: `${helloUrl}/`, script: "get.lua" }),
    floor_hop: () => ({ url: `${floorUrl}/hop`, script: "get.lua" }),
    floor_hop_read: () => ({ url: `${floorUrl}/hop-read`, script: "get.lua" }),
    floor_hop_write: () => ({ url: `${floorUrl}/hop-write`, script: "get.lua" }),
    floor_hop2: () => ({ url: `${floorUrl}/hop2`, script: "get.lua" }),
    relay_root: () => ({ url: `${relayUrl}/`, script: "get.lua" }),
    context_ivr: () => ({ url: `${relayUrl}${IVR_PATH}`, script: "get.lua", env: auth }),
    connect_hook: (label) => ({
      url: relayUrl,
      script: "post-json.lua",
      env: {
        ...auth,
        BENCH_PATH: `/hooks/${WS}/connect`,
        BENCH_RUN: `connect-${label}-${Date.now()}`,
        BENCH_BODY: JSON.stringify(CONNECT_BODY),
      },
    }),
    journey_read: () => ({ url: `${relayUrl}/v1/journeys/${hot}`, script: "get.lua", env: auth }),
    context_bot: () => ({
      url: `${relayUrl}/v1/context?journey=${hot}&audience=bot`,
      script: "get.lua",
      env: auth,
    }),
    // The same pack through MCP: the official client's get_context request (bench/lib/mcp.mjs).
    mcp_context: () => ({
      url: `${relayUrl}/mcp`,
      script: "post-mcp.lua",
      env: {
        ...auth,
        BENCH_BODY: mcpCall.body,
        BENCH_MCP_VERSION: mcpCall.protocolVersion,
        BENCH_FLAG: '"isError":true',
      },
    }),
    append_hot: (label) => ({
      url: relayUrl,
      script: "post-json.lua",
      env: {
        ...auth,
        BENCH_PATH: "/v1/events",
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
    routed_append: (label) => {
      const file = `${outDir}/profile-routed-${label}.txt`;
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
          ...auth,
          BENCH_PATH: "/v1/events",
          BENCH_LINES: file,
          BENCH_RUN: `r-${label}-${Date.now()}`,
        },
      };
    },
    // A first contact from a new number each time: identity + customer + journey objects are
    // created (three new SQLite databases), as in the scale run's identity creation.
    first_contact: (label, seconds) => {
      const file = `${outDir}/profile-first-${label}.txt`;
      const base = 5_000_000 + (firstContactBase += 200_000);
      const bodies = Array.from({ length: Math.max(2000, 400 * seconds) }, (_, i) =>
        JSON.stringify({
          identifiers: [{ type: "phone", value: `+1415${base + i}` }],
          channel: "voice",
          direction: "inbound",
          actor: { kind: "customer" },
          type: "call",
          text: "first contact",
        }),
      );
      writeFileSync(file, `${bodies.join("\n")}\n`);
      return {
        url: relayUrl,
        script: "post-json.lua",
        env: {
          ...auth,
          BENCH_PATH: "/v1/events",
          BENCH_LINES: file,
          BENCH_RUN: `f-${label}-${Date.now()}`,
        },
      };
    },
    twilio_sms: (label, seconds) => {
      const file = `${outDir}/profile-twilio-${label}.txt`;
      writeSignedSms(file, {
        count: Math.max(5000, 4000 * seconds),
        phones,
        authToken: TWILIO_TOKEN,
        signedUrl: PUBLIC_BASE + SMS_PATH,
        label: `${label}-${Date.now()}`,
      });
      return {
        url: relayUrl,
        script: "post-signed-form.lua",
        env: { BENCH_PATH: SMS_PATH, BENCH_LINES: file },
      };
    },
  };
}

/** `perf record` of workerd's native stacks for `seconds`, summarized by area. */
function startPerf(pid, seconds) {
  const file = `${outDir}/profile-perf.data`;
  const child = spawn(
    "perf",
    ["record", "-F", "499", "-g", "-p", String(pid), "-o", file, "--", "sleep", String(seconds)],
    { stdio: "ignore" },
  );
  return new Promise((resolve) => child.on("close", () => resolve(file)));
}

const SYSCALLS = [
  "fdatasync",
  "fsync",
  "pwrite64",
  "pread64",
  "write",
  "writev",
  "sendto",
  "sendmsg",
  "recvfrom",
  "read",
  "epoll_wait",
  "openat",
];

/**
 * Counts workerd's system calls during the run with `perf stat` on the syscall tracepoints:
 * fdatasync/fsync are storage commits (each durable SQLite write: objects and D1).
 */
function startSyscallCount(pid, seconds) {
  const args = ["stat", "-x", ",", "-p", String(pid)];
  for (const name of SYSCALLS) args.push("-e", `syscalls:sys_enter_${name}`);
  args.push("--", "sleep", String(seconds));
  const child = spawn("perf", args, { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => (err += d));
  return new Promise((resolve) =>
    child.on("close", () => {
      const counts = {};
      for (const line of err.split("\n")) {
        const [value, , event] = line.split(",");
        const m = /sys_enter_(\w+)/.exec(event ?? "");
        if (m && /^\d+$/.test(value)) counts[m[1]] = Number(value);
      }
      resolve(counts);
    }),
  );
}

/** Native symbols → areas (workerd is not stripped; JIT code shows as unknown frames). */
const NATIVE_AREAS = [
  ["sqlite", /sqlite3|Sqlite|SqliteDatabase|ActorSqlite/],
  [
    "serialization (structured clone, capnp)",
    /ValueSerializer|ValueDeserializer|Serializer|capnp::/,
  ],
  ["V8 GC", /Heap::|Scavenge|MarkCompact|GCTracer|Sweeper|ConcurrentMarking|MinorMC/],
  ["V8 compiler", /compiler::|Turbofan|Maglev|Sparkplug|Parser|Compile/],
  ["V8 runtime / builtins", /v8::internal::|Builtins_|v8::/],
  ["workerd I/O (kj, HTTP)", /kj::|workerd::api::|HttpService|Http/],
  ["workerd", /workerd::/],
  ["kernel", /^\[k\]|entry_SYSCALL|do_syscall|__x64_sys|tcp_|ext4_|jbd2|fsync/],
  ["libc", /libc\.so|__memmove|__memcpy|malloc|free/],
];

function perfSummary(file) {
  const r = spawnSync(
    "perf",
    [
      "report",
      "-i",
      file,
      "--stdio",
      "--no-children",
      "--sort",
      "dso,sym",
      "--percent-limit",
      "0.2",
      "-g",
      "none",
    ],
    { encoding: "utf8", maxBuffer: 64 * 2 ** 20 },
  );
  const rows = [];
  for (const line of r.stdout.split("\n")) {
    const m = /^\s+([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*)$/.exec(line);
    if (m) rows.push({ pct: Number(m[1]), dso: m[2], kind: m[3], sym: m[4].trim() });
  }
  const areas = new Map();
  for (const row of rows) {
    const label = `${row.kind === "k" ? "[k] " : ""}${row.dso} ${row.sym}`;
    const area =
      row.dso.startsWith("[JIT]") || row.dso === "[unknown]" || /^perf-\d+\.map$/.test(row.dso)
        ? "JavaScript (JIT code)"
        : row.kind === "k"
          ? "kernel"
          : (NATIVE_AREAS.find(([, re]) => re.test(label))?.[0] ?? `other (${row.dso})`);
    areas.set(area, (areas.get(area) ?? 0) + row.pct);
  }
  return {
    byArea: [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([area, pct]) => ({ area, pct: Math.round(pct * 10) / 10 })),
    topSymbols: rows.slice(0, TOP),
    note: "perf report --no-children --sort dso,sym (rows ≥ 0.2 %); percentages of all workerd samples",
  };
}

async function profiled(targets, fn) {
  const sessions = [];
  for (const id of TARGETS) {
    const url = targets.get(id);
    if (!url) continue;
    const s = await cdpSession(url);
    await s.send("Profiler.enable");
    await s.send("Profiler.setSamplingInterval", { interval: INTERVAL_US });
    sessions.push({ id, s });
  }
  for (const { s } of sessions) await s.send("Profiler.start");
  const t0 = performance.now();
  const out = await fn();
  const wallMs = Math.round(performance.now() - t0);
  const profiles = {};
  for (const { id, s } of sessions) {
    const { profile } = await s.send("Profiler.stop");
    await s.send("Profiler.disable");
    s.close();
    profiles[id] = profile;
  }
  return { out, wallMs, profiles };
}

function table(rows, label) {
  const lines = rows
    .slice(0, TOP)
    .map(
      (r) => `    ${String(r.ms).padStart(8)} ms ${String(r.pctOfBusy).padStart(5)} %  ${r.name}`,
    );
  return [`  ${label}`, ...lines].join("\n");
}

async function main() {
  const call = client(server.relayUrl);
  await applyMigrations(server.db, `${root}migrations`);
  const { hot } = await setupWorkspace(call);
  await waitForD1(server.db, WS, hot, 1, 10_000);
  const targets = await inspectorTargets(inspectorPort);
  const mcpCall = ONLY.includes("mcp_context")
    ? await captureToolCall(server.relayUrl, KEY, "get_context", { journey: hot })
    : null;
  const all = scenarios(hot, mcpCall);
  const unknown = ONLY.filter((id) => !all[id]);
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(", ")}`);
  const report = {
    generatedAt: new Date().toISOString(),
    command: `PROFILE_ONLY=${ONLY.join(",")} PROFILE_SECONDS=${SECONDS} PROFILE_CONCURRENCY=${CONCURRENCY} pnpm bench:profile`,
    samplingIntervalUs: INTERVAL_US,
    concurrency: CONCURRENCY,
    scenarios: {},
  };
  // The baseline, without a profiler attached, for the ratios.
  await waitForQuiet(mem, QUIET_WAIT);
  const hello = await runWrk({ ...all.hello("c"), concurrency: CONCURRENCY, seconds: SECONDS });
  log(`hello-world c=${CONCURRENCY}: ${hello.okRps} req/s (no profiler)`);
  report.hello = { okRps: hello.okRps, p50: hello.latencyMs.p50 };
  for (const id of ONLY) {
    log(`\n${id}`);
    await runWrk({ ...all[id]("warmup", 2), concurrency: 16, seconds: 2 });
    // Unprofiled first: the throughput the profile explains.
    await waitForQuiet(mem, QUIET_WAIT);
    mem.cpuWindow();
    mem.filesWindow();
    const plain = await runWrk({
      ...all[id]("plain", SECONDS),
      concurrency: CONCURRENCY,
      seconds: SECONDS,
    });
    const plainCpu = mem.cpuWindow();
    const plainFiles = mem.filesWindow();
    log(
      `  no profiler: ${plain.okRps} ok req/s (${(plain.okRps / hello.okRps).toFixed(2)}× hello), p50 ${plain.latencyMs.p50} ms, workerd ${plainCpu.workerdCpuPctOfOneCore}% of a core, others ${plainCpu.otherProcessesPct}%, ${plainFiles} files open at most` +
        (plain.notOk
          ? `, ${plain.notOk} not ok ${JSON.stringify(plain.statuses)} ${plain.sample ?? ""}`
          : ""),
    );
    if (!CPU) {
      report.scenarios[id] = {
        unprofiled: { okRps: plain.okRps, latencyMs: plain.latencyMs, peakOpenFiles: plainFiles },
      };
      continue;
    }
    await waitForQuiet(mem, QUIET_WAIT);
    mem.cpuWindow();
    const perf = NATIVE ? startPerf(server.pid, SECONDS) : null;
    const syscalls = NATIVE ? startSyscallCount(server.pid, SECONDS) : null;
    const {
      out: run,
      wallMs,
      profiles,
    } = await profiled(targets, () =>
      runWrk({ ...all[id]("profiled", SECONDS), concurrency: CONCURRENCY, seconds: SECONDS }),
    );
    const cpu = mem.cpuWindow();
    const entry = {
      unprofiled: {
        okRps: plain.okRps,
        vsHello: Math.round((plain.okRps / hello.okRps) * 100) / 100,
        latencyMs: plain.latencyMs,
        workerdCpuPctOfOneCore: plainCpu.workerdCpuPctOfOneCore,
        otherProcessesPct: plainCpu.otherProcessesPct,
        peakOpenFiles: plainFiles,
      },
      profiled: {
        okRps: run.okRps,
        requests: run.requests,
        latencyMs: run.latencyMs,
        workerdCpuPctOfOneCore: cpu.workerdCpuPctOfOneCore,
        otherProcessesPct: cpu.otherProcessesPct,
      },
      isolates: {},
    };
    log(
      `  profiled:    ${run.okRps} ok req/s, workerd ${cpu.workerdCpuPctOfOneCore}% of a core, others ${cpu.otherProcessesPct}%`,
    );
    for (const [target, profile] of Object.entries(profiles)) {
      const file = `${outDir}/profile-${id}-${target.replace(/[^a-z0-9]+/gi, "_")}.cpuprofile`;
      writeFileSync(file, JSON.stringify(profile));
      const agg = aggregateProfile(profile, {
        bundleUrlEndsWith: path.basename(bundled.main),
        moduleOf,
        wallMs,
      });
      const perRequestUs = run.requests > 0 ? Math.round((agg.busyMs * 1000) / run.requests) : null;
      entry.isolates[target] = { ...agg, busyUsPerRequest: perRequestUs, cpuprofile: file };
      log(
        `  isolate ${target}: ${agg.busyMs} ms of non-idle samples in ${wallMs} ms of wall time, ${perRequestUs} µs per request; profile in ${path.relative(root, file)}`,
      );
      if (agg.busyMs < 50) continue;
      log(table(agg.selfByPackage, "self time by package / area"));
      log(table(agg.selfByFunction, "self time by function"));
      log(table(agg.totalByFunction, "total time (self + callees) by function"));
    }
    if (syscalls) {
      const counts = await syscalls;
      entry.syscallsPerRequest = {};
      for (const [name, n] of Object.entries(counts)) {
        entry.syscallsPerRequest[name] = Math.round((n / Math.max(1, run.requests)) * 100) / 100;
      }
      log(
        `  workerd system calls per request: ${Object.entries(entry.syscallsPerRequest)
          .filter(([, v]) => v > 0)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")}`,
      );
    }
    if (perf) {
      const summary = perfSummary(await perf);
      entry.native = summary;
      log("  workerd native (perf), by area:");
      for (const a of summary.byArea) log(`    ${String(a.pct).padStart(5)} %  ${a.area}`);
      log("  top native symbols:");
      for (const s of summary.topSymbols)
        log(`    ${String(s.pct).padStart(5)} %  ${s.dso} ${s.sym}`);
    }
    report.scenarios[id] = entry;
  }
  const file = `${outDir}/profile.json`;
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  log(
    `\nwrote ${path.relative(root, file)} and the .cpuprofile files (open them in Chrome DevTools)`,
  );
}

try {
  await main();
  await shutdown(0);
} catch (e) {
  console.error(e instanceof Error ? e.stack : e);
  await shutdown(1);
}
