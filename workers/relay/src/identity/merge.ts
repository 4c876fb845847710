import { err, newId, ok, type CompiledPattern, type Result } from "@baton/core";
import type { CustomerError } from "../objects/customer/types";
import { redactMerge, redactionPatterns } from "../ingest/redact";
import { workspaceSettings } from "../objects/workspace/settings";
import { customerStub, identityStub, journeyStub } from "../objects/access";

export interface MergeOutcome {
  mergeId: string;
  survivorId: string;
  absorbedId: string;
  identifiers: number;
  journeys: number;
}

/**
 * Merges `absorbedId` into `survivorId`. The survivor records the merge before anything moves,
 * each step is idempotent per merge id, and a failure midway leaves the absorbed customer
 * redirecting to the survivor; undoing the merge by its id then restores both.
 */
export async function mergeCustomers(
  env: Env,
  workspace: string,
  survivorId: string,
  absorbedId: string,
  givenReason: string,
  givenActor: unknown,
  /** The workspace's redaction rules, when the caller has read the settings already. */
  patterns?: readonly CompiledPattern[],
): Promise<Result<MergeOutcome, CustomerError>> {
  if (survivorId === absorbedId) return err({ code: "customer_not_found" });
  // The customer objects store both with the merge: redacted like any other caller text.
  const rules = patterns ?? redactionPatterns(await workspaceSettings(env, workspace));
  const { reason, actor } = redactMerge(givenReason, givenActor, rules);
  const survivorView = await customerStub(env, workspace, survivorId).view(workspace, survivorId);
  // A survivor that was itself merged away cannot take customers in (its cards would be lost);
  // one that has no record yet (created by this very event) can.
  if (survivorView.ok && survivorView.value.mergedInto) {
    return err({ code: "customer_merged", into: survivorView.value.mergedInto });
  }
  const mergeId = newId("mrg");
  // The survivor records the merge first: if a later step fails, the merge is listed on the
  // survivor and can be undone by its id, which moves back whatever had moved.
  await customerStub(env, workspace, survivorId).beginMerge(mergeId, absorbedId, reason, actor);
  const absorbed = customerStub(env, workspace, absorbedId);
  const moved = await absorbed.absorbInto(mergeId, survivorId, reason, actor);
  if (!moved.ok) {
    // Nothing moved: the survivor forgets the merge it had begun.
    await customerStub(env, workspace, survivorId).abortMerge(mergeId);
    return moved;
  }
  const { identifiers, journeys } = moved.value;
  await Promise.all(
    identifiers.map(
      async (i) =>
        await identityStub(env, workspace, i.key).relink(
          workspace,
          absorbedId,
          survivorId,
          mergeId,
        ),
    ),
  );
  await Promise.all(
    journeys.map(
      async (j) =>
        await journeyStub(env, workspace, j.id).setCustomer(workspace, j.id, survivorId, mergeId),
    ),
  );
  await customerStub(env, workspace, survivorId).receive(
    mergeId,
    absorbedId,
    moved.value,
    reason,
    actor,
  );
  return ok({
    mergeId,
    survivorId,
    absorbedId,
    identifiers: identifiers.length,
    journeys: journeys.length,
  });
}

/** Undoes a merge: exactly the identifiers and journeys it moved go back to the absorbed customer. */
export async function unmergeCustomers(
  env: Env,
  workspace: string,
  survivorId: string,
  mergeId: string,
): Promise<Result<{ mergeId: string; restoredCustomerId: string }, CustomerError>> {
  const survivor = customerStub(env, workspace, survivorId);
  const record = await survivor.merge(mergeId);
  if (!record || record.role !== "survivor") return err({ code: "merge_not_found", id: mergeId });
  if (record.undoneAt) return err({ code: "merge_undone", id: mergeId });
  const back = await survivor.giveBack(mergeId);
  if (!back.ok) return back;
  const { absorbedId } = back.value;
  // Also everything the absorbed customer still lists: covers a merge that was cut short
  // before the survivor took the records in (unrelink only touches links of this merge).
  const absorbedView = await customerStub(env, workspace, absorbedId).view(workspace, absorbedId);
  const identifiers = [
    ...new Set([
      ...back.value.identifiers,
      ...(absorbedView.ok ? absorbedView.value.identifiers.map((i) => i.key) : []),
    ]),
  ];
  const journeys = [
    ...new Set([
      ...back.value.journeys,
      ...(absorbedView.ok ? absorbedView.value.journeys.map((j) => j.id) : []),
    ]),
  ];
  await Promise.all(
    identifiers.map(async (k) => identityStub(env, workspace, k).unrelink(mergeId)),
  );
  await Promise.all(
    journeys.map(
      async (id) =>
        await journeyStub(env, workspace, id).setCustomer(workspace, id, absorbedId, mergeId),
    ),
  );
  await customerStub(env, workspace, absorbedId).restore(mergeId);
  return ok({ mergeId, restoredCustomerId: absorbedId });
}
