// Hosts the relay and a hello-world Worker in one workerd process through Miniflare's API
// (not `wrangler dev`, whose proxy Worker caps throughput far below workerd's own).
// Each Worker gets its own loopback socket straight into workerd (unsafeDirectSockets), so
// neither goes through Miniflare's entry Worker and the two are served the same way.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { gzipSync } from "node:zlib";
import { Buffer } from "node:buffer";
import { unstable_getMiniflareWorkerOptions, unstable_splitSqlQuery } from "wrangler";

const require = createRequire(import.meta.url);
const wranglerDir = path.dirname(require.resolve("wrangler/package.json"));
// The miniflare (and so workerd) that this wrangler depends on: the runtime `wrangler dev`
// and the tests use. It is not a direct dependency of the workspace, so resolve it from
// wrangler's own package.
const wranglerRequire = createRequire(path.join(wranglerDir, "package.json"));
const miniflarePath = wranglerRequire.resolve("miniflare");
const miniflareRequire = createRequire(miniflarePath);

export function versions() {
  return {
    wrangler: require("wrangler/package.json").version,
    miniflare: wranglerRequire("miniflare/package.json").version,
    workerd: miniflareRequire("workerd/package.json").version,
  };
}

/** The relay's other Worker secrets (docs/privacy.md "Secrets"), fixed values for the bench. */
const BENCH_SECRETS = {
  CHAT_SESSION_SECRET: "bench-chat-session-secret-0000000000000000",
  REPLY_TOKEN_SECRET: "bench-reply-token-secret-00000000000000000",
  SETTINGS_KEYS: `b1:${Buffer.from("bench-settings-key-32-bytes-long").toString("base64")}`,
};
/**
 * Bundles the Worker exactly as `wrangler deploy` would, without uploading it: minified when
 * wrangler.toml says `minify = true`. `{ minify: false }` overrides that (`--no-minify`: the
 * profiler maps bundle lines to source modules by esbuild's comments, which minifying drops).
 * Resolves the entry file, its size and its gzip size (zlib defaults, as wrangler prints it).
 */
