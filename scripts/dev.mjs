#!/usr/bin/env node
// Starts Baton locally: local Durable Objects and local D1 (no Cloudflare account), with the
// D1 migrations applied, a development workspace and API key ready, and curl examples printed.
//
// Environment: PORT (default 8787), BATON_PERSIST (default .wrangler/state),
// ADMIN_SECRET (default "dev-admin-secret": local only — set your own for anything shared),
// CHAT_SESSION_SECRET, CALLER_ASSERTION_SECRET, REPLY_TOKEN_SECRET, SETTINGS_KEYS and
// CONSOLE_SESSION_SECRET (default:
// random local values, see devSecrets() below; never printed).
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { clearInterval, setInterval, setTimeout } from "node:timers";
import { setTimeout as sleep } from "node:timers/promises";
import { DatabaseSync } from "node:sqlite";

const port = Number(process.env.PORT ?? 8787);
const persist = process.env.BATON_PERSIST ?? ".wrangler/state";
const adminSecret = process.env.ADMIN_SECRET ?? "dev-admin-secret";
const base = `http://127.0.0.1:${port}`;
// A fixed local key so the printed commands keep working across restarts.
const DEV_WORKSPACE = "dev";
const DEV_KEY_ID = "devkey000001";
const DEV_KEY_SECRET = "devsecret0000000000000000000000000000000";
const devKey = `bk_${DEV_WORKSPACE}.${DEV_KEY_ID}.${DEV_KEY_SECRET}`;

/**
 * The Worker secrets a local relay needs besides ADMIN_SECRET (docs/privacy.md "Secrets").
 * Random values are made on the first start and kept next to the local state they protect
 * (`<BATON_PERSIST>/baton-dev-secrets.json`, readable by you only), so settings sealed with
 * SETTINGS_KEYS still open after a restart; deleting the state deletes them too. A value in
 * this process's environment wins. They reach wrangler as an env file, which it loads as
 * secrets and shows as "(hidden)"; this script prints none of them.
 */
function devSecrets() {
  const file = join(persist, "baton-dev-secrets.json");
  let stored = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, "utf8"));
  const made = {
    CHAT_SESSION_SECRET: stored.CHAT_SESSION_SECRET ?? randomBytes(32).toString("base64url"),
    CALLER_ASSERTION_SECRET:
      stored.CALLER_ASSERTION_SECRET ?? randomBytes(32).toString("base64url"),
    REPLY_TOKEN_SECRET: stored.REPLY_TOKEN_SECRET ?? randomBytes(32).toString("base64url"),
    SETTINGS_KEYS: stored.SETTINGS_KEYS ?? `dev1:${randomBytes(32).toString("base64")}`,
    CONSOLE_SESSION_SECRET: stored.CONSOLE_SESSION_SECRET ?? randomBytes(32).toString("base64url"),
  };
  mkdirSync(persist, { recursive: true });
  if (JSON.stringify(made) !== JSON.stringify(stored)) {
    writeFileSync(file, `${JSON.stringify(made, null, 2)}\n`, { mode: 0o600 });
  }
  const values = {};
  for (const [name, value] of Object.entries(made)) values[name] = process.env[name] ?? value;
  const envFile = join(persist, "baton-dev-secrets.env");
  writeFileSync(
    envFile,
    Object.entries(values)
      .map(([name, value]) => `${name}=${JSON.stringify(value)}\n`)
      .join(""),
    { mode: 0o600 },
  );
  chmodSync(envFile, 0o600);
  return envFile;
}

// wrangler is started with this same Node, not through `pnpm exec`: pnpm does not pass signals
// on, so stopping this process by its id used to leave wrangler and workerd holding the port.
const wranglerPkg = createRequire(import.meta.url).resolve("wrangler/package.json");
const wranglerJs = join(dirname(wranglerPkg), "bin", "wrangler.js");
const migrate = spawnSync(
  process.execPath,
  [wranglerJs, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist],
  { stdio: "inherit", env: { ...process.env, CI: "true" } },
);
if (migrate.status !== 0) {
  console.error("applying D1 migrations failed");
  process.exit(migrate.status ?? 1);
}

