/**
 * TwiML replies: the empty response, an SMS acknowledgement, and the Voice greeting + routing.
 * Pure string building; every text and attribute value goes through `escapeXml`.
 */
import { isOpenPromise, type JourneyContext, type TwilioVoiceSettings } from "@baton/core";

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/**
 * Escapes text for XML content and attribute values, and drops characters XML 1.0 cannot
 * carry at all (C0 controls other than tab/newline/return, lone surrogates, U+FFFE/U+FFFF):
 * Twilio rejects the whole document when one appears, and the caller would hear an error.
 */
export function escapeXml(text: string): string {
  return text
    .replace(
      // eslint-disable-next-line no-control-regex -- these are exactly the characters to drop
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g,
      "",
    )
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/** `<Response/>`: acknowledge without replying (status callbacks, SMS without an ack). */
export function emptyTwiml(): string {
  return `${DECLARATION}<Response/>`;
}

/** One SMS reply to the sender. */
export function messageTwiml(text: string): string {
  return `${DECLARATION}<Response><Message>${escapeXml(text)}</Message></Response>`;
}

/** Words spoken or written in place of a value the journey does not have (or may not reveal). */
const NEUTRAL: Record<string, string> = {
  owner: "our team",
  team: "our team",
  reason: "your request",
  due: "soon",
  ownerId: "",
};

/**
 * Fills `{name}` placeholders. A missing value, or every value when `reveal` is false, is
 * replaced by a neutral phrase ("our team", "your request", "soon"), so one template reads
 * well for a known customer, a new one, and a caller whose number may be spoofed.
 */
export function renderTemplate(
  template: string,
  values: Readonly<Record<string, string | null | undefined>>,
  reveal = true,
): string {
  return template.replace(/\{([^{}]*)\}/g, (_, name: string) => {
    const value = reveal ? values[name] : undefined;
    return value !== undefined && value !== null && value.trim() !== ""
      ? value.trim()
      : (NEUTRAL[name] ?? "");
  });
}

/** Longest reason text put into a template; longer ones fall back to the topic or neutral. */
const MAX_SPOKEN_REASON = 80;

/** The journey facts templates may use. Deliberately no customer text beyond the reason. */
export function templateValues(
  context: JourneyContext | null,
): Record<string, string | null | undefined> {
  const owner = context?.owner ?? null;
  const pending = (context?.promises ?? [])
    .filter((p) => isOpenPromise(p.status))
    .map((p) => p.dueAt)
    .sort()[0];
  // The curated topic reads best aloud; the customer's own words only when short (the
  // journey takes its first message as the reason, which may run to a thousand characters).
  const topic = context?.reason?.topic?.replace(/[._]+/g, " ");
  const text = context?.reason?.text?.trim();
  return {
    owner: owner ? (owner.name ?? owner.id) : null,
    ownerId: owner?.id,
    team: owner?.team ?? (owner?.kind === "team" ? (owner.name ?? owner.id) : null),
    reason: topic ?? (text !== undefined && text.length <= MAX_SPOKEN_REASON ? text : null),
    due: pending === undefined ? null : `by ${formatDue(pending)}`,
  };
}

/** "Thursday, January 16" in UTC: the workspace has no time zone setting yet. */
function formatDue(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "soon";
  return new Intl.DateTimeFormat("en-US", {
    weekday: "long",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  }).format(d);
}

/** The SMS acknowledgement for `template`, or the empty response when there is none. */
export function smsAckTwiml(template: string | undefined, context: JourneyContext | null): string {
  if (template === undefined) return emptyTwiml();
  // The reply goes to the sending number itself, never to whoever made the request, so
  // revealing the owner and due date here cannot leak them to a spoofer.
  return messageTwiml(renderTemplate(template, templateValues(context)));
}

export interface VoiceTwimlInput {
  settings: TwilioVoiceSettings;
  context: JourneyContext | null;
  callSid: string;
  /** False unless the caller id is attested: then nothing about the journey is spoken. */
  callerVerified: boolean;
  /** Whether the greeting may fill its placeholders; defaults to `callerVerified`. */
  reveal?: boolean;
  /**
   * The `<Say language>` tag ("es-MX", "fr-FR"): the language the greeting is written in, the
   * workspace's `ivr.language`. Left out when missing, when it is Twilio's default (en-US), or
   * when it is not a plain BCP-47 tag.
   */
  language?: string | undefined;
}

/** `language="…"` for `<Say>`, or nothing: only tags of letters, digits and hyphens go out. */
function sayLanguage(tag: string | undefined): string {
  return tag && tag !== "en-US" && /^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}$/.test(tag)
    ? ` language="${escapeXml(tag)}"`
    : "";
}

