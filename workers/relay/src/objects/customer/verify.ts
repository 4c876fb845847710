import { err, newId, ok, sha256Hex, type Result } from "@baton/core";
import type { CustomerError } from "./types";

const CODE_TTL_MS = 10 * 60_000;
const MAX_ATTEMPTS = 5;

export interface CodeIssued {
  id: string;
  code: string;
  expiresAt: string;
}

const hash = (id: string, code: string): Promise<string> => sha256Hex(`${id}:${code}`);

function sixDigits(): string {
  const n = new Uint32Array(1);
  crypto.getRandomValues(n);
  return String((n[0] ?? 0) % 1_000_000).padStart(6, "0");
}

/** Issues a 6-digit one-time code for an identifier; only its hash is stored. */
export async function startCode(
  sql: SqlStorage,
  identifier: { key: string; type: string; value: string },
): Promise<CodeIssued> {
  const id = newId("ver");
  const code = sixDigits();
  const codeHash = await hash(id, code);
  const expiresAt = new Date(Date.now() + CODE_TTL_MS).toISOString();
  sql.exec(
    "INSERT INTO verifications (id, key, type, value, code_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    id,
    identifier.key,
    identifier.type,
    identifier.value,
    codeHash,
    expiresAt,
    new Date().toISOString(),
  );
  return { id, code, expiresAt };
}

/** Checks a code: at most 5 attempts, valid for 10 minutes, usable once. */
export async function checkCode(
  sql: SqlStorage,
  id: string,
  code: string,
): Promise<Result<{ key: string; type: string; value: string }, CustomerError>> {
  // Hash first: no await may sit between reading the attempt count and updating it.
  const candidate = await hash(id, code);
  const row = sql
    .exec<{
      key: string;
      type: string;
      value: string;
      code_hash: string;
      expires_at: string;
      attempts: number;
      confirmed_at: string | null;
    }>(
      "SELECT key, type, value, code_hash, expires_at, attempts, confirmed_at FROM verifications WHERE id = ?",
      id,
    )
    .toArray()[0];
  if (!row) return err({ code: "verification_not_found", id });
  if (Date.parse(row.expires_at) < Date.now()) return err({ code: "verification_expired" });
  // A used code may be presented again (a retried request) while valid, but only the right one.
  if (row.confirmed_at) {
    return candidate === row.code_hash
      ? ok({ key: row.key, type: row.type, value: row.value })
      : err({ code: "verification_failed", attemptsLeft: 0 });
  }
  if (Date.parse(row.expires_at) < Date.now()) return err({ code: "verification_expired" });
  if (row.attempts >= MAX_ATTEMPTS) return err({ code: "verification_failed", attemptsLeft: 0 });
  if (candidate !== row.code_hash) {
    sql.exec("UPDATE verifications SET attempts = attempts + 1 WHERE id = ?", id);
    return err({ code: "verification_failed", attemptsLeft: MAX_ATTEMPTS - row.attempts - 1 });
  }
  sql.exec("UPDATE verifications SET confirmed_at = ? WHERE id = ?", new Date().toISOString(), id);
  return ok({ key: row.key, type: row.type, value: row.value });
}
