// The printed table, the targets from the issue, and the results files.
const fmt = (v, digits = 1) =>
  v === null || v === undefined
    ? "–"
    : Number(v).toLocaleString("en-US", { maximumFractionDigits: digits });
const x = (v) => (v === null || v === undefined ? "–" : `${v.toFixed(2)}×`);

/**
 * Each relay scenario's floor: the scenario on the floor Worker (bench/lib/server.mjs, FLOOR)
 * that does the least a path of its shape has to do in this runtime (one object hop, with a
 * SQLite read or a durable write), or hello-world for the relay with no object.
 */
export const FLOORS = {
  relay_root: "hello",
  append_hot: "floor_hop_write",
  routed_append: "floor_hop_write",
  twilio_sms: "floor_hop_write",
  journey_read: "floor_hop_read",
  context_bot: "floor_hop_read",
  mcp_context: "floor_hop_read",
  context_ivr: "floor_hop",
  connect_hook: "floor_hop",
};

const FLOOR_SHORT = {
  hello: "hello",
  floor_hop: "hop",
  floor_hop_read: "hop+read",
  floor_hop_write: "hop+write",
};

/**
 * A scenario's figures at concurrency `c` divided by its floor's in the same run (throughput:
 * higher is better; latency: lower is better), or null without a floor or its run.
 */
export function floorRatios(results, id, c) {
  const floor = FLOORS[id];
  const r = results.scenarios.find((s) => s.id === id && s.status === "measured")?.runs[c];
  if (!floor || !r) return null;
  const round2 = (v) => Math.round(v * 100) / 100;
  if (floor === "hello") return r.vsHello ? { floor, ...r.vsHello } : null;
  const f = results.scenarios.find((s) => s.id === floor && s.status === "measured")?.runs[c];
  if (!f || !f.okRps) return null;
  return {
    floor,
    okRps: round2(r.okRps / f.okRps),
    p50: round2(r.latencyMs.p50 / f.latencyMs.p50),
    p99: round2(r.latencyMs.p99 / f.latencyMs.p99),
  };
}

/** The issue's targets as fractions of the floor: throughput at c=16 ≥ `min` × the floor's. */
export const FLOOR_TARGETS = [
  { id: "twilio_sms", what: "Signed Twilio SMS", min: 0.4 },
  { id: "routed_append", what: "Append routed by phone", min: 0.4 },
  { id: "context_bot", what: "Bot context pack", min: 0.6 },
  { id: "context_ivr", what: "IVR lookup", min: 0.8 },
  { id: "append_hot", what: "Hot journey appends", min: 0.6 },
];

export const FLOOR_HEADER = [
  "target (ok req/s ÷ floor's)",
  "floor",
  "c=1",
  "c=16",
  "target at c=16",
  "status",
];

/** One row per floor target: the fraction at c=1 and c=16, and met / missed at c=16. */
export function floorTargetRows(results) {
  return (results.floorTargets ?? []).map((t) => [
    t.what,
    t.floor,
    x(t.c1),
    x(t.c16),
    `≥ ${t.min.toFixed(2)}×`,
    t.status,
  ]);
}

/** Rows of the main table: one per measured (scenario, concurrency). */
export function tableRows(results) {
  const rows = [];
  for (const s of results.scenarios) {
    if (s.status !== "measured") {
      rows.push([s.name, "", s.status, "", "", "", "", "", "", "", "", "", "", "", ""]);
      continue;
    }
    for (const c of Object.keys(s.runs)) {
      const r = s.runs[c];
      rows.push([
        s.name,
        c,
        fmt(r.okRps),
        x(r.vsHello?.okRps),
        r.vsFloor ? FLOOR_SHORT[r.vsFloor.floor] : "",
        r.vsFloor ? x(r.vsFloor.okRps) : "",
        fmt(r.latencyMs.p50, 2),
        x(r.vsHello?.p50),
        fmt(r.latencyMs.p99, 2),
        x(r.vsHello?.p99),
        r.vsFloor ? x(r.vsFloor.p99) : "",
        r.notOk ? `${fmt(r.notOk, 0)}` : "0",
        fmt(r.workerdCpuPctOfOneCore, 0),
        fmt(r.otherProcessesPct, 0),
        fmt(r.peakRssMb),
      ]);
    }
  }
  return rows;
}

