import { InjectedFault, takeFault } from "../faults";
import { eraseHistory } from "../history/erase";
import {
  customerStub,
  identityObjectId,
  identityStubByRef,
  journeyStub,
  webhooksStub,
} from "../objects/access";

/**
 * The erasure job's steps (docs/privacy.md "Erasure"). The workspace object runs them from its
 * alarm, one after the other, saving the job after each, so a job that fails or is cut off
 * resumes at the step it was in. Every step is idempotent: running one twice changes nothing
 * the first run did not.
 *
 * The order matters:
 * 1. `material`: read each journey's tombstones (hashes of its events' idempotency keys) and
 *    thread references, changing nothing;
 * 2. `identities`: erase the objects of the customer's identifiers, leaving the tombstones.
 *    From here a provider retry of an erased message stores nothing, and a new contact from
 *    the same address starts a new customer;
 * 3. `threads`: erase the thread-reference objects (Message-IDs, reply addresses, call SIDs);
 * 4. `customers`: erase the customer objects (the customer, and those merged into it), adding
 *    any journey they list that the plan did not know (one started while the job planned);
 * 5. `journeys`: erase the journey objects (live chat sockets are closed first, and told why);
 * 6. `history`: guard rows, then the D1 rows of those journeys;
 * 7. `webhooks`: the outbound webhook messages, deliveries and dead letters about them;
 * 8. `notify`: queue `customer.erased` to the subscriptions that accept it.
 * The workspace object then records `customer.erased` in the audit log and clears the plan.
 */
export const ERASURE_STEPS = [
  "material",
  "identities",
  "threads",
  "customers",
  "journeys",
  "history",
  "webhooks",
  "notify",
] as const;
export type ErasureStep = (typeof ERASURE_STEPS)[number];

/** What the job must reach. Held only while the job runs; cleared when it completes. */
export interface ErasurePlan {
  customers: string[];
  journeys: string[];
  /**
   * The customer's identity objects, by object id (`identityObjectId`), never by the
   * identifier: the job row holds no phone number, address or name while it runs.
   */
  identities: string[];
  /** The thread-reference objects found in the journeys (`material`), by object id too. */
  threads: string[];
  /** Tombstones found in the journeys (`material`). */
  tombstones: string[];
}

export interface ErasureCounts {
  customers: number;
  journeys: number;
  events: number;
  identifiers: number;
  threads: number;
  tombstones: number;
  socketsClosed: number;
  historyRows: number;
  webhookMessages: number;
  webhooksQueued: number;
}

export const emptyCounts = (): ErasureCounts => ({
  customers: 0,
  journeys: 0,
  events: 0,
  identifiers: 0,
  threads: 0,
  tombstones: 0,
  socketsClosed: 0,
  historyRows: 0,
  webhookMessages: 0,
  webhooksQueued: 0,
});

export interface JobState {
  id: string;
  workspace: string;
  requestedAt: string;
  plan: ErasurePlan;
  counts: ErasureCounts;
  notes: string[];
}

/** Objects called at once within a step. */
const PARALLEL = 8;

async function each<T>(items: T[], run: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += PARALLEL) {
    await Promise.all(items.slice(i, i + PARALLEL).map(run));
  }
}

/** Runs one step; the caller saves `job` after it. Throws when the step must be retried. */
export async function runStep(env: Env, job: JobState, step: ErasureStep): Promise<void> {
  const { workspace: ws, id, plan, counts } = job;
  // Test-only (src/faults.ts): an erasure interrupted at any step.
  const fault = await takeFault(env, ws, `erasure.${step}`);
  if (fault) throw new InjectedFault(`erasure.${step}`, fault);
  switch (step) {
    case "material": {
      const tombstones = new Set(plan.tombstones);
      const threads = new Set(plan.threads);
      await each(plan.journeys, async (j) => {
        const m = await journeyStub(env, ws, j).erasureMaterial(ws, j);
        for (const t of m.tombstones) tombstones.add(t);
        for (const r of m.threadRefs) threads.add(identityObjectId(env, ws, `thread:${r}`));
      });
      plan.tombstones = [...tombstones];
      plan.threads = [...threads];
      counts.tombstones = plan.tombstones.length;
      return;
    }
    case "identities": {
      await each(plan.identities, async (ref) => {
        await identityStubByRef(env, ws, ref).erase(ws, id, plan.tombstones);
      });
      counts.identifiers = plan.identities.length;
      return;
    }
    case "threads": {
      await each(plan.threads, async (ref) => {
        await identityStubByRef(env, ws, ref).erase(ws, id, []);
      });
      counts.threads = plan.threads.length;
      return;
    }
    case "customers": {
      const journeys = new Set(plan.journeys);
      let pendingLinks = 0;
      let erased = 0;
      await each(plan.customers, async (c) => {
        const view = await customerStub(env, ws, c).erase(ws, c);
        if (!view) return;
        erased++;
        for (const card of view.journeys) journeys.add(card.id);
        pendingLinks += view.pendingLinks.filter((p) => p.status === "pending").length;
      });
      const added = [...journeys].filter((j) => !plan.journeys.includes(j));
      if (added.length > 0) {
        job.notes.push(`${added.length} journey(s) started while the erasure ran were erased too`);
        plan.journeys = [...journeys];
      }
      if (pendingLinks > 0) {
        job.notes.push(
          `${pendingLinks} pending identifier link(s) awaiting confirmation were dropped`,
        );
      }
      counts.customers = Math.max(counts.customers, erased);
      return;
    }
    case "journeys": {
      await each(plan.journeys, async (j) => {
        const out = await journeyStub(env, ws, j).erase(ws, j);
        if (!out.found) return;
        counts.journeys++;
        counts.events += out.events;
        counts.socketsClosed += out.socketsClosed;
      });
      if (counts.socketsClosed > 0) {
        job.notes.push(`${counts.socketsClosed} live chat socket(s) were closed first`);
      }
      return;
    }
    case "history": {
      const out = await eraseHistory(env.DB, ws, id, plan.journeys);
      counts.historyRows = Object.values(out.rows).reduce((a, b) => a + b, counts.historyRows);
      return;
    }
    case "webhooks": {
      counts.webhookMessages += await webhooksStub(env, ws).eraseMessages(
        plan.journeys,
        plan.customers,
      );
      return;
    }
    case "notify": {
      counts.webhooksQueued = await webhooksStub(env, ws).customerErased(ws, id, {
        customerIds: plan.customers,
        journeyIds: plan.journeys,
        requestedAt: job.requestedAt,
        erasedAt: new Date().toISOString(),
      });
      return;
    }
  }
}
