#!/usr/bin/env node
// Starts Baton locally: local Durable Objects and local D1 (no Cloudflare account), with the
// D1 migrations applied, a development workspace and API key ready, and curl examples printed.
//
// Environment: PORT (default 8787), BATON_PERSIST (default .wrangler/state),
// ADMIN_SECRET (default "dev-admin-secret": local only — set your own for anything shared).
import { spawn, spawnSync } from "node:child_process";
import { setTimeout as sleep } from "node:timers/promises";

const port = Number(process.env.PORT ?? 8787);
const persist = process.env.BATON_PERSIST ?? ".wrangler/state";
const adminSecret = process.env.ADMIN_SECRET ?? "dev-admin-secret";
const base = `http://127.0.0.1:${port}`;
// A fixed local key so the printed commands keep working across restarts.
const DEV_WORKSPACE = "dev";
const DEV_KEY_ID = "devkey000001";
const DEV_KEY_SECRET = "devsecret0000000000000000000000000000000";
const devKey = `bk_${DEV_WORKSPACE}.${DEV_KEY_ID}.${DEV_KEY_SECRET}`;

const wrangler = ["exec", "wrangler"];
const migrate = spawnSync(
  "pnpm",
  [...wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persist],
  { stdio: "inherit", env: { ...process.env, CI: "true" } },
);
if (migrate.status !== 0) {
  console.error("applying D1 migrations failed");
  process.exit(migrate.status ?? 1);
}

const dev = spawn(
  "pnpm",
  [
    ...wrangler,
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
    "--show-interactive-dev-session=false",
  ],
  { stdio: ["ignore", "inherit", "inherit"], detached: false },
);
const stop = () => {
  dev.kill("SIGTERM");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
dev.on("exit", (code) => process.exit(code ?? 0));

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
    stop();
    process.exit(1);
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
  stop();
  process.exit(1);
}

console.log(`
Baton is running at ${base} (local Durable Objects and D1 in ${persist}).
Workspace "${DEV_WORKSPACE}", API key (admin scope):
  export BATON_KEY=${devKey}

Post an event (an inbound SMS):
  curl -s ${base}/v1/events -H "authorization: Bearer $BATON_KEY" -H "content-type: application/json" \\
    -d '{"identifiers":[{"type":"phone","value":"+14155550100"}],"channel":"sms","direction":"inbound","actor":{"kind":"customer"},"text":"I was charged twice for March"}'

Read the journey (use the journeyId from the answer):
  curl -s ${base}/v1/journeys/JOURNEY_ID -H "authorization: Bearer $BATON_KEY"

Search history in D1 (visible within about a second):
  curl -s "${base}/v1/journeys?status=open" -H "authorization: Bearer $BATON_KEY"
`);