export function bundle(outdir, { minify } = {}) {
  rmSync(outdir, { recursive: true, force: true });
  const flag = minify === undefined ? [] : [minify ? "--minify" : "--no-minify"];
  const r = spawnSync(
    process.execPath,
    [path.join(wranglerDir, "bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outdir, ...flag],
    { encoding: "utf8", env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" } },
  );
  if (r.status !== 0) {
    throw new Error(`wrangler deploy --dry-run failed:\n${r.stdout}\n${r.stderr}`);
  }
  const main = path.join(outdir, "index.js");
  const code = readFileSync(main);
  return { main, bytes: code.byteLength, gzipBytes: gzipSync(code).byteLength };
}

const HELLO = `export default {
  fetch() {
    return Response.json({ hello: "world" });
  },
};`;

/**
 * The runtime's floor for an object hop: a module Worker with one SQLite-backed Durable Object
 * class and nothing else (no router, no validation, no auth). `GET /hop` is one RPC returning
 * a constant, `/hop-read` one RPC that reads a row from the object's SQLite, `/hop-write` one
 * that writes a row (so the answer waits for the commit), `/hop2` two chained RPCs (Worker →
 * object → another object). `?k=` names the object (default: one hot object). `POST /seed`
 * creates relay identity objects for the scale run (bench/lib/scale.mjs).
 */
const FLOOR = `import { DurableObject } from "cloudflare:workers";
export class Box extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT NOT NULL)");
    ctx.storage.sql.exec("INSERT OR IGNORE INTO t VALUES (1, 'x')");
  }
  get() { return { ok: true }; }
  read() { return this.ctx.storage.sql.exec("SELECT k, v FROM t WHERE k = 1").toArray()[0] ?? null; }
  write(v) { this.ctx.storage.sql.exec("UPDATE t SET v = ? WHERE k = 1", String(v)); return { ok: true }; }
  async chain(k) {
    const ns = this.env.BOX;
    return ns.get(ns.idFromName(k + "/next")).get();
  }
}
let n = 0;
// POST /seed {ws, phones, customerIds, sourceKey, concurrency}: identity objects of the
// relay's IdentityObject class, each linked to its customer and holding a copy of the brief
// the identity object \`sourceKey\` holds, created from inside workerd (the scale run's fast
// path; an IVR lookup reads nothing but this object).
async function seed(env, body) {
  const { ws, phones, customerIds, sourceKey, concurrency = 16 } = body;
  const source = await env.IDENTITY.get(env.IDENTITY.idFromName(ws + "/" + sourceKey)).context(ws);
  const brief = source?.brief;
  if (!brief) return { created: 0, failures: phones.length, firstFailure: "no brief at " + sourceKey };
  let next = 0;
  let failures = 0;
  let firstFailure = null;
  const worker = async () => {
    while (next < phones.length) {
      const i = next++;
      const key = "phone:" + phones[i];
      try {
        const stub = env.IDENTITY.get(env.IDENTITY.idFromName(ws + "/" + key));
        const link = await stub.claim(ws, key, customerIds[i], "bench-seed", "asserted");
        await stub.setBrief(ws, link.customerId, 1, { ...brief, customerId: link.customerId });
      } catch (e) {
        failures++;
        firstFailure ??= String(e);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { created: phones.length - failures, failures, firstFailure };
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/seed") return Response.json(await seed(env, await request.json()));
    const stub = env.BOX.get(env.BOX.idFromName(url.searchParams.get("k") ?? "hot"));
    switch (url.pathname) {
      case "/hop": return Response.json(await stub.get());
      case "/hop-read": return Response.json(await stub.read());
      case "/hop-write": return Response.json(await stub.write(n++));
      case "/hop2": return Response.json(await stub.chain(url.searchParams.get("k") ?? "hot"));
      default: return Response.json({ hello: "world" });
    }
  },
};`;

/**
 * The relay's rate-limit bindings under load (docs/benchmarks.md, "Rate limits"). The bench
 * sends thousands of requests a second with one key to one workspace, far past wrangler.toml's
 * limits, so each limit is raised out of reach: every request still makes the check, none is
 * refused. BENCH_RATE_LIMITS=off leaves the bindings out, so the relay makes no check at all.
 */
export function benchRateLimits(ratelimits) {
  if (!ratelimits || process.env.BENCH_RATE_LIMITS === "off") return {};
  return Object.fromEntries(
    Object.entries(ratelimits).map(([name, b]) => [
      name,
      { ...b, simple: { ...b.simple, limit: 1_000_000_000 } },
    ]),
  );
}

/** The name of the relay without rate-limit bindings (startServer's `withoutLimits`). */
export const NO_LIMITS = "relay_nolimits";

/**
 * A second copy of the relay for the rate-limit A/B (bench/lib/ratelimit-ab.mjs): the same
 * bundle and bindings as `relay` but no `[[ratelimits]]` bindings, so `ratelimit.ts` makes no
 * check. Nothing is shared with `relay`: Miniflare keys a Durable Object namespace by Worker
 * name and class (`relay_nolimits-JourneyObject`), a D1 database by its id (given another one
 * here) and a queue by its name (renamed, keeping the prefixes and the `-dlq` suffix the queue
 * handler dispatches on).
 */
function withoutLimitsWorker(relay) {
  const rename = (q) => q.replace(/(-dlq)?$/, "-nolimits$1");
  return {
    ...relay,
    name: NO_LIMITS,
    ratelimits: {},
    d1Databases: Object.fromEntries(
      Object.entries(relay.d1Databases ?? {}).map(([binding, db]) => [
        binding,
        { ...db, id: `${db.id}-nolimits` },
      ]),
    ),
    queueProducers: Object.fromEntries(
      Object.entries(relay.queueProducers ?? {}).map(([binding, q]) => [
        binding,
        { ...q, queueName: rename(q.queueName) },
      ]),
    ),
    queueConsumers: Object.fromEntries(
      Object.entries(relay.queueConsumers ?? {}).map(([name, q]) => [
        rename(name),
        q.deadLetterQueue ? { ...q, deadLetterQueue: rename(q.deadLetterQueue) } : q,
      ]),
    ),
  };
}

/**
 * Starts workerd with the relay (bindings from wrangler.toml, local D1 and SQLite Durable
 * Objects persisted under `stateDir`, ADMIN_SECRET set) and the hello-world Worker.
 * `withoutLimits`: also serve `relay_nolimits` (withoutLimitsWorker) from the same process.
 */
export async function startServer({
  scriptPath,
  stateDir,
  adminSecret,
  configPath,
  inspectorPort,
  withoutLimits = false,
}) {
  const { Miniflare, convertV4MiniflareOptions } = await import(miniflarePath);
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });
  // convertV4MiniflareOptions does not take modulesRules; the bundle is one ES module anyway.
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  const relayOptions = { ...workerOptions };
  delete relayOptions.modulesRules;
  const logs = { errors: 0, warnings: 0, samples: [] };
  const history = historyStats();
  const direct = [{ host: "127.0.0.1", port: 0 }];
  const running = new Set(workerdPids());
  const relay = {
    ...relayOptions,
    name: "relay",
    modules: true,
    scriptPath,
    // HISTORY_STATS: the history consumer logs each D1 call it makes (historyStats below).
    bindings: {
      ...relayOptions.bindings,
      ...BENCH_SECRETS,
      ADMIN_SECRET: adminSecret,
      HISTORY_STATS: "1",
    },
    ratelimits: benchRateLimits(relayOptions.ratelimits),
    unsafeDirectSockets: direct,
  };
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port: 0,
      ...(inspectorPort === undefined ? {} : { inspectorPort }),
      resourcePersistencePath: stateDir,
      handleStructuredLogs: ({ level, message }) => {
        if (history.take(message)) return;
        if (level === "error") logs.errors++;
        else if (level === "warn") logs.warnings++;
        else return;
        if (logs.samples.length < 10) logs.samples.push(`${level}: ${message}`.slice(0, 500));
      },
      workers: [
        relay,
        ...(withoutLimits ? [withoutLimitsWorker(relay)] : []),
        {
          name: "hello",
          modules: true,
          script: HELLO,
          compatibilityDate: relayOptions.compatibilityDate,
          compatibilityFlags: relayOptions.compatibilityFlags,
          unsafeDirectSockets: direct,
        },
        {
          name: "floor",
          modules: true,
          script: FLOOR,
          compatibilityDate: relayOptions.compatibilityDate,
          compatibilityFlags: relayOptions.compatibilityFlags,
          durableObjects: {
            BOX: { className: "Box", useSQLite: true },
            IDENTITY: { className: "IdentityObject", scriptName: "relay", useSQLite: true },
          },
          unsafeDirectSockets: direct,
        },
      ],
    }),
  );
  await mf.ready;
  const relayUrl = (await mf.unsafeGetDirectURL("relay")).href.replace(/\/$/, "");
  const helloUrl = (await mf.unsafeGetDirectURL("hello")).href.replace(/\/$/, "");
  const floorUrl = (await mf.unsafeGetDirectURL("floor")).href.replace(/\/$/, "");
  const db = await mf.getD1Database("DB", "relay");
  const noLimits = withoutLimits
    ? {
        url: (await mf.unsafeGetDirectURL(NO_LIMITS)).href.replace(/\/$/, ""),
        db: await mf.getD1Database("DB", NO_LIMITS),
      }
    : null;
  const pid = workerdPids().find((p) => !running.has(p)) ?? null;
  return { mf, relayUrl, helloUrl, floorUrl, db, noLimits, logs, history, pid };
}

