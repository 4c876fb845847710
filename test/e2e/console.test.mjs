// The console in a real browser (docs/console.md "Tests and speed"): `./baton dev` with real
// Durable Objects and D1, seeded by the demo (scripts/demo.mjs) through the signed provider
// webhooks, and Debian's Chromium driven headless by playwright-core. Without Chromium every
// test here fails with the reason (test/e2e/console-helpers.mjs launchBrowser).
//
// Figures printed (never asserted: the machine is shared): first contentful paint of the
// screen pop and of the journey page of a 500-event journey, and the gzipped asset sizes.
/* global window, document, getComputedStyle */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { after, before, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { relayClient, seedDemo, waitForHistory } from "../../scripts/demo.mjs";
import {
  axeScan,
  firstContentfulPaint,
  launchBrowser,
  navigationTiming,
  newContext,
  open,
  overflowsHorizontally,
  probe,
  serious,
  signIn,
} from "./console-helpers.mjs";
import { startRelay } from "./relay.mjs";

const run = promisify(execFile);
const TWILIO_TOKEN = "e2e-console-twilio-token";
const AGENT = { name: "Dev Agent", email: "agent@example.com", role: "agent" };
const LEAD = { name: "Lee Lead", email: "lead@example.com", role: "lead" };

let relay;
let base;
let client;
let browser;
let demo;
/** Signed-in browser state (cookies) per person, so each test's context starts signed in. */
const signedIn = new Map();

before(async () => {
  browser = await launchBrowser(); // first: without Chromium, fail at once with the reason
  relay = await startRelay("e2e-console");
  ({ base } = relay);
  client = relayClient({ base, key: relay.key, twilioToken: TWILIO_TOKEN });
  demo = await seedDemo(client);
  assert.ok(await waitForHistory(client, Object.values(demo)), "D1 history lists the demo");
});

after(async () => {
  await browser?.close();
  relay?.stop();
});

/**
 * A signed-in page in a fresh browser context. Each person signs in through the form once; their
 * later contexts start from the cookies that sign-in set.
 */
async function personPage(person = AGENT, options = {}) {
  const state = signedIn.get(person.email);
  const context = await newContext(browser, {
    ...options,
    ...(state ? { storageState: state } : {}),
  });
  if (state) return { context, page: await context.newPage() };
  const page = await signIn(context, base, person);
  signedIn.set(person.email, await context.storageState());
  return { context, page };
}

/** A page for `person` (null: nobody signed in) at `viewport`. */
async function pageFor(person, viewport) {
  if (person) return personPage(person, viewport ? { viewport } : {});
  const context = await newContext(browser, viewport ? { viewport } : {});
  return { context, page: await context.newPage() };
}

// The pop opened by journey id, as an agent desktop does with the id the call carries (a pop
// by phone shows personal context only for a verified caller, docs/console.md).
const popPath = (journeyId) => `/console/pop?journey=${encodeURIComponent(journeyId)}`;

test("`./baton dev` prints the console; `./baton demo` again stores nothing twice", async () => {
  assert.ok(relay.output().includes(`The console: ${base}/console`), "dev prints the console");
  const seqs = {};
  for (const [name, id] of Object.entries(demo)) {
    seqs[name] = (await client.must("GET", `/v1/journeys/${id}`)).seq;
  }
  // The second run is the command a newcomer types, against this relay.
  const { stdout } = await run("./baton", ["demo"], {
    cwd: relay.root,
    env: {
      ...process.env,
      BATON_URL: base,
      BATON_KEY: relay.key,
      DEMO_TWILIO_AUTH_TOKEN: TWILIO_TOKEN,
    },
    timeout: 120_000,
  });
  for (const [name, id] of Object.entries(demo)) assert.match(stdout, new RegExp(`${name} +${id}`));
  assert.ok(stdout.includes(`Open the console: ${base}/console`), stdout);
  for (const [name, id] of Object.entries(demo)) {
    assert.equal((await client.must("GET", `/v1/journeys/${id}`)).seq, seqs[name], name);
  }
  const late = await client.must("GET", `/v1/journeys/${demo.latePayment}`);
  assert.equal(late.promises[0].status, "broken", "the late fee promise is broken by the alarm");
  const sw = await client.must("GET", `/v1/journeys/${demo.channelSwitch}`);
  assert.deepEqual(sw.effort.channels, ["sms", "voice", "email"]);
  const pp = await client.must("GET", `/v1/journeys/${demo.pingPong}`);
  assert.ok(pp.effort.handoffs >= 3, `ping-pong handoffs: ${pp.effort.handoffs}`);
});

test("the screen pop updates live when a signed SMS arrives (no reload)", async () => {
  const { context, page } = await personPage();
  try {
    assert.equal(await open(page, base, popPath(demo.latePayment)), 200);
    await page.getByText("the late fee is still on my account", { exact: false }).first().waitFor();
    await page.evaluate(() => {
      window.__sameDocument = true;
    });
    // The page says it is live once its journey socket is open.
    await page
      .getByRole("status")
      .filter({ hasText: /^Live/ })
      .first()
      .waitFor({ timeout: 15_000 });
    // Base 36: a 13-digit millisecond count passes the Luhn check one time in ten and is then
    // (rightly) redacted as a card number.
    const text = `Still waiting, reference ${Date.now().toString(36)}`;
    const sent = Date.now();
    await client.sms("+14155550142", text, `live-${sent}`);
    await page.getByText(text).first().waitFor({ timeout: 15_000 });
    console.log(
      `the SMS showed on the open pop ${Date.now() - sent} ms after the webhook was sent`,
    );
    assert.equal(
      await page.evaluate(() => window.__sameDocument),
      true,
      "the page was not reloaded",
    );
  } finally {
    await context.close();
  }
});

test("taking ownership shows the conflict when another agent took it first", async () => {
  const a = await personPage({ name: "Avery Agent", email: "avery@example.com", role: "agent" });
  const b = await personPage({ name: "Blake Agent", email: "blake@example.com", role: "agent" });
  // A live pop follows the owner (its take form then expects the new one), so Blake's page must
  // act on what it showed when it loaded, as when the change has not reached it yet: his page's
  // journey socket never connects.
  await b.page.addInitScript(() => {
    window.WebSocket = class {
      readyState = 0;
      addEventListener() {}
      send() {}
      close() {}
    };
  });
  try {
    // Both open the missed visit (owned by Sam) before either acts.
    for (const { page } of [a, b]) {
      assert.equal(await open(page, base, popPath(demo.missedVisit)), 200);
    }
    const take = (page) => page.getByRole("button", { name: /take ownership/i }).first();
    await take(a.page).click();
    await a.page.waitForLoadState("load");
    await a.page.getByText("Avery Agent").first().waitFor({ timeout: 10_000 });
    let journey = await client.must("GET", `/v1/journeys/${demo.missedVisit}`);
    assert.match(journey.owner.id, /avery@example\.com$/);

    // Blake's page still shows Sam as the owner; his take expects Sam.
    assert.doesNotMatch(await b.page.locator("main").innerText(), /Avery Agent/);
    await take(b.page).click();
    await b.page.waitForLoadState("load");
    const conflict = b.page.getByText(/someone else|already|conflict|took (it|ownership)/i).first();
    await conflict.waitFor({ timeout: 10_000 });
    assert.match(await b.page.locator("main").innerText(), /Avery Agent/);
    journey = await client.must("GET", `/v1/journeys/${demo.missedVisit}`);
    assert.match(journey.owner.id, /avery@example\.com$/, "the second take changed nothing");
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test("a promise shown as pending turns broken when its time passes", async () => {
  const id = demo.channelSwitch;
  // Due in 15 s (room for a slow page load), broken by the journey's alarm 3 s later.
  const due = Date.now() + 15_000;
  // Base 36, not the 13-digit count: that passes the Luhn check one time in ten and is then
  // (rightly) redacted as a card number, so the page would never show this text.
  const text = `call back about the credit, ref ${due.toString(36)}`;
  await client.must(
    "POST",
    `/v1/journeys/${id}/promises`,
    {
      text,
      dueAt: new Date(due).toISOString(),
      verifyBy: new Date(due + 3_000).toISOString(),
      madeBy: { kind: "agent", id: "priya", name: "Priya Natarajan" },
    },
    { "idempotency-key": `e2e-console-promise-${due}` },
  );
  const { context, page } = await personPage();
  // The promise's entry on the page's time axis (the list of promises by due time).
  const entry = page.locator('main [aria-label="Promises by due time"] li', { hasText: text });
  const stateOf = async () => {
    if ((await entry.count()) !== 1) {
      const axis = await page.locator("main").innerText();
      assert.fail(`the promise is not on the page's promise axis once:\n${axis.slice(0, 3000)}`);
    }
    return (await entry.innerText()).match(/pending|overdue|broken|kept/i)?.[0];
  };
  // The screen pop of the same journey, open beside it: the badges of the entries naming the
  // promise (its line under Promises, the broken-promise alert at the top).
  const pop = await context.newPage();
  const popBadges = () =>
    pop.evaluate(
      (t) =>
        [...document.querySelectorAll("main li, main .alert, main .notice")]
          .filter((el) => el.textContent.includes(t))
          .flatMap((el) => [...el.querySelectorAll(":scope > .badge")])
          .map((b) => b.textContent.trim()),
      text,
    );
  try {
    assert.equal(await open(page, base, `/console/journeys/${id}`), 200);
    assert.equal(await stateOf(), "pending");
    assert.equal(await open(pop, base, popPath(id)), 200);
    await pop.evaluate(() => {
      window.__sameDocument = true;
    });
    const atLoad = await popBadges();
    assert.ok(atLoad.length > 0 && !atLoad.some((b) => /broken/i.test(b)), atLoad.join());
    // Live: the page changes by itself once the alarm has broken the promise.
    let live = true;
    try {
      await page.waitForFunction(
        (t) =>
          [...document.querySelectorAll('main [aria-label="Promises by due time"] li')].some(
            (li) => li.textContent.includes(t) && /broken/i.test(li.textContent),
          ),
        text,
        { timeout: due + 3_000 - Date.now() + 10_000 },
      );
    } catch {
      live = false;
    }
    if (!live) {
      // Not live: a reload shows it (the API says broken first, so the page is not early).
      const deadline = Date.now() + 20_000;
      while (
        (await client.must("GET", `/v1/journeys/${id}`)).promises.find((p) => p.text === text)
          ?.status !== "broken"
      ) {
        assert.ok(Date.now() < deadline, "the alarm broke the promise within 20 s of verifyBy");
        await sleep(500);
      }
      await page.reload();
    }
    assert.equal(await stateOf(), "broken");
    console.log(
      `journey page: promise pending → broken shown ${live ? "live, without a reload" : "after a reload"}`,
    );
    // The pop shows it broken live, without a reload.
    await pop.waitForFunction(
      (t) =>
        [...document.querySelectorAll("main li, main .alert")].some(
          (el) =>
            el.textContent.includes(t) &&
            [...el.querySelectorAll(":scope > .badge")].some((b) => /broken/i.test(b.textContent)),
        ),
      text,
      { timeout: 15_000 },
    );
    assert.equal(await pop.evaluate(() => window.__sameDocument), true, "the pop was not reloaded");
    console.log(`screen pop: the promise's badges now ${JSON.stringify(await popBadges())}, live`);
  } finally {
    await context.close();
  }
});

test("keyboard only: skip to the content, then take ownership in the pop with Tab and Enter", async () => {
  const { context, page } = await personPage({
    name: "Kim Keyboard",
    email: "kim@example.com",
    role: "agent",
  });
  try {
    assert.equal(await open(page, base, popPath(demo.pingPong)), 200);
    // The first Tab stop is the skip link; it leads to the main landmark.
    await page.keyboard.press("Tab");
    assert.match(await page.evaluate(() => document.activeElement?.textContent ?? ""), /skip/i);
    // Tab on until the take-ownership button has the focus, then press Enter.
    let reached = false;
    for (let i = 0; i < 60 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = await page.evaluate(
        () =>
          document.activeElement?.tagName === "BUTTON" &&
          /take ownership/i.test(document.activeElement.textContent ?? ""),
      );
    }
    assert.ok(reached, "Tab reaches the take-ownership button");
    await Promise.all([page.waitForNavigation(), page.keyboard.press("Enter")]);
    const journey = await client.must("GET", `/v1/journeys/${demo.pingPong}`);
    assert.match(journey.owner.id, /kim@example\.com$/);
    // Focus is visible: the focused element draws an outline or a box shadow.
    await page.keyboard.press("Tab");
    const ring = await page.evaluate(() => {
      const st = getComputedStyle(document.activeElement);
      return {
        outline: st.outlineStyle !== "none" && st.outlineWidth !== "0px",
        shadow: st.boxShadow !== "none",
      };
    });
    assert.ok(ring.outline || ring.shadow, `a visible focus indicator: ${JSON.stringify(ring)}`);
  } finally {
    await context.close();
  }
});

test("search finds the journey by the customer's phone", async () => {
  const { context, page } = await personPage();
  try {
    assert.equal(await open(page, base, "/console/search"), 200);
    await page.selectOption("#s-idtype", "phone");
    await page.fill("#s-id", "+14155550163");
    await Promise.all([page.waitForNavigation(), page.press("#s-id", "Enter")]);
    const row = page.locator(`tr[data-journey="${demo.channelSwitch}"]`);
    await row.waitFor();
    assert.match(await row.innerText(), /internet drops every evening/);
    assert.equal(await page.locator("tr[data-journey]").count(), 1);
  } finally {
    await context.close();
  }
});

test("the worklist lists the signed-in person's demo journeys, broken promise first", async () => {
  const { context, page } = await personPage();
  try {
    assert.equal(await open(page, base, "/console/worklist"), 200);
    const rows = page.locator("tr[data-journey]");
    const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.journey));
    assert.ok(ids.includes(demo.latePayment), ids.join());
    assert.ok(ids.includes(demo.channelSwitch), ids.join());
    assert.equal(ids[0], demo.latePayment, "the broken promise comes first");
  } finally {
    await context.close();
  }
});

test("the dashboard's charts render with data", async () => {
  const { context, page } = await personPage(LEAD);
  try {
    assert.equal(await open(page, base, "/console/dashboard"), 200);
    const charts = page.locator("main svg");
    assert.ok((await charts.count()) >= 1, "at least one SVG chart");
    // Data marks drawn with a size: the demo has channel switches, handoffs, broken promises
    // and a repeat, so at least four charts draw a mark wider than nothing.
    const marks = await page.locator("main svg :is(rect, circle, path, polyline)").evaluateAll(
      (els) =>
        els.filter((el) => {
          const box = el.getBoundingClientRect();
          return box.width > 0 && box.height > 0;
        }).length,
    );
    assert.ok(marks >= 4, `data marks drawn in the charts: ${marks}`);
    // Every chart names itself for screen readers.
    const unnamed = await charts.evaluateAll(
      (svgs) =>
        svgs.filter((s) => !s.getAttribute("aria-label") && !s.querySelector("title")).length,
    );
    assert.equal(unnamed, 0);
    const csv = await page.request.get(`${base}/console/dashboard.csv`);
    assert.equal(csv.status(), 200);
    const lines = (await csv.text()).trim().split("\n");
    assert.ok(lines.length >= 2, "a header and at least one row");
  } finally {
    await context.close();
  }
});

/** Every console page the demo gives something to show, by the role that may see it. */
async function pages() {
  const sw = await client.must("GET", `/v1/journeys/${demo.channelSwitch}`);
  return [
    ["sign-in", "/console/sign-in", null],
    ["screen pop", popPath(demo.channelSwitch), AGENT],
    ["journey", `/console/journeys/${demo.channelSwitch}`, AGENT],
    ["worklist", "/console/worklist", AGENT],
    ["search", `/console/search?idType=phone&id=${encodeURIComponent("+14155550163")}`, AGENT],
    ["customer", `/console/customers/${sw.customerId}`, AGENT],
    ["dashboard", "/console/dashboard", LEAD],
  ];
}

test("an axe-core scan of each page reports no serious or critical violations", async () => {
  const found = {};
  for (const [name, path, person] of await pages()) {
    const { context, page } = await pageFor(person);
    try {
      assert.equal(await open(page, base, path), 200, name);
      const violations = await axeScan(page);
      if (violations.length) console.log(`axe ${name}:`, JSON.stringify(violations));
      found[name] = serious(violations);
    } finally {
      await context.close();
    }
  }
  for (const [name, list] of Object.entries(found)) {
    assert.deepEqual(list, [], `${name}: ${JSON.stringify(list)}`);
  }
});

test("every page is usable at 1280×800 and at 400 px wide (no sideways scroll)", async () => {
  const wide = [];
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 400, height: 800 },
  ]) {
    for (const [name, path, person] of await pages()) {
      const { context, page } = await pageFor(person, viewport);
      try {
        assert.equal(await open(page, base, path), 200, name);
        if (await overflowsHorizontally(page)) wide.push(`${name} at ${viewport.width} px`);
        // The main landmark holds something readable.
        assert.ok((await page.locator("main").innerText()).trim().length > 0, name);
      } finally {
        await context.close();
      }
    }
  }
  assert.deepEqual(wide, [], "pages whose body scrolls sideways");
});

