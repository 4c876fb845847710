import { unwrap, type DomainError } from "../http/errors";
import { problem, ProblemError, type Problem } from "../http/problem";
import { isSealed, open, seal, sealedKeyId, type Keyring, type KeyringResult } from "./keyring";

/**
 * Which workspace settings are secrets, and how the workspace object stores them
 * (docs/privacy.md "Secrets"): each one sealed on its own with the settings keyring, bound to
 * its workspace and path; every other field stays in clear, so reads that only need to know
 * whether a secret is set (the API's "(set)") decrypt nothing.
 */

/** Provider fields that are secrets (the set packages/core's redactSettings shows as "(set)"). */
const PROVIDER_SECRETS = ["authToken", "password", "signingKey", "serverToken", "apiKey"] as const;

type Doc = Record<string, unknown>;

/** A secret field's place in the settings document: its path and its holder. */
interface Slot {
  path: string;
  holder: Doc;
  key: string;
}

const isDoc = (v: unknown): v is Doc => typeof v === "object" && v !== null && !Array.isArray(v);

/** The secret fields that hold a string, in a stable order. */
function slots(doc: Doc): Slot[] {
  const out: Slot[] = [];
  if (typeof doc.chatIdentitySecret === "string") {
    out.push({ path: "chatIdentitySecret", holder: doc, key: "chatIdentitySecret" });
  }
  const providers = doc.providers;
  if (isDoc(providers)) {
    for (const [name, cfg] of Object.entries(providers)) {
      if (!isDoc(cfg)) continue;
      for (const key of PROVIDER_SECRETS) {
        if (typeof cfg[key] === "string") {
          out.push({ path: `providers.${name}.${key}`, holder: cfg, key });
        }
      }
    }
  }
  return out;
}

/** A copy deep enough that writing to the secret fields leaves `doc` alone. */
function copy(doc: Doc): Doc {
  const out: Doc = { ...doc };
  if (isDoc(doc.providers)) {
    const providers: Doc = {};
    for (const [name, cfg] of Object.entries(doc.providers)) {
      providers[name] = isDoc(cfg) ? { ...cfg } : cfg;
    }
    out.providers = providers;
  }
  return out;
}

/** What a sealed value is bound to: its workspace and its path. */
const aad = (workspace: string, path: string) => `baton settings v1\n${workspace}\n${path}`;

/** The paths of the secret fields that hold a value. */
export function secretPaths(doc: Doc): string[] {
  return slots(doc).map((s) => s.path);
}

/** The paths of the secret fields that hold exactly `placeholder`. */
export function placeholderPaths(doc: Doc, placeholder: string): string[] {
  return slots(doc)
    .filter((s) => s.holder[s.key] === placeholder)
    .map((s) => s.path);
}

/** A copy of the document with every secret field sealed under the current key. */
export async function sealSettings(ring: Keyring, workspace: string, doc: Doc): Promise<Doc> {
  const out = copy(doc);
  for (const s of slots(out)) {
    s.holder[s.key] = await seal(ring, s.holder[s.key] as string, aad(workspace, s.path));
  }
  return out;
}

/** A secret field that cannot be opened, and why. */
export interface Unreadable {
  path: string;
  keyId: string;
  reason: "key_missing" | "key_mismatch" | "keys_not_configured" | "keys_invalid";
}

/**
 * A copy of the stored document with every secret in clear. Values stored in clear (before
 * encryption was switched on) are taken as they are. A value that cannot be opened is replaced
 * by `placeholder` and listed in `unreadable`: never dropped.
 */