/**
 * The Voice webhook's answer: `<Say>` the greeting, then route to the owner — `<Enqueue>`
 * (a TaskRouter `<Task>` with the context attributes when a workflow is configured, else the
 * owner's queue) or `<Dial>` to `dialTo` — or to the default queue when there is no owner.
 * Routing still uses the journey for an unverified caller: the agent, not the IVR, decides
 * what to disclose, and the attributes say the caller id was not attested.
 */
export function voiceTwiml(input: VoiceTwimlInput): string {
  const { settings, context, callerVerified } = input;
  const values = templateValues(context);
  const say = renderTemplate(settings.greeting, values, input.reveal ?? callerVerified);
  const owner = context?.owner ?? null;
  let route: string;
  if (settings.mode === "dial" && settings.dialTo !== undefined) {
    const needsOwner = settings.dialTo.includes("{ownerId}");
    route =
      needsOwner && owner === null
        ? enqueue(input, null)
        : dial(renderTemplate(settings.dialTo, values), input);
  } else {
    route = enqueue(input, owner?.id ?? null);
  }
  return `${DECLARATION}<Response><Say${sayLanguage(input.language)}>${escapeXml(say)}</Say>${route}</Response>`;
}

function enqueue(input: VoiceTwimlInput, ownerQueue: string | null): string {
  const { settings } = input;
  if (settings.workflowSid === undefined) {
    // Twilio queue names are at most 64 characters; owner ids may be longer.
    return `<Enqueue>${escapeXml((ownerQueue ?? settings.defaultQueue).slice(0, 64))}</Enqueue>`;
  }
  const task = JSON.stringify(taskAttributes(input));
  return `<Enqueue workflowSid="${escapeXml(settings.workflowSid)}"><Task>${escapeXml(task)}</Task></Enqueue>`;
}

/**
 * TaskRouter attributes: ids and routing facts only. The agent desktop reads the full
 * context from Baton by journey id; nothing the customer wrote travels through TaskRouter.
 */
export function taskAttributes(input: VoiceTwimlInput): Record<string, unknown> {
  const { context, settings } = input;
  const owner = context?.owner ?? null;
  return {
    type: "inbound_call",
    callSid: input.callSid,
    callerVerified: input.callerVerified,
    batonJourneyId: context?.id ?? null,
    batonCustomerId: context?.customerId ?? null,
    status: context?.status ?? null,
    reasonTopic: context?.reason?.topic ?? null,
    owner: owner ? { kind: owner.kind, id: owner.id, name: owner.name, team: owner.team } : null,
    queue: owner ? null : settings.defaultQueue,
    openPromises: (context?.promises ?? []).filter((p) => isOpenPromise(p.status)).length,
  };
}

function dial(target: string, input: VoiceTwimlInput): string {
  const t = target.trim();
  if (/^client:/i.test(t)) {
    // The Voice SDK hands these to the agent's app: the journey to open, and whether to verify.
    const params =
      `<Parameter name="batonJourneyId" value="${escapeXml(input.context?.id ?? "")}"/>` +
      `<Parameter name="callerVerified" value="${String(input.callerVerified)}"/>`;
    return `<Dial><Client><Identity>${escapeXml(t.slice("client:".length))}</Identity>${params}</Client></Dial>`;
  }
  if (/^sips?:/i.test(t)) return `<Dial><Sip>${escapeXml(t)}</Sip></Dial>`;
  return `<Dial><Number>${escapeXml(t)}</Number></Dial>`;
}
