// The browser harness of the console's end-to-end tests and of scripts/console-screenshots.mjs:
// Debian's Chromium driven by playwright-core (no browser download), the local sign-in, an
// axe-core scan, and the measurements (first contentful paint, page overflow, CSP reports).
// Functions passed to page.evaluate run in the page: they use its window, document, performance.
/* global window, document, performance */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);

/** Where Chromium is: CHROMIUM_PATH, else Debian's /usr/bin/chromium. */
export function chromiumPath() {
  return process.env.CHROMIUM_PATH || "/usr/bin/chromium";
}

/**
 * Starts headless Chromium. Without a Chromium this throws (a test fails, never skips): the
 * console's browser tests are part of the suite, and `.ci/run` installs Debian's package.
 */
export async function launchBrowser() {
  const path = chromiumPath();
  if (!existsSync(path)) {
    throw new Error(
      `Chromium not found at ${path}: the console's browser tests need it. ` +
        "Install Debian's package (apt-get install -y chromium; .ci/run does this) " +
        "or set CHROMIUM_PATH to a Chromium binary.",
    );
  }
  // Chromium's sandbox cannot start as root; anyone else keeps it.
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  return chromium.launch({ executablePath: path, headless: true, chromiumSandbox: !root });
}

/**
 * A browser context with a probe installed before any page script runs: `window.__probe`
 * records calls to alert/confirm/prompt, a flag any injected script would set
 * (`window.__pwned`), and every CSP violation the page reports.
 */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  await context.addInitScript(() => {
    const probe = { dialogs: [], csp: [] };
    Object.defineProperty(window, "__probe", { value: probe });
    for (const name of ["alert", "confirm", "prompt"]) {
      window[name] = (...args) => {
        probe.dialogs.push([name, ...args.map(String)]);
      };
    }
    document.addEventListener("securitypolicyviolation", (e) => {
      probe.csp.push({
        directive: e.violatedDirective,
        blocked: e.blockedURI,
        sample: e.sample,
        source: e.sourceFile,
      });
    });
  });
  return context;
}

/** Signs in through the local sign-in form (CONSOLE_LOCAL_SIGNIN=1); answers the page. */
export async function signIn(context, base, { name, email, role = "agent", workspace = "dev" }) {
  const page = await context.newPage();
  const res = await page.goto(`${base}/console/sign-in`);
  if (!res || res.status() !== 200) {
    throw new Error(`GET /console/sign-in answered ${res?.status()}: ${await page.content()}`);
  }
  await page.fill("#name", name);
  await page.fill("#email", email);
  await page.selectOption("#role", role);
  await page.fill("#workspace", workspace);
  await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  if (page.url().includes("/sign-in")) {
    throw new Error(`sign-in did not go through: ${page.url()}\n${await page.content()}`);
  }
  return page;
}

/** Opens `path` and answers the response's status (throws on no response). */
export async function open(page, base, path) {
  const res = await page.goto(`${base}${path}`, { waitUntil: "load" });
  if (!res) throw new Error(`no response for ${path}`);
  return res.status();
}

const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/**
 * Runs axe-core in the page (evaluated through the DevTools protocol, so the page's CSP, which
 * allows no inline script, is not loosened) against WCAG 2.x A and AA; answers the violations.
 */
export async function axeScan(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
      },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    }));
  });
}

/** The violations that fail a test: serious or critical ones. */
export function serious(violations) {
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** First contentful paint of the current document, in ms (null when the browser reports none). */
export function firstContentfulPaint(page) {
  return page.evaluate(async () => {
    for (let i = 0; i < 50; i++) {
      const fcp = performance.getEntriesByName("first-contentful-paint")[0];
      if (fcp) return fcp.startTime;
      await new Promise((r) => setTimeout(r, 20));
    }
    return null;
  });
}

/** Navigation timing of the current document: time to first byte and to DOMContentLoaded. */
export function navigationTiming(page) {
  return page.evaluate(() => {
    const [nav] = performance.getEntriesByType("navigation");
    return nav
      ? {
          ttfb: nav.responseStart,
          domContentLoaded: nav.domContentLoadedEventEnd,
          transferSize: nav.transferSize,
          bodySize: nav.decodedBodySize,
        }
      : null;
  });
}

/** True when the page body scrolls sideways (content wider than the viewport). */
export function overflowsHorizontally(page) {
  return page.evaluate(
    () => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
  );
}

/** What the probe recorded: dialogs opened, the injected flag, CSP violations. */
export function probe(page) {
  return page.evaluate(() => ({
    dialogs: window.__probe?.dialogs ?? [],
    csp: window.__probe?.csp ?? [],
    pwned: window.__pwned ?? null,
  }));
}