/**
 * Cold start, measured `runs` times on fresh workerd processes (each started, measured and
 * stopped before the next; none is the bench's main process). Per run, for the relay alone
 * (bindings from wrangler.toml, an empty state directory) and for the hello-world Worker alone:
 *
 * - `readyMs`: `new Miniflare()` until it is ready: Miniflare writes the config and spawns
 *   workerd, which compiles and evaluates every Worker's modules before it listens;
 * - `firstRootMs`: then the first `GET /` (sent the moment the socket is known), until its
 *   answer; `startToFirstAnswerMs` is the two together; `warmRootMs` is the next `GET /`;
 * - relay only, `firstObjectMs`: then `PUT /v1/admin/workspaces/cold-1`, the first request to
 *   reach an object (a WorkspaceObject: the class's first instance, a new SQLite database, its
 *   schema, one write); `secondObjectMs`: `PUT …/cold-2`, a second new object of the same class;
 * - `rssMb` / `vmHwmMb`: that workerd's resident memory after these requests, and its peak.
 */
export async function coldStarts({ scriptPath, configPath, stateDir, adminSecret, runs = 5 }) {
  const { Miniflare, convertV4MiniflareOptions } = await import(miniflarePath);
  const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
  const relayOptions = { ...workerOptions };
  delete relayOptions.modulesRules;
  const direct = [{ host: "127.0.0.1", port: 0 }];
  const workers = {
    relay: {
      ...relayOptions,
      name: "relay",
      modules: true,
      scriptPath,
      bindings: { ...relayOptions.bindings, ...BENCH_SECRETS, ADMIN_SECRET: adminSecret },
      unsafeDirectSockets: direct,
    },
    hello: {
      name: "hello",
      modules: true,
      script: HELLO,
      compatibilityDate: relayOptions.compatibilityDate,
      compatibilityFlags: relayOptions.compatibilityFlags,
      unsafeDirectSockets: direct,
    },
  };
  const timed = async (url, init) => {
    const t = performance.now();
    const res = await fetch(url, init);
    await res.arrayBuffer();
    if (!res.ok)
      throw new Error(`cold start: ${init?.method ?? "GET"} ${url} answered ${res.status}`);
    return performance.now() - t;
  };
  const once = async (name) => {
    rmSync(stateDir, { recursive: true, force: true });
    mkdirSync(stateDir, { recursive: true });
    const running = new Set(workerdPids());
    const t0 = performance.now();
    const mf = new Miniflare(
      convertV4MiniflareOptions({
        host: "127.0.0.1",
        port: 0,
        resourcePersistencePath: stateDir,
        handleStructuredLogs: () => {},
        workers: [workers[name]],
      }),
    );
    try {
      await mf.ready;
      const readyMs = performance.now() - t0;
      const url = (await mf.unsafeGetDirectURL(name)).href.replace(/\/$/, "");
      const firstRootMs = await timed(`${url}/`);
      const run = { readyMs, firstRootMs, startToFirstAnswerMs: performance.now() - t0 };
      run.warmRootMs = await timed(`${url}/`);
      if (name === "relay") {
        const put = (ws) =>
          timed(`${url}/v1/admin/workspaces/${ws}`, {
            method: "PUT",
            headers: { authorization: `Bearer ${adminSecret}`, "content-type": "application/json" },
            body: JSON.stringify({ name: "Cold start" }),
          });
        run.firstObjectMs = await put("cold-1");
        run.secondObjectMs = await put("cold-2");
      }
      const mem = processMemoryMb(workerdPids().find((p) => !running.has(p)));
      return { ...run, rssMb: mem?.rssMb ?? null, vmHwmMb: mem?.vmHwmMb ?? null };
    } finally {
      await mf.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    }
  };
  const out = { runs, relay: [], hello: [] };
  // Alternated, so a slow patch of the machine hits both alike.
  for (let i = 0; i < runs; i++) {
    out.relay.push(await once("relay"));
    out.hello.push(await once("hello"));
  }
  const median = (list, key) => {
    const v = list
      .map((r) => r[key])
      .filter((n) => typeof n === "number")
      .sort((a, b) => a - b);
    if (!v.length) return null;
    const m = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    return Math.round(m * 10) / 10;
  };
  out.median = {};
  for (const name of ["relay", "hello"]) {
    out.median[name] = {};
    for (const key of Object.keys(out[name][0])) out.median[name][key] = median(out[name], key);
  }
  out.method =
    "fresh workerd per run (Miniflare, relay alone or hello-world alone), alternated; median of the runs";
  return out;
}

