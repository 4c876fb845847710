import { env, runInDurableObject } from "cloudflare:test";
import { verifyWebhook } from "@baton/core";
import { describe, expect, it } from "vitest";
import type { JourneyObject } from "../workers/relay/src/objects/journey/object";
import type { WebhooksObject } from "../workers/relay/src/objects/webhooks/object";
import { acceptsType, eventTypeProblem } from "../workers/relay/src/objects/webhooks/filter";
import { RETRY_SCHEDULE_MS, MAX_ATTEMPTS } from "../workers/relay/src/objects/webhooks/schema";
import { parseRetryAfter, retryDelayMs } from "../workers/relay/src/objects/webhooks/send";
import { api, expectProblem, flushJourney, smsFrom, workspace } from "./helpers";
import {
  hooksStub,
  outbound,
  payloadOf,
  receiver,
  runHooksAlarm,
  sqlRows,
  sqlRun,
  subscribe,
  succeeded,
  until,
  webhookWorkspace,
  type Receiver,
} from "./webhooks-helpers";

/** Every request the receiver got, once at least `n` were answered 2xx. */
function delivered(ws: string, r: Receiver, n: number) {
  return until(
    ws,
    () => r.requests(),
    (list) => succeeded(list).length >= n,
    `${n} deliveries`,
  );
}

