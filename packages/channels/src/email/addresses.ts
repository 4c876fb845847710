import { addressParser } from "postal-mime";
import type { EmailAddress } from "./types";

/** A msg-id is `<left@right>` without whitespace; the bound keeps one below the thread-ref limit. */
const MSG_ID = /<[^<>\s]{1,900}>/g;
const ONE_MSG_ID = new RegExp(`^${MSG_ID.source}$`);

/** Whether `v` is one message id as `messageIds` answers them (`<left@right>`, brackets kept). */
export const isMessageId = (v: unknown): v is string => typeof v === "string" && ONE_MSG_ID.test(v);

/**
 * Every message id in a Message-ID / In-Reply-To / References value, in order, brackets kept.
 * Some relays drop the angle brackets; a bare `left@right` token is accepted and wrapped so the
 * same message gets the same thread reference whichever way it arrived.
 */
export function messageIds(value: string | undefined | null): string[] {
  if (!value) return [];
  const bracketed = value.match(MSG_ID);
  if (bracketed) return [...new Set(bracketed)];
  const bare = value
    .split(/[\s,]+/)
    .filter((t) => /^[^<>\s@]{1,450}@[^<>\s@]{1,450}$/.test(t))
    .map((t) => `<${t}>`);
  return [...new Set(bare)];
}

/**
 * Parses an address header value (`"Jane Doe" <jane@example.com>, bob@example.com`) with
 * postal-mime's RFC 5322 parser; groups are flattened and entries without an address dropped.
 */
export function parseAddresses(value: string | undefined | null): EmailAddress[] {
  if (!value) return [];
  const out: EmailAddress[] = [];
  for (const box of addressParser(value, { flatten: true })) {
    const address = box.address?.trim();
    if (!address) continue;
    const name = box.name.trim();
    out.push(name ? { address, name } : { address });
  }
  return out;
}

/** The first address of a header value, or null. */
export function parseAddress(value: string | undefined | null): EmailAddress | null {
  return parseAddresses(value)[0] ?? null;
}

/**
 * Baton's own reply addresses are `reply+TOKEN@<any domain>`: the token routes the reply to
 * the journey whose outbound message minted it, even when the customer's client drops
 * In-Reply-To. Tokens are case-folded because some mail systems change the local part's case.
 */
const REPLY_LOCAL = /^reply\+([a-z0-9][a-z0-9._-]{0,190})$/i;

/** The reply tokens among the recipients, lower-cased and de-duplicated. */
export function replyTokens(recipients: readonly EmailAddress[]): string[] {
  const tokens = new Set<string>();
  for (const r of recipients) {
    const at = r.address.lastIndexOf("@");
    if (at <= 0) continue;
    const m = REPLY_LOCAL.exec(r.address.slice(0, at));
    if (m?.[1]) tokens.add(m[1].toLowerCase());
  }
  return [...tokens];
}

/** Merges address lists, keeping the first occurrence of each address (case-insensitive). */
export function uniqueAddresses(...lists: readonly EmailAddress[][]): EmailAddress[] {
  const seen = new Set<string>();
  const out: EmailAddress[] = [];
  for (const a of lists.flat()) {
    const key = a.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}

/** A Date header as an ISO instant, or null when it does not parse. */
export function parseDate(value: string | undefined | null): string | null {
  if (!value) return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : new Date(ms).toISOString();
}
