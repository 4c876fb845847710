import { describe, expect, it } from "vitest";
import { ivrMap, resolveLanguage, SPEECH_LANGUAGES, type CallBrief } from "@baton/core";
import ivrDoc from "../docs/ivr.md?raw";
import { ADMIN, api, expectProblem, flushJourney } from "./helpers";
import { assertionFor, connectEvent, everyIvrPath, story, type Story } from "./disclosure-helpers";

const enc = encodeURIComponent;

/** The story of disclosure-helpers.ts, plus two constraints (one lapsed) and a second contact. */
async function constrained(phone: string): Promise<Story> {
  const s = await story(phone);
  const add = (body: unknown) => api("POST", `/v1/journeys/${s.id}/constraints`, body, s.key);
  const window = { from: "12:00", to: "18:00", timeZone: "America/New_York" };
  expect((await add({ text: "Afternoons only", kind: "contact_window", window })).status).toBe(201);
  expect((await add({ text: "SMS only", kind: "channel_only", channel: "sms" })).status).toBe(201);
  const lapsed = { text: "No calls this week", until: "2020-01-01T00:00:00Z" };
  expect((await add(lapsed)).status).toBe(201);
  const call = {
    channel: "voice",
    type: "call",
    direction: "inbound",
    actor: { kind: "customer" },
    identifiers: [{ type: "phone", value: phone }],
    text: "Called in",
  };
  expect((await api("POST", "/v1/events", call, s.key)).status).toBeLessThan(300);
  await flushJourney(s.ws, s.id);
  return s;
}

/** The Connect, Genesys and Studio lookups of `s` with the caller's `language`. */
async function hooksIn(s: Story, language: string, assertion?: string) {
  const params: Record<string, string> = { language };
  if (assertion) params.batonAssertion = assertion;
  const genesys: Record<string, string> = { phone: s.phone, language };
  if (assertion) genesys.assertion = assertion;
  const studio = `/hooks/${s.ws}/studio?phone=${enc(s.phone)}&language=${enc(language)}${
    assertion ? `&assertion=${enc(assertion)}` : ""
  }`;
  const context = `/v1/context?audience=ivr&phone=${enc(s.phone)}&language=${enc(language)}${
    assertion ? `&assertion=${enc(assertion)}` : ""
  }`;
  return {
    context: await api("GET", context, undefined, s.key),
    connect: await api("POST", `/hooks/${s.ws}/connect`, connectEvent(s.phone, params), s.key),
    genesys: await api("POST", `/hooks/${s.ws}/genesys`, genesys, s.key),
    studio: await api("GET", studio, undefined, s.key),
  };
}

describe("IVR map keys: the same on every platform", () => {
  it("answers the same keys and values on every lookup, at the routing and the personal tier", async () => {
    const s = await constrained("+14155550701");
    const assertion = await assertionFor(s.asserter, s.phone);
    for (const [tier, paths] of [
      ["routing", await everyIvrPath(s)],
      ["personal", await everyIvrPath(s, { assertion })],
    ] as const) {
      const keys = Object.values(paths).map((r) => Object.keys(r.body).sort().join(","));
      expect(new Set(keys).size, `${tier}: ${keys.join(" | ")}`).toBe(1);
      const first = paths.context?.body;
      for (const [path, res] of Object.entries(paths)) {
        expect(res.status, path).toBe(200);
        expect(res.body, `${tier} ${path}`).toEqual(first);
        expect(new TextEncoder().encode(JSON.stringify(res.body)).length).toBeLessThanOrEqual(1024);
      }
      expect(first, tier).toMatchObject({
        tier,
        language: "en-US",
        constraints: "Afternoons only; SMS only",
      });
      expect(String(first?.history), tier).toMatch(
        /^2 contacts since \w{3} \w{3} \d{1,2}: sms, voice$/u,
      );
      expect(first?.languageFallback).toBeUndefined();
    }
  });

  it("speaks the caller's language on Connect, Genesys and Studio, with the region for the TTS voice", async () => {
    const s = await constrained("+14155550702");
    const assertion = await assertionFor(s.asserter, s.phone);
    const es = await hooksIn(s, "es-MX", assertion);
    for (const [path, res] of Object.entries(es)) {
      expect(res.status, path).toBe(200);
      expect(res.body, path).toMatchObject({ language: "es-MX", tier: "personal" });
      expect(res.body.languageFallback, path).toBeUndefined();
      // The open exception leads, in Spanish.
      expect(String(res.body.sentence), path).toMatch(
        /^Lo sentimos: card payment for invoice 1042 failed\. /u,
      );
      expect(String(res.body.sentence), path).toContain("Dana Reyes, del equipo billing,");
    }
    const de = await hooksIn(s, "de");
    for (const [path, res] of Object.entries(de)) {
      expect(res.body, path).toMatchObject({ language: "de-DE", tier: "routing" });
      expect(res.body.sentence, path).toBe("Danke für Ihren Anruf. Ich verbinde Sie.");
    }
  });

  it("falls back to the workspace's language for one Baton does not speak, and says so", async () => {
    const s = await constrained("+14155550703");
    const patched = await api(
      "PATCH",
      `/v1/admin/workspaces/${s.ws}/settings`,
      { ivr: { defaultQueue: "general", language: "fr-CA" } },
      ADMIN,
    );
    expect(patched.status).toBe(200);
    expect(patched.body.settings.ivr.language).toBe("fr-CA");
    for (const [path, res] of Object.entries(await hooksIn(s, "pt-BR"))) {
      expect(res.status, path).toBe(200);
      expect(res.body, path).toMatchObject({ language: "fr-CA", languageFallback: "pt-BR" });
      expect(res.body.sentence, path).toBe("Merci de votre appel. Je vous mets en relation.");
    }
    // No language asked: the workspace's, and no fallback to report.
    const plain = await everyIvrPath(s);
    for (const [path, res] of Object.entries(plain)) {
      expect(res.body, path).toMatchObject({ language: "fr-CA" });
      expect(res.body.languageFallback, path).toBeUndefined();
    }
  });

  it("refuses an oversized language and a workspace language Baton does not speak, changing nothing", async () => {
    const s = await constrained("+14155550704");
    const j0 = await api("GET", `/v1/journeys/${s.id}`, undefined, s.key);
    const before = j0.body.context?.seq ?? j0.body.seq;
    expect(typeof before).toBe("number");
    const huge = "es-".padEnd(65, "x");
    const r = await hooksIn(s, huge);
    expectProblem(r.studio, 400, "invalid_query");
    expectProblem(r.context, 400, "invalid_query");
    expectProblem(r.genesys, 422, "validation_failed");
    expectProblem(r.connect, 422, "validation_failed");
    const patch = (ivr: unknown) =>
      api("PATCH", `/v1/admin/workspaces/${s.ws}/settings`, { ivr }, ADMIN);
    for (const language of ["pt", "xx-YY", "", "e", "es MX", 42])
      expectProblem(await patch({ language }), 422, "validation_failed");
    // Nothing changed: the lookups still answer in the default language, and the journey
    // took no event from the refused lookups.
    for (const [path, res] of Object.entries(await everyIvrPath(s)))
      expect(res.body, path).toMatchObject({ language: "en-US", match: "single" });
    const j = await api("GET", `/v1/journeys/${s.id}`, undefined, s.key);
    expect(j.body.context?.seq ?? j.body.seq).toBe(before);
  });
});

