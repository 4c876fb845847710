import {
  err,
  isSupportedRegion,
  normalizeIdentifier,
  ok,
  type Identifier,
  type Result,
  type Verification,
  type WorkspaceSettings,
} from "@baton/core";
import type { LinkedIdentifier } from "../objects/customer/types";
import type { IdentifierError } from "./types";

export interface Normalized {
  linked: LinkedIdentifier[];
  /** Anonymous or withheld callers, dropped (they never match anyone). */
  anonymous: number;
}

/**
 * Normalizes the identifiers of a request with the workspace's region and Gmail setting, once
 * per request. An identifier that cannot be normalized is an `invalid_identifier` error naming
 * it (a 422 at the edge); anonymous/withheld callers are dropped (they never match anyone).
 * Duplicates collapse to the strongest verification.
 */
export function normalizeIdentifiers(
  identifiers: Identifier[],
  settings: WorkspaceSettings | null,
  source: string,
  defaultVerification: Verification = "asserted",
  /** How errors name the field: `identifiers.<n>.value` for events, `identifier.value` for one. */
  path: (index: number) => string = (index) => `identifiers.${index}.value`,
): Result<Normalized, IdentifierError> {
  const region = settings?.defaultRegion ?? "US";
  const opts = {
    defaultRegion: isSupportedRegion(region) ? region : "US",
    gmailDots: settings?.gmailDots ?? false,
  } as const;
  const now = new Date().toISOString();
  const byKey = new Map<string, LinkedIdentifier>();
  let anonymous = 0;
  for (const [index, id] of identifiers.entries()) {
    const r = normalizeIdentifier(id, opts);
    if (!r.ok) {
      if (r.error.code === "anonymous_caller") {
        anonymous++;
        continue;
      }
      return err({ code: "invalid_identifier", path: path(index), message: r.error.reason });
    }
    const verification = id.verification ?? defaultVerification;
    const prior = byKey.get(r.value.key);
    if (prior && rank(prior.verification) >= rank(verification)) continue;
    byKey.set(r.value.key, {
      key: r.value.key,
      type: r.value.type,
      value: r.value.value,
      source,
      verification,
      createdAt: now,
    });
  }
  return ok({ linked: [...byKey.values()], anonymous });
}

/** Orders verification levels: claimed < asserted < verified. */
export function rank(v: Verification): number {
  return v === "verified" ? 2 : v === "asserted" ? 1 : 0;
}