export async function openSettings(
  ring: KeyringResult,
  workspace: string,
  stored: Doc,
  placeholder: string,
): Promise<{ doc: Doc; unreadable: Unreadable[] }> {
  const out = copy(stored);
  const unreadable: Unreadable[] = [];
  for (const s of slots(out)) {
    const value = s.holder[s.key] as string;
    if (!isSealed(value)) continue;
    if (!ring.ok) {
      const reason =
        ring.problem.code === "settings_keys_invalid" ? "keys_invalid" : "keys_not_configured";
      unreadable.push({ path: s.path, keyId: sealedKeyId(value) ?? "?", reason });
      s.holder[s.key] = placeholder;
      continue;
    }
    const r = await open(ring.ring, value, aad(workspace, s.path));
    if (r.ok) {
      s.holder[s.key] = r.value;
    } else {
      unreadable.push({ path: s.path, keyId: r.keyId, reason: r.reason });
      s.holder[s.key] = placeholder;
    }
  }
  return { doc: out, unreadable };
}

/** A copy with every sealed secret replaced by `placeholder` (decrypts nothing). */
export function maskSealed(stored: Doc, placeholder: string): Doc {
  const out = copy(stored);
  for (const s of slots(out)) {
    if (isSealed(s.holder[s.key] as string)) s.holder[s.key] = placeholder;
  }
  return out;
}

/** Why settings cannot be read or written, as the workspace object reports it. */
export type SealError =
  | { code: "settings_keys_not_configured" }
  | { code: "settings_keys_invalid"; reason: string }
  | { code: "settings_unreadable"; fields: Unreadable[] };

/** One sentence naming the fields that cannot be opened and what to do. */
export function describeUnreadable(fields: Unreadable[]): string {
  const byReason = (r: Unreadable["reason"]) => fields.filter((f) => f.reason === r);
  const parts: string[] = [];
  const missing = byReason("key_missing");
  if (missing.length) {
    const ids = [...new Set(missing.map((f) => f.keyId))].join(", ");
    parts.push(
      `${missing.map((f) => f.path).join(", ")} sealed under key ${ids}, which SETTINGS_KEYS ` +
        `no longer holds: put that key back after the current one, or set these fields again`,
    );
  }
  const mismatch = byReason("key_mismatch");
  if (mismatch.length) {
    parts.push(
      `${mismatch.map((f) => f.path).join(", ")} do not open with the key of the same id in ` +
        `SETTINGS_KEYS (other key bytes under that id?): restore the key, or set these fields again`,
    );
  }
  const noKeys = [...byReason("keys_not_configured"), ...byReason("keys_invalid")];
  if (noKeys.length) {
    parts.push(
      `${noKeys.map((f) => f.path).join(", ")} are sealed but SETTINGS_KEYS is not set or ` +
        `cannot be read`,
    );
  }
  return parts.join("; ");
}

/** The HTTP problem of a SealError: the server's configuration, so a 503 with what to fix. */
export function sealProblem(e: SealError): Problem {
  switch (e.code) {
    case "settings_keys_not_configured":
      return problem(
        503,
        e.code,
        "Settings encryption is not configured",
        "secret settings are stored encrypted: set the SETTINGS_KEYS secret (docs/privacy.md)",
      );
    case "settings_keys_invalid":
      return problem(503, e.code, "SETTINGS_KEYS cannot be read", e.reason);
    case "settings_unreadable":
      return problem(
        503,
        e.code,
        "Stored secrets cannot be decrypted",
        describeUnreadable(e.fields),
        {
          fields: e.fields.map((f) => ({ path: f.path, keyId: f.keyId, reason: f.reason })),
        },
      );
  }
}

const SEAL_CODES = new Set<string>([
  "settings_keys_not_configured",
  "settings_keys_invalid",
  "settings_unreadable",
]);

/** Unwraps a settings write's Result: SealErrors as sealProblem says, the rest as unwrap does. */
export function unwrapSettings<T>(
  r: { ok: true; value: T } | { ok: false; error: DomainError | SealError },
): T {
  if (r.ok) return r.value;
  const e = r.error;
  if (SEAL_CODES.has(e.code)) throw new ProblemError(sealProblem(e as SealError));
  return unwrap({ ok: false, error: e as DomainError });
}