// Sent oldest first; the markup comes last, so the pop's last six events are all markup.
const HOSTILE = [
  `${"x".repeat(300)}`,
  `${"Supercalifragilisticexpialidocious".repeat(12)}`,
  `Refund \u202Egnp.exe\u202C now \u2066RTL\u2069 ok`,
  `{{constructor.constructor('window.__pwned=1')()}} \${alert(1)} <style>*{display:none}</style>`,
  `<a href="javascript:alert(1)" onclick="window.__pwned='click'">pay here</a>`,
  `"><iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>`,
  `javascript:window.__pwned='url';alert(1)`,
  `<svg onload="window.__pwned='svg'"><a href="javascript:alert('js-url')">click me</a></svg>`,
  `<img src=x onerror="window.__pwned='img'; alert('img')">`,
  `<script>window.__pwned = "script"; alert("script")</script>`,
];

test("hostile text sent as SMS shows as characters and never runs", async () => {
  const phone = "+14155550666";
  let journeyId = null;
  for (const [i, text] of HOSTILE.entries()) {
    journeyId = await client.sms(phone, text, `hostile-${i}`);
  }
  assert.ok(await waitForHistory(client, [journeyId]));
  const journey = await client.must("GET", `/v1/journeys/${journeyId}`);
  for (const [name, path] of [
    ["screen pop", popPath(journeyId)],
    ["journey", `/console/journeys/${journeyId}`],
    ["customer", `/console/customers/${journey.customerId}`],
  ]) {
    const { context, page } = await personPage();
    try {
      assert.equal(await open(page, base, path), 200, name);
      const shown = await page.locator("main").innerText();
      // Each text shows as the characters sent: the journey page shows the whole log, the pop
      // the last six events; the customer page is checked only for what runs.
      const expected = { journey: HOSTILE, "screen pop": HOSTILE.slice(-6), customer: [] }[name];
      for (const text of expected) {
        const words = text.replace(/[\u202A-\u202E\u2066-\u2069]/g, "").slice(0, 60);
        assert.ok(
          shown.replace(/[\u202A-\u202E\u2066-\u2069]/g, "").includes(words),
          `${name} shows ${JSON.stringify(words)}`,
        );
      }
      await page.mouse.move(10, 10);
      // Clicking the text where a link would be must not follow a javascript: URL either.
      const jsLinks = await page
        .locator('a[href^="javascript:" i], [onerror], [onload], [onclick], iframe')
        .count();
      assert.equal(jsLinks, 0, `${name}: no element carries the hostile markup`);
      await sleep(300);
      const seen = await probe(page);
      assert.deepEqual(seen.dialogs, [], `${name}: no dialog opened`);
      assert.equal(seen.pwned, null, `${name}: no injected script ran`);
      assert.deepEqual(seen.csp, [], `${name}: no CSP violation (own scripts load with the nonce)`);
    } finally {
      await context.close();
    }
  }
});

