import * as z from "zod";
import { BUILTIN_REDACTIONS, isValidPattern } from "./redact";
import { ExceptionKind } from "./journey";
import { TimeZone } from "./time";
import { SpeechLanguageTag } from "./speech-lang";
import { OUTREACH_TRIGGERS, OutreachTemplates } from "./outreach-schema";

const secret = z.string().min(8).max(512);

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/**
 * A provider's API base URL, for regional endpoints (Mailgun's EU region) and tests: https, or
 * http only for localhost / 127.0.0.1; no trailing slash.
 */
const apiBaseUrl = z
  .url()
  .regex(/^https?:\/\/[^/]+(\/.*[^/])?$/, "no trailing slash")
  .refine(
    (u) => {
      const url = new URL(u);
      if (url.protocol === "https:") return true;
      return url.protocol === "http:" && ["localhost", "127.0.0.1"].includes(url.hostname);
    },
    { message: "must use https (http only for localhost or 127.0.0.1)" },
  );

/** True when `b64` decodes to a DER SEQUENCE, as an SPKI public key does. */
function isSpkiBase64(b64: string): boolean {
  try {
    return atob(b64).charCodeAt(0) === 0x30;
  } catch {
    return false;
  }
}

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be a 24-hour time HH:MM");

/** Each value at most once. */
const distinct = <T>(a: T[]): boolean => new Set(a).size === a.length;

/**
 * What Baton sends on its own (docs/outreach.md): updates to the customer when a promise or an
 * exception changes, nudges to the journey owner before a promise falls due. All off by default
 * (no customerUpdates); `outreachProblems()` (outreach.ts) says what stops it from sending.
 */
export const OutreachSettings = z.strictObject({
  /** Which events are told to the customer. */
  customerUpdates: z
    .array(z.enum(OUTREACH_TRIGGERS))
    .max(OUTREACH_TRIGGERS.length)
    .refine(distinct, { message: "each trigger at most once" })
    .default([]),
  /** With `exception.raised` in customerUpdates: the exception kinds the customer is told about. */
  exceptionKinds: z
    .array(ExceptionKind)
    .max(ExceptionKind.options.length)
    .refine(distinct, { message: "each kind at most once" })
    .default(["failed_payment", "moved_appointment"]),
  /** Owner nudges: minutes before a promise's due time (up to 5 distinct leads). */
  nudges: z
    .strictObject({
      leadMinutes: z
        .array(z.number().int().min(1).max(10_080))
        .max(5)
        .refine(distinct, { message: "each lead at most once" })
        .default([60, 15]),
      notifyOwners: z.boolean().default(true),
    })
    .default({ leadMinutes: [60, 15], notifyOwners: true }),
  /** How to reach owners (by owner id, as on the journey) for nudges. */
  owners: z
    .record(
      z.string().trim().min(1).max(120),
      z
        .strictObject({
          email: z.email().max(320).optional(),
          phone: z.string().trim().min(3).max(32).optional(),
        })
        .refine((o) => o.email !== undefined || o.phone !== undefined, {
          message: "give email or phone",
        }),
    )
    .refine((o) => Object.keys(o).length <= 500, { message: "at most 500 owners" })
    .default({}),
  /**
   * Local times (in `timeZone`) when customers get nothing; messages are held until the end.
   * May wrap midnight. null: no quiet hours.
   */
  quietHours: z
    .strictObject({ from: clock, to: clock })
    .refine((q) => q.from !== q.to, { message: "from and to must differ", path: ["to"] })
    .nullable()
    .default({ from: "21:00", to: "08:00" }),
  /** Time zone of the quiet hours and of the times in messages; absent: `ivr.timeZone`. */
  timeZone: TimeZone.optional(),
  /** Language of messages when the customer's is unknown or not one Baton writes (en, es, fr, de). */
  language: SpeechLanguageTag.default("en"),
  /** Sending email: which configured provider sends, and the From address. */
  email: z
    .strictObject({
      provider: z.enum(["postmark", "mailgun", "sendgrid"]),
      from: z.email().max(320),
      fromName: z.string().trim().min(1).max(100).optional(),
    })
    .optional(),
  /** Sending SMS through Twilio: the sender number or messaging service; absent: `replies.smsFrom`. */
  sms: z.strictObject({ from: z.string().trim().min(3).max(32) }).optional(),
  /**
   * Workspace wording, by trigger (plus `owner.nudge`) and language: `{ sms, subject, email }`.
   * Missing entries fall back to the defaults (outreach-templates.ts). Unknown variables and
   * bad braces are refused here, naming the variable and the trigger.
   */
  templates: OutreachTemplates.default({}),
  /** Send attempts per message before it is given up (and an exception raised). */
  maxAttempts: z.number().int().min(1).max(20).default(6),
});
export type OutreachSettings = z.output<typeof OutreachSettings>;

