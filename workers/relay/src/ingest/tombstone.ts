import { ProblemError } from "../http/problem";

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
