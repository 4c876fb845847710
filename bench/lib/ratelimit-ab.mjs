// The `ratelimit_ab` section: the rate-limit check's cost on the two hot paths it sits on (the
// IVR lookup and the signed Twilio SMS), measured as an interleaved A/B inside one workerd
// process. A is the `relay` Worker (rate-limit bindings present, limits raised out of reach:
// every request makes the check, none is refused); B is `relay_nolimits`, the same bundle
// without the bindings (no check), with its own objects, D1 and queues (bench/lib/server.mjs).
// Short wrk runs alternate A B B A A B B A …, so drift and a busy neighbour hit both sides
// alike, and every pair gives one on ÷ off ratio (docs/benchmarks.md, "Rate limits").
import os from "node:os";
import { performance } from "node:perf_hooks";
import { waitForQuiet } from "./memory.mjs";
import { runWrk } from "./wrk.mjs";

const round3 = (v) => Math.round(v * 1000) / 1000;

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  if (!v.length) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Median, min and max of a list, rounded to 3 decimals. */
function spread(values) {
  return {
    median: round3(median(values)),
    min: round3(Math.min(...values)),
    max: round3(Math.max(...values)),
  };
}

/**
 * Runs the A/B. `paths`: [{ id, name, load(label) }] where `load` is the scenario's own load
 * definition (bench/run.mjs) pointing at the `relay` Worker at `onUrl`; the B side gets the same
 * load with `onUrl` replaced by `offUrl`. Resolves to the figures for results.json.
 */
export async function rateLimitAb({
  paths,
  onUrl,
  offUrl,
  mem,
  log,
  pairs,
  seconds,
  warmupSeconds,
  concurrency,
  quietWaitSeconds,
  aaCheck = false,
}) {
  const started = performance.now();
  const loadFor = (p, side) => {
    // A fresh load per run: the signed SMS load writes new MessageSids each time, so no run
    // replays another's messages (a replay would take the cheaper duplicate path).
    const load = p.load("ab");
    if (side === "on") return load;
    if (!load.url.startsWith(onUrl))
      throw new Error(`${p.id}: load URL ${load.url} is not ${onUrl}`);
    return { ...load, url: offUrl + load.url.slice(onUrl.length) };
  };
  const out = {
    method:
      "one workerd process serves `relay` (rate-limit bindings, limits raised to 10⁹: every request is checked, none refused) " +
      "and `relay_nolimits` (same bundle, no bindings: no check; own objects, D1 and queues); " +
      "short wrk runs alternate A B B A … (A = limits on); ratio = on ÷ off within each pair",
    // BENCH_RATE_LIMITS=off: `relay` has no bindings either, so the section is an A/A check of
    // the method (both sides the same; any ratio away from 1 is noise or a difference between
    // the two Workers that is not the check).
    aaCheck,
    pairs,
    secondsPerRun: seconds,
    warmupSeconds,
    concurrency,
    paths: [],
  };
  if (aaCheck) log("  BENCH_RATE_LIMITS=off: neither side has rate limits (an A/A check)");
  for (const p of paths) {
    const entry = { id: p.id, name: p.name, byConcurrency: {} };
    out.paths.push(entry);
    if (warmupSeconds > 0) {
      for (const side of ["on", "off"]) {
        await runWrk({ ...loadFor(p, side), concurrency: 16, seconds: warmupSeconds });
      }
    }
    for (const c of concurrency) {
      const quietWaitS = await waitForQuiet(mem, quietWaitSeconds);
      const runs = [];
      for (let i = 0; i < pairs; i++) {
        // ABBA: even pairs run on then off, odd pairs off then on.
        const order = i % 2 === 0 ? ["on", "off"] : ["off", "on"];
        const pair = { order: order.join("→") };
        for (const side of order) {
          const load = loadFor(p, side);
          const loadavg = os.loadavg()[0];
          mem.cpuWindow();
          const r = await runWrk({ ...load, concurrency: c, seconds });
          const cpu = mem.cpuWindow();
          pair[side] = {
            okRps: r.okRps,
            notOk: r.notOk,
            latencyMs: r.latencyMs,
            statuses: r.statuses,
            wrapped: r.wrapped,
            workerdCpuPctOfOneCore: cpu.workerdCpuPctOfOneCore,
            otherProcessesPct: cpu.otherProcessesPct ?? null,
            loadavg1m: Math.round(loadavg * 100) / 100,
          };
        }
        pair.okRpsRatio = round3(pair.on.okRps / pair.off.okRps);
        pair.p50Ratio = round3(pair.on.latencyMs.p50 / pair.off.latencyMs.p50);
        runs.push(pair);
        log(
          `  ${p.id} c=${String(c).padEnd(2)} pair ${i + 1} (${pair.order}): on ${pair.on.okRps} / off ${pair.off.okRps} ok req/s = ${pair.okRpsRatio}×, ` +
            `p50 ${pair.on.latencyMs.p50} / ${pair.off.latencyMs.p50} ms = ${pair.p50Ratio}×; others ${pair.on.otherProcessesPct}% / ${pair.off.otherProcessesPct}%` +
            (pair.on.notOk || pair.off.notOk
              ? `  NOT OK on ${pair.on.notOk} ${JSON.stringify(pair.on.statuses)}, off ${pair.off.notOk} ${JSON.stringify(pair.off.statuses)}`
              : ""),
        );
      }
      const others = runs.flatMap((r) => [r.on.otherProcessesPct, r.off.otherProcessesPct]);
      const summary = {
        okRps: spread(runs.map((r) => r.okRpsRatio)),
        p50: spread(runs.map((r) => r.p50Ratio)),
        medianOkRps: {
          on: Math.round(median(runs.map((r) => r.on.okRps)) * 10) / 10,
          off: Math.round(median(runs.map((r) => r.off.okRps)) * 10) / 10,
        },
        notOk: runs.reduce((n, r) => n + r.on.notOk + r.off.notOk, 0),
        otherProcessesPctMax: Math.max(...others.filter((v) => v !== null), 0),
        quietWaitS,
        runs,
      };
      entry.byConcurrency[c] = summary;
      log(
        `  ${p.id} c=${c}: on ÷ off throughput median ${summary.okRps.median}× (min ${summary.okRps.min}×, max ${summary.okRps.max}×), ` +
          `p50 median ${summary.p50.median}× (${summary.p50.min}–${summary.p50.max}×) over ${pairs} pairs; others' CPU at most ${summary.otherProcessesPctMax}%`,
      );
    }
  }
  out.elapsedSeconds = Math.round((performance.now() - started) / 1000);
  log(`  the A/B took ${out.elapsedSeconds} s`);
  return out;
}
