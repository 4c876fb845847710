import { describe, expect, it } from "vitest";
import type { CallBrief } from "./context-pack-brief";
import { ivrMap, IVR_MAX_BYTES, type Disclosure, type IvrOptions } from "./context-pack-ivr";
import { speakable } from "./context-pack-speech";
import { resolveLanguage, SPEECH_LANGUAGES, type SpeechLanguage } from "./speech-lang";
import { speakTimesInText, spokenDate, spokenInstantIn } from "./speech-time";

// Saturday 2026-12-05, 09:00 in Paris.
const NOW = new Date("2026-12-05T08:00:00.000Z");
const PARIS = "Europe/Paris";
const PERSONAL: Disclosure = { tier: "personal", reason: "assertion_pin" };

function brief(over: Partial<CallBrief> = {}): CallBrief {
  return {
    match: "single",
    journeyId: "jrn_aaaaaaaaaaaaaaaaaaaaaa",
    customerId: "cus_bbbbbbbbbbbbbbbbbbbbbb",
    openJourneys: 1,
    journeys: [],
    reason: null,
    lastAction: null,
    promise: null,
    owner: null,
    constraints: [],
    exception: null,
    updatedAt: NOW.toISOString(),
    seq: 1,
    ...over,
  };
}

const opts = (lang = "en", over: Partial<IvrOptions> = {}): IvrOptions => ({
  defaultQueue: "general",
  disclosure: PERSONAL,
  now: NOW,
  timeZone: PARIS,
  language: resolveLanguage(lang, "en"),
  ...over,
});

const sentenceOf = (b: CallBrief, lang = "en"): string => ivrMap(b, opts(lang)).sentence ?? "";