test("very long words and RTL overrides do not make a page scroll sideways at 400 px", async () => {
  const journeyId = await client.sms("+14155550666", HOSTILE[0], "hostile-0");
  const journey = await client.must("GET", `/v1/journeys/${journeyId}`);
  const wide = [];
  for (const [name, path] of [
    ["screen pop", popPath(journeyId)],
    ["journey", `/console/journeys/${journeyId}`],
    ["customer", `/console/customers/${journey.customerId}`],
    ["search", `/console/search?idType=phone&id=${encodeURIComponent("+14155550666")}`],
  ]) {
    const { context, page } = await personPage(AGENT, { viewport: { width: 400, height: 800 } });
    try {
      assert.equal(await open(page, base, path), 200, name);
      if (await overflowsHorizontally(page)) {
        const culprit = await page.evaluate(() => {
          const w = document.documentElement.clientWidth;
          const walker = document.createTreeWalker(document.body, 4 /* text nodes */);
          while (walker.nextNode()) {
            const range = document.createRange();
            range.selectNodeContents(walker.currentNode);
            if (range.getBoundingClientRect().right > w + 1) {
              return walker.currentNode.parentElement?.tagName.toLowerCase();
            }
          }
          return "?";
        });
        wide.push(`${name} (text in <${culprit}>)`);
      }
    } finally {
      await context.close();
    }
  }
  assert.deepEqual(wide, [], "pages whose body scrolls sideways at 400 px");
});

