/**
 * What a journey object puts in its outbox for D1, one record per event, written in the same
 * storage transaction as the event. The flusher turns a batch of these into idempotent SQL.
 */
export interface JourneyRow {
  workspaceId: string;
  id: string;
  customerId: string | null;
  status: string;
  reasonText: string | null;
  reasonTopic: string | null;
  ownerKind: string | null;
  ownerId: string | null;
  ownerName: string | null;
  ownerTeam: string | null;
  lastSeq: number;
  contacts: number;
  channels: string;
  channelSwitches: number;
  handoffs: number;
  repeats: number;
  brokenPromises: number;
  pendingPromises: number;
  /** Open exceptions of the journey; missing in records written before it existed (0 then). */
  openExceptions?: number;
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
}

export interface EventRow {
  workspaceId: string;
  journeyId: string;
  seq: number;
  id: string;
  type: string;
  channel: string | null;
  direction: string | null;
  actorKind: string | null;
  actorId: string | null;
  actorName: string | null;
  text: string | null;
  data: string | null;
  occurredAt: string;
  recordedAt: string;
}

export interface PromiseRow {
  workspaceId: string;
  id: string;
  journeyId: string;
  text: string;
  dueAt: string;
  madeByKind: string;
  madeById: string | null;
  madeByName: string | null;
  status: string;
  createdAt: string;
  settledAt: string | null;
  lastSeq: number;
  /** When the owner was nudged that the promise falls due soon (docs/api.md#worklist). */
  atRiskAt?: string | null;
}

export interface OwnerRow {
  workspaceId: string;
  journeyId: string;
  seq: number;
  ownerKind: string;
  ownerId: string;
  ownerName: string | null;
  ownerTeam: string | null;
  since: string;
  until: string | null;
}

/** One outbox record: the event, the journey snapshot after it, and what it touched. */
export interface OutboxRecord {
  event: EventRow;
  journey: JourneyRow;
  promise?: PromiseRow;
  /** Promise rows when one event touches several (renegotiation closes one and opens another). */
  promises?: PromiseRow[];
  /** The new ownership interval, and the seq of the interval it closes. */
  owner?: { opened: OwnerRow; closedSeq: number | null };
}
