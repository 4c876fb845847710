import {
  ivrMap,
  resolveLanguage,
  type Disclosure,
  type IdentifierType,
  type WorkspaceSettings,
} from "@baton/core";
import { checkAssertion, decideTier, type OnRefused, type RequestEvidence } from "./disclosure";
import { lookupBrief, NO_MATCH, withinBudget, type Lookup } from "./lookup";

const fallbackLookup = (degraded: "timeout" | "unavailable"): Lookup => ({
  brief: NO_MATCH,
  key: null,
  link: null,
  degraded,
  hops: 0,
});

export interface IvrAnswer {
  map: Record<string, string>;
  disclosure: Disclosure;
}

/**
 * The IVR answer for a caller, within the workspace's budget, at the tier the evidence earns
 * (`disclosure.ts`). It never fails once the request is authenticated, except for a refused
 * assertion on an API path (`onRefused: "refuse"`): a lookup that runs out of budget answers
 * `degraded=timeout`, one whose object failed (an error, an overloaded or unreachable object)
 * answers `degraded=unavailable`, both with `match=none` and the default queue, because an IVR
 * must route the call either way (the Connect, Genesys and Studio contracts expect a 200 map).
 * Checking an assertion costs one HMAC, no object call: the lookup stays one hop.
 *
 * The sentence is spoken in `language` (a caller's BCP-47 tag) when Baton speaks it, else in
 * the workspace's `ivr.language`; the map's `language` names the tag used and
 * `languageFallback` the caller's tag that was not honoured.
 */
export async function ivrAnswer(
  env: Env,
  ws: string,
  settings: WorkspaceSettings,
  identifier: { type: IdentifierType; value: string },
  evidence: RequestEvidence,
  onRefused: OnRefused,
  language?: string,
): Promise<IvrAnswer> {
  const assertion = await checkAssertion(
    env,
    ws,
    settings,
    identifier,
    evidence.assertion,
    onRefused,
  );
  const lookup = lookupBrief(env, ws, settings, identifier).catch((e: unknown) => {
    console.error(`IVR lookup degraded: ${e instanceof Error ? e.message : String(e)}`);
    return fallbackLookup("unavailable");
  });
  const found = await withinBudget(lookup, settings.ivr.budgetMs, fallbackLookup("timeout"));
  const callerId = identifier.type === "phone";
  const policy = settings.disclosure.fields;
  const disclosure = decideTier({ ...evidence, callerId }, found, assertion, policy);
  const map = ivrMap(found.brief ?? NO_MATCH, {
    defaultQueue: settings.ivr.defaultQueue,
    disclosure,
    now: new Date(),
    timeZone: settings.ivr.timeZone,
    language: resolveLanguage(language, settings.ivr.language),
  });
  const d = found.degraded;
  return {
    map: d === "timeout" || d === "unavailable" ? { ...map, degraded: d } : map,
    disclosure,
  };
}
