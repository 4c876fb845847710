import { describe, expect, it } from "vitest";
import {
  decideOutreach,
  formatDue,
  formatLead,
  journeyRef,
  optOutKeyword,
  outreachMessage,
  outreachProblems,
  renderTemplate,
  type DecideOutreachInput,
  type OutreachConstraint,
} from "./outreach";
import {
  OUTREACH_TEMPLATE_KEYS,
  OutreachTemplates,
  TEMPLATE_VARIABLES,
  parseTemplate,
} from "./outreach-schema";
import { DEFAULT_TEMPLATES } from "./outreach-templates";
import { WorkspaceSettings, WorkspaceSettingsPatch, applySettingsPatch } from "./settings";
import { redactSettings } from "./settings-view";
import { SPEECH_LANGUAGES } from "./speech-lang";
import { ConstraintInput, ExceptionKind, SystemEventType } from "./journey";

const SPKI =
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE85xwxW6deNhJJboCi5LYqHrkhPVfO0jk3yyhheTeOz2GRIsVDg9IMb0PktNSrGgk0eCgQNXeQ4YqGqoECVw15Q==";
const SID = `AC${"0123456789abcdef".repeat(2)}`;

const issues = (r: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => (r.error?.issues ?? []).map((i) => `${i.path.map(String).join(".")}: ${i.message}`);

describe("outreach templates at save", () => {
  it("refuses an unknown variable, naming it, the trigger and the field", () => {
    const r = WorkspaceSettings.safeParse({
      outreach: { templates: { "promise.kept": { es: { sms: "Hecho: {promise} ({dueDate})" } } } },
    });
    expect(r.success).toBe(false);
    const [msg, ...rest] = issues(r);
    expect(rest).toEqual([]);
    expect(msg).toContain("outreach.templates.promise.kept.es.sms");
    expect(msg).toContain("unknown variable {dueDate}");
    expect(msg).toContain("promise.kept");
  });

  it("refuses a variable another trigger has but this one does not", () => {
    // {newDue} exists only for promise.renegotiated; {lead} only for the owner nudge.
    expect(
      issues(OutreachTemplates.safeParse({ "promise.kept": { en: { sms: "{newDue}" } } })),
    ).toEqual([expect.stringContaining("unknown variable {newDue} in the promise.kept template")]);
    expect(
      OutreachTemplates.safeParse({ "promise.at_risk": { en: { sms: "in {lead}" } } }).success,
    ).toBe(false);
    expect(
      OutreachTemplates.safeParse({ "owner.nudge": { en: { sms: "in {lead}" } } }).success,
    ).toBe(true);
    expect(
      OutreachTemplates.safeParse({ "promise.renegotiated": { fr: { email: "le {newDue}" } } })
        .success,
    ).toBe(true);
  });

  it.each([
    ["Hello {reason", 'unmatched "{"'],
    ["Hello reason}", 'unmatched "}"'],
    ["Hello {}", 'empty "{}"'],
    ["Hello {{reason}}", 'unmatched "{"'],
    ["Hello { reason }", "is not a variable name"],
  ])("refuses bad braces: %s", (tpl, error) => {
    const r = OutreachTemplates.safeParse({ "exception.raised": { de: { email: tpl } } });
    expect(r.success).toBe(false);
    expect(issues(r)[0]).toContain(error);
    expect(issues(r)[0]).toContain("exception.raised");
  });

  it("refuses unknown triggers, languages, fields, and an empty entry", () => {
    expect(OutreachTemplates.safeParse({ "promise.made": { en: { sms: "x" } } }).success).toBe(
      false,
    );
    expect(OutreachTemplates.safeParse({ "promise.kept": { pt: { sms: "x" } } }).success).toBe(
      false,
    );
    expect(OutreachTemplates.safeParse({ "promise.kept": { en: { body: "x" } } }).success).toBe(
      false,
    );
    expect(OutreachTemplates.safeParse({ "promise.kept": { en: {} } }).success).toBe(false);
    expect(
      OutreachTemplates.safeParse({ "promise.kept": { en: { subject: "a\nb" } } }).success,
    ).toBe(false);
  });

  it("every default template parses, uses only its variables, and SMS fits 300 characters", () => {
    for (const key of OUTREACH_TEMPLATE_KEYS) {
      for (const lang of SPEECH_LANGUAGES) {
        const set = DEFAULT_TEMPLATES[key][lang];
        expect(set.sms.length, `${key} ${lang}`).toBeLessThanOrEqual(300);
        expect(
          OutreachTemplates.safeParse({ [key]: { [lang]: set } }).success,
          `${key} ${lang}`,
        ).toBe(true);
        for (const text of [set.sms, set.subject, set.email]) {
          const parsed = parseTemplate(text);
          expect(
            "vars" in parsed && parsed.vars.every((v) => TEMPLATE_VARIABLES[key].includes(v)),
          ).toBe(true);
        }
      }
    }
  });
});

describe("rendering", () => {
  it("fills variables in one pass and never leaves a literal {x}", () => {
    expect(renderTemplate("{owner} re {reason}", { owner: "Ana", reason: "my {bill}" })).toBe(
      "Ana re my {bill}",
    );
    expect(renderTemplate("{owner} / {team} / {reason}", { owner: null, team: " " }, "en")).toBe(
      "our team / our team / your request",
    );
    expect(renderTemplate("{reason}", {}, "es")).toBe("su solicitud");
    expect(renderTemplate("{reason}", {}, "fr")).toBe("votre demande");
    expect(renderTemplate("{lead}", {}, "de")).toBe("Kürze");
    expect(renderTemplate("{mystery}", {}, "en")).not.toContain("{");
  });

  it("short journey refs and lead times", () => {
    expect(journeyRef("jrn_0123456789abcdefghij4k")).toBe("GHIJ4K");
    expect(formatLead(15, "en")).toBe("15 minutes");
    expect(formatLead(60, "en")).toBe("1 hour");
    expect(formatLead(90, "en")).toBe("1 hour and 30 minutes");
    expect(formatLead(2880, "en")).toBe("2 days");
    expect(formatLead(1, "es")).toBe("1 minuto");
    expect(formatLead(120, "fr")).toBe("2 heures");
    expect(formatLead(2880, "de")).toBe("2 Tagen");
    expect(formatLead(60, "de")).toBe("1 Stunde");
  });

  it("formats a due time in four languages, in the zone", () => {
    const due = "2026-12-08T13:00:00Z"; // 14:00 in Paris, a Tuesday
    expect(formatDue(due, "en", "Europe/Paris")).toBe("Tuesday, December 8 at 2 PM");
    expect(formatDue(due, "es-MX", "Europe/Paris")).toBe(
      "martes 8 de diciembre a las 2 de la tarde",
    );
    expect(formatDue(due, "fr", "Europe/Paris")).toBe("mardi 8 décembre à 14 h");
    expect(formatDue(due, "de-AT", "Europe/Paris")).toBe("Dienstag, 8. Dezember um 14 Uhr");
    expect(formatDue("2026-12-08T13:00:00Z", "es", "UTC")).toBe(
      "martes 8 de diciembre a la 1 del mediodía",
    );
    expect(formatDue("2026-12-08T12:00:00Z", "en", "UTC")).toBe("Tuesday, December 8 at noon");
    // The zone changes the day; an unknown zone reads as UTC; an unknown language as English.
    expect(formatDue("2026-12-09T02:30:00Z", "en", "America/New_York")).toBe(
      "Tuesday, December 8 at 9:30 PM",
    );
    expect(formatDue(due, "en", "Mars/Olympus")).toBe("Tuesday, December 8 at 1 PM");
    expect(formatDue(due, "pt-BR", "UTC")).toBe("Tuesday, December 8 at 1 PM");
    // The year only when it is not now's.
    const now = Date.parse("2026-12-05T10:00:00Z");
    expect(formatDue("2027-01-05T10:00:00Z", "en", "UTC", now)).toBe(
      "Tuesday, January 5, 2027 at 10 AM",
    );
    expect(formatDue(due, "en", "UTC", now)).toBe("Tuesday, December 8 at 1 PM");
    expect(formatDue("not a time", "en", "UTC")).toBe("not a time");
  });
});

describe("outreachMessage", () => {
  const vars = {
    reason: "double charge on invoice 1042",
    promise: "refund the second charge",
    due: "2026-12-08T13:00:00Z",
    journey: "jrn_0123456789abcdefghij4k",
  };
  const base = { trigger: "promise.at_risk" as const, audience: "customer" as const, vars };

  it("words the default in the recipient's language, formatting due and journey", () => {
    const en = outreachMessage({
      ...base,
      channel: "sms",
      language: "en-GB",
      timeZone: "Europe/Paris",
    });
    expect(en).toEqual({
      language: "en",
      body: "Update on double charge on invoice 1042: we are still working on refund the second charge, due Tuesday, December 8 at 2 PM. We will tell you as soon as it is done. Ref GHIJ4K",
    });
    const es = outreachMessage({
      ...base,
      channel: "sms",
      language: "es-MX",
      timeZone: "Europe/Paris",
    });
    expect(es.language).toBe("es");
    expect(es.body).toContain("previsto para el martes 8 de diciembre a las 2 de la tarde");
    const fr = outreachMessage({
      ...base,
      channel: "email",
      language: "fr",
      timeZone: "Europe/Paris",
    });
    expect(fr.subject).toBe("Suivi de votre demande (réf. GHIJ4K)");
    expect(fr.body).toContain("prévu le mardi 8 décembre à 14 h");
    const de = outreachMessage({
      ...base,
      channel: "sms",
      language: "de",
      timeZone: "Europe/Paris",
    });
    expect(de.body).toContain("fällig am Dienstag, 8. Dezember um 14 Uhr");
    expect(de.body).not.toMatch(/[{}]/);
  });

  it("falls back: caller language, workspace language, default, English", () => {
    const templates = OutreachTemplates.parse({
      "promise.kept": {
        fr: { sms: "FR custom {promise}" },
        de: { email: "DE custom body {promise}" },
      },
    });
    const settings = { templates, language: "fr" };
    const msg = (language: string | null, channel: "sms" | "email" = "sms") =>
      outreachMessage({ ...base, trigger: "promise.kept", channel, language, settings });
    // Spanish asked: no custom es → the workspace's fr custom comes before the es default.
    expect(msg("es")).toEqual({ body: "FR custom refund the second charge", language: "fr" });
    // Unsupported or missing language → the workspace's.
    expect(msg("pt-BR").body).toBe("FR custom refund the second charge");
    expect(msg(null).language).toBe("fr");
    // German email: the custom body, the default German subject.
    expect(msg("de", "email")).toMatchObject({
      subject: "Erledigt: Ihr Anliegen (Ref. GHIJ4K)",
      body: "DE custom body refund the second charge",
      language: "de",
    });
    // German SMS: no custom de sms → workspace fr custom.
    expect(msg("de").body).toBe("FR custom refund the second charge");
    // Email in English with a workspace in French that has no email → default in en.
    expect(msg("en", "email").language).toBe("en");
    // Whole WorkspaceSettings work too.
    const ws = WorkspaceSettings.parse({ outreach: { language: "fr", templates } });
    expect(
      outreachMessage({
        ...base,
        trigger: "promise.kept",
        channel: "sms",
        language: "es",
        settings: ws,
      }).body,
    ).toBe("FR custom refund the second charge");
    // No settings at all, unsupported language → English default.
    expect(outreachMessage({ ...base, channel: "sms", language: "pt" }).language).toBe("en");
  });

  it("the owner nudge, with the lead time in the chosen language", () => {
    const n = outreachMessage({
      ...base,
      audience: "owner",
      channel: "sms",
      language: "en",
      vars: { ...vars, lead: 15 },
    });
    expect(n.body).toBe(
      "Promise due in 15 minutes: refund the second charge (journey GHIJ4K, double charge on invoice 1042)",
    );
    const es = outreachMessage({
      ...base,
      audience: "owner",
      channel: "email",
      language: "es",
      vars: { ...vars, lead: "60" },
    });
    expect(es.subject).toBe("Promesa con vencimiento en 1 hora: caso GHIJ4K");
  });

  it("keeps an email subject on one line whatever the values hold", () => {
    const templates = OutreachTemplates.parse({
      "exception.raised": { en: { subject: "Re: {reason}", email: "x" } },
    });
    const m = outreachMessage({
      trigger: "exception.raised",
      audience: "customer",
      channel: "email",
      settings: { templates },
      vars: { reason: "line one\r\nBcc: evil@example.com" },
    });
    expect(m.subject).toBe("Re: line one Bcc: evil@example.com");
  });
});

describe("decideOutreach", () => {
  const PARIS_NIGHT = Date.parse("2026-12-08T21:30:00Z"); // 22:30 in Paris
  const PARIS_NOON = Date.parse("2026-12-08T11:00:00Z"); // 12:00 in Paris
  const c = (over: Partial<OutreachConstraint> & { kind: string }): OutreachConstraint => ({
    id: `con_${over.kind}_${over.channel ?? "all"}`,
    text: over.kind,
    ...over,
  });
  const decide = (over: Partial<DecideOutreachInput>) =>
    decideOutreach({
      audience: "customer",
      preferred: "sms",
      available: ["sms", "email"],
      constraints: [],
      quietHours: { from: "21:00", to: "08:00" },
      timeZone: "Europe/Paris",
      now: PARIS_NOON,
      ...over,
    });

  it("owners: preferred, else first, else no contact; their journey's constraints do not apply", () => {
    const legal = c({ kind: "legal", text: "litigation" });
    expect(
      decide({ audience: "owner", preferred: "email", constraints: [legal], now: PARIS_NIGHT }),
    ).toEqual({
      action: "send",
      channel: "email",
    });
    expect(decide({ audience: "owner", preferred: "email", available: ["sms"] })).toEqual({
      action: "send",
      channel: "sms",
    });
    expect(decide({ audience: "owner", preferred: null, available: [] })).toEqual({
      action: "suppress",
      reason: "no contact",
    });
  });

  it("customers: preferred when allowed, else the first available", () => {
    expect(decide({})).toEqual({ action: "send", channel: "sms" });
    expect(decide({ preferred: "email" })).toEqual({ action: "send", channel: "email" });
    expect(decide({ preferred: "sms", available: ["email"] })).toEqual({
      action: "send",
      channel: "email",
    });
    expect(decide({ preferred: null, available: ["email", "sms"] })).toEqual({
      action: "send",
      channel: "email",
    });
    expect(decide({ available: [] })).toEqual({ action: "suppress", reason: "no contact" });
  });

  it("a legal hold suppresses; an expired one is ignored", () => {
    const legal = c({ kind: "legal", text: "do not contact: litigation", id: "con_legal" });
    expect(decide({ constraints: [legal] })).toEqual({
      action: "suppress",
      reason: "legal hold: do not contact: litigation",
      constraintId: "con_legal",
    });
    const expired = { ...legal, until: "2026-12-08T10:00:00.000Z" };
    expect(decide({ constraints: [expired] })).toEqual({ action: "send", channel: "sms" });
    const later = { ...legal, until: "2026-12-09T10:00:00.000Z" };
    expect(decide({ constraints: [later] }).action).toBe("suppress");
  });

  it("opted out and channel only narrow the channels", () => {
    const stopSms = c({ kind: "opted_out", channel: "sms", text: "STOP", id: "con_stop" });
    expect(decide({ constraints: [stopSms] })).toEqual({ action: "send", channel: "email" });
    expect(decide({ constraints: [stopSms], available: ["sms"] })).toEqual({
      action: "suppress",
      reason: 'no channel left: opted out of sms ("STOP")',
      constraintId: "con_stop",
    });
    const stopAll = c({ kind: "opted_out", text: "do not contact me", id: "con_all" });
    expect(decide({ constraints: [stopAll] })).toMatchObject({
      action: "suppress",
      reason: 'no channel left: opted out of every channel ("do not contact me")',
      constraintId: "con_all",
    });
    const emailOnly = c({ kind: "channel_only", channel: "email", text: "email only" });
    expect(decide({ constraints: [emailOnly] })).toEqual({ action: "send", channel: "email" });
    const voiceOnly = c({
      kind: "channel_only",
      channel: "voice",
      text: "calls only",
      id: "con_voice",
    });
    expect(decide({ constraints: [voiceOnly] })).toEqual({
      action: "suppress",
      reason: 'no channel left: voice only ("calls only")',
      constraintId: "con_voice",
    });
    // An opt-out of email with email only: nothing left, both named.
    expect(
      decide({
        constraints: [emailOnly, c({ kind: "opted_out", channel: "email", text: "unsubscribe" })],
      }),
    ).toMatchObject({
      action: "suppress",
      reason: 'no channel left: email only ("email only"); opted out of email ("unsubscribe")',
    });
    // Expired opt-out: ignored. Other kinds: not acted on.
    expect(
      decide({ constraints: [{ ...stopSms, until: "2026-01-01T00:00:00Z" }], available: ["sms"] }),
    ).toEqual({
      action: "send",
      channel: "sms",
    });
    expect(
      decide({ constraints: [c({ kind: "accessibility", text: "deaf: text only" })] }).action,
    ).toBe("send");
  });

  it("quiet hours hold until they end, in the workspace zone", () => {
    expect(decide({ now: PARIS_NIGHT })).toEqual({
      action: "hold",
      channel: "sms",
      until: "2026-12-09T07:00:00.000Z",
      reason: "quiet hours 21:00–08:00 (Europe/Paris): held until 08:00",
    });
    expect(decide({ now: PARIS_NIGHT, quietHours: null })).toEqual({
      action: "send",
      channel: "sms",
    });
    // At 08:00 sharp it goes; at 07:59:30 it waits 30 seconds.
    expect(decide({ now: Date.parse("2026-12-09T07:00:00Z") }).action).toBe("send");
    expect(decide({ now: Date.parse("2026-12-09T06:59:30Z") })).toMatchObject({
      action: "hold",
      until: "2026-12-09T07:00:00.000Z",
    });
    // 20:59 goes, 21:00 waits.
    expect(decide({ now: Date.parse("2026-12-08T19:59:00Z") }).action).toBe("send");
    expect(decide({ now: Date.parse("2026-12-08T20:00:00Z") }).action).toBe("hold");
  });

  it("contact windows: per channel, in their own zone, wrapping midnight", () => {
    const ny = { from: "17:00", to: "21:00", timeZone: "America/New_York" };
    const voice = c({
      kind: "contact_window",
      channel: "voice",
      window: ny,
      text: "no calls before 17:00",
    });
    expect(decide({ constraints: [voice] })).toEqual({ action: "send", channel: "sms" });
    const sms = c({
      kind: "contact_window",
      channel: "sms",
      window: ny,
      text: "texts after 17:00",
      id: "con_w",
    });
    // 12:00 Paris = 06:00 New York → 17:00 New York = 22:00Z.
    expect(decide({ constraints: [sms], quietHours: null })).toEqual({
      action: "hold",
      channel: "sms",
      until: "2026-12-08T22:00:00.000Z",
      reason:
        'contact window 17:00–21:00 (America/New_York, sms) "texts after 17:00": held until 17:00',
      constraintId: "con_w",
    });
    // The same window with email preferred: it does not apply to email.
    expect(decide({ constraints: [sms], preferred: "email" })).toEqual({
      action: "send",
      channel: "email",
    });
    // A window that wraps midnight: night only.
    const night = c({
      kind: "contact_window",
      window: { from: "21:00", to: "08:00", timeZone: "Europe/Paris" },
      text: "nights",
    });
    expect(decide({ constraints: [night], quietHours: null })).toMatchObject({
      action: "hold",
      until: "2026-12-08T20:00:00.000Z",
    });
    expect(decide({ constraints: [night], quietHours: null, now: PARIS_NIGHT }).action).toBe(
      "send",
    );
    expect(
      decide({ constraints: [night], quietHours: null, now: Date.parse("2026-12-09T06:59:00Z") })
        .action,
    ).toBe("send");
    // An expired window is ignored; a window from = to allows the whole day.
    expect(decide({ constraints: [{ ...sms, until: "2026-12-08T10:00:00Z" }] }).action).toBe(
      "send",
    );
    const allDay = c({
      kind: "contact_window",
      window: { from: "09:00", to: "09:00", timeZone: "UTC" },
      text: "any",
    });
    expect(decide({ constraints: [allDay] }).action).toBe("send");
  });

  it("combines windows and quiet hours: the earliest instant all allow", () => {
    // Berlin 14:00–20:00 (13–19Z) and New York 08:00–17:00 (13–22Z): from 13:00Z.
    const berlin = c({
      kind: "contact_window",
      window: { from: "14:00", to: "20:00", timeZone: "Europe/Berlin" },
      text: "b",
      id: "b",
    });
    const ny = c({
      kind: "contact_window",
      window: { from: "08:00", to: "17:00", timeZone: "America/New_York" },
      text: "n",
      id: "n",
    });
    const r = decide({ constraints: [berlin, ny], now: Date.parse("2026-12-08T10:00:00Z") });
    expect(r).toMatchObject({
      action: "hold",
      until: "2026-12-08T13:00:00.000Z",
      constraintId: "b",
    });
    expect(r.action === "hold" && r.reason).toContain("(Europe/Berlin)");
    expect(r.action === "hold" && r.reason).toContain("(America/New_York)");
    expect(
      decide({ constraints: [berlin, ny], now: Date.parse("2026-12-08T15:00:00Z") }).action,
    ).toBe("send");
    // Window 17:00–21:00 and quiet hours from 20:00: at 20:30 the quiet hours end at 08:00,
    // but the window only opens at 17:00 the next day.
    const eve = c({
      kind: "contact_window",
      window: { from: "17:00", to: "21:00", timeZone: "Europe/Paris" },
      text: "evenings",
      id: "eve",
    });
    const held = decide({
      constraints: [eve],
      quietHours: { from: "20:00", to: "08:00" },
      now: Date.parse("2026-12-08T19:30:00Z"),
    });
    expect(held).toMatchObject({
      action: "hold",
      until: "2026-12-09T16:00:00.000Z",
      constraintId: "eve",
    });
    expect(held.action === "hold" && held.reason).toMatch(
      /^quiet hours 20:00–08:00 \(Europe\/Paris\) and contact window 17:00–21:00/,
    );
  });

  it("gives up when no time within 8 days satisfies every window", () => {
    const morning = c({
      kind: "contact_window",
      window: { from: "09:00", to: "10:00", timeZone: "UTC" },
      text: "mornings",
      id: "m",
    });
    const afternoon = c({
      kind: "contact_window",
      window: { from: "14:00", to: "15:00", timeZone: "UTC" },
      text: "afternoons",
      id: "a",
    });
    const r = decide({ constraints: [morning, afternoon] });
    expect(r.action).toBe("suppress");
    expect(r.action === "suppress" && r.reason).toMatch(/^no time satisfies the contact windows/);
    expect(r).toMatchObject({ constraintId: "m" });
    // A window entirely inside the quiet hours never opens either.
    const late = c({
      kind: "contact_window",
      window: { from: "22:00", to: "23:00", timeZone: "Europe/Paris" },
      text: "late",
    });
    expect(decide({ constraints: [late] }).action).toBe("suppress");
  });

  it("steps minute-exact across daylight-saving changes", () => {
    // Paris springs forward 2026-03-29 02:00 → 03:00 (01:00Z). A 02:30–04:00 window opens at
    // 03:00 local = 01:00Z: 02:30 never happens that night.
    const w = c({
      kind: "contact_window",
      window: { from: "02:30", to: "04:00", timeZone: "Europe/Paris" },
      text: "w",
    });
    expect(
      decide({ constraints: [w], quietHours: null, now: Date.parse("2026-03-29T00:30:00Z") }),
    ).toMatchObject({
      action: "hold",
      until: "2026-03-29T01:00:00.000Z",
    });
    // Paris falls back 2026-10-25 03:00 → 02:00: quiet hours end at 08:00 CET = 07:00Z.
    expect(decide({ now: Date.parse("2026-10-24T20:00:00Z") })).toMatchObject({
      action: "hold",
      until: "2026-10-25T07:00:00.000Z",
    });
    // New York springs forward 2026-03-08: 08:00 EDT = 12:00Z (13:00Z the day before).
    expect(
      decide({ timeZone: "America/New_York", now: Date.parse("2026-03-08T03:00:00Z") }),
    ).toMatchObject({
      action: "hold",
      until: "2026-03-08T12:00:00.000Z",
    });
    expect(
      decide({ timeZone: "America/New_York", now: Date.parse("2026-03-07T03:00:00Z") }),
    ).toMatchObject({
      action: "hold",
      until: "2026-03-07T13:00:00.000Z",
    });
    // Both zones at once: a Paris quiet-hours end and a New York window, across the US change.
    const ny = c({
      kind: "contact_window",
      window: { from: "07:00", to: "09:00", timeZone: "America/New_York" },
      text: "ny",
    });
    expect(decide({ constraints: [ny], now: Date.parse("2026-03-08T05:00:00Z") })).toMatchObject({
      action: "hold",
      until: "2026-03-08T11:00:00.000Z", // 07:00 EDT; 12:00 in Paris (quiet hours over)
    });
  });
});

describe("opt-out keywords", () => {
  it.each([
    "STOP",
    "stop",
    " Stop \n",
    "STOPALL",
    "unsubscribe",
    "CANCEL",
    "end",
    "QUIT",
    "OptOut",
    "REVOKE",
  ])("%j stops", (t) => expect(optOutKeyword(t)).toBe("stop"));
  it.each(["START", "yes", "Unstop"])("%j starts", (t) => expect(optOutKeyword(t)).toBe("start"));
  it.each(["stop please", "STOP.", "please stop", "", "HELP", "yes please"])(
    "%j is no keyword",
    (t) => expect(optOutKeyword(t)).toBeNull(),
  );
});

describe("outreach settings", () => {
  it("default to all off, ready, and keep inbound-only provider configs valid", () => {
    const s = WorkspaceSettings.parse({
      providers: {
        twilio: { authToken: "twilio-token-1" },
        postmark: { username: "u", password: "password-1" },
        mailgun: { signingKey: "signing-key-1" },
        sendgrid: { username: "u", password: "password-1" },
      },
    });
    expect(s.outreach).toEqual({
      customerUpdates: [],
      exceptionKinds: ["failed_payment", "moved_appointment"],
      nudges: { leadMinutes: [60, 15], notifyOwners: true },
      owners: {},
      quietHours: { from: "21:00", to: "08:00" },
      language: "en",
      templates: {},
      maxAttempts: 6,
    });
    expect(outreachProblems(s)).toEqual([]);
  });

  it("validate the sending fields", () => {
    const ok = (providers: unknown) => WorkspaceSettings.safeParse({ providers }).success;
    expect(
      ok({
        twilio: { authToken: "token-123", accountSid: SID, apiBaseUrl: "http://127.0.0.1:8787" },
      }),
    ).toBe(true);
    expect(ok({ twilio: { authToken: "token-123", accountSid: "AC123" } })).toBe(false);
    expect(ok({ twilio: { authToken: "token-123", apiBaseUrl: "http://api.example.com" } })).toBe(
      false,
    );
    expect(ok({ twilio: { authToken: "token-123", apiBaseUrl: "https://api.example.com/" } })).toBe(
      false,
    );
    expect(ok({ twilio: { authToken: "token-123", apiBaseUrl: "ftp://localhost" } })).toBe(false);
    expect(
      ok({
        mailgun: {
          signingKey: "key-12345",
          apiKey: "key-12345",
          domain: "mg.example.com",
          apiBaseUrl: "https://api.eu.mailgun.net",
        },
      }),
    ).toBe(true);
    expect(ok({ mailgun: { apiKey: "key-12345", domain: "mg.example.com" } })).toBe(false); // inbound key still required
    expect(ok({ mailgun: { signingKey: "key-12345", domain: "not a domain" } })).toBe(false);
    expect(ok({ postmark: { serverToken: "server-token" } })).toBe(false); // basic auth still required
    expect(
      ok({
        sendgrid: {
          username: "u",
          password: "password-1",
          apiKey: "SG.key-123",
          eventPublicKey: SPKI,
        },
      }),
    ).toBe(true);
    expect(
      ok({
        sendgrid: {
          username: "u",
          password: "password-1",
          eventPublicKey: "bm90IGEga2V5IGF0IGFsbCwganVzdCB0ZXh0IGhlcmU=",
        },
      }),
    ).toBe(false);
    expect(
      ok({
        sendgrid: {
          username: "u",
          password: "password-1",
          eventPublicKey: `-----BEGIN PUBLIC KEY-----${SPKI}`,
        },
      }),
    ).toBe(false);
  });

  it("validate the outreach object", () => {
    const bad = (outreach: unknown) => !WorkspaceSettings.safeParse({ outreach }).success;
    expect(bad({ customerUpdates: ["promise.kept", "promise.kept"] })).toBe(true);
    expect(bad({ customerUpdates: ["promise.made"] })).toBe(true);
    expect(bad({ nudges: { leadMinutes: [15, 15] } })).toBe(true);
    expect(bad({ nudges: { leadMinutes: [0] } })).toBe(true);
    expect(bad({ nudges: { leadMinutes: [10_081] } })).toBe(true);
    expect(bad({ nudges: { leadMinutes: [1, 2, 3, 4, 5, 6] } })).toBe(true);
    expect(bad({ owners: { ana: {} } })).toBe(true);
    expect(bad({ owners: { ana: { email: "not-an-email" } } })).toBe(true);
    expect(bad({ quietHours: { from: "21:00", to: "21:00" } })).toBe(true);
    expect(bad({ quietHours: { from: "25:00", to: "08:00" } })).toBe(true);
    expect(bad({ timeZone: "Mars/Olympus" })).toBe(true);
    expect(bad({ language: "pt-BR" })).toBe(true);
    expect(bad({ email: { provider: "ses", from: "a@example.com" } })).toBe(true);
    expect(bad({ maxAttempts: 21 })).toBe(true);
    expect(bad({ extra: true })).toBe(true);
    expect(
      bad({
        quietHours: null,
        language: "es-MX",
        exceptionKinds: ["undeliverable"],
        owners: { ana: { phone: "+15550100" } },
      }),
    ).toBe(false);
  });

  it("replace the whole outreach object on patch and show sending secrets as (set)", () => {
    const current = WorkspaceSettings.parse({
      outreach: { customerUpdates: ["promise.kept"], maxAttempts: 3 },
    });
    const patch = WorkspaceSettingsPatch.parse({
      outreach: { language: "de" },
      providers: {
        postmark: { username: "u", password: "password-1", serverToken: "pm-server-token" },
      },
    });
    const next = applySettingsPatch(current, patch);
    expect(next.outreach.customerUpdates).toEqual([]);
    expect(next.outreach.maxAttempts).toBe(6);
    expect(next.outreach.language).toBe("de");
    const shown = redactSettings(next);
    expect(shown.providers).toEqual({
      postmark: { username: "u", password: "(set)", serverToken: "(set)" },
    });
    expect(JSON.stringify(shown)).not.toContain("pm-server-token");
  });

  it("say what stops sending", () => {
    const s = (over: Record<string, unknown>) => WorkspaceSettings.parse(over);
    const on = { customerUpdates: ["promise.broken"] };
    expect(outreachProblems(s({ outreach: on }))).toEqual([
      expect.stringMatching(/^customerUpdates are on, but nothing can send them/),
    ]);
    // SMS path: account SID + a sender (replies.smsFrom or outreach.sms.from).
    const twilio = { authToken: "token-123", accountSid: SID };
    expect(
      outreachProblems(
        s({ outreach: on, providers: { twilio }, replies: { smsFrom: "+15550100" } }),
      ),
    ).toEqual([]);
    expect(
      outreachProblems(
        s({ outreach: { ...on, sms: { from: "+15550100" } }, providers: { twilio } }),
      ),
    ).toEqual([]);
    expect(outreachProblems(s({ outreach: on, providers: { twilio } }))).toEqual([
      "providers.twilio.accountSid is set, but there is no SMS sender: set outreach.sms.from or replies.smsFrom",
      expect.stringMatching(/^customerUpdates are on/),
    ]);
    expect(outreachProblems(s({ outreach: { sms: { from: "+15550100" } } }))).toEqual([
      "outreach.sms.from is set, but providers.twilio.accountSid is not set",
    ]);
    // Email path: the named provider's sending credentials.
    const email = { provider: "mailgun", from: "care@example.com" };
    expect(outreachProblems(s({ outreach: { ...on, email } }))).toEqual([
      "outreach.email uses mailgun, but providers.mailgun is not set",
      expect.stringMatching(/^customerUpdates are on/),
    ]);
    expect(
      outreachProblems(
        s({
          outreach: { email },
          providers: { mailgun: { signingKey: "key-12345", apiKey: "key-12345" } },
        }),
      ),
    ).toEqual(["outreach.email uses mailgun, but providers.mailgun.domain is not set"]);
    expect(
      outreachProblems(
        s({
          outreach: { ...on, email },
          providers: {
            mailgun: { signingKey: "key-12345", apiKey: "key-12345", domain: "mg.example.com" },
          },
        }),
      ),
    ).toEqual([]);
    // Owners no path reaches (only when nudges notify owners).
    const owners = { ana: { phone: "+15550101" }, bo: { email: "bo@example.com" } };
    const sendgrid = { username: "u", password: "password-1", apiKey: "SG.key-123" };
    const problems = outreachProblems(
      s({
        outreach: { owners, email: { provider: "sendgrid", from: "a@example.com" } },
        providers: { sendgrid },
      }),
    );
    expect(problems).toEqual([expect.stringMatching(/^owner nudges cannot reach ana: /)]);
    expect(outreachProblems(s({ outreach: { owners, nudges: { notifyOwners: false } } }))).toEqual(
      [],
    );
  });

  it("journey enums carry the outreach additions", () => {
    expect(SystemEventType.options).toEqual(
      expect.arrayContaining([
        "promise.at_risk",
        "outreach.held",
        "outreach.suppressed",
        "outreach.delivery",
      ]),
    );
    expect(ExceptionKind.options).toContain("undeliverable");
    expect(ConstraintInput.parse({ text: "STOP", kind: "opted_out", channel: "sms" }).kind).toBe(
      "opted_out",
    );
    expect(
      ConstraintInput.parse({
        text: "no calls before 17:00",
        kind: "contact_window",
        channel: "voice",
        window: { from: "17:00", to: "21:00", timeZone: "America/New_York" },
      }).channel,
    ).toBe("voice");
    expect(ConstraintInput.safeParse({ text: "x", kind: "opted_in" }).success).toBe(false);
  });
});
