import { CustomerId, JourneyId } from "@baton/core";
import * as z from "zod";
import { WorklistQuery } from "../routes/worklist";
import type { RouteDoc } from "./table";

/*
 * The owner's worklist (docs/api.md, "Worklist"): one owner's or team's open journeys from the
 * D1 history, ordered by what breaks first (broken, overdue and at-risk promises, open
 * exceptions, waiting on us, next due).
 */

const read = { kind: "key", scope: "journeys:read" } as const;
const at = z.string().describe("RFC 3339, UTC");
const count = z.number().int().min(0);

const WorklistCounts = z.looseObject({
  broken: count.describe("broken promises"),
  overdue: count.describe("open promises past their due time"),
  atRisk: count.describe("pending promises whose owner was nudged, not yet due"),
  exceptions: count.describe("open exceptions"),
});

export const WorklistItem = z.looseObject({
  journeyId: JourneyId,
  customerId: CustomerId.nullable(),
  reason: z.looseObject({ text: z.string().nullable(), topic: z.string().nullable() }).nullable(),
  status: z.string(),
  owner: z.looseObject({
    kind: z.string().nullable(),
    id: z.string().nullable(),
    name: z.string().nullable(),
    team: z.string().nullable(),
  }),
  counts: WorklistCounts,
  waitingOnUs: z.boolean().describe("the latest message either way came from the customer"),
  nextDueAt: at.nullable().describe("the earliest due time of a pending promise not yet due"),
  problem: z
    .enum([
      "promise broken",
      "promise overdue",
      "promise at risk",
      "exception open",
      "waiting on us",
    ])
    .nullable()
    .describe("the first problem, in the worklist's order"),
  updatedAt: at,
});

export const Worklist = z.looseObject({
  owner: z.looseObject({ id: z.string().nullable(), team: z.string().nullable() }),
  asOf: at,
  counts: WorklistCounts.extend({
    waitingOnUs: count.describe("journeys waiting on us"),
    journeys: count.describe("open journeys of the owner"),
  }).describe("over every open journey of the owner or team, not only this page"),
  items: z.array(WorklistItem),
  nextCursor: z.string().nullable(),
});

export const WORKLIST_ROUTES: RouteDoc[] = [
  {
    method: "get",
    path: "/v1/worklist",
    operationId: "getWorklist",
    tag: "Journeys",
    summary: "An owner's worklist: open journeys, what breaks first first",
    description:
      "The open journeys of one owner (`owner`) or team (`team`), from the D1 history: those with a broken promise first, then an overdue one, then one at risk, then an open exception, then those waiting on us, then by the earliest due time. Give exactly one of owner or team (else 400 invalid_query). D1 trails the journey objects by about a second.",
    auth: read,
    query: WorklistQuery,
    queryExamples: {
      owner: { summary: "Dana's worklist, 20 per page", value: { owner: "dana", limit: "20" } },
      team: { summary: "The billing team's worklist", value: { team: "billing" } },
    },
    responses: {
      200: {
        description: "{ owner, asOf, counts, items, nextCursor }",
        schema: Worklist,
        name: "Worklist",
      },
    },
  },
];