/** VmRSS and VmHWM of a process, in MB; null when it cannot be read. */
function processMemoryMb(pid) {
  if (!pid) return null;
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
    return {
      rssMb: Math.round(kb("VmRSS") / 102.4) / 10,
      vmHwmMb: Math.round(kb("VmHWM") / 102.4) / 10,
    };
  } catch {
    return null;
  }
}

/**
 * Counts the D1 calls of the relay's history consumer from the `baton-history-stat {…}` lines
 * it logs when HISTORY_STATS=1 (workers/relay/src/history/consumer.ts): per kind (`batch`,
 * `single`, `probe`) the calls, the records they carried, how many failed and their time (ms).
 */
function historyStats() {
  const MARK = "baton-history-stat ";
  const kinds = {};
  let total = 0;
  return {
    take(message) {
      const at = typeof message === "string" ? message.indexOf(MARK) : -1;
      if (at < 0) return false;
      try {
        const s = JSON.parse(message.slice(at + MARK.length));
        const k = (kinds[s.kind] ??= { calls: 0, records: 0, failed: 0, ms: 0 });
        k.calls++;
        k.records += s.records;
        k.ms += s.ms ?? 0;
        if (!s.ok) k.failed++;
        total++;
      } catch {
        // a truncated line: not counted
      }
      return true;
    },
    calls: () => total,
    snapshot: () => JSON.parse(JSON.stringify(kinds)),
  };
}

/** Applies ./migrations/*.sql in order through the D1 binding (what wrangler does locally). */
export async function applyMigrations(db, dir) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith(".sql"))
    .sort();
  for (const file of files) {
    const statements = unstable_splitSqlQuery(readFileSync(path.join(dir, file), "utf8"));
    await db.batch(statements.map((s) => db.prepare(s)));
  }
  return files;
}

/** The workerd processes this Node process started (its children), for memory sampling. */
function workerdPids() {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid ...
    const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat);
    if (m && m[1] === "workerd" && Number(m[2]) === process.pid) pids.push(Number(entry));
  }
  return pids;
}
