import {
  isSupportedRegion,
  normalizeIdentifier,
  type Identifier,
  type Verification,
  type WorkspaceSettings,
} from "@baton/core";
import { fail } from "../http/problem";
import type { LinkedIdentifier } from "../objects/customer-types";

/**
 * Normalizes the identifiers of a request with the workspace's region and Gmail setting.
 * An identifier that cannot be normalized is a 422 naming it; anonymous/withheld callers are
 * dropped (they never match anyone). Duplicates collapse to the strongest verification.
 */
export function normalizeAll(
  identifiers: Identifier[],
  settings: WorkspaceSettings | null,
  source: string,
  defaultVerification: Verification = "asserted",
  /** How errors name the field: `identifiers.<n>.value` for events, `identifier.value` for one. */
  path: (index: number) => string = (index) => `identifiers.${index}.value`,
): { linked: LinkedIdentifier[]; anonymous: number } {
  const region = settings?.defaultRegion ?? "US";
  const opts = {
    defaultRegion: isSupportedRegion(region) ? region : "US",
    gmailDots: settings?.gmailDots ?? false,
  } as const;
  const now = new Date().toISOString();
  const byKey = new Map<string, LinkedIdentifier>();
  let anonymous = 0;
  identifiers.forEach((id, index) => {
    const r = normalizeIdentifier(id, opts);
    if (!r.ok) {
      if (r.error.code === "anonymous_caller") {
        anonymous++;
        return;
      }
      const message = r.error.reason;
      fail(
        422,
        "invalid_identifier",
        "An identifier cannot be used",
        `${path(index)}: ${message}`,
        {
          errors: [{ path: path(index), message }],
        },
      );
    }
    const verification = id.verification ?? defaultVerification;
    const prior = byKey.get(r.value.key);
    if (prior && rank(prior.verification) >= rank(verification)) return;
    byKey.set(r.value.key, {
      key: r.value.key,
      type: r.value.type,
      value: r.value.value,
      source,
      verification,
      createdAt: now,
    });
  });
  return { linked: [...byKey.values()], anonymous };
}

/** Orders verification levels: claimed < asserted < verified. */
export function rank(v: Verification): number {
  return v === "verified" ? 2 : v === "asserted" ? 1 : 0;
}