/** The most days any retention class may keep (ten years, as `audit.retentionDays`). */
export const RETENTION_MAX_DAYS = 3650;

const retentionDays = (fallback: number) =>
  z.number().int().min(1).max(RETENTION_MAX_DAYS).default(fallback);

/**
 * How long a workspace keeps each class of data, in whole days (docs/privacy.md, "Retention").
 * Every value is 1–3650; there is no "keep forever". A message body cannot outlive its event,
 * so `messageBodyDays` must not exceed `eventDays`. The block is replaced whole by a patch:
 * a value left out takes its default.
 */
export const RetentionSettings = z
  .strictObject({
    /** The text and data of `message` and `call` events are replaced by `[expired]` after this. */
    messageBodyDays: retentionDays(365),
    /** Events (of every type) are deleted this long after they occurred. */
    eventDays: retentionDays(730),
    /** A journey resolved this long ago (and not reopened) is deleted whole. */
    resolvedJourneyDays: retentionDays(365),
  })
  .refine((r) => r.messageBodyDays <= r.eventDays, {
    message: "messageBodyDays must not exceed eventDays (a body cannot outlive its event)",
    path: ["messageBodyDays"],
  });
export type RetentionSettings = z.output<typeof RetentionSettings>;

/** An owner to escalate to: a person, a team or a bot, as PUT /v1/journeys/:id/owner takes. */
export const FallbackOwner = z.strictObject({
  kind: z.enum(["person", "team", "bot"]).default("team"),
  id: z.string().trim().min(1).max(120),
  name: z.string().trim().min(1).max(120).optional(),
  team: z.string().trim().min(1).max(120).optional(),
});
export type FallbackOwner = z.output<typeof FallbackOwner>;

/**
 * A reply template: plain text with `{name}` placeholders from `allowed`. Unknown
 * placeholders are rejected here, so a typo surfaces at PATCH time, not in a customer's SMS.
 */
function template(allowed: readonly string[], max: number) {
  return z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((t) => [...t.matchAll(/\{([^{}]*)\}/g)].every((m) => allowed.includes(m[1] ?? "")), {
      message: `placeholders allowed: ${allowed.map((a) => `{${a}}`).join(", ")}`,
    });
}

/** How the Voice webhook greets a caller and routes the call (docs/channels/twilio.md). */
export const TwilioVoiceSettings = z
  .strictObject({
    /** `enqueue`: <Enqueue> (a TaskRouter Task when workflowSid is set); `dial`: <Dial> dialTo. */
    mode: z.enum(["enqueue", "dial"]).default("enqueue"),
    /** Queue for calls whose journey has no owner (and for `dial` when dialTo needs an owner). */
    defaultQueue: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$/, "1–64 letters, digits, space, _ . -")
      .default("support"),
    /** TaskRouter workflow: when set, <Enqueue> carries a <Task> with the context attributes. */
    workflowSid: z
      .string()
      .regex(/^WW[0-9a-f]{32}$/, "a TaskRouter workflow SID (WW…)")
      .optional(),
    /** `dial` mode target: an E.164 number, `client:{ownerId}` or a `sip:` URI. */
    dialTo: template(["ownerId"], 200).optional(),
    /** Spoken first; {owner}, {team}, {reason} fall back to neutral words when unknown. */
    greeting: template(["owner", "team", "reason"], 500).default(
      "Thanks for calling. Connecting you to {owner} about {reason}.",
    ),
  })
  .refine((v) => v.mode !== "dial" || v.dialTo !== undefined, {
    message: "dial mode needs dialTo",
    path: ["dialTo"],
  });
export type TwilioVoiceSettings = z.output<typeof TwilioVoiceSettings>;

/**
 * Per-workspace settings. Secrets are write-only through the API: reads show whether each is
 * set, never its value. Absent providers mean that provider's webhooks answer 404.
 */