/**
 * The example of docs/ivr.md, "The map in four languages": one journey with a technician
 * no-show, the promise that recovers from it and two constraints, at the personal tier.
 */
const EXAMPLE_NOW = new Date("2026-12-07T14:00:00Z"); // Monday 9 AM in New York
const EXAMPLE: CallBrief = {
  match: "single",
  journeyId: "jrn_4vNq8mZk2RbT7xWc9yLp3d",
  customerId: "cus_8KfJ2nQw5ZtR1xVb6mHs4c",
  openJourneys: 1,
  journeys: [],
  reason: { text: "The technician never came", topic: "field.missed_visit" },
  lastAction: { text: "visit rebooked", at: "2026-12-05T16:00:00Z", actorName: "Sam" },
  promise: {
    text: "a new visit 14:00-17:00",
    dueAt: "2026-12-08T22:00:00Z",
    status: "pending",
    madeByName: "Sam",
  },
  owner: { id: "dana", name: "Dana Reyes", team: "field service", kind: "person" },
  constraints: ["Afternoons only", "SMS only"],
  constraintItems: [
    {
      text: "Afternoons only",
      kind: "contact_window",
      window: { from: "12:00", to: "18:00", timeZone: "America/New_York" },
      channel: null,
      until: null,
    },
    { text: "SMS only", kind: "channel_only", window: null, channel: "sms", until: null },
  ],
  history: {
    contacts: 3,
    channels: ["sms", "voice", "email"],
    firstContactAt: "2026-12-01T15:00:00Z",
    handoffs: 1,
  },
  exception: {
    kind: "broken_promise",
    text: "the technician did not come on 2026-12-04",
    guidance: "apologise first",
  },
  updatedAt: "2026-12-05T16:00:00Z",
  seq: 12,
};

function exampleMarkdown(): string {
  return SPEECH_LANGUAGES.map((lang) => {
    const map = ivrMap(EXAMPLE, {
      defaultQueue: "general",
      disclosure: { tier: "personal", reason: "assertion_pin" },
      now: EXAMPLE_NOW,
      timeZone: "America/New_York",
      language: resolveLanguage(lang, "en"),
    });
    return `\`language=${lang}\`:\n\n\`\`\`json\n${JSON.stringify(map, null, 2)}\n\`\`\``;
  }).join("\n\n");
}

describe("docs/ivr.md", () => {
  it("shows the example maps exactly as ivrMap answers them", () => {
    const start = "<!-- ivr-example:start -->";
    const end = "<!-- ivr-example:end -->";
    const i = ivrDoc.indexOf(start);
    const j = ivrDoc.indexOf(end);
    expect(i, "docs/ivr.md has the example markers").toBeGreaterThan(0);
    const shown = ivrDoc.slice(i + start.length, j).trim();
    expect(shown).toBe(exampleMarkdown());
  });

  it("documents every key a map can carry", () => {
    const keys = [
      "match",
      "journeyId",
      "customerId",
      "exception",
      "recovery",
      "reason",
      "reasonTopic",
      "lastAction",
      "lastActionAt",
      "promise",
      "promiseDue",
      "promiseStatus",
      "owner",
      "ownerTeam",
      "constraints",
      "history",
      "queue",
      "ownerId",
      "openJourneys",
      "journeyIds",
      "knownCaller",
      "verified",
      "tier",
      "tierReason",
      "language",
      "languageFallback",
      "sentence",
      "degraded",
    ];
    for (const k of keys) expect(ivrDoc, k).toContain(`\`${k}\``);
  });
});
