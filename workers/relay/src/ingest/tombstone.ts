import { ProblemError } from "../http/problem";
import { sha256Hex } from "../http/validate";

/**
 * The tombstone of a message (docs/privacy.md "Erasure"): a hash of its idempotency key (a
 * provider's message id such as `twilio:SM…` or an email's Message-ID, or the key an API
 * caller sent). An erasure leaves these hashes, and nothing else, in the objects of the erased
 * customer's identifiers, so that a provider retrying an erased message stores nothing. The
 * prefix keeps the hash distinct from the idempotency fingerprints stored elsewhere.
 */
export async function tombstoneOf(idempotencyKey: string): Promise<string> {
  return (await sha256Hex(`baton-erased:${idempotencyKey}`)).slice(0, 32);
}

/**
 * Runs a provider ingest, answering null instead of the `customer_erased` problem: a provider
 * retrying an erased message is told it was delivered (so it stops), and nothing is stored.
 */
export async function unlessErased<T>(run: Promise<T>): Promise<T | null> {
  try {
    return await run;
  } catch (e) {
    if (e instanceof ProblemError && e.problem.code === "customer_erased") return null;
    throw e;
  }
}

/** The answer a provider gets for an erased message (200: it must not retry). */
export const ERASED_ANSWER = { erased: true, stored: false } as const;
