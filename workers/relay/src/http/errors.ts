import type { CustomerError } from "../objects/customer/types";
import type { JourneyError } from "../objects/journey/types";
import type { WebhooksError } from "../objects/webhooks/types";
import type { WorkspaceError } from "../objects/workspace/types";
import { REFUSAL_STATUS, type IngestError, type ProviderRefusal } from "../ingest/types";
import { problem, ProblemError, type Problem } from "./problem";

/** Every expected failure of the ingest steps and the objects. */
export type DomainError =
  IngestError | ProviderRefusal | JourneyError | WorkspaceError | CustomerError | WebhooksError;

/**
 * Maps every expected failure to its HTTP problem (exhaustive). This is the one place where
 * domain errors become HTTP: the ingest steps and the objects return `Result`s.
 */
export function toProblem(e: DomainError): Problem {
  if (isRefusal(e)) {
    const extra = e.errors ? { errors: e.errors } : undefined;
    return problem(REFUSAL_STATUS[e.code], e.code, e.title, e.detail, extra);
  }
  switch (e.code) {
    case "invalid_identifier":
      return problem(422, e.code, "An identifier cannot be used", `${e.path}: ${e.message}`, {
        errors: [{ path: e.path, message: e.message }],
      });
    case "unresolvable_event":
      return problem(422, e.code, "Cannot tell which journey this is", e.detail, {
        errors: [{ path: "identifiers", message: "needed when no thread reference is known" }],
      });
    case "customer_erased":
      return problem(410, e.code, "Customer erased", e.detail);
    case "customer_not_found":
      return problem(404, e.code, "Customer not found");
    case "customer_merged":
      return problem(
        409,
        e.code,
        "Customer was merged",
        `this customer was merged into ${e.into}`,
        {
          mergedInto: e.into,
        },
      );
    case "merge_not_found":
      return problem(404, e.code, "Merge not found", `no merge ${e.id} kept this customer`);
    case "merge_undone":
      return problem(409, e.code, "Merge already undone", `merge ${e.id} was undone`);
    case "identifier_not_found":
      return problem(
        404,
        e.code,
        "Identifier not linked",
        `${e.key} is not linked to this customer`,
      );
    case "verification_not_found":
      return problem(404, e.code, "Verification not found", `no verification ${e.id}`);
    case "verification_failed":
      return problem(422, e.code, "Wrong code", `${e.attemptsLeft} attempts left`, {
        attemptsLeft: e.attemptsLeft,
      });
    case "verification_expired":
      return problem(410, e.code, "Code expired", "start a new verification");
    case "pending_link_not_found":
      return problem(404, e.code, "Pending link not found", `no pending link ${e.id}`);
    case "journey_not_found":
      return problem(404, e.code, "Journey not found");
    case "journey_resolved":
      return problem(
        409,
        e.code,
        "Journey is resolved",
        "the journey kept resolving while we wrote to it; retry",
      );
    case "exception_not_found":
      return problem(404, e.code, "Exception not found", `no exception ${e.id} on this journey`);
    case "exception_resolved":
      return problem(409, e.code, "Exception already resolved", `exception ${e.id} is resolved`);
    case "promise_not_found":
      return problem(404, e.code, "Promise not found", `no promise ${e.id} on this journey`);
    case "promise_settled":
      return problem(409, e.code, "Promise already settled", `promise ${e.id} is ${e.status}`, {
        currentStatus: e.status,
      });
    case "constraint_not_found":
      return problem(
        404,
        e.code,
        "Constraint not found",
        `no active constraint ${e.id} on this journey`,
      );
    case "limit_exceeded":
      return problem(422, e.code, "Limit exceeded", `at most ${e.max} ${e.what} per journey`, {
        limit: e.max,
      });
    case "idempotency_key_reused":
      return problem(
        422,
        e.code,
        "Idempotency key reused",
        "this Idempotency-Key was used earlier with a different request",
      );
    case "owner_conflict":
      return problem(
        409,
        e.code,
        "Owner changed meanwhile",
        `the journey is owned by ${e.currentOwnerId ?? "nobody"}; re-read it and retry`,
        { currentOwnerId: e.currentOwnerId },
      );
    case "promise_due_in_past":
      return problem(
        422,
        e.code,
        "Promise due in the past",
        `dueAt ${e.dueAt} is before now (${e.now}); give a future time, or madeAt to record a promise made earlier`,
        { field: e.field, now: e.now },
      );
    case "promise_made_in_future":
      return problem(
        422,
        e.code,
        "Promise made in the future",
        `madeAt ${e.madeAt} is after now (${e.now})`,
        { field: e.field, now: e.now },
      );
    case "workspace_not_found":
      return problem(404, e.code, "Workspace not found");
    case "key_not_found":
      return problem(404, e.code, "API key not found", `no key ${e.id}`);
    case "subscription_not_found":
      return problem(404, e.code, "Webhook subscription not found", `no subscription ${e.id}`);
    case "subscription_limit_exceeded":
      return problem(
        422,
        e.code,
        "Too many webhook subscriptions",
        `at most ${e.max} subscriptions per workspace`,
        { limit: e.max },
      );
    case "subscription_disabled":
      return problem(
        409,
        e.code,
        "Webhook subscription is disabled",
        `subscription ${e.id} is disabled; enable it with PATCH {"enabled": true} first`,
      );
    case "dead_letter_not_found":
      return problem(
        404,
        e.code,
        "Dead letter not found",
        `not dead letters of this subscription: ${e.ids.slice(0, 20).join(", ")}`,
        { ids: e.ids },
      );
    case "key_conflict":
      return problem(
        409,
        e.code,
        "API key exists",
        `key ${e.id} exists with another secret or is revoked`,
      );
  }
}

/** A provider refusal: its code is one of REFUSAL_STATUS's, which says its status. */
function isRefusal(e: DomainError): e is ProviderRefusal {
  return Object.hasOwn(REFUSAL_STATUS, e.code);
}

/** Unwraps a Result or throws its problem. */
export function unwrap<T>(r: { ok: true; value: T } | { ok: false; error: DomainError }): T {
  if (r.ok) return r.value;
  throw new ProblemError(toProblem(r.error));
}