describe("outbound webhooks: delivery and signatures", () => {
  it("delivers every event signed so that the official standardwebhooks library verifies it", async () => {
    const { ws, key } = await webhookWorkspace();
    const r = receiver();
    const sub = await subscribe(key, r.url, { description: "crm" });
    expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    await r.set({ secrets: [sub.secret] });

    const events = [outbound(ws, "jrn_a", 1), outbound(ws, "jrn_a", 2), outbound(ws, "jrn_b", 1)];
    expect(await hooksStub(ws).enqueue(events)).toEqual({ stored: 3, subscriptions: 1 });
    const list = await delivered(ws, r, 3);

    expect(list).toHaveLength(3);
    for (const req of list) {
      expect(req.answered).toBe(204);
      expect(req.verifications).toEqual([{ secret: sub.secret, ok: true, error: null }]);
      expect(req.headers["content-type"]).toBe("application/json");
      expect(req.headers["user-agent"]).toBe("Baton-Webhooks/1");
      expect(req.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
      const ts = Number(req.headers["webhook-timestamp"]);
      expect(Math.abs(ts - Date.now() / 1000)).toBeLessThan(60);
      // Our own verifier agrees with the official library.
      expect((await verifyWebhook([sub.secret], req.headers, req.body)).ok).toBe(true);
    }
    const byId = new Map(list.map((req) => [req.headers["webhook-id"], req]));
    for (const e of events) {
      const req = byId.get(e.id);
      expect(req).toBeDefined();
      if (!req) continue;
      expect(payloadOf(req)).toEqual({
        type: "message",
        timestamp: e.event.occurredAt,
        data: {
          workspace: ws,
          journeyId: e.journeyId,
          customerId: "cus_test",
          seq: e.seq,
          event: e.event,
        },
      });
    }

    const log = await api("GET", `/v1/webhooks/${sub.id}/deliveries`, undefined, key);
    expect(log.status).toBe(200);
    expect(log.body.items).toHaveLength(3);
    expect(log.body.items[0]).toMatchObject({ ok: true, status: 204, attempt: 1, error: null });
    expect(typeof log.body.items[0].latencyMs).toBe("number");
    const got = await api("GET", `/v1/webhooks/${sub.id}`, undefined, key);
    expect(got.body).toMatchObject({
      id: sub.id,
      url: r.url,
      description: "crm",
      eventTypes: ["*"],
      enabled: true,
      backlog: { pending: 0, waiting: 0, inFlight: 0, dead: 0 },
    });
    expect(got.body.secret).toBeUndefined();
    expect(got.body.lastSuccessAt).not.toBeNull();
  });

  it("sends a webhook.test ping on request, to that subscription only", async () => {
    const { ws, key } = await webhookWorkspace();
    const r = receiver();
    const other = receiver();
    const sub = await subscribe(key, r.url, { eventTypes: ["promise.*"] });
    await subscribe(key, other.url);
    await r.set({ secrets: [sub.secret] });
    const ping = await api("POST", `/v1/webhooks/${sub.id}/test`, undefined, key);
    expect(ping.status).toBe(202);
    const [req] = await delivered(ws, r, 1);
    expect(req?.headers["webhook-id"]).toBe(ping.body.messageId);
    expect(req?.verifications[0]?.ok).toBe(true);
    expect(req && payloadOf(req)).toMatchObject({
      type: "webhook.test",
      data: { workspace: ws, subscriptionId: sub.id },
    });
    expect(await other.requests()).toHaveLength(0);
  });

  it("stores one delivery per subscription and event id, however often it is enqueued", async () => {
    const { ws, key } = await webhookWorkspace();
    expect(await hooksStub(ws).enqueue([outbound(ws, "jrn_x", 1)])).toEqual({
      stored: 0,
      subscriptions: 0,
    });
    const r = receiver();
    await subscribe(key, r.url);
    const e = outbound(ws, "jrn_x", 2);
    expect(await hooksStub(ws).enqueue([e, e])).toEqual({ stored: 1, subscriptions: 1 });
    expect(await hooksStub(ws).enqueue([e])).toEqual({ stored: 0, subscriptions: 1 });
    await delivered(ws, r, 1);
    // Enqueued again after delivery (a journey retrying a lost answer): still nothing new.
    expect(await hooksStub(ws).enqueue([e])).toEqual({ stored: 0, subscriptions: 1 });
    await runHooksAlarm(ws);
    expect(await r.requests()).toHaveLength(1);
    const rows = await sqlRows<{ n: number }>(ws, "SELECT count(*) AS n FROM deliveries");
    expect(rows[0]?.n).toBe(1);
  });

  it("filters by event type: exact types, prefix wildcards and *", async () => {
    const { ws, key } = await webhookWorkspace();
    const [promises, messages, all] = [receiver(), receiver(), receiver()];
    const p = await subscribe(key, promises.url, { eventTypes: ["promise.*", "exception.raised"] });
    await subscribe(key, messages.url, { eventTypes: ["message"] });
    await subscribe(key, all.url);
    const out = await hooksStub(ws).enqueue([
      outbound(ws, "jrn_f", 1, "message"),
      outbound(ws, "jrn_f", 2, "promise.made"),
      outbound(ws, "jrn_f", 3, "owner.changed"),
      outbound(ws, "jrn_f", 4, "exception.raised"),
      outbound(ws, "jrn_f", 5, "promise.broken"),
    ]);
    expect(out).toEqual({ stored: 3 + 1 + 5, subscriptions: 3 });
    await delivered(ws, all, 5);
    await delivered(ws, promises, 3);
    const types = async (r: Receiver) => (await r.requests()).map((q) => payloadOf(q).type);
    expect(await types(promises)).toEqual(["promise.made", "exception.raised", "promise.broken"]);
    expect(await types(messages)).toEqual(["message"]);
    expect(await types(all)).toEqual([
      "message",
      "promise.made",
      "owner.changed",
      "exception.raised",
      "promise.broken",
    ]);
    // Filters apply to what is enqueued after a change.
    const patched = await api("PATCH", `/v1/webhooks/${p.id}`, { eventTypes: ["owner.*"] }, key);
    expect(patched.status).toBe(200);
    expect(patched.body.eventTypes).toEqual(["owner.*"]);
    await hooksStub(ws).enqueue([
      outbound(ws, "jrn_f", 6, "promise.settled"),
      outbound(ws, "jrn_f", 7, "owner.changed"),
    ]);
    await delivered(ws, promises, 4);
    expect((await types(promises)).at(-1)).toBe("owner.changed");
  });

  it("treats a redirect as a failure (not followed) and keeps the last 1,000 log entries", async () => {
    const { ws, key } = await webhookWorkspace();
    const r = receiver();
    const sub = await subscribe(key, r.url);
    // Stand in for a long history: 1,000 old log entries.
    await runInDurableObject(hooksStub(ws), (_o, state) => {
      for (let n = 1; n <= 1000; n++) {
        state.storage.sql.exec(
          `INSERT INTO attempts (subscription_id, n, delivery_id, msg_id, type, attempt, at, ok,
             latency_ms) VALUES (?, ?, 0, 'evt_old', 'message', 1, ?, 1, 1)`,
          sub.id,
          n,
          Date.now(),
        );
      }
      state.storage.sql.exec("UPDATE subscriptions SET log_n = 1000 WHERE id = ?", sub.id);
    });
    await r.set({ down: true, status: 302 });
    const e = outbound(ws, "jrn_redirect", 1);
    await hooksStub(ws).enqueue([e]);
    const page = await until(
      ws,
      async () =>
        (await api("GET", `/v1/webhooks/${sub.id}/deliveries?limit=1`, undefined, key)).body,
      (b) => b.items[0]?.messageId === e.id,
      "the redirect attempt",
    );
    expect(page.items[0]).toMatchObject({ id: 1001, ok: false, status: 302, error: "HTTP 302" });
    expect(page.next).toBe(1001);
    const older = await api(
      "GET",
      `/v1/webhooks/${sub.id}/deliveries?limit=2&before=1001`,
      undefined,
      key,
    );
    expect(older.body.items.map((i: { id: number }) => i.id)).toEqual([1000, 999]);
    const rows = await sqlRows<{ n: number; lo: number }>(
      ws,
      "SELECT count(*) AS n, MIN(n) AS lo FROM attempts WHERE subscription_id = ?",
      sub.id,
    );
    expect(rows[0]).toEqual({ n: 1000, lo: 2 });
    expect(await r.requests()).toHaveLength(1);
  });
});

describe("outbound webhooks: retries, order and dead letters", () => {
  it("a receiver down for a while gets everything once back, each journey in seq order", async () => {
    const { ws, key } = await webhookWorkspace();
    const r = receiver();
    const sub = await subscribe(key, r.url);
    await r.set({ down: true, status: 503, retryAfter: "120", secrets: [sub.secret] });
    const [a1, a2, a3] = [1, 2, 3].map((seq) => outbound(ws, "jrn_a", seq));
    const [b1, b2] = [1, 2].map((seq) => outbound(ws, "jrn_b", seq));
    if (!a1 || !a2 || !a3 || !b1 || !b2) throw new Error("events");
    // Interleaved, as several journeys would hand them over.
    await hooksStub(ws).enqueue([a1, b1, a2]);
    await hooksStub(ws).enqueue([b2, a3]);

    // First attempts: only each journey's head goes out; both fail and wait for a retry.
    const got = await until(
      ws,
      async () => (await api("GET", `/v1/webhooks/${sub.id}`, undefined, key)).body,
      (b) => b.lastFailureAt !== null && b.backlog.inFlight === 0 && b.backlog.pending === 2,
      "two failed heads",
    );
    expect(got.backlog).toEqual({ pending: 2, waiting: 3, inFlight: 0, dead: 0 });
    expect(got.failingSince).not.toBeNull();
    const firstTry = await r.requests();
    expect(firstTry.map((q) => payloadOf(q).data.seq)).toEqual([1, 1]);
    // 503 with Retry-After: 120 stretches the 5 s first step to two minutes.
    const heads = await sqlRows<{ next_at: number; last_attempt_at: number }>(
      ws,
      "SELECT next_at, last_attempt_at FROM deliveries WHERE status = 'pending'",
    );
    for (const h of heads) expect(h.next_at - h.last_attempt_at).toBeGreaterThanOrEqual(120_000);

    // Back up. "Retry now" stands in for waiting out the backoff.
    await r.set({ down: false });
    const retry = await api("POST", `/v1/webhooks/${sub.id}/retry`, undefined, key);
    expect(retry.status).toBe(202);
    expect(retry.body).toEqual({ due: 2 });
    const list = await delivered(ws, r, 5);

    const ok = succeeded(list);
    expect(ok).toHaveLength(5);
    expect(new Set(ok.map((q) => q.headers["webhook-id"]))).toEqual(
      new Set([a1, a2, a3, b1, b2].map((e) => e.id)),
    );
    for (const q of list) expect(q.verifications[0]?.ok).toBe(true);
    for (const journey of ["jrn_a", "jrn_b"]) {
      const seqs = ok.map(payloadOf).filter((p) => p.data.journeyId === journey);
      expect(seqs.map((p) => p.data.seq)).toEqual(journey === "jrn_a" ? [1, 2, 3] : [1, 2]);
    }
    // No event went out while an earlier one of its journey was undelivered.
    const seen = new Map<string, number>();
    for (const q of list) {
      const { journeyId, seq } = payloadOf(q).data;
      expect(seq).toBe((seen.get(journeyId) ?? 0) + 1);
      if (q.answered < 300) seen.set(journeyId, seq);
    }
    const after = await api("GET", `/v1/webhooks/${sub.id}`, undefined, key);
    expect(after.body.backlog).toEqual({ pending: 0, waiting: 0, inFlight: 0, dead: 0 });
    expect(after.body.failingSince).toBeNull();
    const failed = await api(
      "GET",
      `/v1/webhooks/${sub.id}/deliveries?status=failed`,
      undefined,
      key,
    );
    expect(failed.body.items).toHaveLength(2);
    expect(failed.body.items[0]).toMatchObject({ ok: false, status: 503, error: "HTTP 503" });
  });

  it("retries on the schedule, dead-letters after the last attempt, and replays on request", async () => {
    const { ws, key } = await webhookWorkspace();
    const r = receiver();
    const sub = await subscribe(key, r.url);
    await r.set({ down: true, status: 500 });
    const [first, second] = [outbound(ws, "jrn_d", 1), outbound(ws, "jrn_d", 2)];
    if (!first || !second) throw new Error("events");
    await hooksStub(ws).enqueue([first, second]);

    const firstRow = () =>
      sqlRows<{ status: string; attempts: number; wait: number | null }>(
        ws,
        `SELECT status, attempts, next_at - last_attempt_at AS wait FROM deliveries
         WHERE msg_id = ?`,
        first.id,
      );
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const last = attempt === MAX_ATTEMPTS;
      const [row] = await until(
        ws,
        firstRow,
        ([d]) => d?.attempts === attempt && d.status === (last ? "dead" : "pending"),
        `attempt ${attempt} recorded`,
      );
      if (last) break;
      // The delay after attempt k is the k-th step, lengthened by at most 20 % jitter.
      const step = RETRY_SCHEDULE_MS[attempt - 1] ?? 0;
      expect(row?.wait).toBeGreaterThanOrEqual(step);
      expect(row?.wait).toBeLessThanOrEqual(step * 1.2 + 2_000);
      // Stand in for the hours passing: make the retry due now (as POST /retry does).
      await sqlRun(ws, "UPDATE deliveries SET next_at = ? WHERE msg_id = ?", Date.now(), first.id);
    }
    // The schedule adds up to more than a day.
    expect(RETRY_SCHEDULE_MS.reduce((s, d) => s + d, 0)).toBeGreaterThan(86_400_000);

    // Dead after the 8th attempt (the receiver saw 8 tries); only then did the next event go out.
    const all = await until(
      ws,
      () => r.requests(),
      (l) => l.some((q) => q.headers["webhook-id"] === second.id),
      "the second event after the first died",
    );
    const firstIdx = all.map((q) => q.headers["webhook-id"]);
    expect(firstIdx.filter((id) => id === first.id)).toHaveLength(MAX_ATTEMPTS);
    expect(firstIdx.indexOf(second.id)).toBe(MAX_ATTEMPTS);
    const dead = await api("GET", `/v1/webhooks/${sub.id}/dead-letters`, undefined, key);
    expect(dead.status).toBe(200);
    expect(dead.body.items).toHaveLength(1);
    expect(dead.body.items[0]).toMatchObject({
      messageId: first.id,
      journeyId: "jrn_d",
      seq: 1,
      attempts: MAX_ATTEMPTS,
      lastStatus: 500,
      lastError: "HTTP 500",
      payload: { type: "message", data: { seq: 1, event: { id: first.id } } },
    });
    const failed = await api(
      "GET",
      `/v1/webhooks/${sub.id}/deliveries?status=failed&messageId=${first.id}`,
      undefined,
      key,
    );
    expect(failed.body.items.map((i: { attempt: number }) => i.attempt)).toEqual([
      8, 7, 6, 5, 4, 3, 2, 1,
    ]);

    // A replay naming an id that is not a dead letter changes nothing.
    const bad = await api(
      "POST",
      `/v1/webhooks/${sub.id}/dead-letters/replay`,
      { ids: [first.id, "evt_nope"] },
      key,
    );
    expectProblem(bad, 404, "dead_letter_not_found");
    expect(bad.body.ids).toEqual(["evt_nope"]);
    expect(
      (await api("GET", `/v1/webhooks/${sub.id}/dead-letters`, undefined, key)).body.items,
    ).toHaveLength(1);

    await r.set({ down: false });
    await api("POST", `/v1/webhooks/${sub.id}/retry`, undefined, key);
    await delivered(ws, r, 1);
    const replay = await api(
      "POST",
      `/v1/webhooks/${sub.id}/dead-letters/replay`,
      { ids: [first.id] },
      key,
    );
    expect(replay.status).toBe(202);
    expect(replay.body).toEqual({ replayed: 1 });
    const list = await delivered(ws, r, 2);
    const ok = succeeded(list).map((q) => q.headers["webhook-id"]);
    expect(ok).toEqual([second.id, first.id]);
    // Every attempt of the replay carries the same body as the first attempt.
    const bodies = new Set(
      list.filter((q) => q.headers["webhook-id"] === first.id).map((q) => q.body),
    );
    expect(bodies.size).toBe(1);
    expect(
      (await api("GET", `/v1/webhooks/${sub.id}/dead-letters`, undefined, key)).body.items,
    ).toHaveLength(0);
  });

  it("replays every dead letter at once", async () => {
    const { ws, key } = await webhookWorkspace();
    const r = receiver();
    const sub = await subscribe(key, r.url);
    const events = [
      outbound(ws, "jrn_r1", 1),
      outbound(ws, "jrn_r2", 1),
      outbound(ws, "jrn_r2", 2),
    ];
    await hooksStub(ws).enqueue(events);
    // Stand in for a day of failures: mark them dead as the schedule would have.
    await sqlRun(
      ws,
      "UPDATE deliveries SET status = 'dead', attempts = ?, done_at = ?, next_at = NULL, last_error = 'HTTP 500'",
      MAX_ATTEMPTS,
      Date.now(),
    );
    expect(
      (await api("GET", `/v1/webhooks/${sub.id}/dead-letters?limit=2`, undefined, key)).body.next,
    ).not.toBeNull();
    const replay = await api("POST", `/v1/webhooks/${sub.id}/dead-letters/replay`, undefined, key);
    expect(replay.body).toEqual({ replayed: 3 });
    const list = await delivered(ws, r, 3);
    const r2 = succeeded(list)
      .map(payloadOf)
      .filter((p) => p.data.journeyId === "jrn_r2");
    expect(r2.map((p) => p.data.seq)).toEqual([1, 2]);
  });

  it("never sends a delivery twice when two alarm runs overlap, and recovers a lost in-flight one", async () => {
    const { ws, key } = await webhookWorkspace();
    const r = receiver();
    const sub = await subscribe(key, r.url);
    const events = Array.from({ length: 12 }, (_, i) => outbound(ws, `jrn_p${i}`, 1));
    await hooksStub(ws).enqueue(events);
    const stub = hooksStub(ws);
    await Promise.all([
      runInDurableObject(stub, (o: WebhooksObject) => o.alarm()),
      runInDurableObject(stub, (o: WebhooksObject) => o.alarm()),
      runHooksAlarm(ws),
    ]);
    const list = await delivered(ws, r, 12);
    expect(list).toHaveLength(12);
    expect(new Set(list.map((q) => q.headers["webhook-id"])).size).toBe(12);

    // A run that died mid-attempt leaves a delivery in flight: after its lease it is retried.
    const lost = outbound(ws, "jrn_lost", 1);
    await runInDurableObject(stub, async (o: WebhooksObject, state) => {
      await o.enqueue([lost]);
      state.storage.sql.exec(
        "UPDATE deliveries SET status = 'in_flight', attempts = 1, lease_until = ? WHERE msg_id = ?",
        Date.now() - 1,
        lost.id,
      );
    });
    await runInDurableObject(stub, (o: WebhooksObject) => o.alarm());
    const log = await api(
      "GET",
      `/v1/webhooks/${sub.id}/deliveries?messageId=${lost.id}`,
      undefined,
      key,
    );
    expect(log.body.items[0]).toMatchObject({ ok: false, attempt: 1, status: null });
    expect(log.body.items[0].error).toMatch(/interrupted/);
    await api("POST", `/v1/webhooks/${sub.id}/retry`, undefined, key);
    await delivered(ws, r, 13);
    expect((await r.requests()).filter((q) => q.headers["webhook-id"] === lost.id)).toHaveLength(1);
  });
});