export const WorkspaceSettings = z.strictObject({
  /** ISO 3166 region used to read national phone numbers, e.g. "US", "GB". */
  defaultRegion: z
    .string()
    .regex(/^[A-Z]{2}$/, "must be a two-letter region code, e.g. US")
    .default("US"),
  /** A customer who returns within this many hours of a resolution continues that journey. */
  reopenWindowHours: z.number().int().min(0).max(2160).default(72),
  /** A new journey links the customer's journeys active within this many days (docs/continuity.md). */
  continuityWindowDays: z.number().int().min(0).max(365).default(30),
  /**
   * Extra patterns redacted (as `[name]`) before anything is stored, on every channel, after
   * card numbers. Keep them simple: they run on every stored text. `builtins` switches on
   * checked detectors (docs/privacy.md): IBAN (mod-97), US SSN, UK National Insurance number.
   */
  redaction: z
    .strictObject({
      patterns: z
        .array(
          z.strictObject({
            name: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, "lower-case name, e.g. ssn"),
            pattern: z
              .string()
              .min(1)
              .max(200)
              .refine(isValidPattern, { message: "must be a valid regular expression" }),
          }),
        )
        .max(20)
        .default([]),
      builtins: z
        .array(z.enum(BUILTIN_REDACTIONS))
        .refine((b) => new Set(b).size === b.length, { message: "each built-in at most once" })
        .default([]),
    })
    .default({ patterns: [], builtins: [] }),
  /** Treat Gmail addresses that differ only in dots or +tags as one address. */
  gmailDots: z.boolean().default(false),
  /**
   * Bot↔human ping-pong guard: more than `maxBotHumanSwitches` switches between a bot and a
   * human owner within `windowMinutes` refuses the next handback to a bot and flags the journey.
   */
  handoff: z
    .strictObject({
      maxBotHumanSwitches: z.number().int().min(1).max(100).default(4),
      windowMinutes: z.number().int().min(1).max(10_080).default(60),
    })
    .default({ maxBotHumanSwitches: 4, windowMinutes: 60 }),
  /** Call start: where calls go without an owner, how times are spoken, the lookup budget. */
  ivr: z
    .strictObject({
      defaultQueue: z.string().trim().min(1).max(64).default("general"),
      timeZone: TimeZone.default("UTC"),
      /** Answer with match=none and the default queue rather than take longer than this. */
      budgetMs: z.number().int().min(50).max(5000).default(800),
      /** The spoken sentence's language when the caller asks none Baton speaks: en, es, fr or de, as a BCP-47 tag ("es-MX"). */
      language: SpeechLanguageTag.default("en"),
    })
    .default({ defaultQueue: "general", timeZone: "UTC", budgetMs: 800, language: "en" }),
  /**
   * Call-start disclosure (docs/ivr.md): per item, the least trusted tier that may see it —
   * `routing` (a matched caller ID), `prompt` (STIR/SHAKEN attestation A) or `personal` (an
   * authenticated caller). Omitted items keep their defaults (DEFAULT_DISCLOSURE in
   * context-pack-disclosure.ts); the item names are DISCLOSURE_ITEMS there.
   */
  disclosure: z
    .strictObject({
      fields: z
        .strictObject({
          ownerId: z.enum(["routing", "prompt", "personal"]).optional(),
          openJourneys: z.enum(["routing", "prompt", "personal"]).optional(),
          journeyIds: z.enum(["routing", "prompt", "personal"]).optional(),
          customerId: z.enum(["routing", "prompt", "personal"]).optional(),
          ownerTeam: z.enum(["routing", "prompt", "personal"]).optional(),
          owner: z.enum(["routing", "prompt", "personal"]).optional(),
          reason: z.enum(["routing", "prompt", "personal"]).optional(),
          lastAction: z.enum(["routing", "prompt", "personal"]).optional(),
          promise: z.enum(["routing", "prompt", "personal"]).optional(),
          exception: z.enum(["routing", "prompt", "personal"]).optional(),
          constraints: z.enum(["routing", "prompt", "personal"]).optional(),
          history: z.enum(["routing", "prompt", "personal"]).optional(),
        })
        .default({}),
    })
    .default({ fields: {} }),
  /** The promise ledger's break policy (docs/promises.md). */
  promises: z
    .strictObject({
      /**
       * A promise without its own verifyBy is checked this many minutes after it fell due: if
       * nobody settled it by then, it is broken.
       */
      graceMinutes: z.number().int().min(0).max(43_200).default(60),
      /** false: overdue promises wait for a person to settle them instead of breaking on time. */
      autoBreak: z.boolean().default(true),
    })
    .default({ graceMinutes: 60, autoBreak: true }),
  /**
   * Recovery: who takes over a journey when an exception is raised (a broken promise, a failed
   * payment, an owner away…). `fallbacks` maps an owner id to its fallback; `defaultFallback`
   * covers owners without one and journeys without an owner.
   */
  recovery: z
    .strictObject({
      fallbacks: z
        .record(z.string().trim().min(1).max(120), FallbackOwner)
        .refine((f) => Object.keys(f).length <= 500, { message: "at most 500 fallbacks" })
        .default({}),
      defaultFallback: FallbackOwner.optional(),
      /** Exception kinds that escalate; others are recorded and surfaced only. */
      escalate: z
        .array(ExceptionKind)
        .max(ExceptionKind.options.length)
        .default([...ExceptionKind.options]),
    })
    .default({ fallbacks: {}, escalate: [...ExceptionKind.options] }),
  /** Secret for web chat identity: HMAC-SHA256 of the user id, or HS256 JWTs. */
  chatIdentitySecret: secret.optional(),
  /**
   * Replies the company sends through POST /v1/journeys/:id/messages (docs/api.md): the domain
   * of the Message-IDs and `reply+…@` addresses it mints (route its mail to the inbound email
   * provider), the company SMS number used when a message names no `from`, and how many days
   * an SMS number pair stays bound to the journey that last wrote on it.
   */
  replies: z
    .strictObject({
      emailDomain: z
        .string()
        .toLowerCase()
        .regex(DOMAIN, "a domain name")
        .default("reply.baton.invalid"),
      smsFrom: z.string().trim().min(3).max(32).optional(),
      smsBindingDays: z.number().int().min(1).max(90).default(14),
    })
    .default({ emailDomain: "reply.baton.invalid", smsBindingDays: 14 }),
  /** The public base URL providers call (for signature checks behind proxies), no trailing slash. */
  publicBaseUrl: z
    .url()
    .regex(/^https?:\/\/[^/]+(\/.*[^/])?$/, "no trailing slash")
    .optional(),
  /** The audit log (docs/privacy.md, "Audit log"): entries older than this are deleted. */
  audit: z
    .strictObject({ retentionDays: z.number().int().min(1).max(3650).default(365) })
    .default({ retentionDays: 365 }),
  /**
   * Retention per class, in days (docs/privacy.md, "Retention"): message bodies are replaced by
   * a marker, events deleted, resolved journeys deleted whole. Audit entries: `audit`.
   */
  retention: RetentionSettings.default({
    messageBodyDays: 365,
    eventDays: 730,
    resolvedJourneyDays: 365,
  }),
  /** Outreach: messages Baton sends on its own (see OutreachSettings). */
  outreach: OutreachSettings.default({
    customerUpdates: [],
    exceptionKinds: ["failed_payment", "moved_appointment"],
    nudges: { leadMinutes: [60, 15], notifyOwners: true },
    owners: {},
    quietHours: { from: "21:00", to: "08:00" },
    language: "en",
    templates: {},
    maxAttempts: 6,
  }),
  /**
   * Provider credentials. Inbound fields (webhook auth) are required as before; the sending
   * fields (accountSid, serverToken, apiKey, domain, apiBaseUrl) are optional and only needed
   * for outreach.
   */
  providers: z
    .strictObject({
      twilio: z
        .strictObject({
          authToken: secret,
          /** Sending SMS: the account SID (AC…), used with authToken. */
          accountSid: z
            .string()
            .regex(/^AC[0-9a-f]{32}$/, "a Twilio account SID (AC…)")
            .optional(),
          apiBaseUrl: apiBaseUrl.optional(),
          /** SMS auto-reply; absent = no reply. {owner}, {team}, {due} as in the voice greeting. */
          smsAck: template(["owner", "team", "due"], 640).optional(),
          voice: TwilioVoiceSettings.optional(),
        })
        .optional(),
      postmark: z
        .strictObject({
          username: z.string().min(1).max(200),
          password: secret,
          /** Sending: the server API token. */
          serverToken: secret.optional(),
          apiBaseUrl: apiBaseUrl.optional(),
        })
        .optional(),
      mailgun: z
        .strictObject({
          signingKey: secret,
          /** Sending: the private API key and the sending domain. */
          apiKey: secret.optional(),
          domain: z.string().toLowerCase().regex(DOMAIN, "a domain name").optional(),
          /** e.g. https://api.eu.mailgun.net for the EU region. */
          apiBaseUrl: apiBaseUrl.optional(),
        })
        .optional(),
      sendgrid: z
        .strictObject({
          username: z.string().min(1).max(200),
          password: secret,
          /** Sending: an API key with Mail Send permission. */
          apiKey: secret.optional(),
          apiBaseUrl: apiBaseUrl.optional(),
          /** The signed Event Webhook's verification key: base64 SPKI, as SendGrid shows it. */
          eventPublicKey: z
            .string()
            .trim()
            .min(40)
            .max(2048)
            .regex(/^[A-Za-z0-9+/]+={0,2}$/, "the base64 key SendGrid shows, without PEM lines")
            .refine(isSpkiBase64, { message: "must be a base64 SPKI public key" })
            .optional(),
        })
        .optional(),
    })
    .default({}),
});
export type WorkspaceSettings = z.output<typeof WorkspaceSettings>;

