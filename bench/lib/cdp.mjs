// A minimal Chrome DevTools Protocol client for workerd's V8 inspector (Miniflare's
// `inspectorPort`), and the aggregation of a V8 CPU profile into self and total time per
// function, per source module and per package. Uses Node's global WebSocket (Node ≥ 22).
/* global WebSocket */
import { readFileSync } from "node:fs";

/** The inspector targets (one per Worker isolate), by id, e.g. "core:user:relay". */
export async function inspectorTargets(port) {
  const res = await fetch(`http://127.0.0.1:${port}/json/list`);
  const list = await res.json();
  return new Map(list.map((t) => [t.id, t.webSocketDebuggerUrl]));
}

/** Opens a CDP session on one target; `send(method, params)` resolves to the result. */
export async function cdpSession(url) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", () => reject(new Error(`cannot connect to ${url}`)), {
      once: true,
    });
  });
  let nextId = 1;
  const waiting = new Map();
  ws.addEventListener("message", (e) => {
    const msg = JSON.parse(String(e.data));
    if (msg.id === undefined) return; // events (console, scripts parsed): not used
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.error) w.reject(new Error(`${w.method}: ${JSON.stringify(msg.error)}`));
    else w.resolve(msg.result);
  });
  return {
    send(method, params = {}) {
      const id = nextId++;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve, reject) => waiting.set(id, { resolve, reject, method }));
    },
    close() {
      ws.close();
    },
  };
}

/**
 * Where each line of an esbuild bundle came from: esbuild marks the start of every module
 * with a `// <path>` comment (non-minified bundles). Returns `line (1-based) → module path`.
 */
export function bundleModules(bundlePath) {
  const starts = [];
  const lines = readFileSync(bundlePath, "utf8").split("\n");
  lines.forEach((line, i) => {
    const m = /^\/\/ ((?:[\w@.+-]+\/)*[\w@.+-]+\.(?:m?[jt]sx?|c?js|json))$/.exec(line);
    if (m) starts.push({ line: i + 1, module: m[1] });
  });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "(bundle prelude)";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid].line <= line) {
        found = starts[mid].module;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
}

/** A module path → the package or source area it belongs to. */
export function packageOf(module) {
  const dep = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(module);
  if (dep) return dep[1];
  const src = /^(packages\/[^/]+|workers\/[^/]+)\/src\/(?:([^/]+)\/)?/.exec(module);
  if (src) {
    const area = src[1].replace(/^packages\//, "@baton/").replace(/^workers\//, "");
    return src[2] && !src[2].includes(".") ? `${area}/${src[2]}` : area;
  }
  return module;
}

const SPECIAL = new Set(["(program)", "(idle)", "(garbage collector)", "(root)"]);

/**
 * Aggregates a CPU profile. Time comes from the sample timestamps (timeDeltas), so a sample
 * stands for the interval until the next one. `moduleOf(line)` maps a bundle line to its
 * source module; frames outside the bundle (V8 builtins, workerd's own JS) keep their name.
 */
export function aggregateProfile(profile, { bundleUrlEndsWith, moduleOf, wallMs }) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frameOf = (n) => {
    const f = n.callFrame;
    const name = f.functionName || "(anonymous)";
    if (SPECIAL.has(name)) return { fn: name, module: name, pkg: name };
    if (f.url && f.url.endsWith(bundleUrlEndsWith)) {
      const module = moduleOf(f.lineNumber + 1);
      return { fn: `${name} ${module}:${f.lineNumber + 1}`, module, pkg: packageOf(module) };
    }
    if (!f.url) return { fn: `${name} (native)`, module: "(native)", pkg: "(native)" };
    return { fn: `${name} ${f.url}:${f.lineNumber + 1}`, module: f.url, pkg: f.url };
  };
  const frames = new Map(profile.nodes.map((n) => [n.id, frameOf(n)]));
  const self = { fn: new Map(), module: new Map(), pkg: new Map() };
  const total = { fn: new Map(), pkg: new Map() };
  const add = (m, k, v) => m.set(k, (m.get(k) ?? 0) + v);
  const { samples, timeDeltas } = profile;
  let sampledUs = 0;
  for (let i = 0; i < samples.length; i++) {
    // the time until the next sample (the last one gets the median-ish previous delta)
    const dt = Math.max(0, timeDeltas[i + 1] ?? timeDeltas[i] ?? 0);
    const f = frames.get(samples[i]);
    if (!f) continue;
    sampledUs += dt;
    add(self.fn, f.fn, dt);
    add(self.module, f.module, dt);
    add(self.pkg, f.pkg, dt);
    // Inclusive: each function / package once per sample, however deep the recursion.
    const seenFn = new Set();
    const seenPkg = new Set();
    for (let id = samples[i]; id !== undefined; id = parent.get(id)) {
      const g = frames.get(id);
      if (!g || g.fn === "(root)") continue;
      if (!seenFn.has(g.fn)) {
        seenFn.add(g.fn);
        add(total.fn, g.fn, dt);
      }
      if (!seenPkg.has(g.pkg)) {
        seenPkg.add(g.pkg);
        add(total.pkg, g.pkg, dt);
      }
    }
  }
  void byId;
  const idleUs = self.fn.get("(idle)") ?? 0;
  const busyUs = sampledUs - idleUs;
  const rows = (m, denominator) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 100) / 10,
        pctOfBusy: Math.round((us / denominator) * 1000) / 10,
      }));
  return {
    wallMs,
    sampledMs: Math.round(sampledUs / 1000),
    busyMs: Math.round(busyUs / 1000),
    samples: samples.length,
    selfByFunction: rows(self.fn, busyUs),
    selfByModule: rows(self.module, busyUs),
    selfByPackage: rows(self.pkg, busyUs),
    totalByFunction: rows(total.fn, busyUs),
    totalByPackage: rows(total.pkg, busyUs),
  };
}
