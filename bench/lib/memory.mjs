// Samples the workerd process from /proc while the bench runs: resident memory (VmRSS,
// VmHWM) and CPU time, plus how busy the whole machine was (the load generator and any
// other process compete for the same cores).
import { readdirSync, readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { clearInterval, setInterval } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function status(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text)?.[1] ?? 0);
    return { rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
  } catch {
    return null;
  }
}

/** CPU seconds used by the process so far (user + system). */
function processCpu(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU seconds of this Node process, and of its children that have exited (wrk runs). */
function selfCpu() {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      self: (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND,
      children: (Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND,
    };
  } catch {
    return null;
  }
}

/** The machine's busy and total CPU seconds so far, over all cores. */
function machineCpu() {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0];
    const v = line.split(/\s+/).slice(1).map(Number);
    const idle = v[3] + (v[4] || 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / TICKS_PER_SECOND, total: total / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** How many files the process has open, and its limit. */
function openFiles(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

function openFilesLimit(pid) {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

const mb = (kb) => Math.round(kb / 102.4) / 10;
const pctOf = (part, whole) => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : null);

/**
 * Polls VmRSS every `intervalMs`. `window()` returns the peak since the previous call (a
 * scenario's peak); `cpuWindow()` the CPU use since its previous call; `summary()` the whole
 * run's peak sample and the kernel's VmHWM.
 */
export function memorySampler(pid, intervalMs = 200) {
  let windowPeak = 0;
  let runPeak = 0;
  let last = null;
  const tick = () => {
    const s = pid ? status(pid) : null;
    if (!s) return;
    last = s;
    windowPeak = Math.max(windowPeak, s.rssKb);
    runPeak = Math.max(runPeak, s.rssKb);
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  // Open files (each SQLite-backed object holds its database open while it is loaded).
  let filesWindowPeak = 0;
  let filesRunPeak = 0;
  const countFiles = () => {
    const n = pid ? openFiles(pid) : null;
    if (n === null) return;
    filesWindowPeak = Math.max(filesWindowPeak, n);
    filesRunPeak = Math.max(filesRunPeak, n);
  };
  countFiles();
  const filesTimer = setInterval(countFiles, 1000);
  filesTimer.unref();
  const mark = () => ({
    at: performance.now(),
    proc: processCpu(pid),
    machine: machineCpu(),
    own: selfCpu(),
  });
  let cpuMark = mark();
  return {
    window() {
      tick();
      const peak = windowPeak;
      windowPeak = last?.rssKb ?? 0;
      return mb(peak);
    },
    /**
     * Since the previous call: workerd's CPU as % of one core, the machine's busy share of all
     * its cores, and the share taken by everything else (not workerd, not this process, not
     * the wrk runs it waited for): other processes competing for the cores.
     */
    cpuWindow() {
      const now = mark();
      const wall = (now.at - cpuMark.at) / 1000;
      const workerd = now.proc !== null && cpuMark.proc !== null ? now.proc - cpuMark.proc : null;
      const out = { workerdCpuPctOfOneCore: workerd === null ? null : pctOf(workerd, wall) };
      if (now.machine && cpuMark.machine) {
        const busy = now.machine.busy - cpuMark.machine.busy;
        const total = now.machine.total - cpuMark.machine.total;
        out.machineBusyPct = pctOf(busy, total);
        if (workerd !== null && now.own && cpuMark.own) {
          const own = now.own.self - cpuMark.own.self + (now.own.children - cpuMark.own.children);
          out.otherProcessesPct = pctOf(Math.max(0, busy - workerd - own), total);
        }
      }
      cpuMark = now;
      return out;
    },
    /** Peak number of files workerd held open since the previous call. */
    filesWindow() {
      countFiles();
      const peak = filesWindowPeak;
      filesWindowPeak = 0;
      return peak;
    },
    /** How many files workerd has open right now. */
    openFilesNow() {
      return pid ? openFiles(pid) : null;
    },
    /** workerd's resident memory now (MB). */
    current() {
      tick();
      return last ? mb(last.rssKb) : null;
    },
    summary() {
      tick();
      return {
        pid,
        peakRssMb: mb(runPeak),
        vmHwmMb: last ? mb(last.hwmKb) : null,
        finalRssMb: last ? mb(last.rssKb) : null,
        sampleIntervalMs: intervalMs,
        peakOpenFiles: filesRunPeak,
        openFilesLimit: pid ? openFilesLimit(pid) : null,
      };
    },
    stop() {
      clearInterval(timer);
      clearInterval(filesTimer);
    },
  };
}

/**
 * Waits (up to `maxSeconds`) until other processes use less than `thresholdPct` of the
 * machine over one second, so a run does not start in the middle of someone else's build.
 * Resolves to the seconds waited, or null if the machine never got quiet.
 */
export async function waitForQuiet(sampler, maxSeconds, thresholdPct = 10) {
  const start = performance.now();
  sampler.cpuWindow();
  for (;;) {
    await sleep(1000);
    const w = sampler.cpuWindow();
    const waited = (performance.now() - start) / 1000;
    if (w.otherProcessesPct === undefined || w.otherProcessesPct < thresholdPct) {
      return Math.round(waited - 1);
    }
    if (waited >= maxSeconds) return null;
  }
}
