/**
 * The outreach template keys and the `outreach.templates` settings schema (docs/outreach.md):
 * the triggers told to customers, the `{variables}` each template may use, and the checks made
 * when a workspace saves its wording. A leaf: settings.ts, outreach.ts and
 * outreach-templates.ts import it, it imports none of them.
 */
import * as z from "zod";
import { SPEECH_LANGUAGES } from "./speech-lang";

/** Events that can be told to the customer (`outreach.customerUpdates`). */
export const OUTREACH_TRIGGERS = [
  "promise.at_risk",
  "promise.renegotiated",
  "promise.kept",
  "promise.broken",
  "exception.raised",
] as const;
export type OutreachTrigger = (typeof OUTREACH_TRIGGERS)[number];

/** Template keys: every trigger (customer messages) and `owner.nudge` (the owner's reminder). */
export const OUTREACH_TEMPLATE_KEYS = [...OUTREACH_TRIGGERS, "owner.nudge"] as const;
export type OutreachTemplateKey = (typeof OUTREACH_TEMPLATE_KEYS)[number];

const COMMON_VARIABLES = ["reason", "owner", "team", "journey"] as const;

/**
 * The `{variables}` each template may use. All: `{reason}` (the journey's reason), `{owner}`
 * and `{team}` (who holds the journey), `{journey}` (short reference: the id's last 6
 * characters, upper case). Promises: `{promise}` (its text) and `{due}` (its due time, as
 * formatDue writes it); a renegotiation also `{newDue}`; an exception `{exception}` (its text);
 * the owner nudge `{lead}` ("15 minutes", "1 hour": how long until the promise falls due).
 */
export const TEMPLATE_VARIABLES: Readonly<Record<OutreachTemplateKey, readonly string[]>> = {
  "promise.at_risk": [...COMMON_VARIABLES, "promise", "due"],
  "promise.renegotiated": [...COMMON_VARIABLES, "promise", "due", "newDue"],
  "promise.kept": [...COMMON_VARIABLES, "promise", "due"],
  "promise.broken": [...COMMON_VARIABLES, "promise", "due"],
  "exception.raised": [...COMMON_VARIABLES, "exception"],
  "owner.nudge": [...COMMON_VARIABLES, "promise", "due", "lead"],
};

const VARIABLE_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;

/**
 * The variables a template uses, or why its syntax is wrong: every `{` closes with a `}`
 * around a variable name before the next `{`; a `}` never stands alone; `{}` is empty.
 * There is no escape for a literal brace.
 */
export function parseTemplate(tpl: string): { vars: string[] } | { error: string } {
  const vars: string[] = [];
  for (let i = 0; i < tpl.length; i++) {
    const c = tpl[i];
    if (c === "}") return { error: `unmatched "}" at character ${i + 1}` };
    if (c !== "{") continue;
    const end = tpl.indexOf("}", i + 1);
    const nextOpen = tpl.indexOf("{", i + 1);
    if (end < 0 || (nextOpen >= 0 && nextOpen < end))
      return { error: `unmatched "{" at character ${i + 1}` };
    const name = tpl.slice(i + 1, end);
    if (name === "") return { error: `empty "{}" at character ${i + 1}` };
    if (!VARIABLE_NAME.test(name)) return { error: `"{${name}}" is not a variable name` };
    vars.push(name);
    i = end;
  }
  return { vars };
}

/** What is wrong with a template for `key` (syntax, unknown variables); empty when it is fine. */
export function templateProblems(tpl: string, key: OutreachTemplateKey): string[] {
  const parsed = parseTemplate(tpl);
  if ("error" in parsed) return [`${parsed.error} in the ${key} template`];
  const allowed = TEMPLATE_VARIABLES[key];
  const unknown = [...new Set(parsed.vars.filter((v) => !allowed.includes(v)))];
  return unknown.map(
    (v) =>
      `unknown variable {${v}} in the ${key} template; ${key} allows ${allowed.map((a) => `{${a}}`).join(", ")}`,
  );
}

/** One trigger's wording in one language: the SMS text, the email subject and body. */
export const OutreachTemplateSet = z
  .strictObject({
    sms: z.string().trim().min(1).max(640).optional(),
    subject: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .regex(/^[^\r\n]*$/, "one line")
      .optional(),
    email: z.string().trim().min(1).max(10_000).optional(),
  })
  .refine((t) => t.sms !== undefined || t.subject !== undefined || t.email !== undefined, {
    message: "give sms, subject or email",
  });
export type OutreachTemplateSet = z.output<typeof OutreachTemplateSet>;

/**
 * `outreach.templates`: template key → language (en, es, fr, de) → wording. Checked at save:
 * bad braces and unknown variables are refused with the path of the field.
 */
export const OutreachTemplates = z
  .partialRecord(
    z.enum(OUTREACH_TEMPLATE_KEYS),
    z.partialRecord(z.enum(SPEECH_LANGUAGES), OutreachTemplateSet),
  )
  .superRefine((all, ctx) => {
    for (const [key, byLang] of Object.entries(all)) {
      for (const [lang, set] of Object.entries(byLang ?? {})) {
        for (const [field, text] of Object.entries(set ?? {})) {
          if (typeof text !== "string") continue;
          for (const message of templateProblems(text, key as OutreachTemplateKey))
            ctx.addIssue({ code: "custom", path: [key, lang, field], message });
        }
      }
    }
  });
export type OutreachTemplates = z.output<typeof OutreachTemplates>;
