import { JourneyId } from "@baton/core";
import * as z from "zod";
import { PredecessorInput } from "../routes/journeys";
import * as R from "./responses";
import type { RouteDoc } from "./table";

/*
 * Continuity (docs/continuity.md): an agent links or unlinks an earlier journey of the same
 * customer. The detector's own links and the pack fields (predecessors, startOver,
 * sinceLastTouch) are described in docs/continuity.md and docs/api.md.
 */

const write = { kind: "key", scope: "journeys:write" } as const;
const at = z.string().describe("RFC 3339, UTC");

/** An earlier journey as the context carries it (a snapshot taken when it was linked). */
export const PredecessorView = z
  .looseObject({
    journeyId: JourneyId,
    reason: z.looseObject({ text: z.string().nullable(), topic: z.string().nullable() }).nullable(),
    status: z.string(),
    resolvedAt: at.nullable(),
    resolutionNote: z.string().nullable(),
    owner: z.looseObject({ id: z.string() }).nullable(),
    promises: z.array(z.looseObject({ id: z.string(), text: z.string(), status: z.string() })),
    constraints: z.array(z.looseObject({ id: z.string(), text: z.string() })),
    facts: z.array(z.looseObject({ key: z.string() })),
    rule: z.enum(["reference", "topic", "text", "agent"]),
    score: z.number(),
    linkedBy: z.string().describe("baton, or the linking agent's id"),
    linkedAt: at,
    note: z.string().nullable(),
    startOver: z.boolean(),
  })
  .describe("an earlier journey this one may continue (docs/continuity.md)");

const EventRef = z.object({ seq: z.number().int(), id: z.string() }).nullable();

export const PredecessorLinked = z.looseObject({
  changed: z.boolean().describe("false when it was already linked (nothing written)"),
  event: EventRef,
  predecessor: PredecessorView,
  context: R.JourneyContext,
});

export const PredecessorUnlinked = z.looseObject({
  changed: z.boolean(),
  event: EventRef,
  context: R.JourneyContext,
});

export const CONTINUITY_ROUTES: RouteDoc[] = [
  {
    method: "post",
    path: "/v1/journeys/:id/predecessors",
    operationId: "linkPredecessor",
    tag: "Journeys",
    summary: "Link an earlier journey this one continues",
    description:
      "An agent says this journey continues an earlier one of the same customer: the journey stores a snapshot of it (reason, how it ended, owner, promises, constraints, facts), and a resolved one flags start_over. Already linked: 200, nothing written. Refused with nothing written: the journey itself (422 predecessor_self), another customer's journey (422 predecessor_other_customer), a journey that already continues this one (422 predecessor_cycle), an unknown journey or one of another workspace (404 predecessor_not_found), more than 5 links (422 limit_exceeded).",
    auth: write,
    params: { id: JourneyId },
    body: {
      name: "PredecessorInput",
      schema: PredecessorInput,
      examples: {
        agent: {
          summary: "Dana links the customer's March journey",
          value: {
            journeyId: "jrn_01hq3v5kxq0d4m2r8s6t7v",
            note: "same router, same evening drop-outs",
            actor: { kind: "agent", id: "dana", name: "Dana Reyes" },
          },
        },
      },
    },
    responses: {
      201: {
        description: "linked; the predecessor as stored and the journey's context",
        schema: PredecessorLinked,
        name: "PredecessorLinked",
      },
      200: {
        description: "already linked: nothing written",
        schema: PredecessorLinked,
        name: "PredecessorLinked",
      },
    },
  },
  {
    method: "delete",
    path: "/v1/journeys/:id/predecessors/:predecessorId",
    operationId: "unlinkPredecessor",
    tag: "Journeys",
    summary: "Unlink an earlier journey",
    description:
      "Removes the link (and the start_over flag with the last start-over link). A journey not linked answers 404 predecessor_not_found, also on a repeated DELETE; nothing is written.",
    auth: write,
    params: { id: JourneyId, predecessorId: JourneyId },
    responses: {
      200: {
        description: "unlinked; the journey's context after the write",
        schema: PredecessorUnlinked,
        name: "PredecessorUnlinked",
      },
    },
  },
];