/** A partial update: top-level fields replace; `providers.<name>: null` removes a provider. */
export const WorkspaceSettingsPatch = z.strictObject({
  defaultRegion: WorkspaceSettings.shape.defaultRegion.unwrap().optional(),
  reopenWindowHours: WorkspaceSettings.shape.reopenWindowHours.unwrap().optional(),
  continuityWindowDays: WorkspaceSettings.shape.continuityWindowDays.unwrap().optional(),
  gmailDots: z.boolean().optional(),
  redaction: WorkspaceSettings.shape.redaction.unwrap().optional(),
  ivr: WorkspaceSettings.shape.ivr.unwrap().optional(),
  disclosure: WorkspaceSettings.shape.disclosure.unwrap().optional(),
  handoff: WorkspaceSettings.shape.handoff.unwrap().optional(),
  promises: WorkspaceSettings.shape.promises.unwrap().optional(),
  recovery: WorkspaceSettings.shape.recovery.unwrap().optional(),
  chatIdentitySecret: secret.nullable().optional(),
  publicBaseUrl: WorkspaceSettings.shape.publicBaseUrl.unwrap().nullable().optional(),
  replies: WorkspaceSettings.shape.replies.unwrap().optional(),
  outreach: WorkspaceSettings.shape.outreach.unwrap().optional(),
  audit: WorkspaceSettings.shape.audit.unwrap().optional(),
  retention: RetentionSettings.optional(),
  providers: z
    .strictObject({
      twilio: WorkspaceSettings.shape.providers
        .unwrap()
        .shape.twilio.unwrap()
        .nullable()
        .optional(),
      postmark: WorkspaceSettings.shape.providers
        .unwrap()
        .shape.postmark.unwrap()
        .nullable()
        .optional(),
      mailgun: WorkspaceSettings.shape.providers
        .unwrap()
        .shape.mailgun.unwrap()
        .nullable()
        .optional(),
      sendgrid: WorkspaceSettings.shape.providers
        .unwrap()
        .shape.sendgrid.unwrap()
        .nullable()
        .optional(),
    })
    .optional(),
});
export type WorkspaceSettingsPatch = z.output<typeof WorkspaceSettingsPatch>;

/** Applies a patch to settings, returning new settings (validated). */
export function applySettingsPatch(
  current: WorkspaceSettings,
  patch: WorkspaceSettingsPatch,
): WorkspaceSettings {
  const next: Record<string, unknown> = { ...current, providers: { ...current.providers } };
  for (const [k, v] of Object.entries(patch)) {
    if (k === "providers" || v === undefined) continue;
    if (v === null) delete next[k];
    else next[k] = v;
  }
  const providers = next.providers as Record<string, unknown>;
  for (const [k, v] of Object.entries(patch.providers ?? {})) {
    if (v === undefined) continue;
    if (v === null) delete providers[k];
    else providers[k] = v;
  }
  return WorkspaceSettings.parse(next);
}
