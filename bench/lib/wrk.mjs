// Runs wrk (a separate process) against a loopback URL and parses the JSON summary line that
// bench/lua/common.lua prints. Throughput counts 2xx answers only; errors are reported apart.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const LUA_DIR = fileURLToPath(new URL("../lua", import.meta.url));

/** wrk's version line, or null when wrk is not installed. */
export function wrkVersion() {
  const r = spawnSync("wrk", ["--version"], { encoding: "utf8" });
  if (r.error) return null;
  // `wrk --version` prints its banner and usage and exits 1.
  const line = `${r.stdout}${r.stderr}`.split("\n").find((l) => l.startsWith("wrk "));
  return line ? line.trim() : "wrk (unknown version)";
}

/** Concurrency → wrk threads/connections. Two threads at most: the machine has two cores. */
export function shape(concurrency) {
  return { threads: Math.min(concurrency, 2), connections: concurrency };
}

let running = null;
/** Stops a wrk run in progress (on Ctrl-C). */
export function killWrk() {
  if (running && running.exitCode === null) running.kill("SIGKILL");
}

/**
 * One wrk run. `script` is a file name in bench/lua; `env` passes its parameters.
 * Resolves to { requests, ok, okRps, rps, latencyMs: {p50, p90, p99, p999, mean, max}, ... }.
 */
export function runWrk({ url, script, env = {}, concurrency, seconds, timeoutSeconds = 10 }) {
  const { threads, connections } = shape(concurrency);
  const args = [
    `-t${threads}`,
    `-c${connections}`,
    `-d${seconds}s`,
    `--timeout`,
    `${timeoutSeconds}s`,
    "-s",
    `${LUA_DIR}/${script}`,
    url,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn("wrk", args, {
      env: { ...process.env, ...env, BENCH_LUA_DIR: LUA_DIR, BENCH_THREADS: String(threads) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    running = child;
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("error", reject);
    child.on("close", (code) => {
      running = null;
      const line = out.split("\n").find((l) => l.startsWith("BENCHJSON "));
      if (!line) {
        reject(new Error(`wrk exited ${code} without a summary:\n${out}\n${err}`));
        return;
      }
      const raw = JSON.parse(line.slice("BENCHJSON ".length));
      resolve(summarize(raw, { threads, connections, concurrency, seconds }));
    });
  });
}

const ms = (us) => Math.round(us) / 1000;

function summarize(raw, shapeInfo) {
  const durationS = raw.durationUs / 1e6;
  let ok = 0;
  for (const [status, n] of Object.entries(raw.statuses)) if (/^2/.test(status)) ok += n;
  // A 2xx answer carrying BENCH_FLAG (a degraded IVR answer) is not a success.
  ok -= raw.flagged;
  const socketErrors = raw.errors.connect + raw.errors.read + raw.errors.write + raw.errors.timeout;
  const l = raw.latencyUs;
  return {
    ...shapeInfo,
    durationS: Math.round(durationS * 1000) / 1000,
    requests: raw.requests,
    ok,
    notOk: raw.requests - ok,
    socketErrors,
    errors: raw.errors,
    rps: Math.round((raw.requests / durationS) * 10) / 10,
    okRps: Math.round((ok / durationS) * 10) / 10,
    latencyMs: {
      p50: ms(l.p50),
      p90: ms(l.p90),
      p99: ms(l.p99),
      p999: ms(l.p999),
      mean: ms(l.mean),
      max: ms(l.max),
    },
    statuses: raw.statuses,
    wrapped: raw.wrappedThreads > 0,
    // 2xx answers that carried BENCH_FLAG: counted in notOk, not in ok
    flagged: raw.flagged,
    sample: raw.sample,
  };
}