// wrangler and the workerd processes it starts run in a process group of their own, so one
// signal to the group stops all of them, whoever signalled us and however we were started.
const dev = spawn(
  process.execPath,
  [
    wranglerJs,
    "dev",
    "--local",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--persist-to",
    persist,
    "--var",
    `ADMIN_SECRET:${adminSecret}`,
    // The console's local sign-in form (docs/console.md); never set in production.
    "--var",
    "CONSOLE_LOCAL_SIGNIN:1",
    // The local secrets; then a .dev.vars of your own, whose values win (wrangler reads it only
    // when no env file is named, so it is named here).
    "--env-file",
    devSecrets(),
    ...(existsSync(".dev.vars") ? ["--env-file", ".dev.vars"] : []),
    "--show-interactive-dev-session=false",
  ],
  { stdio: ["ignore", "inherit", "inherit"], detached: true },
);

/** Signals wrangler's whole process group; false when it is already gone. */
function signalGroup(signal) {
  try {
    process.kill(-dev.pid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * Folds every local SQLite database's write-ahead log into the database and removes it, once
 * workerd has stopped (docs/privacy.md, "Local state files"). workerd is stopped by a signal
 * and leaves its `-wal` files behind, and a WAL keeps earlier page images (rows since
 * deleted or overwritten, such as an erased customer's) until SQLite checkpoints over them.
 * `wal_checkpoint(TRUNCATE)` copies the current pages into the database and empties the log.
 */
function foldWriteAheadLogs(dir) {
  const found = [];
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".sqlite") && existsSync(`${p}-wal`)) found.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  let failed = 0;
  for (const file of found) {
    try {
      const db = new DatabaseSync(file);
      db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
      db.close();
    } catch (e) {
      failed++;
      console.error(`could not fold the write-ahead log of ${file}: ${e.message}`);
    }
  }
  return { folded: found.length - failed, failed };
}

let stopping = false;
/** Stops the group: SIGTERM, then SIGKILL after 5 s; exits with `code` once it is gone. */
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  if (!signalGroup("SIGTERM")) {
    foldWriteAheadLogs(persist);
    process.exit(code);
  }
  const hard = setTimeout(() => signalGroup("SIGKILL"), 5_000);
  hard.unref();
  // Wait for the whole group, not only wrangler: workerd may outlive its parent by a moment.
  const poll = setInterval(() => {
    if (!signalGroup(0)) {
      clearInterval(poll);
      foldWriteAheadLogs(persist);
      process.exit(code);
    }
  }, 100);
}
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(sig, () => stop(0));
// Last resort if this process dies of an error: never leave the port held.
process.on("exit", () => signalGroup("SIGKILL"));
dev.on("exit", (code) => {
  if (!stopping) {
    signalGroup("SIGKILL");
    process.exit(code ?? 1);
  }
});

async function call(method, path, body, token) {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

for (let i = 0; ; i++) {
  try {
    const res = await fetch(`${base}/`);
    if (res.ok) break;
  } catch {
    // not listening yet
  }
  if (i > 600) {
    console.error("the relay did not start within 60 s");
    stop(1);
    await sleep(10_000);
  }
  await sleep(100);
}

const ws = await call(
  "PUT",
  `/v1/admin/workspaces/${DEV_WORKSPACE}`,
  { name: "Development" },
  adminSecret,
);
const key = await call(
  "POST",
  `/v1/admin/workspaces/${DEV_WORKSPACE}/keys`,
  {
    name: "development",
    scopes: ["admin"],
    id: DEV_KEY_ID,
    secret: DEV_KEY_SECRET,
  },
  adminSecret,
);
if (ws.status >= 300 || key.status >= 300) {
  console.error("could not prepare the development workspace:", ws.body, key.body);
  stop(1);
  await sleep(10_000);
}

console.log(`
Baton is running at ${base} (local Durable Objects and D1 in ${persist}).
Workspace "${DEV_WORKSPACE}", API key (admin scope):
  export BATON_KEY=${devKey}

The console: ${base}/console (local sign-in; \`./baton demo\` seeds demo journeys)

Walk through one journey (the README's walk-through, for this address):

${walkthrough()}
`);

/** The README's walk-through block, pointed at this relay's address. */
function walkthrough() {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const block = /<!-- walkthrough[^>]*-->\s*```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? "";
  return block.replaceAll("localhost:8787", `127.0.0.1:${port}`).trimEnd();
}