/** What every spoken sentence must be, whatever went into it. */
function expectSpeakable(s: string, lang: SpeechLanguage, input: string): void {
  const why = `${lang}: ${JSON.stringify(input)} → ${JSON.stringify(s)}`;
  expect(s.length, why).toBeGreaterThan(0);
  // SSML-safe: a flow may wrap it in <speak> as it is.
  expect(s, why).not.toMatch(/[<>&"\\]/u);
  expect(s, why).not.toMatch(
    // eslint-disable-next-line no-control-regex -- exactly what must never be spoken
    /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/u,
  );
  expect(s, why).not.toMatch(/\p{Extended_Pictographic}/u);
  // Ends a sentence, and never with doubled punctuation.
  expect(s, why).toMatch(/[.?!]$/u);
  expect(s, why).not.toMatch(/[.,:?]\s*[.,:]/u);
  // No raw clock times: only a spoken English "9:30 AM" keeps its colon.
  expect(s, why).not.toMatch(/\d:\d\d(?! [AP]M)/u);
  expect(s, why).not.toMatch(/\d{4}-\d\d-\d\d/u);
  if (lang === "en") expect(s, why).not.toMatch(/\babout (I|me|my|we|you|it|was|is)\b/iu);
}

/** Reason texts as customers write them: sentences, questions, fragments, one word, noise. */
const REASONS = [
  "I was charged twice",
  "I was charged twice for March!!!",
  "Why was I charged twice?",
  "why is my bill so high??",
  "double charge",
  "refund",
  "Refund.",
  "internet down",
  "My internet has been down since Monday and nobody called back",
  "The technician never showed up 14:00-17:00",
  "technician no show on 2026-12-04, window 9:30-12:00",
  "Can you call me at 9:30?",
  "please call after 17:00",
  "hi",
  "HELP",
  "?",
  "...",
  "I want to cancel my subscription, it's too expensive.",
  "my card 4111 1111 1111 1111 was charged",
  "order #12345 missing",
  "50% off promo not applied",
  "email me at dana@example.com",
  "<speak>ignore this</speak>",
  'He said "no" & left',
  "<break time='10s'/>wait",
  "&amp; &lt; &#60; entity soup",
  "😡😡😡 terrible service 😡",
  "\u202eevil override text",
  "مرحبا، تم خصم المبلغ مرتين",
  "שלום, חויבתי פעמיים",
  "Me cobraron dos veces",
  "On m'a facturé deux fois",
  "Mir wurde doppelt abgebucht",
  "二重請求されました",
  "a\u0000b\u0007c line\nbreak\ttab",
  "   ",
  "]]><![CDATA[ x",
  "call back 9:30 pm tomorrow",
];

describe("the spoken sentence: reasons as customers write them", () => {
  it("has at least 30 varied reason texts", () => {
    expect(REASONS.length).toBeGreaterThanOrEqual(30);
  });

  for (const lang of SPEECH_LANGUAGES) {
    it(`stays speakable, grammatical and SSML-safe in ${lang} whatever the reason says`, () => {
      for (const text of REASONS) {
        const s = sentenceOf(brief({ reason: { text, topic: null } }), lang);
        expectSpeakable(s, lang, text);
      }
    });

    it(`stays speakable in ${lang} when every spoken item is hostile`, () => {
      for (const text of REASONS) {
        const b = brief({
          reason: { text, topic: null },
          owner: { id: "o", name: text, team: text, kind: "person" },
          promise: { text, dueAt: "2026-12-07T13:00:00Z", status: "overdue", madeByName: text },
          lastAction: { text, at: "2026-12-04T10:00:00Z", actorName: null },
          exception: { kind: "other", text, guidance: text },
        });
        const m = ivrMap(b, opts(lang));
        expectSpeakable(m.sentence ?? "", lang, text);
        expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThanOrEqual(
          IVR_MAX_BYTES,
        );
      }
    });
  }

  it("phrases a first-person reason so the sentence stays grammatical", () => {
    expect(sentenceOf(brief({ reason: { text: "I was charged twice", topic: null } }))).toBe(
      "You told us: I was charged twice.",
    );
    expect(sentenceOf(brief({ reason: { text: "Why was I charged twice?", topic: null } }))).toBe(
      "You told us: why was I charged twice?",
    );
    expect(sentenceOf(brief({ reason: { text: "refund", topic: null } }))).toBe(
      "You told us: refund.",
    );
  });

  it("prefers the topic when there is one", () => {
    const b = brief({ reason: { text: "I was charged twice", topic: "billing.double_charge" } });
    expect(sentenceOf(b)).toBe("You called about your double charge.");
    expect(sentenceOf(b, "es")).toBe("Su consulta: double charge.");
  });
});

describe("the spoken sentence: the most urgent item first", () => {
  const noShow = brief({
    reason: { text: "internet down", topic: null },
    owner: { id: "agt_dana", name: "Dana", team: "field service", kind: "person" },
    promise: {
      text: "a new visit 14:00-17:00",
      dueAt: "2026-12-08T16:00:00Z",
      status: "pending",
      madeByName: "Sam",
    },
    lastAction: { text: "visit booked", at: "2026-12-01T10:00:00Z", actorName: "Sam" },
    exception: {
      kind: "moved_appointment",
      text: "the technician did not show up on 2026-12-04",
      guidance: "apologise, then offer the first free slot",
    },
    constraints: ["Afternoons only", "SMS only"],
  });

  it("leads with the exception, then the promise that recovers from it, then the reason and owner", () => {
    expect(sentenceOf(noShow)).toBe(
      "We are sorry: the technician did not show up on December 4. " +
        "Sam promised a new visit 2 to 5 PM by Tuesday at 5 PM. " +
        "You told us: internet down. Dana from field service is handling it.",
    );
  });

  it("never speaks the agents' guidance, the constraints or the history", () => {
    const s = sentenceOf(noShow);
    expect(s).not.toMatch(/apologise|Afternoons|SMS/u);
  });

  it("puts an overdue promise before the reason, a pending one after it", () => {
    const promise = { text: "a refund", dueAt: "2026-12-04T16:00:00Z", madeByName: null };
    const reason = { text: "double charge", topic: null };
    expect(sentenceOf(brief({ reason, promise: { ...promise, status: "overdue" } }))).toBe(
      "We promised a refund by yesterday at 5 PM, and we are late with it. You told us: double charge.",
    );
    expect(sentenceOf(brief({ reason, promise: { ...promise, status: "pending" } }))).toBe(
      "You told us: double charge. We promised a refund by yesterday at 5 PM.",
    );
  });

  it("says the last action when there is no promise", () => {
    const b = brief({
      lastAction: { text: "refund sent", at: "2026-12-04T15:30:00Z", actorName: null },
    });
    expect(sentenceOf(b)).toBe("Our last update, yesterday at 4:30 PM: refund sent.");
  });

  it("speaks the same journey in Spanish, French and German", () => {
    expect(sentenceOf(noShow, "es")).toBe(
      "Lo sentimos: the technician did not show up on 4 de diciembre. " +
        "Sam le prometió: a new visit de 2 a 5 de la tarde, para el martes a las 5 de la tarde. " +
        "Nos dijo: internet down. Dana, del equipo field service, se encarga de su caso.",
    );
    expect(sentenceOf(noShow, "fr")).toBe(
      "Nous sommes désolés : the technician did not show up on 4 décembre. " +
        "Sam vous a promis : a new visit de 14 h à 17 h, pour mardi à 17 h. " +
        "Vous nous avez dit : internet down. Dana, de l'équipe field service, s'occupe de votre dossier.",
    );
    expect(sentenceOf(noShow, "de")).toBe(
      "Es tut uns leid: the technician did not show up on 4. Dezember. " +
        "Sam hat Ihnen zugesagt: a new visit von 14 bis 17 Uhr, fällig am Dienstag um 17 Uhr. " +
        "Sie sagten uns: internet down. Dana aus dem Team field service kümmert sich darum.",
    );
  });
});

describe("the spoken sentence: a promise at risk", () => {
  // Due today at 2 PM in Paris; the owner was nudged at 9 AM (NOW).
  const promise = {
    text: "your refund",
    dueAt: "2026-12-05T13:00:00Z",
    status: "pending",
    madeByName: "Dana",
    atRiskAt: "2026-12-05T08:00:00Z",
  };
  const atRisk = brief({
    reason: { text: "refund for the double charge", topic: null },
    owner: { id: "agt_dana", name: "Dana", team: "billing", kind: "person" },
    promise,
    lastAction: { text: "refund requested", at: "2026-12-04T10:00:00Z", actorName: "Dana" },
  });

  it("says the promise first, and that we are on it, before the reason", () => {
    expect(sentenceOf(atRisk)).toBe(
      "Dana from billing promised your refund by 2 PM today, and we are on it. " +
        "You told us: refund for the double charge. Dana from billing is handling it.",
    );
    // The same promise not marked at risk: after the reason, as before.
    const plain = brief({ ...atRisk, promise: { ...promise, atRiskAt: null } });
    expect(sentenceOf(plain)).toBe(
      "You told us: refund for the double charge. " +
        "Dana from billing promised your refund by 2 PM today, and is handling it.",
    );
  });

  it("puts an open exception before it, and never calls an overdue or broken one at risk", () => {
    const e = { kind: "failed_payment", text: "your card payment failed", guidance: null };
    expect(sentenceOf(brief({ ...atRisk, exception: e }))).toMatch(
      /^We are sorry: your card payment failed\. Dana from billing promised your refund by 2 PM today, and we are on it\. You told us/u,
    );
    for (const status of ["overdue", "broken"] as const) {
      const s = sentenceOf(brief({ ...atRisk, promise: { ...promise, status } }));
      expect(s).not.toContain("we are on it");
      expect(s).toMatch(/^Dana from billing promised your refund by 2 PM today, and we/u);
    }
    // Past its due time the brief is stale (the alarm will mark it overdue): not "on it".
    const late = sentenceOf(atRisk, "en");
    const after = ivrMap(atRisk, opts("en", { now: new Date("2026-12-05T14:00:00Z") })).sentence;
    expect(late).toContain("we are on it");
    expect(after).not.toContain("we are on it");
  });

  it("says it in Spanish, French and German, SSML-safe, and adds no key to the map", () => {
    expect(sentenceOf(atRisk, "es")).toContain(", y estamos en ello.");
    expect(sentenceOf(atRisk, "fr")).toContain(", et nous nous en occupons.");
    expect(sentenceOf(atRisk, "de")).toContain(", und wir kümmern uns darum.");
    for (const lang of ["en", "es", "fr", "de"] as const) {
      const s = sentenceOf(atRisk, lang);
      expectSpeakable(s, lang, "at risk");
      // The promise leads: the reason comes after it.
      const told = {
        en: "You told us",
        es: "Nos dijo",
        fr: "Vous nous avez dit",
        de: "Sie sagten uns",
      };
      expect(s.indexOf(told[lang]), s).toBeGreaterThan(0);
      const keys = (b: CallBrief) => Object.keys(ivrMap(b, opts(lang))).sort();
      const plain = brief({ ...atRisk, promise: { ...promise, atRiskAt: null } });
      expect(keys(atRisk)).toEqual(keys(plain));
    }
  });

  it("stays within 1 KB with long multi-byte text in every language", () => {
    const long = "réclamation très urgente ünd 😀 ".repeat(40);
    const b = brief({
      ...atRisk,
      reason: { text: long, topic: null },
      promise: { ...promise, text: long },
      lastAction: { text: long, at: "2026-12-04T10:00:00Z", actorName: long },
    });
    for (const lang of ["en", "es", "fr", "de"] as const) {
      const m = ivrMap(b, opts(lang));
      expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThanOrEqual(IVR_MAX_BYTES);
      expectSpeakable(m.sentence ?? "", lang, "long at risk");
    }
  });
});

describe("times and dates spoken as a person would", () => {
  const at = { now: NOW, timeZone: PARIS };
  const cases: Array<[SpeechLanguage, string, string]> = [
    ["en", "14:00-17:00", "2 to 5 PM"],
    ["en", "11:00 - 14:30", "11 AM to 2:30 PM"],
    ["en", "9:30", "9:30 AM"],
    ["en", "at 12:00", "at noon"],
    ["en", "9:30 pm", "9:30 PM"],
    ["en", "2026-12-08", "December 8"],
    ["en", "2027-01-02", "January 2, 2027"],
    ["en", "2026-02-30", "2026-02-30"],
    ["en", "25:00 and 10:61", "25:00 and 10:61"],
    ["es", "14:00-17:00", "de 2 a 5 de la tarde"],
    ["es", "9:30", "9 y media de la mañana"],
    ["es", "2026-12-08", "8 de diciembre"],
    ["fr", "14:00-17:00", "de 14 h à 17 h"],
    ["fr", "9:30", "9 h 30"],
    ["fr", "2026-12-01", "1er décembre"],
    ["de", "14:00-17:00", "von 14 bis 17 Uhr"],
    ["de", "9:30", "9 Uhr 30"],
    ["de", "2026-12-08", "8. Dezember"],
  ];
  for (const [lang, text, spoken] of cases)
    it(`${lang}: "${text}" → "${spoken}"`, () => {
      expect(speakTimesInText(text, lang, at)).toBe(spoken);
    });

  it("an ISO instant inside text is spoken relative to now", () => {
    expect(speakTimesInText("due 2026-12-06T16:00:00Z", "en", at)).toBe("due tomorrow at 5 PM");
    expect(speakTimesInText("due 2026-12-06T16:00:00Z", "de", at)).toBe("due morgen um 17 Uhr");
  });

  it("never leaves a bare clock when a phrase is cut mid-time", () => {
    const s = speakable("visit at 9:30", { lang: "en", ...at });
    expect(s).toBe("visit at 9:30 AM");
  });

  it("has the month and weekday names of every language in workerd's Intl data", () => {
    for (const lang of ["es", "fr", "de"])
      expect(new Intl.DateTimeFormat(lang).resolvedOptions().locale.slice(0, 2)).toBe(lang);
    expect(spokenDate("es", 2026, 3, 2, false)).toBe("2 de marzo");
    expect(spokenDate("fr", 2026, 8, 15, false)).toBe("15 août");
    expect(spokenDate("de", 2026, 3, 2, true)).toBe("2. März 2026");
    // Thursday 2026-12-10, 17:00 in Paris.
    const thu = "2026-12-10T16:00:00Z";
    expect(spokenInstantIn("en", thu, NOW, PARIS)).toBe("Thursday at 5 PM");
    expect(spokenInstantIn("es", thu, NOW, PARIS)).toBe("el jueves a las 5 de la tarde");
    expect(spokenInstantIn("fr", thu, NOW, PARIS)).toBe("jeudi à 17 h");
    expect(spokenInstantIn("de", thu, NOW, PARIS)).toBe("am Donnerstag um 17 Uhr");
    expect(spokenInstantIn("es", "2026-12-05T12:00:00Z", NOW, PARIS)).toBe(
      "hoy a la 1 del mediodía",
    );
  });
});

describe("languages", () => {
  it("takes BCP-47 tags and keeps the region for the TTS voice", () => {
    expect(resolveLanguage("es-MX", "en")).toEqual({
      lang: "es",
      tag: "es-MX",
      fallbackFrom: null,
    });
    expect(resolveLanguage("fr", "en")).toEqual({ lang: "fr", tag: "fr-FR", fallbackFrom: null });
    expect(resolveLanguage("de_ch", "en")).toEqual({
      lang: "de",
      tag: "de-CH",
      fallbackFrom: null,
    });
    expect(resolveLanguage("EN-gb", "de")).toEqual({
      lang: "en",
      tag: "en-GB",
      fallbackFrom: null,
    });
    expect(resolveLanguage("zh-Hant-TW", "es-MX")).toEqual({
      lang: "es",
      tag: "es-MX",
      fallbackFrom: "zh-Hant-TW",
    });
  });

  it("falls back to the workspace's language for an unknown one, and the map says so", () => {
    for (const asked of ["pt-BR", "klingon", "x", "12", "<es>"]) {
      const m = ivrMap(brief({ match: "none", journeyId: null }), {
        ...opts(),
        language: resolveLanguage(asked, "de"),
      });
      expect(m.language, asked).toBe("de-DE");
      expect(m.sentence, asked).toBe("Danke für Ihren Anruf. Ich verbinde Sie.");
      expect(m.languageFallback, asked).toMatch(/^[A-Za-z0-9_-]{1,35}$/u);
    }
    const m = ivrMap(brief({ match: "none", journeyId: null }), {
      ...opts(),
      language: resolveLanguage("<es>", "de"),
    });
    expect(m.languageFallback).toBe("es");
    const none = ivrMap(brief({ match: "none", journeyId: null }), {
      ...opts(),
      language: resolveLanguage("", "fr"),
    });
    expect(none.language).toBe("fr-FR");
    expect(none.languageFallback).toBeUndefined();
  });

  it("asks which matter in the caller's language", () => {
    const journeys = [
      { id: "a", reasonText: null, reasonTopic: "billing.refund", status: "open", updatedAt: "" },
      { id: "b", reasonText: "internet down", reasonTopic: null, status: "open", updatedAt: "" },
    ];
    const b = brief({ match: "multiple", openJourneys: 2, journeys });
    expect(sentenceOf(b, "fr")).toBe("Appelez-vous au sujet de refund, ou de internet down ?");
    expect(sentenceOf(b, "de")).toBe("Rufen Sie wegen refund an, oder wegen internet down?");
    const prompt = ivrMap(b, { ...opts("es"), disclosure: { tier: "prompt", reason: "x" } });
    expect(prompt.sentence).toBe("¿Llama por una de sus solicitudes recientes?");
  });
});

describe("constraints and history in the map", () => {
  const items = [
    { text: "Afternoons only.", kind: "contact_window", window: null, channel: null, until: null },
    { text: "SMS only", kind: "channel_only", window: null, channel: "sms", until: null },
    {
      text: "legal hold",
      kind: "legal",
      window: null,
      channel: null,
      until: "2026-12-01T00:00:00Z",
    },
  ];
  const history = {
    contacts: 3,
    channels: ["sms", "voice", "email"],
    firstContactAt: "2026-12-01T09:00:00Z",
    handoffs: 1,
  };

  it("gives one line each, without lapsed constraints, at the routing tier", () => {
    const b = brief({
      constraints: items.map((c) => c.text),
      constraintItems: items,
      history,
      reason: { text: "secret words", topic: null },
    });
    const m = ivrMap(b, {
      ...opts(),
      disclosure: { tier: "routing", reason: "attestation_absent" },
    });
    expect(m.constraints).toBe("Afternoons only; SMS only");
    expect(m.history).toBe("3 contacts since Tue Dec 1: sms, voice, email; 1 handoff");
    expect(JSON.stringify(m)).not.toContain("secret");
    // Cards stored before constraint details existed: the texts, none known to have lapsed.
    const old = ivrMap(brief({ constraints: ["Afternoons only", "legal hold"] }), opts());
    expect(old.constraints).toBe("Afternoons only; legal hold");
    expect(old.history).toBeUndefined();
    const one = ivrMap(brief({ history: { ...history, contacts: 1, handoffs: 0 } }), opts());
    expect(one.history).toBe("1 contact since Tue Dec 1: sms, voice, email");
    const lastYear = { ...history, firstContactAt: "2025-11-30T09:00:00Z" };
    expect(ivrMap(brief({ history: lastYear }), opts()).history).toMatch(
      /^3 contacts since Sun Nov 30 2025:/u,
    );
  });

  it("a policy can move them to the personal tier", () => {
    const b = brief({ constraints: ["SMS only"], history });
    const policy = { constraints: "personal", history: "personal" } as const;
    const routing = ivrMap(b, { ...opts(), disclosure: { tier: "routing", reason: "x", policy } });
    expect(routing.constraints).toBeUndefined();
    expect(routing.history).toBeUndefined();
    const personal = ivrMap(b, { ...opts(), disclosure: { ...PERSONAL, policy } });
    expect(personal.constraints).toBe("SMS only");
  });

  it("shortens them with the other free text to stay within 1 KB, never dropping language", () => {
    const long = Array.from({ length: 10 }, (_, i) => `constraint ${i} ${"é".repeat(120)}`);
    const b = brief({
      constraints: long,
      history: { ...history, channels: Array.from({ length: 9 }, () => "webchat") },
      reason: { text: "x ".repeat(600), topic: "billing.double_charge" },
      promise: {
        text: "y".repeat(900),
        dueAt: "2026-12-08T10:00:00Z",
        status: "pending",
        madeByName: "Z",
      },
      owner: { id: "agt_1", name: "Dana", team: "billing", kind: "person" },
    });
    for (const lang of SPEECH_LANGUAGES) {
      const m = ivrMap(b, { ...opts(lang), language: resolveLanguage("pt-BR", lang) });
      expect(new TextEncoder().encode(JSON.stringify(m)).length).toBeLessThanOrEqual(IVR_MAX_BYTES);
      expect(m).toMatchObject({ match: "single", queue: "billing", tier: "personal" });
      expect(m.language).toMatch(new RegExp(`^${lang}-`, "u"));
      expect(m.constraints?.startsWith("constraint 0")).toBe(true);
      expectSpeakable(m.sentence ?? "", lang, "long");
    }
  });
});
