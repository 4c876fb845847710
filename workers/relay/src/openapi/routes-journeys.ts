import {
  ActionInput,
  ConstraintInput,
  ExceptionInput,
  ExceptionResolveInput,
  JourneyId,
  JourneyPatch,
  OwnerInput,
  PromiseInput,
  PromiseRenegotiateInput,
  PromiseSettleInput,
  StatusInput,
} from "@baton/core";
import * as R from "./responses";
import type { Reply, RouteDoc } from "./table";

const read = { kind: "key", scope: "journeys:read" } as const;
const write = { kind: "key", scope: "journeys:write" } as const;
const params = { id: JourneyId };
const dana = { kind: "agent", id: "dana", name: "Dana Reyes" };
/** A journey write's answers: the new context; a 201 write answers 200 when replayed. */
function command(status: 200 | 201, what: string): Record<number, Reply> {
  const reply = (description: string): Reply => ({
    description,
    schema: R.CommandResult,
    name: "CommandResult",
  });
  const first = { [status]: reply(`${what}; the journey's context after the write`) };
  return status === 201
    ? { ...first, 200: reply("a replay of an earlier write with the same Idempotency-Key") }
    : first;
}

/** A journey's sub-resources: owner, promises, exceptions, constraints, actions, status. */
export const JOURNEY_ROUTES: RouteDoc[] = [
  {
    method: "patch",
    path: "/v1/journeys/:id",
    operationId: "patchJourney",
    tag: "Journeys",
    summary: "Update the reason or the facts",
    description: "Give reason, facts or both. A fact set to null is removed.",
    auth: write,
    params,
    idempotent: true,
    body: {
      name: "JourneyPatch",
      schema: JourneyPatch,
      examples: {
        reason: {
          summary: "Set the topic and two facts",
          value: {
            reason: { topic: "billing.refund" },
            facts: { order_id: "O-1", account_number: "A-1042" },
          },
        },
      },
    },
    responses: command(200, "updated"),
  },
  {
    method: "put",
    path: "/v1/journeys/:id/owner",
    operationId: "setOwner",
    tag: "Journeys",
    summary: "Set the owner (optionally with a lease and a handoff packet)",
    description:
      "With expectedOwnerId the change is a compare-and-swap: refused with 409 owner_conflict when stale. Bot↔human ping-pong beyond the workspace's limit is refused and flagged handoff_loop.",
    auth: write,
    params,
    idempotent: true,
    body: {
      name: "OwnerInput",
      schema: OwnerInput,
      examples: {
        person: {
          summary: "Hand the journey to a person",
          value: { kind: "person", id: "dana", name: "Dana Reyes", team: "billing" },
        },
        handoff: {
          summary: "A bot hands over, with a lease and a summary",
          value: {
            id: "dana",
            name: "Dana Reyes",
            expectedOwnerId: null,
            handoff: {
              reason: "refund needs approval",
              summary: "Charged twice for March; refund promised by Friday.",
            },
            actor: { kind: "bot", id: "billing-bot" },
          },
        },
      },
    },
    responses: command(200, "owner set"),
  },
  {
    method: "get",
    path: "/v1/journeys/:id/promises",
    operationId: "listPromises",
    tag: "Journeys",
    summary: "List the journey's promises",
    auth: read,
    params,
    responses: {
      200: {
        description: "{ items }: the promises, as in the context",
        schema: R.Items,
        name: "Items",
      },
    },
  },
  {
    method: "post",
    path: "/v1/journeys/:id/promises",
    operationId: "addPromise",
    tag: "Journeys",
    summary: "Make a promise",
    description:
      "Past dueAt an unsettled promise is overdue; past verifyBy (default dueAt + promises.graceMinutes) it is broken and raises an exception.",
    auth: write,
    params,
    idempotent: true,
    body: {
      name: "PromiseInput",
      schema: PromiseInput,
      examples: {
        refund: {
          summary: "A refund promised by an agent",
          value: {
            text: "refund within 3 business days",
            dueAt: "2030-03-05T17:00:00-05:00",
            madeBy: dana,
            channel: "voice",
          },
        },
      },
    },
    responses: command(201, "promise made; id is the promise"),
  },
  {
    method: "patch",
    path: "/v1/journeys/:id/promises/:pid",
    operationId: "settlePromise",
    tag: "Journeys",
    summary: "Settle a promise (kept, broken, cancelled)",
    auth: write,
    params,
    idempotent: true,
    body: {
      name: "PromiseSettleInput",
      schema: PromiseSettleInput,
      examples: {
        kept: { summary: "The refund was sent", value: { status: "kept", note: "refund sent" } },
      },
    },
    responses: command(200, "settled"),
  },
  {
    method: "post",
    path: "/v1/journeys/:id/promises/:pid/renegotiate",
    operationId: "renegotiatePromise",
    tag: "Journeys",
    summary: "Renegotiate a promise",
    description: "Closes the promise as renegotiated and makes a new one; id is the new promise.",
    auth: write,
    params,
    idempotent: true,
    body: {
      name: "PromiseRenegotiateInput",
      schema: PromiseRenegotiateInput,
      examples: {
        later: {
          summary: "A later date agreed with the customer",
          value: { dueAt: "2030-03-09T17:00:00Z", note: "bank holiday", actor: dana },
        },
      },
    },
    responses: command(201, "renegotiated"),
  },
  {
    method: "get",
    path: "/v1/journeys/:id/exceptions",
    operationId: "listExceptions",
    tag: "Journeys",
    summary: "List the journey's exceptions",
    auth: read,
    params,
    responses: {
      200: { description: "{ items }: open exceptions first", schema: R.Items, name: "Items" },
    },
  },
  {
    method: "post",
    path: "/v1/journeys/:id/exceptions",
    operationId: "raiseException",
    tag: "Journeys",
    summary: "Raise an exception",
    description:
      "Something went wrong that the next touchpoint must recover from; may escalate to the owner's fallback.",
    auth: write,
    params,
    idempotent: true,
    body: {
      name: "ExceptionInput",
      schema: ExceptionInput,
      examples: {
        payment: {
          summary: "A failed payment",
          value: {
            kind: "failed_payment",
            text: "card payment for invoice 1042 failed",
            guidance: "apologise, then offer a payment link",
            escalate: false,
          },
        },
      },
    },
    responses: command(201, "raised; id is the exception"),
  },
  {
    method: "post",
    path: "/v1/journeys/:id/exceptions/:eid/resolve",
    operationId: "resolveException",
    tag: "Journeys",
    summary: "Resolve an exception",
    auth: write,
    params,
    idempotent: true,
    body: {
      name: "ExceptionResolveInput",
      schema: ExceptionResolveInput,
      examples: {
        paid: {
          summary: "Paid by transfer",
          value: { note: "paid by bank transfer", actor: dana },
        },
      },
    },
    responses: command(200, "resolved"),
  },
  {
    method: "post",
    path: "/v1/journeys/:id/constraints",
    operationId: "addConstraint",
    tag: "Journeys",
    summary: "Add a constraint",
    auth: write,
    params,
    idempotent: true,
    body: {
      name: "ConstraintInput",
      schema: ConstraintInput,
      examples: {
        window: {
          summary: "A contact window",
          value: {
            text: "no calls before 17:00",
            kind: "contact_window",
            window: { from: "17:00", to: "21:00", timeZone: "America/New_York" },
          },
        },
        sms: {
          summary: "One channel only",
          value: { text: "SMS only", kind: "channel_only", channel: "sms" },
        },
      },
    },
    responses: command(201, "added; id is the constraint"),
  },
  {
    method: "delete",
    path: "/v1/journeys/:id/constraints/:cid",
    operationId: "removeConstraint",
    tag: "Journeys",
    summary: "Remove a constraint",
    auth: write,
    params,
    idempotent: true,
    responses: command(200, "removed"),
  },
  {
    method: "post",
    path: "/v1/journeys/:id/actions",
    operationId: "recordAction",
    tag: "Journeys",
    summary: "Record an action",
    auth: write,
    params,
    idempotent: true,
    body: {
      name: "ActionInput",
      schema: ActionInput,
      examples: {
        refund: { summary: "An agent's action", value: { text: "refund requested", actor: dana } },
      },
    },
    responses: command(201, "recorded; it becomes the last action"),
  },
  {
    method: "put",
    path: "/v1/journeys/:id/status",
    operationId: "setStatus",
    tag: "Journeys",
    summary: "Set the status",
    auth: write,
    params,
    idempotent: true,
    body: {
      name: "StatusInput",
      schema: StatusInput,
      examples: {
        waiting: {
          summary: "Waiting on the customer",
          value: { status: "waiting_on_customer", note: "asked for bank statement" },
        },
      },
    },
    responses: command(200, "status set"),
  },
];