describe("outbound webhooks: secrets and automatic disabling", () => {
  it("rotation signs with both secrets during the grace period, then only with the new one", async () => {
    const { ws, key } = await webhookWorkspace();
    const r = receiver();
    const sub = await subscribe(key, r.url);
    const old = sub.secret;
    const rotated = await api("POST", `/v1/webhooks/${sub.id}/rotate-secret`, undefined, key);
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    const grace = Date.parse(rotated.body.previousSecretExpiresAt as string) - Date.now();
    expect(grace).toBeGreaterThan(86_400_000 - 60_000);
    expect(grace).toBeLessThanOrEqual(86_400_000);
    const shown = await api("GET", `/v1/webhooks/${sub.id}/secret`, undefined, key);
    expect(shown.body).toEqual(rotated.body);

    // The receiver checks each secret on its own: one that still has only the old secret and
    // one that already has only the new one both accept the delivery.
    await r.set({ secrets: [old, fresh] });
    await hooksStub(ws).enqueue([outbound(ws, "jrn_rot", 1)]);
    const [during] = await delivered(ws, r, 1);
    expect(during?.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(during?.verifications.map((v) => v.ok)).toEqual([true, true]);

    // Stand in for the 24 hours passing: move the old secret's expiry into the past.
    await sqlRun(ws, "UPDATE subscriptions SET previous_expires_at = ?", Date.now() - 1);
    await hooksStub(ws).enqueue([outbound(ws, "jrn_rot", 2)]);
    const after = (await delivered(ws, r, 2))[1];
    expect(after?.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(after?.verifications.map((v) => v.ok)).toEqual([false, true]);
    expect(
      (await api("GET", `/v1/webhooks/${sub.id}`, undefined, key)).body.previousSecretExpiresAt,
    ).toBeNull();

    // graceSeconds 0 revokes the current secret at once.
    const revoked = await api(
      "POST",
      `/v1/webhooks/${sub.id}/rotate-secret`,
      { graceSeconds: 0 },
      key,
    );
    expect(revoked.body.previousSecretExpiresAt).toBeNull();
    const newest = revoked.body.secret as string;
    await r.set({ secrets: [fresh, newest] });
    await hooksStub(ws).enqueue([outbound(ws, "jrn_rot", 3)]);
    const last = (await delivered(ws, r, 3))[2];
    expect(last?.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(last?.verifications.map((v) => v.ok)).toEqual([false, true]);
  });

  it("disables a subscription failing for 5 days, notifies the others, and holds its events until re-enabled", async () => {
    const { ws, key } = await webhookWorkspace();
    const [failing, watcher, bystander] = [receiver(), receiver(), receiver()];
    const f = await subscribe(key, failing.url, { eventTypes: ["message"] });
    const w = await subscribe(key, watcher.url, { eventTypes: ["webhook.*"] });
    await subscribe(key, bystander.url, { eventTypes: ["promise.*"] });
    await failing.set({ down: true, status: 502, secrets: [f.secret] });
    await watcher.set({ secrets: [w.secret] });
    const first = outbound(ws, "jrn_z", 1);
    await hooksStub(ws).enqueue([first]);
    const getF = async () => (await api("GET", `/v1/webhooks/${f.id}`, undefined, key)).body;
    await until(ws, getF, (b) => b.lastFailureAt !== null && b.backlog.inFlight === 0, "a failure");
    expect((await getF()).enabled).toBe(true);

    // Stand in for five days of failures: move the failure clock back, then retry.
    await sqlRun(
      ws,
      "UPDATE subscriptions SET failing_since = ? WHERE id = ?",
      Date.now() - 5 * 86_400_000 - 60_000,
      f.id,
    );
    await api("POST", `/v1/webhooks/${f.id}/retry`, undefined, key);
    const disabled = await until(ws, getF, (b) => b.enabled === false, "the subscription disabled");
    expect(disabled.disabledReason).toMatch(/every attempt failed for 5 days/);
    expect(disabled.disabledAt).not.toBeNull();
    expect(disabled.backlog).toEqual({ pending: 1, waiting: 0, inFlight: 0, dead: 0 });

    const [notice] = await delivered(ws, watcher, 1);
    expect(notice?.verifications[0]?.ok).toBe(true);
    expect(notice && payloadOf(notice)).toMatchObject({
      type: "webhook.subscription.disabled",
      data: { workspace: ws, subscriptionId: f.id, url: failing.url, held: 1 },
    });
    expect(await bystander.requests()).toHaveLength(0);

    // While disabled: new events are held, nothing is sent, retry and test are refused.
    const [second, other] = [outbound(ws, "jrn_z", 2), outbound(ws, "jrn_y", 1)];
    expect(await hooksStub(ws).enqueue([second, other])).toEqual({ stored: 2, subscriptions: 3 });
    const tried = (await failing.requests()).length;
    await runHooksAlarm(ws);
    expect((await failing.requests()).length).toBe(tried);
    expectProblem(
      await api("POST", `/v1/webhooks/${f.id}/retry`, undefined, key),
      409,
      "subscription_disabled",
    );
    expectProblem(
      await api("POST", `/v1/webhooks/${f.id}/test`, undefined, key),
      409,
      "subscription_disabled",
    );

    // Fixed and re-enabled: everything held goes out, each journey in order.
    await failing.set({ down: false });
    const enabled = await api("PATCH", `/v1/webhooks/${f.id}`, { enabled: true }, key);
    expect(enabled.body).toMatchObject({
      enabled: true,
      disabledReason: null,
      disabledAt: null,
      failingSince: null,
    });
    const list = await delivered(ws, failing, 3);
    const ok = succeeded(list).map((q) => q.headers["webhook-id"]);
    expect(ok.sort()).toEqual([first.id, second.id, other.id].sort());
    expect(ok.indexOf(first.id)).toBeLessThan(ok.indexOf(second.id));
    expect(await watcher.requests()).toHaveLength(1);
  });

  it("disables at once when the endpoint answers 410 Gone", async () => {
    const { ws, key } = await webhookWorkspace();
    const [gone, watcher] = [receiver(), receiver()];
    const g = await subscribe(key, gone.url);
    await subscribe(key, watcher.url);
    await gone.set({ down: true, status: 410 });
    await hooksStub(ws).enqueue([outbound(ws, "jrn_g", 1, "note")]);
    const got = await until(
      ws,
      async () => (await api("GET", `/v1/webhooks/${g.id}`, undefined, key)).body,
      (b) => b.enabled === false,
      "disabled on 410",
    );
    expect(got.disabledReason).toMatch(/410 Gone/);
    const list = await until(
      ws,
      () => watcher.requests(),
      (l) => l.some((q) => payloadOf(q).type === "webhook.subscription.disabled"),
      "the notice",
    );
    expect(list.map((q) => payloadOf(q).type).sort()).toEqual([
      "note",
      "webhook.subscription.disabled",
    ]);
  });
});

describe("outbound webhooks: the API refuses bad input", () => {
  it("validates URLs, filters, ids and bodies, and changes nothing when it refuses", async () => {
    const { ws, key } = await webhookWorkspace();
    for (const url of [
      "http://example.com/hook",
      "ftp://example.com/hook",
      "https://user:pw@example.com/hook",
      "https://example.com/hook#part",
      "not a url",
      "",
    ]) {
      const res = await api("POST", "/v1/webhooks", { url }, key);
      expectProblem(res, 422, "validation_failed");
      expect(res.body.errors[0].path).toBe("url");
    }
    for (const eventTypes of [
      [],
      ["promis.*"],
      ["nope"],
      ["promise.**"],
      ["*.made"],
      [""],
      ["Message"],
    ]) {
      const res = await api(
        "POST",
        "/v1/webhooks",
        { url: "https://example.com/h", eventTypes },
        key,
      );
      expectProblem(res, 422, "validation_failed");
      expect(res.body.errors[0].path).toMatch(/^eventTypes/);
    }
    expectProblem(
      await api(
        "POST",
        "/v1/webhooks",
        { url: "https://example.com/h", secret: "whsec_AAAA" },
        key,
      ),
      422,
      "validation_failed",
    );
    expectProblem(
      await api("POST", "/v1/webhooks", "url=https://x", key, { "content-type": "text/plain" }),
      415,
      "unsupported_media_type",
    );
    expect((await api("GET", "/v1/webhooks", undefined, key)).body.items).toEqual([]);

    // Plain http is fine on loopback.
    for (const url of ["http://localhost:9/h", "http://[::1]:9/h"]) {
      expect((await api("POST", "/v1/webhooks", { url }, key)).status).toBe(201);
    }
    const sub = await subscribe(key, "https://example.com/hook", {
      eventTypes: ["promise.*", "message"],
    });

    const unknown = "sub_0000000000000000000000";
    const malformed = "nope";
    for (const id of [unknown, malformed]) {
      for (const [method, path, body] of [
        ["GET", "", undefined],
        ["PATCH", "", { enabled: false }],
        ["DELETE", "", undefined],
        ["GET", "/secret", undefined],
        ["POST", "/rotate-secret", undefined],
        ["GET", "/deliveries", undefined],
        ["GET", "/dead-letters", undefined],
        ["POST", "/dead-letters/replay", undefined],
        ["POST", "/retry", undefined],
        ["POST", "/test", undefined],
      ] as const) {
        expectProblem(
          await api(method, `/v1/webhooks/${id}${path}`, body, key),
          404,
          "subscription_not_found",
        );
      }
    }

    const before = (await api("GET", `/v1/webhooks/${sub.id}`, undefined, key)).body;
    const secret = (await api("GET", `/v1/webhooks/${sub.id}/secret`, undefined, key)).body;
    expectProblem(await api("PATCH", `/v1/webhooks/${sub.id}`, {}, key), 422, "validation_failed");
    expectProblem(
      await api(
        "PATCH",
        `/v1/webhooks/${sub.id}`,
        { url: "http://example.com/x", enabled: false },
        key,
      ),
      422,
      "validation_failed",
    );
    expectProblem(
      await api("PATCH", `/v1/webhooks/${sub.id}`, { eventTypes: ["nope.*"] }, key),
      422,
      "validation_failed",
    );
    expectProblem(
      await api("POST", `/v1/webhooks/${sub.id}/rotate-secret`, { graceSeconds: -1 }, key),
      422,
      "validation_failed",
    );
    expectProblem(
      await api("POST", `/v1/webhooks/${sub.id}/rotate-secret`, { graceSeconds: 8 * 86_400 }, key),
      422,
      "validation_failed",
    );
    expectProblem(
      await api("POST", `/v1/webhooks/${sub.id}/dead-letters/replay`, { ids: [] }, key),
      422,
      "validation_failed",
    );
    expectProblem(
      await api("GET", `/v1/webhooks/${sub.id}/deliveries?status=bogus`, undefined, key),
      400,
      "invalid_query",
    );
    expectProblem(
      await api("GET", `/v1/webhooks/${sub.id}/dead-letters?limit=0`, undefined, key),
      400,
      "invalid_query",
    );
    expect((await api("GET", `/v1/webhooks/${sub.id}`, undefined, key)).body).toEqual(before);
    expect((await api("GET", `/v1/webhooks/${sub.id}/secret`, undefined, key)).body).toEqual(
      secret,
    );

    // At most 20 subscriptions (3 exist).
    for (let i = 0; i < 17; i++) await subscribe(key, `https://example.com/h${i}`);
    expectProblem(
      await api("POST", "/v1/webhooks", { url: "https://example.com/one-more" }, key),
      422,
      "subscription_limit_exceeded",
    );
    expect((await api("GET", "/v1/webhooks", undefined, key)).body.items).toHaveLength(20);

    // Scope: webhooks:manage or admin.
    const plain = await workspace(["events:write"]);
    expectProblem(
      await api("GET", "/v1/webhooks", undefined, plain.key),
      403,
      "insufficient_scope",
    );
    const admin = await workspace(["admin"]);
    expect((await api("GET", "/v1/webhooks", undefined, admin.key)).status).toBe(200);
    // Another workspace's subscription is not visible.
    expectProblem(
      await api("GET", `/v1/webhooks/${sub.id}`, undefined, admin.key),
      404,
      "subscription_not_found",
    );

    const deleted = await api("DELETE", `/v1/webhooks/${sub.id}`, undefined, key);
    expect(deleted.body).toEqual({ id: sub.id, deleted: true });
    expectProblem(
      await api("GET", `/v1/webhooks/${sub.id}`, undefined, key),
      404,
      "subscription_not_found",
    );
    expect(ws).toBeTruthy();
  });
});

describe("outbound webhooks: from the journey", () => {
  it("an event posted to /v1/events reaches the subscriber after the journey's and the webhooks object's alarms", async () => {
    const { ws, key } = await workspace(["events:write", "webhooks:manage"]);
    const r = receiver();
    const sub = await subscribe(key, r.url, { eventTypes: ["message"] });
    await r.set({ secrets: [sub.secret] });
    const posted = await api(
      "POST",
      "/v1/events",
      smsFrom("+14155550142", "where is my refund?"),
      key,
    );
    expect(posted.status).toBe(201);
    const journeyId = posted.body.journeyId as string;
    await flushJourney(ws, journeyId);
    const [req] = await delivered(ws, r, 1);
    expect(req?.verifications[0]?.ok).toBe(true);
    expect(req?.headers["webhook-id"]).toBe(posted.body.event.id);
    expect(req && payloadOf(req)).toMatchObject({
      type: "message",
      data: {
        workspace: ws,
        journeyId,
        seq: posted.body.event.seq,
        event: { type: "message", text: "where is my refund?", channel: "sms" },
      },
    });
  });
});

describe("outbound webhooks: from the first subscription on", () => {
  it("an event written right after a workspace's first subscription is delivered", async () => {
    const { ws, key } = await workspace(["events:write", "webhooks:manage"]);
    const before = await api("POST", "/v1/events", smsFrom("+14155550188", "before"), key);
    expect(before.status).toBe(201);
    const journeyId = before.body.journeyId as string;
    const journey = env.JOURNEY.get(env.JOURNEY.idFromName(`${ws}/${journeyId}`));
    const pending = () => runInDurableObject(journey, (o: JourneyObject) => o.hooks().pending);
    expect(await pending()).toBe(1);
    // The hand-off finds no subscription: that answer, given after the event was written,
    // drops the row (nobody subscribed when it was accepted). It is not remembered.
    await flushJourney(ws, journeyId);
    expect(await pending()).toBe(0);

    const r = receiver();
    const sub = await subscribe(key, r.url);
    await r.set({ secrets: [sub.secret] });
    const after = await api(
      "POST",
      "/v1/events",
      { ...smsFrom("+14155550188", "after"), identifiers: undefined, journeyId },
      key,
    );
    expect(after.status).toBe(201);
    expect(await pending()).toBe(1);
    await flushJourney(ws, journeyId);
    const list = await delivered(ws, r, 1);
    expect(list.map((q) => q.headers["webhook-id"])).toEqual([after.body.event.id]);
    expect(list[0] && payloadOf(list[0]).data.event.text).toBe("after");
  });
});

describe("outbound webhooks: retention", () => {
  it("drops delivered rows after 7 days, dead letters after 30, and dead-letters events held 30 days", async () => {
    const { ws, key } = await webhookWorkspace();
    const [ok, off] = [receiver(), receiver()];
    const live = await subscribe(key, ok.url);
    const held = await subscribe(key, off.url, { enabled: false });
    const [a, b, c] = [
      outbound(ws, "jrn_k", 1),
      outbound(ws, "jrn_k", 2),
      outbound(ws, "jrn_k", 3),
    ];
    await hooksStub(ws).enqueue([a, b, c]);
    await delivered(ws, ok, 3);
    const count = async (where: string) =>
      (await sqlRows<{ n: number }>(ws, `SELECT count(*) AS n FROM deliveries WHERE ${where}`))[0]
        ?.n;
    expect(await count(`subscription_id = '${held.id}' AND status IN ('pending', 'waiting')`)).toBe(
      3,
    );

    // Stand in for time passing: age the rows, and let the hourly retention run now.
    const day = 86_400_000;
    await sqlRun(
      ws,
      "UPDATE deliveries SET done_at = ? WHERE msg_id = ?",
      Date.now() - 7 * day - 1,
      a.id,
    );
    await sqlRun(
      ws,
      "UPDATE deliveries SET done_at = ? WHERE msg_id = ?",
      Date.now() - 6 * day,
      b.id,
    );
    await sqlRun(
      ws,
      "UPDATE deliveries SET created_at = ? WHERE subscription_id = ? AND msg_id = ?",
      Date.now() - 30 * day - 1,
      held.id,
      a.id,
    );
    await sqlRun(ws, "UPDATE meta SET prune_at = 0");
    await runInDurableObject(hooksStub(ws), (o: WebhooksObject) => o.alarm());

    expect(await count(`subscription_id = '${live.id}'`)).toBe(2);
    expect(await count(`subscription_id = '${held.id}' AND status = 'dead'`)).toBe(1);
    expect(await count(`subscription_id = '${held.id}' AND status IN ('pending', 'waiting')`)).toBe(
      2,
    );
    // The message stays while the held subscription's dead letter refers to it.
    const dead = await api("GET", `/v1/webhooks/${held.id}/dead-letters`, undefined, key);
    expect(dead.body.items.map((d: { messageId: string }) => d.messageId)).toEqual([a.id]);
    expect(dead.body.items[0].lastError).toMatch(/held too long/);

    await sqlRun(
      ws,
      "UPDATE deliveries SET done_at = ? WHERE status = 'dead'",
      Date.now() - 30 * day - 1,
    );
    await sqlRun(ws, "UPDATE meta SET prune_at = 0");
    await runInDurableObject(hooksStub(ws), (o: WebhooksObject) => o.alarm());
    expect(await count(`status = 'dead'`)).toBe(0);
    const messages = await sqlRows<{ id: string }>(ws, "SELECT id FROM messages ORDER BY id");
    expect(messages.map((m) => m.id)).toEqual([b.id, c.id].sort());
  });
});

describe("outbound webhooks: schedule and filter rules", () => {
  it("backs off on the schedule with upward jitter, and honours a longer Retry-After up to 10 h", () => {
    expect(retryDelayMs(1, null, 0)).toBe(5_000);
    expect(retryDelayMs(1, null, 1)).toBe(6_000);
    expect(retryDelayMs(4, null, 0.5)).toBe(7_920_000); // 2 h + 10 %
    expect(retryDelayMs(7, null, 0)).toBe(10 * 3_600_000);
    expect(retryDelayMs(1, 120_000, 0)).toBe(120_000);
    expect(retryDelayMs(1, 1_000, 0)).toBe(5_000);
    expect(retryDelayMs(2, 86_400_000, 0)).toBe(10 * 3_600_000);
    expect(parseRetryAfter("120")).toBe(120_000);
    const now = Date.parse("2026-11-18T10:00:00Z");
    expect(parseRetryAfter("Wed, 18 Nov 2026 10:05:00 GMT", now)).toBe(300_000);
    expect(parseRetryAfter("soon")).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });

  it("matches exact types, prefix wildcards at any depth, and *", () => {
    expect(acceptsType(["*"], "webhook.subscription.disabled")).toBe(true);
    expect(acceptsType(["webhook.*"], "webhook.subscription.disabled")).toBe(true);
    expect(acceptsType(["promise.*"], "promise.broken")).toBe(true);
    expect(acceptsType(["promise.*"], "message")).toBe(false);
    expect(acceptsType(["message"], "message")).toBe(true);
    expect(acceptsType(["message"], "message.x")).toBe(false);
    expect(eventTypeProblem("promise.*")).toBeNull();
    expect(eventTypeProblem("status.changed")).toBeNull();
    expect(eventTypeProblem("webhook.subscription.*")).toBeNull();
    expect(eventTypeProblem("promis.*")).toMatch(/matches no event type/);
    expect(eventTypeProblem("promise.kept")).toMatch(/unknown event type/);
  });
});
