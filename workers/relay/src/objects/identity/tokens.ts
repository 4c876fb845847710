/**
 * Single-use delivery tokens (Mailgun's `token`), kept by the IdentityObjects named
 * `${workspace}/mailgun-tokens:<shard>`. A token is first *bound* to the digest of the message
 * it came with, and *settled* (with the answer that was given) only after that message's event
 * is stored. A retry after a failure finds its own binding and goes through; a replay of a
 * settled delivery gets the stored answer and stores nothing; the token on another message is
 * refused. Rows expire once no request with the token can pass the signature's timestamp
 * window any more: each access deletes expired rows and the object's alarm deletes the rest
 * (docs/channels/email.md, docs/storage.md).
 */

/** What a token's record says about this request. */
export type TokenState =
  /** Never seen (now bound to this message), or bound to it by an attempt that did not finish. */
  | { kind: "unsettled" }
  /** This same message was stored with this token; `answer` is what that request was told. */
  | { kind: "settled"; answer: string }
  /** Bound to another message: the signature is being reused. */
  | { kind: "conflict" };

export const TOKEN_MIGRATION = [
  `CREATE TABLE token (
    token TEXT PRIMARY KEY,
    workspace TEXT NOT NULL,
    binding TEXT NOT NULL,
    answer TEXT,
    expires_at INTEGER NOT NULL
  )`,
  `CREATE INDEX token_expiry ON token (expires_at)`,
] as const;

/** Deletes expired token rows; returns the earliest expiry left (epoch ms), or null. */
export function pruneTokens(sql: SqlStorage, now: number): number | null {
  sql.exec("DELETE FROM token WHERE expires_at <= ?", now);
  const next = sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM token").one().at;
  return next ?? null;
}

/** Binds `token` to `binding` unless it is bound already; says which case this is. */
export function bindToken(
  sql: SqlStorage,
  workspace: string,
  token: string,
  binding: string,
  expiresAt: number,
): TokenState {
  const row = sql
    .exec<{ binding: string; answer: string | null }>(
      "SELECT binding, answer FROM token WHERE token = ? AND workspace = ?",
      token,
      workspace,
    )
    .toArray()[0];
  if (!row) {
    sql.exec(
      "INSERT INTO token (token, workspace, binding, answer, expires_at) VALUES (?, ?, ?, NULL, ?)",
      token,
      workspace,
      binding,
      expiresAt,
    );
    return { kind: "unsettled" };
  }
  if (row.binding !== binding) return { kind: "conflict" };
  return row.answer === null ? { kind: "unsettled" } : { kind: "settled", answer: row.answer };
}

/** Marks the token as spent, with the answer given; false when it is not bound to `binding`. */
export function settleToken(
  sql: SqlStorage,
  workspace: string,
  token: string,
  binding: string,
  answer: string,
): boolean {
  return (
    sql
      .exec(
        "UPDATE token SET answer = ? WHERE token = ? AND workspace = ? AND binding = ? RETURNING token",
        answer,
        token,
        workspace,
        binding,
      )
      .toArray().length > 0
  );
}
