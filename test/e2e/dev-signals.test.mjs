// `./baton dev` stops cleanly when its own process id gets SIGTERM or SIGINT (a supervisor, a
// test harness, `kill PID`), not only when a terminal's Ctrl-C reaches the whole group:
// wrangler and every workerd it started are gone and the port is free.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";

const root = new URL("../..", import.meta.url).pathname;

/** pid → { pgid, args } for every process on the machine. */
function processes() {
  const out = execFileSync("ps", ["-eo", "pid=,pgid=,args="], { encoding: "utf8" });
  return out
    .split("\n")
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(l))
    .filter(Boolean)
    .map(([, pid, pgid, args]) => ({ pid: Number(pid), pgid: Number(pgid), args }));
}

async function listening(port) {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1_000) });
    return true;
  } catch {
    return false;
  }
}

for (const signal of ["SIGTERM", "SIGINT"]) {
  test(`${signal} to the pid of ./baton dev stops wrangler and workerd and frees the port`, async () => {
    const port = 20_000 + Math.floor(Math.random() * 2_000);
    const persist = mkdtempSync(join(tmpdir(), "baton-signal-"));
    let output = "";
    // Not detached: only this one process gets the signal, as `kill PID` does.
    const server = spawn("./baton", ["dev"], {
      cwd: root,
      env: { ...process.env, PORT: String(port), BATON_PERSIST: persist },
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout.on("data", (d) => (output += d));
    server.stderr.on("data", (d) => (output += d));
    const exited = new Promise((resolve) => server.on("exit", (code) => resolve(code)));
    try {
      const deadline = Date.now() + 120_000;
      while (!output.includes("export BATON_KEY=")) {
        assert.ok(Date.now() < deadline && server.exitCode === null, `no start:\n${output}`);
        await sleep(200);
      }
      const wrangler = processes().find(
        (p) => p.args.includes("wrangler") && p.args.includes(`--port ${port}`),
      );
      assert.ok(wrangler, "wrangler is running");
      const group = processes().filter((p) => p.pgid === wrangler.pgid);
      assert.ok(
        group.some((p) => p.args.includes("workerd")),
        "workerd runs in wrangler's group",
      );
      assert.equal(await listening(port), true);

      server.kill(signal);
      const code = await Promise.race([exited, sleep(20_000).then(() => "timeout")]);
      assert.equal(code, 0, `./baton dev exits 0 on ${signal}`);
      const left = processes().filter((p) => p.pgid === wrangler.pgid);
      assert.deepEqual(left, [], "no wrangler or workerd process is left");
      assert.equal(await listening(port), false, "the port is free");
    } finally {
      if (server.exitCode === null) server.kill("SIGKILL");
      rmSync(persist, { recursive: true, force: true });
    }
  });
}