test("speed: first render of the screen pop and of a 500-event journey page; asset sizes", async () => {
  // A journey of 500 events, written through the API (4 writers at a time).
  const phone = "+14155550500";
  const first = await client.must("POST", "/v1/events", {
    identifiers: [{ type: "phone", value: phone }],
    channel: "sms",
    direction: "inbound",
    actor: { kind: "customer" },
    text: "event 1 of 500: my order arrived damaged",
    idempotencyKey: "e2e-console-500-1",
  });
  const id = first.journeyId;
  const channels = ["sms", "email", "voice", "chat"];
  for (let n = 2; n <= 500; n += 4) {
    await Promise.all(
      [0, 1, 2, 3]
        .map((k) => n + k)
        .filter((k) => k <= 500)
        .map((k) =>
          client.must("POST", "/v1/events", {
            journeyId: id,
            channel: channels[k % 4],
            direction: k % 3 === 0 ? "outbound" : "inbound",
            actor:
              k % 3 === 0
                ? { kind: "agent", id: "dana", name: "Dana Reyes" }
                : { kind: "customer" },
            type: k % 3 === 0 ? "note" : "message",
            text: `event ${k} of 500: ${k % 3 === 0 ? "checked the courier's photos" : "any news on my replacement?"}`,
            idempotencyKey: `e2e-console-500-${k}`,
          }),
        ),
    );
  }
  const journey = await client.must("GET", `/v1/journeys/${id}`);
  assert.ok(journey.seq >= 500, `seq ${journey.seq}`);

  const figures = {};
  for (const [name, path] of [
    ["screen pop", popPath(id)],
    ["journey page (500 events)", `/console/journeys/${id}`],
  ]) {
    const { context, page } = await personPage();
    try {
      // Warm once (the isolate, the objects), then measure three cold-cache loads.
      await open(page, base, path);
      const runs = [];
      for (let i = 0; i < 3; i++) {
        const fresh = await context.newPage();
        assert.equal(await open(fresh, base, path), 200);
        const fcp = await firstContentfulPaint(fresh);
        const nav = await navigationTiming(fresh);
        assert.ok(fcp !== null && fcp > 0, `${name}: a first-contentful-paint entry`);
        runs.push({ fcp, ...nav });
        await fresh.close();
      }
      runs.sort((x, y) => x.fcp - y.fcp);
      figures[name] = runs[1];
    } finally {
      await context.close();
    }
  }
  for (const [name, f] of Object.entries(figures)) {
    console.log(
      `${name}: first contentful paint ${f.fcp.toFixed(0)} ms (median of 3; server's first byte ${f.ttfb.toFixed(0)} ms, HTML ${(f.bodySize / 1024).toFixed(1)} KB)`,
    );
  }

  // The client assets as served, gzipped (what a browser downloads).
  const { page, context } = await personPage();
  try {
    await open(page, base, popPath(id));
    const urls = await page.evaluate(() =>
      [...document.querySelectorAll('script[src], link[rel="stylesheet"]')].map(
        (e) => e.src || e.href,
      ),
    );
    let popScripts = 0;
    for (const url of urls.filter((u) => u.includes("/console/assets/"))) {
      const body = Buffer.from(await (await fetch(url)).arrayBuffer());
      const gz = gzipSync(body, { level: 9 }).length;
      console.log(`${new URL(url).pathname}: ${body.length} bytes, ${gz} bytes gzipped`);
      if (url.includes(".js")) popScripts += gz;
    }
    console.log(`screen pop client script: ${popScripts} bytes gzipped`);
    assert.ok(popScripts > 0, "the screen pop loads a client script");
    assert.ok(popScripts < 60 * 1024, "the screen pop's client script is under 60 KB gzipped");
  } finally {
    await context.close();
  }
});
