/**
 * Disclosure for Twilio's Voice webhook ("a call comes in"). The webhook already writes the
 * call-start event, so the tier is recorded on it (`data.disclosureTier`, `disclosureReason`)
 * at no extra cost; the TwiML answer carries it in headers, and the greeting reveals its
 * placeholders only when the tier allows every item they name.
 */
import {
  allows,
  resolveLanguage,
  type Disclosure,
  type DisclosureItem,
  type WorkspaceSettings,
} from "@baton/core";
import type { TwilioEvent } from "@baton/channels";
import { checkAssertion, decideTier, stirToAttestation } from "./disclosure";

/** What each greeting placeholder discloses. */
const PLACEHOLDER_ITEMS: Record<string, DisclosureItem> = {
  owner: "owner",
  team: "ownerTeam",
  reason: "reason",
};

/**
 * The tier of a Twilio call: `StirVerstat` (A earns the prompt tier), an `assertion` in the
 * webhook URL (a flow that collected a PIN redirects here with one: the personal tier), a
 * call the company placed (the prompt tier). A refused assertion falls back to routing.
 */
export async function voiceDisclosure(
  env: Env,
  at: { ws: string; settings: WorkspaceSettings; form: URLSearchParams },
  call: TwilioEvent,
  assertion: string | undefined,
): Promise<Disclosure> {
  const stir = at.form.get("StirVerstat");
  const attestation = stir ? stirToAttestation(stir) : undefined;
  const outbound = call.event.direction === "outbound";
  const id = call.anonymous ? undefined : call.event.identifiers?.[0];
  const token = assertion === "" ? undefined : assertion;
  const check = id ? await checkAssertion(env, at.ws, at.settings, id, token, "fallback") : null;
  return decideTier(
    { attestation, outbound, assertion: token, callerId: true },
    { link: null, degraded: call.anonymous ? "anonymous" : null },
    check,
    at.settings.disclosure.fields,
  );
}

/** The call-start event with its tier recorded in `data`. */
export function withDisclosure(call: TwilioEvent, d: Disclosure): TwilioEvent {
  const data = { ...call.event.data, disclosureTier: d.tier, disclosureReason: d.reason };
  return { ...call, event: { ...call.event, data } };
}

/** Whether the greeting may fill its placeholders: every item it names is allowed at the tier. */
export function greetingMayReveal(greeting: string, d: Disclosure): boolean {
  for (const m of greeting.matchAll(/\{([^{}]*)\}/g)) {
    const item = PLACEHOLDER_ITEMS[m[1] ?? ""];
    if (item && !allows(d, item)) return false;
  }
  return true;
}

/** The `<Say language>` tag of the greeting: the workspace's `ivr.language` ("en-US", "es-MX"). */
export function voiceLanguage(settings: WorkspaceSettings): string {
  return resolveLanguage(undefined, settings.ivr.language).tag;
}
