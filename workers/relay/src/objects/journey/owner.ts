import { err, ok, redactText, type OwnerInput, type OwnerView, type Result } from "@baton/core";
import type { OwnerRow } from "@baton/db";
import type { WriteSpec } from "./plan";
import { SYSTEM } from "./text";
import type { HandoffGuard, JourneyError } from "./types";
import type { JourneyRecord } from "./views";

const isBot = (kind: string | undefined) => kind === "bot";

/** Owner changes between a bot and a human within the window, from the event log. */
function recentBotHumanSwitches(sql: SqlStorage, since: string): number {
  const rows = sql
    .exec<{ data: string }>(
      "SELECT data FROM events WHERE type = 'owner.changed' AND recorded_at >= ? ORDER BY seq",
      since,
    )
    .toArray();
  let n = 0;
  for (const r of rows) {
    const d = JSON.parse(r.data) as { from: { kind: string } | null; to: { kind: string } };
    if (d.from && isBot(d.from.kind) !== isBot(d.to.kind)) n++;
  }
  return n;
}

function openPromises(sql: SqlStorage): { id: string; text: string; dueAt: string }[] {
  return sql
    .exec<{ id: string; text: string; due_at: string }>(
      "SELECT id, text, due_at FROM promises WHERE status IN ('pending', 'overdue') ORDER BY due_at",
    )
    .toArray()
    .map((p) => ({ id: p.id, text: p.text, dueAt: p.due_at }));
}

/**
 * Plans an owner change: a compare-and-swap lease (a stale `expectedOwnerId` is refused), a
 * handoff packet (reason, summary and the open promises travel in the event), and the
 * ping-pong guard (too many bot↔human switches: the handback to a bot is refused, the human
 * keeps the journey, and it is flagged `handoff_loop`).
 */
export function planOwner(
  sql: SqlStorage,
  j: JourneyRecord,
  owner: OwnerInput,
  guard: HandoffGuard | undefined,
): Result<WriteSpec, JourneyError> {
  const previous = j.owner ? (JSON.parse(j.owner) as OwnerView) : null;
  if (owner.expectedOwnerId !== undefined && owner.expectedOwnerId !== (previous?.id ?? null)) {
    return err({ code: "owner_conflict", currentOwnerId: previous?.id ?? null });
  }
  const switching = previous !== null && isBot(previous.kind) !== isBot(owner.kind);
  if (guard && switching) {
    const since = new Date(Date.now() - guard.windowMinutes * 60_000).toISOString();
    const count = recentBotHumanSwitches(sql, since) + 1;
    if (count > guard.maxBotHumanSwitches && isBot(owner.kind))
      return ok(planLoopRefusal(sql, previous, owner, count));
  }
  const label = owner.name ?? owner.id;
  const team = owner.team ? ` (${owner.team})` : "";
  const packet = owner.handoff
    ? {
        reason: redactText(owner.handoff.reason).text,
        summary: redactText(owner.handoff.summary).text,
        openPromises: openPromises(sql),
      }
    : null;
  return ok({
    type: "owner.changed",
    channel: null,
    direction: "internal",
    actor: owner.actor ?? SYSTEM,
    text: `owner ${previous ? `${previous.name ?? previous.id} → ` : ""}${label}${team}${owner.note ? `: ${owner.note}` : ""}`,
    data: {
      from: previous,
      to: { kind: owner.kind, id: owner.id, name: owner.name ?? null, team: owner.team ?? null },
      handoff: packet,
    },
    occurredAt: null,
    lastAction: `assigned to ${label}${team}`,
    apply: (seq, now) => {
      const view: OwnerView = {
        kind: owner.kind,
        id: owner.id,
        name: owner.name ?? null,
        team: owner.team ?? null,
        since: now,
      };
      const handoff = previous !== null && previous.id !== owner.id;
      sql.exec(
        `UPDATE journey SET owner = ?, owner_seq = ?,
           effort = json_set(effort, '$.handoffs', coalesce(json_extract(effort, '$.handoffs'), 0) + ?)
         WHERE singleton = 1`,
        JSON.stringify(view),
        seq,
        handoff ? 1 : 0,
      );
      if (guard && switching) {
        const since = new Date(Date.now() - guard.windowMinutes * 60_000).toISOString();
        if (recentBotHumanSwitches(sql, since) > guard.maxBotHumanSwitches)
          flag(sql, "handoff_loop");
      }
      const opened: OwnerRow = {
        workspaceId: j.workspace,
        journeyId: j.id,
        seq,
        ownerKind: owner.kind,
        ownerId: owner.id,
        ownerName: owner.name ?? null,
        ownerTeam: owner.team ?? null,
        since: now,
        until: null,
      };
      return { owner: { opened, closedSeq: j.owner_seq } };
    },
  });
}

function flag(sql: SqlStorage, name: string): void {
  sql.exec(
    "UPDATE journey SET flags = (SELECT json_group_array(value) FROM (SELECT value FROM json_each(flags) UNION SELECT ?)) WHERE singleton = 1",
    name,
  );
}

/** The guard tripped: the human keeps the journey, which is flagged for attention. */
function planLoopRefusal(
  sql: SqlStorage,
  current: OwnerView,
  refused: OwnerInput,
  count: number,
): WriteSpec {
  return {
    type: "journey.flagged",
    channel: null,
    direction: "internal",
    actor: refused.actor ?? SYSTEM,
    text: `handback to ${refused.name ?? refused.id} refused: ${count} bot/human handoffs in the window; ${current.name ?? current.id} keeps the journey`,
    data: {
      flag: "handoff_loop",
      refused: { kind: refused.kind, id: refused.id },
      keptOwner: current.id,
      switches: count,
    },
    occurredAt: null,
    lastAction: `escalated to ${current.name ?? current.id} (handoff loop)`,
    apply: () => {
      flag(sql, "handoff_loop");
    },
  };
}
