import { briefException, isOpenPromise, type JourneyContext } from "@baton/core";
import type { CardBrief } from "./customer-types";

/**
 * The part of a journey's context that the call-start brief needs: owner, last action, the
 * promise that matters most (the earliest open, else the latest broken), constraints and the
 * oldest open exception.
 */
export function cardBrief(ctx: JourneyContext): CardBrief {
  const pending = ctx.promises
    .filter((p) => isOpenPromise(p.status))
    .sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  const broken = ctx.promises
    .filter((p) => p.status === "broken")
    .sort((a, b) => (b.settledAt ?? "").localeCompare(a.settledAt ?? ""));
  const promise = pending[0] ?? broken[0] ?? null;
  return {
    owner: ctx.owner
      ? { id: ctx.owner.id, name: ctx.owner.name, team: ctx.owner.team, kind: ctx.owner.kind }
      : null,
    lastAction: ctx.lastAction
      ? {
          text: ctx.lastAction.text,
          at: ctx.lastAction.at,
          actorName: ctx.lastAction.actor?.name ?? ctx.lastAction.actor?.id ?? null,
        }
      : null,
    promise: promise
      ? {
          text: promise.text,
          dueAt: promise.dueAt,
          status: promise.status,
          madeByName: promise.madeBy.name ?? promise.madeBy.id ?? null,
        }
      : null,
    constraints: ctx.constraints.map((c) => c.text),
    exception: briefException(ctx),
  };
}