export const HEADER = [
  "scenario",
  "c",
  "ok req/s",
  "× hello",
  "floor",
  "× floor",
  "p50 ms",
  "× hello",
  "p99 ms",
  "× hello",
  "× floor",
  "not ok",
  "workerd CPU %",
  "others CPU %",
  "workerd RSS MB",
];

export function textTable(header, rows, left = 2) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i < left ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i])))
      .join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

export function markdownTable(header, rows, left = 2) {
  const esc = (c) => String(c).replace(/\|/g, "\\|");
  return [
    `| ${header.map(esc).join(" | ")} |`,
    `| ${header.map((_, i) => (i < left ? "---" : "---:")).join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

const met = (ok) => (ok ? "met" : "missed");

/** The targets from the issue, each met / missed / not yet measurable, with the figure. */
export function evaluateTargets(results) {
  const scen = (id) => results.scenarios.find((s) => s.id === id);
  const c16 = (id) => (scen(id)?.status === "measured" ? scen(id).runs["16"] : null);
  const targets = [];

  // Fractions of the floor (FLOORS), at c=16, with c=1 beside them.
  results.floorTargets = FLOOR_TARGETS.map((t) => {
    const at = (c) => floorRatios(results, t.id, c)?.okRps ?? null;
    const c16v = at("16");
    const sc = scen(t.id);
    return {
      ...t,
      floor: FLOORS[t.id],
      c1: at("1"),
      c16: c16v,
      status:
        c16v !== null ? met(c16v >= t.min) : sc?.status === "measured" ? "no floor" : "not run",
    };
  });
  for (const t of results.floorTargets) {
    const r = c16(t.id);
    const f = c16(t.floor);
    targets.push({
      id: `${t.id}_vs_floor`,
      target: `${t.what} at c=16 ≥ ${t.min}× its floor (${t.floor})`,
      status: t.c16 === null ? "not yet measurable" : t.status,
      figure:
        t.c16 === null
          ? (scen(t.id)?.reason ?? (scen(t.id) ? `${t.floor} not measured` : "not run"))
          : `${x(t.c16)} (${fmt(r.okRps)} vs ${fmt(f.okRps)} req/s); c=1 ${x(t.c1)}`,
    });
  }

  const ivr = c16("context_ivr");
  targets.push({
    id: "ivr_lookup_throughput",
    target: "IVR lookup throughput at c=16 ≥ 0.6× hello-world",
    status: ivr ? met(ivr.vsHello.okRps >= 0.6) : "not yet measurable",
    figure: ivr
      ? `${x(ivr.vsHello.okRps)} (${fmt(ivr.okRps)} req/s)`
      : scen("context_ivr")?.status === "not built yet"
        ? `GET /v1/context is not built yet; for reference, the one-object journey read ran at ${x(c16("journey_read")?.vsHello.okRps)}`
        : (scen("context_ivr")?.reason ?? "not run"),
  });

  const sms = c16("twilio_sms");
  const smsScen = scen("twilio_sms");
  targets.push({
    id: "signed_sms_ingest",
    target: "Signed Twilio SMS ingest at c=16 ≥ 0.35× hello-world",
    status: sms ? met(sms.vsHello.okRps >= 0.35) : "not yet measurable",
    figure: sms
      ? `${x(sms.vsHello.okRps)} (${fmt(sms.okRps)} req/s)`
      : (smsScen?.reason ?? "not run"),
  });

  const app = c16("append_hot");
  targets.push({
    id: "hot_journey_appends",
    target: "One hot journey ≥ 500 appends/s (c=16)",
    status: app ? met(app.okRps >= 500) : "not yet measurable",
    figure: app ? `${fmt(app.okRps)} appends/s (${x(app.vsHello.okRps)} hello-world)` : "not run",
  });

  const lag = results.d1?.lag?.["16"];
  targets.push({
    id: "d1_lag_p99",
    target: "D1 history lag p99 ≤ 2 s (under the c=16 append load)",
    status:
      lag && lag.seen > 0
        ? met(lag.notSeenWithinSettle === 0 && lag.lagMs.p99 <= 2000)
        : "not yet measurable",
    figure: lag
      ? `p50 ${fmt(lag.lagMs.p50, 0)} ms, p99 ${fmt(lag.lagMs.p99, 0)} ms over ${lag.seen} samples` +
        (lag.notSeenWithinSettle
          ? `, ${lag.notSeenWithinSettle} not visible within ${lag.settleMs / 1000} s`
          : "")
      : "not run",
  });

  const mcp = results.mcp?.byConcurrency?.["16"];
  targets.push({
    id: "mcp_context_overhead",
    target:
      "MCP get_context within 1.5× of the REST bot context (c=16 p50, and throughput ≥ 1/1.5)",
    status: mcp ? met(mcp.p50 <= 1.5 && mcp.okRps >= 1 / 1.5) : "not yet measurable",
    figure: mcp ? `p50 ${x(mcp.p50)}, throughput ${x(mcp.okRps)} of the REST read` : "not run",
  });

  const id = results.scale?.identities;
  let lookupStatus = "not yet measurable";
  let lookupFigure = "needs `pnpm bench --scale`";
  if (id) {
    const r = id.largeVsSmall["1"];
    const failed = Object.entries(id.lookup.large)
      .filter(([, run]) => run.notOk > 0)
      .map(
        ([c, run]) => `at c=${c} ${fmt(run.notOk, 0)} of ${fmt(run.requests, 0)} lookups failed`,
      );
    const pr = id.passes?.largeVsSmall;
    const figure =
      `random callers at ${fmt(id.created, 0)} vs 1,000 identities (c=1): p50 ${x(r.p50)}, p99 ${x(r.p99)}` +
      (failed.length ? ` (${failed.join(", ")})` : "") +
      (pr
        ? `; same temperature, one at a time: cold (evicted) p50 ${x(pr.cold.p50)}, warm p50 ${x(pr.warm.p50)}`
        : "");
    if (!id.contextEndpoint) {
      lookupFigure = `GET /v1/context is not built yet. Stand-in (event routed by phone) ${figure}`;
    } else if (id.created >= 100_000) {
      lookupStatus = met(r.p50 <= 1.2 && r.p99 <= 1.2);
      lookupFigure = figure;
    } else {
      lookupStatus = `partly measured (${met(r.p50 <= 1.2 && r.p99 <= 1.2)} at ${fmt(id.created, 0)})`;
      lookupFigure =
        `${figure}; 100k identities were not created (about ${fmt(id.extrapolatedSecondsFor100k / 60, 0)} min by extrapolation` +
        (id.extrapolatedRssMbFor100k
          ? `, ${fmt(id.extrapolatedRssMbFor100k / 1024, 1)} GB of workerd memory`
          : "") +
        ")";
    }
  }
  targets.push({
    id: "lookup_latency_at_scale",
    target: "Lookup latency at 100k customers within 1.2× of 1k",
    status: lookupStatus,
    figure: lookupFigure,
  });
  return targets;
}

export const SCALE_HEADER = [
  "scale scenario",
  "size",
  "c",
  "ok req/s",
  "p50 ms",
  "p99 ms",
  "p50 vs 1k",
  "p99 vs 1k",
  "not ok",
];

/** Rows of the scale table: the timeline query and the lookup, small and large. */
export function scaleRows(scale) {
  if (!scale) return [];
  const rows = [];
  const add = (name, size, runs, cmp) => {
    for (const c of Object.keys(runs)) {
      const r = runs[c];
      rows.push([
        name,
        size,
        c,
        fmt(r.okRps),
        fmt(r.latencyMs.p50, 2),
        fmt(r.latencyMs.p99, 2),
        cmp ? x(cmp[c].p50) : "",
        cmp ? x(cmp[c].p99) : "",
        r.notOk ? `${fmt(r.notOk, 0)}` : "0",
      ]);
    }
  };
  const d = scale.d1;
  const tl = "GET /v1/journeys?customer=… (D1)";
  add(tl, `${fmt(d.customers.small, 0)} customers`, d.timeline.small, null);
  add(
    tl,
    `${fmt(d.customers.large, 0)} customers, ${fmt(d.rowsInD1.events, 0)} events`,
    d.timeline.large,
    d.largeVsSmall,
  );
  const id = scale.identities;
  const lk = id.contextEndpoint
    ? "IVR lookup GET /v1/context?phone=…"
    : "lookup stand-in (event routed by phone)";
  add(lk, "1,000 identities", id.lookup.small, null);
  add(lk, `${fmt(id.created, 0)} identities`, id.lookup.large, id.largeVsSmall);
  const p = id.passes;
  if (p) {
    for (const t of ["cold", "warm"]) {
      const name = `IVR lookup, ${p.size} distinct callers one at a time, ${t === "cold" ? "cold (evicted)" : "warm (in memory)"}`;
      for (const [size, pass, cmp] of [
        ["1,000 identities", p.small[t], null],
        [`${fmt(id.created, 0)} identities`, p.large[t], p.largeVsSmall[t]],
      ]) {
        rows.push([
          name,
          size,
          "1",
          "",
          fmt(pass.latencyMs.p50, 2),
          fmt(pass.latencyMs.p99, 2),
          cmp ? x(cmp.p50) : "",
          cmp ? x(cmp.p99) : "",
          pass.notOk ? `${fmt(pass.notOk, 0)}` : "0",
        ]);
      }
    }
  }
  return rows;
}

export const AB_HEADER = [
  "rate limits on ÷ off (interleaved)",
  "c",
  "pairs",
  "ok req/s on",
  "ok req/s off",
  "throughput on ÷ off",
  "min–max",
  "p50 on ÷ off",
  "min–max",
  "not ok",
  "others CPU % (max)",
];

/** Rows of the rate-limit A/B table (bench/lib/ratelimit-ab.mjs): one per path and concurrency. */
export function abRows(ab) {
  if (!ab) return [];
  const rows = [];
  for (const p of ab.paths) {
    for (const [c, r] of Object.entries(p.byConcurrency)) {
      rows.push([
        p.name,
        c,
        String(r.runs.length),
        fmt(r.medianOkRps.on),
        fmt(r.medianOkRps.off),
        `${r.okRps.median.toFixed(3)}×`,
        `${r.okRps.min.toFixed(2)}–${r.okRps.max.toFixed(2)}×`,
        `${r.p50.median.toFixed(3)}×`,
        `${r.p50.min.toFixed(2)}–${r.p50.max.toFixed(2)}×`,
        fmt(r.notOk, 0),
        fmt(r.otherProcessesPctMax, 0),
      ]);
    }
  }
  return rows;
}

const START = "<!-- bench:results:start (generated by `pnpm bench` from docs/benchmarks.json) -->";
const END = "<!-- bench:results:end -->";

/** The generated part of docs/benchmarks.md: the run, the machine, the tables, the targets. */
export function docsSection(r) {
  const m = r.machine;
  const lag = r.d1?.lag ?? {};
  const rows = r.d1?.rowsPerEvent;
  const lines = [
    START,
    "",
    `Run of ${r.generatedAt.slice(0, 16).replace("T", " ")} UTC: \`${r.command}\`, ` +
      `${r.config.secondsPerRun} s per measured run after a ${r.config.warmupSeconds} s warm-up at c=16.`,
    "",
    `Machine: ${m.nproc} vCPUs (${m.cpuModel}), ${fmt(m.memTotalMb / 1024, 1)} GB RAM, ${m.os}; ` +
      `Node ${m.node}, wrangler ${m.wrangler}, miniflare ${m.miniflare}, workerd ${m.workerd}, ` +
      `${m.wrk.split(" Copyright")[0]}. Load average (1/5/15 min) ${m.loadavgStart.join(" / ")} at the start, ` +
      `${m.loadavgEnd.join(" / ")} at the end.`,
    "",
    markdownTable(HEADER, tableRows(r)),
    "",
    `Hello-world at the end of the run, as a share of the start: c=1 ${r.baseline.drift_c1 ?? "–"}×, ` +
      `c=16 ${r.baseline.drift_c16 ?? "–"}×. The × hello ratios use the mean of the two. ` +
      `× floor divides by the scenario's floor in the same run (hop: \`floor_hop\`, hop+read: ` +
      `\`floor_hop_read\`, hop+write: \`floor_hop_write\`; see [Targets](#targets)).`,
    "",
  ];
  if (r.floorTargets?.length) {
    lines.push(markdownTable(FLOOR_HEADER, floorTargetRows(r), 2), "");
  }
  const ab = r.rateLimitAb;
  if (ab?.paths.length) {
    lines.push(
      markdownTable(AB_HEADER, abRows(ab), 2),
      "",
      (ab.aaCheck
        ? "**A/A check (`BENCH_RATE_LIMITS=off`): neither side had rate limits.** "
        : "") +
        `Rate limits on ÷ off: ${ab.pairs} pairs of ${ab.secondsPerRun} s wrk runs per row, alternated A B B A … in one ` +
        `workerd process (\`relay\` with the rate-limit bindings, limits out of reach, against \`relay_nolimits\` without them); ` +
        `ok req/s is each side's median run, the ratios are the median and range of the pairs' ratios ` +
        `(see [Rate limits](#rate-limits-on-and-off-interleaved)).`,
      "",
    );
  }
  for (const c of Object.keys(lag)) {
    const l = lag[c];
    lines.push(
      `- D1 lag under the c=${c} append load: p50 ${fmt(l.lagMs.p50, 0)} ms, p90 ${fmt(l.lagMs.p90, 0)} ms, ` +
        `p99 ${fmt(l.lagMs.p99, 0)} ms, max ${fmt(l.lagMs.max, 0)} ms over ${l.seen} samples` +
        (l.notSeenWithinSettle
          ? ` (${l.notSeenWithinSettle} not visible within ${l.settleMs / 1000} s)`
          : "") +
        `; the whole backlog was in D1 ${fmt(l.backlogDrainedMsAfterLoad, 0)} ms after the load stopped.`,
    );
  }
  if (rows) {
    lines.push(
      `- D1 rows per event (${fmt(rows.eventsAccepted, 0)} events appended to the hot journey): ` +
        `net new rows per event ${rows.netNewRowsPerEvent}, row writes per event ${rows.rowWritesPerEvent} ` +
        `(${Object.entries(rows.writes)
          .filter(([, n]) => n > 0)
          .map(([k, n]) => `${k} ${fmt(n, 0)}`)
          .join(", ")})` +
        (rows.billedRowsWrittenPerEvent
          ? `; counting index entries as D1 bills them (${Object.entries(rows.billedPerWrite)
              .map(([k, n]) => `${k} ${n}`)
              .join(", ")}), about ${rows.billedRowsWrittenPerEvent} rows written per event.`
          : "."),
    );
  }
  lines.push(
    `- workerd memory: peak ${r.memory.vmHwmMb} MB (VmHWM, the kernel's high-water mark of its resident memory) ` +
      `over the whole run; the highest RSS sampled every ${r.memory.sampleIntervalMs} ms was ${r.memory.peakRssMb} MB.`,
  );
  const b = r.bundle;
  if (b?.gzipBytes) {
    const kib = (n) => `${fmt(n / 1024, 2)} KiB`;
    lines.push(
      `- Bundle (\`wrangler deploy --dry-run\`, ${b.minified ? "minified as `minify = true` in wrangler.toml deploys it" : "not minified"}): ` +
        `${kib(b.bytes)}, ${kib(b.gzipBytes)} gzipped` +
        (b.unminified
          ? `; the same bundle not minified: ${kib(b.unminified.bytes)}, ${kib(b.unminified.gzipBytes)} gzipped.`
          : "."),
    );
  }
  const cs = r.coldStart;
  if (cs) {
    const m = cs.median.relay;
    const h = cs.median.hello;
    lines.push(
      `- Cold start, median of ${cs.runs} fresh workerd processes each: from \`new Miniflare()\` to the relay's ` +
        `first \`GET /\` answered ${fmt(m.startToFirstAnswerMs, 0)} ms (ready ${fmt(m.readyMs, 0)} ms, then that request ` +
        `${fmt(m.firstRootMs, 1)} ms; the next one ${fmt(m.warmRootMs, 1)} ms); hello-world alone ${fmt(h.startToFirstAnswerMs, 0)} ms ` +
        `(ready ${fmt(h.readyMs, 0)} ms). Then the first request to reach an object (\`PUT /v1/admin/workspaces/…\`, ` +
        `the first WorkspaceObject) ${fmt(m.firstObjectMs, 1)} ms, and a second new object of the class ${fmt(m.secondObjectMs, 1)} ms. ` +
        `A fresh workerd with the relay held ${fmt(m.rssMb, 1)} MB resident after these requests (hello-world alone ${fmt(h.rssMb, 1)} MB).`,
    );
  }
  if (r.workerLogs?.errors) {
    const first = (r.workerLogs.samples[0] ?? "").split("\n")[0].slice(0, 200);
    lines.push(
      `- The Worker logged ${fmt(r.workerLogs.errors, 0)} errors during the run; the first: \`${first}\`.`,
    );
  }
  if (r.memory.peakOpenFiles) {
    lines.push(
      `- workerd held at most ${fmt(r.memory.peakOpenFiles, 0)} files open (limit ${fmt(r.memory.openFilesLimit, 0)}).`,
    );
  }
  const s = r.scale;
  if (s) {
    const id = s.identities;
    lines.push(
      "",
      markdownTable(SCALE_HEADER, scaleRows(s), 3),
      "",
      `- D1 seeded through the binding: ${fmt(s.d1.rowsInD1.journeys, 0)} journeys and ${fmt(s.d1.rowsInD1.events, 0)} events ` +
        `(${s.d1.journeysPerCustomer} journeys per customer, ${s.d1.eventsPerJourney} events per journey) in ` +
        `${fmt((s.d1.seedMs.small + s.d1.seedMs.large) / 1000, 1)} s. Query plan: ${s.d1.queryPlan.join("; ")}.`,
      `- Identities: the first 1,000 created through \`POST /v1/events\` (identity + customer + journey object each, ` +
        `${id.createConcurrency} in flight) in ${id.secondsFor1k} s (${id.apiPerSecond ?? id.perSecond}/s; 100k that way would take about ` +
        `${fmt(id.extrapolatedSecondsFor100k / 60, 0)} min)` +
        (id.created > 1000
          ? id.seedMode === "direct"
            ? `, then ${fmt(id.created - 1000, 0)} identity objects seeded from inside workerd (link + a copy of a real brief; the lookup reads nothing else) ` +
              `in ${fmt(id.secondsGrowing, 0)} s (${id.growPerSecond}/s, including ${fmt(id.secondsWaitingForOpenFiles, 0)} s spent waiting for workerd to close the files of evicted objects)`
            : `, then ${fmt(id.created - 1000, 0)} more through the API in ${fmt(id.secondsGrowing, 0)} s (${id.growPerSecond}/s)`
          : "") +
        (id.failures ? `; ${id.failures} failed (${id.firstFailure})` : "") +
        (id.stoppedBy ? `; stopped by the ${id.stoppedBy}` : "") +
        `. workerd RSS ${id.workerdRssMb.after1k} MB after 1,000, ${id.workerdRssMb.afterAll} MB after ${fmt(id.created, 0)}` +
        (id.rssMbPerIdentity > 0 ? ` (${id.rssMbPerIdentity} MB per identity)` : "") +
        "." +
        (id.visitsPerIdentity
          ? ` During the c=1 lookup runs each identity was looked up ${id.visitsPerIdentity.small[1]} times on average at 1,000 ` +
            `and ${id.visitsPerIdentity.large[1]} times at ${fmt(id.created, 0)}.`
          : ""),
    );
  } else {
    lines.push("", "The scale run (`pnpm bench --scale`) was not part of this run.");
  }
  lines.push(
    "",
    "| target | status | figure |",
    "| --- | --- | --- |",
    ...r.targets.map(
      (t) => `| ${t.target} | ${t.status} | ${String(t.figure).replace(/\|/g, "\\|")} |`,
    ),
    "",
    END,
  );
  return lines.join("\n");
}

/** Replaces the generated section of docs/benchmarks.md (or appends it). */
export function replaceDocsSection(markdown, section) {
  const a = markdown.indexOf(START);
  const b = markdown.indexOf(END);
  if (a < 0 || b < a) return `${markdown.trimEnd()}\n\n${section}\n`;
  return markdown.slice(0, a) + section + markdown.slice(b + END.length);
}
