/**
 * "At risk" (docs/api.md#worklist): before a promise falls due, the journey object nudges its
 * owner and stamps the promise's `atRiskAt`. Every pack shows such a promise right after what
 * already went wrong (open exceptions, broken and overdue promises) and before the rest.
 */
import type { PromiseView } from "./context";

/**
 * A promise is at risk at `now` (ms since the epoch) when its owner was nudged (`atRiskAt`
 * set), it is still pending, and its due time has not passed (past it, it is overdue).
 */
export function isAtRisk(
  p: { status: string; dueAt: string; atRiskAt?: PromiseView["atRiskAt"] | undefined },
  now: number,
): boolean {
  return (
    p.status === "pending" &&
    typeof p.atRiskAt === "string" &&
    p.atRiskAt !== "" &&
    !(Date.parse(p.dueAt) < now)
  );
}
