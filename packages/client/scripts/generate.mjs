#!/usr/bin/env node
// Regenerates packages/client/openapi.json and packages/client/src/schema.d.ts.
//
// The document is read from the relay itself (GET /openapi.json), because it is built inside
// the Worker from the zod schemas the routes validate with, and those modules need workerd.
// With BATON_URL set, that server is asked; otherwise a local `wrangler dev` is started on a
// free port with throw-away state, asked, and stopped.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { DOCUMENT_FILE, SCHEMA_FILE, renderDocument, renderSchema } from "./codegen.mjs";

const root = new URL("../../../", import.meta.url).pathname;

async function fromServer(base) {
  const res = await fetch(`${base}/openapi.json`);
  if (!res.ok) throw new Error(`GET ${base}/openapi.json answered ${res.status}`);
  return res.json();
}

async function fromLocalWorker() {
  const port = 19_000 + Math.floor(Math.random() * 2_000);
  const persist = mkdtempSync(join(tmpdir(), "baton-openapi-"));
  const wrangler = join(
    dirname(createRequire(join(root, "package.json")).resolve("wrangler/package.json")),
    "bin",
    "wrangler.js",
  );
  // Its own process group, so one signal stops wrangler and the workerd it starts.
  const dev = spawn(
    process.execPath,
    [wrangler, "dev", "--local", "--ip", "127.0.0.1", "--port", String(port)].concat([
      "--persist-to",
      persist,
      "--show-interactive-dev-session=false",
    ]),
    { cwd: root, stdio: ["ignore", "ignore", "inherit"], detached: true },
  );
  const stop = () => {
    try {
      process.kill(-dev.pid, "SIGTERM");
    } catch {
      // already gone
    }
  };
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        return await fromServer(`http://127.0.0.1:${port}`);
      } catch (e) {
        if (Date.now() > deadline || dev.exitCode !== null) throw e;
        await sleep(250);
      }
    }
  } finally {
    stop();
    rmSync(persist, { recursive: true, force: true });
  }
}

const base = process.env.BATON_URL;
const doc = base ? await fromServer(base.replace(/\/$/, "")) : await fromLocalWorker();
writeFileSync(DOCUMENT_FILE, await renderDocument(doc));
writeFileSync(SCHEMA_FILE, await renderSchema(doc));
const operations = Object.values(doc.paths).flatMap((item) => Object.keys(item)).length;
console.log(
  `wrote ${DOCUMENT_FILE.pathname} (${operations} operations) and ${SCHEMA_FILE.pathname}`,
);
