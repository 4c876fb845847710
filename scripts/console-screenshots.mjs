#!/usr/bin/env node
// Screenshots of the console for docs/console.md, taken with Debian's Chromium (playwright-core)
// against a running `./baton dev`: `node scripts/console-screenshots.mjs`. It runs the demo
// first (scripts/demo.mjs, idempotent), so the pages show the demo journeys.
//
// Environment: BATON_URL (default http://127.0.0.1:8787), BATON_KEY (default the dev key),
// CHROMIUM_PATH (default /usr/bin/chromium), OUT (default docs/console).
/* global document */
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { DEV_KEY, relayClient, seedDemo, waitForHistory } from "./demo.mjs";
import { launchBrowser, newContext, open, signIn } from "../test/e2e/console-helpers.mjs";

const base = (process.env.BATON_URL ?? "http://127.0.0.1:8787").replace(/\/$/, "");
const out = process.env.OUT ?? new URL("../docs/console", import.meta.url).pathname;
const MAX_BYTES = 200 * 1024;

const client = relayClient({ base, key: process.env.BATON_KEY ?? DEV_KEY });
const demo = await seedDemo(client);
await waitForHistory(client, Object.values(demo));
const customer = (await client.must("GET", `/v1/journeys/${demo.channelSwitch}`)).customerId;

const agent = { name: "Dev Agent", email: "agent@example.com", role: "agent" };
const lead = { name: "Lee Lead", email: "lead@example.com", role: "lead" };
const shots = [
  ["pop", `/console/pop?journey=${demo.latePayment}`, agent, 400],
  ["journey", `/console/journeys/${demo.channelSwitch}`, agent, 1280],
  ["worklist", "/console/worklist", agent, 1280],
  ["search", `/console/search?idType=phone&id=${encodeURIComponent("+14155550163")}`, agent, 1280],
  ["customer", `/console/customers/${customer}`, agent, 1280],
  ["dashboard", "/console/dashboard?groupBy=topic", lead, 1280],
];

mkdirSync(out, { recursive: true });
const browser = await launchBrowser();
let failed = false;
try {
  for (const [name, path, person, width] of shots) {
    const context = await newContext(browser, { viewport: { width, height: 800 } });
    try {
      const page = await signIn(context, base, person);
      const status = await open(page, base, path);
      if (status !== 200) {
        console.error(`${name}: ${path} answered ${status}; no screenshot`);
        failed = true;
        continue;
      }
      const file = join(out, `${name}.png`);
      // The first screenful (800 px high) keeps each image small; the narrow pop is taken down
      // to 1,600 px (its panel and the start of its actions).
      const height = await page.evaluate(() => document.documentElement.scrollHeight);
      await page.screenshot(
        name === "pop"
          ? {
              path: file,
              fullPage: true,
              clip: { x: 0, y: 0, width, height: Math.min(height, 1600) },
            }
          : { path: file },
      );
      const bytes = statSync(file).size;
      const note = bytes > MAX_BYTES ? "  (over 200 KB)" : "";
      failed ||= bytes > MAX_BYTES;
      console.log(`${file}: ${width} px wide, ${(bytes / 1024).toFixed(0)} KB${note}`);
    } finally {
      await context.close();
    }
  }
} finally {
  await browser.close();
}
if (failed) process.exit(1);
