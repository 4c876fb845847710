import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ADMIN, api, expectProblem, smsFrom, workspace, type ApiResponse } from "./helpers";
import { PRUNE_BATCH, pruneAudit } from "../workers/relay/src/objects/workspace/audit";

/*
 * The audit log (docs/privacy.md, "Audit log"; docs/api.md, "Audit log"): every key, settings,
 * workspace and identity action leaves exactly one entry, refused requests leave none, secrets
 * and identifier values never reach it, and the alarm deletes entries past retention.
 */

const FROM = {
  "cf-connecting-ip": "203.0.113.7",
  "user-agent": `ops-console/1.0 ${"x".repeat(400)}`,
};

interface Entry {
  id: string;
  at: string;
  action: string;
  actor: { type: string; keyId?: string; person: { kind: string; id?: string } | null };
  customerId: string | null;
  otherCustomerId: string | null;
  target: Record<string, any> | null; // eslint-disable-line @typescript-eslint/no-explicit-any -- deep reads
  before: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- deep reads
  after: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- deep reads
  ip: string | null;
  userAgent: string | null;
}

async function log(key: string, qs = ""): Promise<Entry[]> {
  const res = await api("GET", `/v1/audit${qs}`, undefined, key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as Entry[];
}

/** Runs `act`, then returns the entries it added (newest first) and its answer. */
async function added(key: string, act: () => Promise<ApiResponse>) {
  const before = await log(key, "?limit=200");
  const res = await act();
  const after = await log(key, "?limit=200");
  const known = new Set(before.map((e) => e.id));
  return { res, entries: after.filter((e) => !known.has(e.id)) };
}

const keyIdOf = (key: string) => key.split(".")[1] ?? "";

function workspaceStub(ws: string) {
  return env.WORKSPACE.get(env.WORKSPACE.idFromName(ws));
}

describe("audit: keys, settings and the workspace", () => {
  it("each action leaves one entry with who, when, what and from where; refusals leave none", async () => {
    const { ws, key } = await workspace(["admin"]);
    const me = keyIdOf(key);

    // The bootstrap made two: the workspace and its first key, by the ADMIN_SECRET.
    const start = await log(key);
    expect(start.map((e) => [e.action, e.actor.type])).toEqual([
      ["key.created", "admin"],
      ["workspace.created", "admin"],
    ]);

    const created = await added(key, () =>
      api("POST", "/v1/keys", { name: "bot", scopes: ["journeys:read"] }, key, FROM),
    );
    expect(created.res.status).toBe(201);
    expect(created.entries).toHaveLength(1);
    const [k] = created.entries;
    expect(k?.action).toBe("key.created");
    expect(k?.actor).toEqual({ type: "key", keyId: me, person: null });
    expect(k?.target).toEqual({ keyId: created.res.body.id });
    expect(k?.after).toEqual({ name: "bot", scopes: ["journeys:read"] });
    expect(k?.ip).toBe("203.0.113.7");
    expect(k?.userAgent).toHaveLength(200);
    expect(k?.userAgent?.startsWith("ops-console/1.0 ")).toBe(true);
    expect(Date.now() - Date.parse(k?.at ?? "")).toBeLessThan(60_000);
    // The key's secret appears nowhere in the log.
    const secret = String(created.res.body.key).split(".")[2] ?? "";
    expect(JSON.stringify(await log(key))).not.toContain(secret);

    const revoked = await added(key, () =>
      api("DELETE", `/v1/keys/${created.res.body.id}`, undefined, key),
    );
    expect(revoked.res.status).toBe(200);
    expect(revoked.entries.map((e) => e.action)).toEqual(["key.revoked"]);
    expect(revoked.entries[0]?.before).toMatchObject({ name: "bot", revokedAt: null });
    expect(revoked.entries[0]?.after.revokedAt).toBe(revoked.res.body.revokedAt);

    // Nothing changed, or refused: no entry.
    const again = await added(key, () =>
      api("DELETE", `/v1/keys/${created.res.body.id}`, undefined, key),
    );
    expect(again.res.status).toBe(200);
    expect(again.entries).toEqual([]);
    const missing = await added(key, () => api("DELETE", "/v1/keys/zzzzzzzzzzzz", undefined, key));
    expectProblem(missing.res, 404, "key_not_found");
    expect(missing.entries).toEqual([]);
    const badKey = await added(key, () => api("POST", "/v1/keys", { name: "x", scopes: [] }, key));
    expectProblem(badKey.res, 422, "validation_failed");
    expect(badKey.entries).toEqual([]);

    const renamed = await added(key, () =>
      api("PUT", `/v1/admin/workspaces/${ws}`, { name: "Acme Support" }, ADMIN),
    );
    expect(renamed.entries.map((e) => [e.action, e.actor.type, e.before, e.after])).toEqual([
      ["workspace.renamed", "admin", { name: ws }, { name: "Acme Support" }],
    ]);
    const same = await added(key, () =>
      api("PUT", `/v1/admin/workspaces/${ws}`, { name: "Acme Support" }, ADMIN),
    );
    expect(same.entries).toEqual([]);
  });

  it("a settings change records the fields before and after, secrets only as (set) or (changed)", async () => {
    const { key } = await workspace(["admin"]);
    const first = await added(key, () =>
      api(
        "PATCH",
        "/v1/settings",
        {
          reopenWindowHours: 24,
          chatIdentitySecret: "first-secret-value",
          providers: { mailgun: { signingKey: "mailgun-signing-1" } },
        },
        key,
      ),
    );
    expect(first.res.status).toBe(200);
    expect(first.entries).toHaveLength(1);
    const e = first.entries[0];
    expect(e?.action).toBe("settings.updated");
    expect(e?.target).toEqual({
      changed: ["chatIdentitySecret", "providers.mailgun", "reopenWindowHours"],
    });
    expect(e?.before).toEqual({
      chatIdentitySecret: null,
      "providers.mailgun": null,
      reopenWindowHours: 72,
    });
    expect(e?.after).toEqual({
      chatIdentitySecret: "(set)",
      "providers.mailgun": { signingKey: "(set)" },
      reopenWindowHours: 24,
    });

    const rotated = await added(key, () =>
      api(
        "PATCH",
        "/v1/settings",
        {
          chatIdentitySecret: "second-secret-value",
          providers: { mailgun: { signingKey: "mailgun-signing-1" } },
        },
        key,
      ),
    );
    expect(rotated.entries.map((x) => [x.target, x.before, x.after])).toEqual([
      [
        { changed: ["chatIdentitySecret"] },
        { chatIdentitySecret: "(set)" },
        { chatIdentitySecret: "(changed)" },
      ],
    ]);

    const unchanged = await added(key, () =>
      api("PATCH", "/v1/settings", { reopenWindowHours: 24 }, key),
    );
    expect(unchanged.res.status).toBe(200);
    expect(unchanged.entries).toEqual([]);
    const refused = await added(key, () =>
      api("PATCH", "/v1/settings", { audit: { retentionDays: 0 } }, key),
    );
    expectProblem(refused.res, 422, "validation_failed");
    expect(refused.entries).toEqual([]);

    const text = JSON.stringify(await log(key, "?limit=200"));
    for (const s of ["first-secret-value", "second-secret-value", "mailgun-signing-1"]) {
      expect(text).not.toContain(s);
    }
  });
});

describe("audit: identity actions", () => {
  it("link, unlink, merge, undo and one-time codes each leave one entry; identifiers only hashed", async () => {
    const { ws, key } = await workspace([
      "events:write",
      "customers:read",
      "customers:write",
      "audit:read",
    ]);
    const a = (await api("POST", "/v1/events", smsFrom("+14155550181", "bill"), key)).body
      .customerId as string;
    const b = (await api("POST", "/v1/events", smsFrom("+14155550182", "bill"), key)).body
      .customerId as string;
    const agent = { kind: "agent", id: "dana", name: "Dana" };

    // Link a new identifier: one entry.
    const link = await added(key, () =>
      api(
        "POST",
        `/v1/customers/${a}/identifiers`,
        { identifier: { type: "email", value: "Pat@Example.com" }, actor: agent },
        key,
        FROM,
      ),
    );
    expect(link.res.status).toBe(201);
    expect(link.entries).toHaveLength(1);
    const linked = link.entries[0];
    expect(linked?.action).toBe("identifier.linked");
    expect(linked?.customerId).toBe(a);
    expect(linked?.actor).toEqual({
      type: "key",
      keyId: keyIdOf(key),
      person: { kind: "agent", id: "dana", name: "Dana" },
    });
    expect(linked?.target?.identifier.type).toBe("email");
    expect(linked?.target?.identifier.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(linked?.after).toEqual({ customerId: a, verification: "asserted" });

    // Unlink it: one entry, the same hash (entries about one identifier can be followed).
    const unlink = await added(key, () =>
      api("DELETE", `/v1/customers/${a}/identifiers/email/pat@example.com`, undefined, key),
    );
    expect(unlink.res.status).toBe(200);
    expect(unlink.entries.map((e) => e.action)).toEqual(["identifier.unlinked"]);
    expect(unlink.entries[0]?.target?.identifier).toEqual(linked?.target?.identifier);
    expect(unlink.entries[0]?.before).toMatchObject({ customerId: a, verification: "asserted" });

    // Linking b's phone to a merges b into a: two actions, two entries, one call.
    const merging = await added(key, () =>
      api(
        "POST",
        `/v1/customers/${a}/identifiers`,
        { identifier: { type: "phone", value: "+14155550182" } },
        key,
      ),
    );
    expect(merging.res.status).toBe(201);
    expect(merging.entries.map((e) => e.action).sort()).toEqual([
      "customer.merged",
      "identifier.linked",
    ]);
    const merged = merging.entries.find((e) => e.action === "customer.merged");
    expect([merged?.customerId, merged?.otherCustomerId]).toEqual([a, b]);
    expect(merged?.target).toEqual({ mergeId: merging.res.body.merge.mergeId });

    const undo = await added(key, () =>
      api(
        "POST",
        `/v1/customers/${a}/merges/${merging.res.body.merge.mergeId}/undo`,
        undefined,
        key,
      ),
    );
    expect(undo.res.status).toBe(200);
    expect(undo.entries.map((e) => [e.action, e.customerId, e.otherCustomerId])).toEqual([
      ["merge.undone", a, b],
    ]);
    const undoAgain = await added(key, () =>
      api(
        "POST",
        `/v1/customers/${a}/merges/${merging.res.body.merge.mergeId}/undo`,
        undefined,
        key,
      ),
    );
    expectProblem(undoAgain.res, 409, "merge_undone");
    expect(undoAgain.entries).toEqual([]);

    // An explicit merge.
    const merge = await added(key, () =>
      api(
        "POST",
        `/v1/customers/${a}/merges`,
        { customerId: b, reason: "same person, confirmed by phone", actor: agent },
        key,
      ),
    );
    expect(merge.res.status).toBe(201);
    expect(merge.entries.map((e) => [e.action, e.customerId, e.otherCustomerId])).toEqual([
      ["customer.merged", a, b],
    ]);
    expect(merge.entries[0]?.actor.person).toEqual(agent);
    // Free text a caller wrote is not kept: it would outlive an erasure.
    expect(JSON.stringify(merge.entries)).not.toContain("confirmed by phone");

    // A one-time code: started, one wrong attempt, confirmed.
    const started = await added(key, () =>
      api(
        "POST",
        `/v1/customers/${a}/verifications`,
        { identifier: { type: "email", value: "lee@example.com" } },
        key,
      ),
    );
    expect(started.res.status).toBe(201);
    expect(started.entries.map((e) => [e.action, e.target?.verificationId])).toEqual([
      ["verification.started", started.res.body.id],
    ]);
    const code = String(started.res.body.code);
    const wrong = code === "000000" ? "000001" : "000000";
    const failed = await added(key, () =>
      api(
        "POST",
        `/v1/customers/${a}/verifications/${started.res.body.id}/confirm`,
        { code: wrong },
        key,
      ),
    );
    expectProblem(failed.res, 422, "verification_failed");
    expect(failed.entries.map((e) => [e.action, e.target?.reason, e.target?.attemptsLeft])).toEqual(
      [["verification.failed", "verification_failed", failed.res.body.attemptsLeft]],
    );
    const unknown = await added(key, () =>
      api(
        "POST",
        `/v1/customers/${a}/verifications/ver_00000000000000000000000000/confirm`,
        { code: "123456" },
        key,
      ),
    );
    expect(unknown.res.status).toBe(404);
    expect(unknown.entries).toEqual([]);
    const confirmed = await added(key, () =>
      api("POST", `/v1/customers/${a}/verifications/${started.res.body.id}/confirm`, { code }, key),
    );
    expect(confirmed.res.status).toBe(200);
    expect(confirmed.entries.map((e) => e.action).sort()).toEqual([
      "identifier.linked",
      "verification.confirmed",
    ]);
    expect(confirmed.entries.find((e) => e.action === "identifier.linked")?.after).toEqual({
      customerId: a,
      verification: "verified",
    });

    // Refused input changes nothing and records nothing.
    const bad = await added(key, () =>
      api(
        "POST",
        `/v1/customers/${a}/identifiers`,
        { identifier: { type: "phone", value: "not a number" } },
        key,
      ),
    );
    expect(bad.res.status).toBe(422);
    expect(bad.entries).toEqual([]);

    // No identifier value reaches the log, in any form.
    const text = JSON.stringify(await log(key, "?limit=200"));
    for (const v of ["pat@example.com", "Pat@Example.com", "lee@example.com", "4155550182"]) {
      expect(text).not.toContain(v);
    }
    // Another workspace hashes the same identifier differently (its own salt).
    const other = await workspace(["customers:write", "events:write", "audit:read"]);
    const c = (await api("POST", "/v1/events", smsFrom("+14155550183", "hi"), other.key)).body
      .customerId as string;
    await api(
      "POST",
      `/v1/customers/${c}/identifiers`,
      { identifier: { type: "email", value: "pat@example.com" } },
      other.key,
    );
    const theirs = (await log(other.key)).find((e) => e.action === "identifier.linked");
    expect(theirs?.target?.identifier.hash).toMatch(/^[0-9a-f]{32}$/);
    expect(theirs?.target?.identifier.hash).not.toBe(linked?.target?.identifier.hash);
    // ...and neither workspace sees the other's entries.
    expect((await log(other.key, "?limit=200")).some((e) => e.customerId === a)).toBe(false);
    expect(ws).not.toBe(other.ws);
  });
});

describe("audit: pending links", () => {
  it("confirming and rejecting a pending link each leave their entries", async () => {
    const { ws, key } = await workspace(["events:write", "customers:write", "audit:read"]);
    const a = (await api("POST", "/v1/events", smsFrom("+14155550185", "hi"), key)).body
      .customerId as string;
    const b = (await api("POST", "/v1/events", smsFrom("+14155550186", "hi"), key)).body
      .customerId as string;
    // Pending links arise from conflicting channel evidence; made directly here.
    const customer = env.CUSTOMER.get(env.CUSTOMER.idFromName(`${ws}/${a}`));
    const pending = (key_: string, value: string) =>
      customer.addPending(
        {
          key: key_,
          type: "phone",
          value,
          source: "sms",
          verification: "claimed",
          createdAt: new Date().toISOString(),
        },
        b,
      );
    const toReject = await pending("phone:+14155550187", "+14155550187");
    const toConfirm = await pending("phone:+14155550186", "+14155550186");

    const rejected = await added(key, () =>
      api("POST", `/v1/customers/${a}/pending-links/${toReject.id}/reject`, {}, key),
    );
    expect(rejected.res.status).toBe(200);
    expect(rejected.entries.map((e) => [e.action, e.customerId, e.otherCustomerId])).toEqual([
      ["pending_link.rejected", a, b],
    ]);
    expect(rejected.entries[0]?.after).toEqual({ status: "rejected" });
    const twice = await added(key, () =>
      api("POST", `/v1/customers/${a}/pending-links/${toReject.id}/reject`, {}, key),
    );
    expectProblem(twice.res, 409, "pending_link_settled");
    expect(twice.entries).toEqual([]);

    const confirmed = await added(key, () =>
      api(
        "POST",
        `/v1/customers/${a}/pending-links/${toConfirm.id}/confirm`,
        { actor: { kind: "agent", id: "sam" } },
        key,
      ),
    );
    expect(confirmed.res.status).toBe(200);
    expect(confirmed.entries.map((e) => e.action).sort()).toEqual([
      "customer.merged",
      "identifier.linked",
      "pending_link.confirmed",
    ]);
    expect(confirmed.entries.every((e) => e.actor.person?.id === "sam")).toBe(true);
    expect(JSON.stringify(confirmed.entries)).not.toContain("4155550186");
  });
});

describe("audit: the query", () => {
  it("filters by time, actor, customer and action, pages with a cursor, and refuses bad queries", async () => {
    const { ws, key } = await workspace(["admin"]);
    const me = keyIdOf(key);
    for (let i = 0; i < 5; i++) {
      const k = await api("POST", "/v1/keys", { name: `k${i}`, scopes: ["audit:read"] }, key);
      expect(k.status).toBe(201);
    }
    const all = await log(key, "?limit=200");
    expect(all).toHaveLength(7);
    expect(all.map((e) => Number(e.id))).toEqual(
      [...all.map((e) => Number(e.id))].sort((x, y) => y - x),
    );

    // By actor: this key made 5; the ADMIN_SECRET made 2.
    expect(await log(key, `?actor=${me}`)).toHaveLength(5);
    expect((await log(key, "?actor=admin")).map((e) => e.action)).toEqual([
      "key.created",
      "workspace.created",
    ]);
    expect(await log(key, "?action=workspace.created")).toHaveLength(1);
    expect(await log(key, "?customer=cus_01m850cv886m5a2qxexx6a")).toEqual([]);

    // By time: from is inclusive, to exclusive.
    const middle = all[3];
    const since = await log(key, `?from=${encodeURIComponent(middle?.at ?? "")}&limit=200`);
    expect(since.every((e) => e.at >= (middle?.at ?? ""))).toBe(true);
    expect(since.some((e) => e.id === middle?.id)).toBe(true);
    expect(await log(key, `?to=${encodeURIComponent(all[all.length - 1]?.at ?? "")}`)).toEqual([]);
    expect(await log(key, "?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z")).toEqual([]);

    // Pages: 3 + 3 + 1, nothing twice, nothing lost.
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: ApiResponse = await api(
        "GET",
        `/v1/audit?limit=3${cursor ? `&cursor=${cursor}` : ""}`,
        undefined,
        key,
      );
      expect(res.status).toBe(200);
      seen.push(...(res.body.items as Entry[]).map((e) => e.id));
      cursor = res.body.nextCursor as string | null;
      pages++;
    } while (cursor !== null);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.map((e) => e.id));

    // Bad queries: 400 invalid_query.
    for (const qs of [
      "?limit=0",
      "?limit=201",
      "?cursor=abc",
      "?from=yesterday",
      "?action=key.deleted",
      "?customer=bob",
      "?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
      "?colour=blue",
    ]) {
      const res = await api("GET", `/v1/audit${qs}`, undefined, key);
      expectProblem(res, 400, "invalid_query");
    }

    // The admin API reads the same log; an unknown workspace is 404.
    const viaAdmin = await api(
      "GET",
      `/v1/admin/workspaces/${ws}/audit?limit=200`,
      undefined,
      ADMIN,
    );
    expect(viaAdmin.status).toBe(200);
    expect((viaAdmin.body.items as Entry[]).map((e) => e.id)).toEqual(all.map((e) => e.id));
    expectProblem(
      await api("GET", "/v1/admin/workspaces/no-such-ws-audit/audit", undefined, ADMIN),
      404,
      "workspace_not_found",
    );
    expectProblem(
      await api("GET", `/v1/admin/workspaces/${ws}/audit?limit=x`, undefined, ADMIN),
      400,
      "invalid_query",
    );
    expectProblem(
      await api("GET", `/v1/admin/workspaces/${ws}/audit`, undefined, "wrong-secret"),
      401,
      "invalid_admin_secret",
    );
  });

  it("needs audit:read (or admin)", async () => {
    const { key } = await workspace(["customers:read", "customers:write", "events:write"]);
    const res = await api("GET", "/v1/audit", undefined, key);
    expectProblem(res, 403, "insufficient_scope");
    expect(res.body.required).toBe("audit:read");
    expectProblem(await api("GET", "/v1/audit"), 401, "unauthenticated");
    const reader = await workspace(["audit:read"]);
    expect((await api("GET", "/v1/audit", undefined, reader.key)).status).toBe(200);
  });
});

describe("audit: storage", () => {
  it("rows cannot be changed", async () => {
    const { ws } = await workspace(["admin"]);
    const outcome = await runInDurableObject(workspaceStub(ws), (_o, state) => {
      try {
        state.storage.sql.exec("UPDATE audit_log SET action = 'key.revoked'");
        return "updated";
      } catch (e) {
        return String(e);
      }
    });
    expect(outcome).toContain("append-only");
  });

  it("the alarm deletes entries past audit.retentionDays, in batches, and keeps the rest", async () => {
    const { ws, key } = await workspace(["admin"]);
    const stub = workspaceStub(ws);
    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await runInDurableObject(stub, (_o, state) => {
      for (let i = 0; i < 1_200; i++) {
        state.storage.sql.exec(
          "INSERT INTO audit_log (at, action, actor_type) VALUES (?, 'key.created', 'admin')",
          old,
        );
      }
    });
    const count = () =>
      runInDurableObject(
        stub,
        (_o, state) =>
          state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM audit_log").one().n,
      );
    expect(await count()).toBe(1_202);

    // One step of the retention: at most one batch, then "run again at once" while full.
    const now = Date.now();
    const steps = await runInDurableObject(stub, (_o, state) => [
      pruneAudit(state.storage.sql, 365, now),
      pruneAudit(state.storage.sql, 30, now),
    ]);
    expect(steps[0]).toEqual({ deleted: 0, next: Date.parse(old) + 365 * 86_400_000 });
    expect(steps[1]).toEqual({ deleted: PRUNE_BATCH, next: now });
    expect(await count()).toBe(702);

    // Default retention (365 days): the alarm keeps them all.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await count()).toBe(702);

    // 30 days: the change re-arms the alarm, which deletes batch after batch until only the
    // recent entries are left (it re-arms itself at once, so the runtime may run it too).
    const patch = await api("PATCH", "/v1/settings", { audit: { retentionDays: 30 } }, key);
    expect(patch.status).toBe(200);
    expect(patch.body.audit).toEqual({ retentionDays: 30 });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const deadline = Date.now() + 10_000;
    while ((await count()) > 3 && Date.now() < deadline) {
      await runDurableObjectAlarm(stub);
      await new Promise((r) => setTimeout(r, 20));
    }
    // The two bootstrap entries and the settings change stay; the alarm waits for them.
    expect(await count()).toBe(3);
    const next = await runInDurableObject(stub, (_o, state) => state.storage.getAlarm());
    expect(next).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect((await log(key)).map((e) => e.action)).toEqual([
      "settings.updated",
      "key.created",
      "workspace.created",
    ]);
  });
});

describe("audit: cost of the extra call on an identity route", () => {
  it("measures one record() hop against a whole link request", async () => {
    const { ws, key } = await workspace();
    const a = (await api("POST", "/v1/events", smsFrom("+14155550190", "hi"), key)).body
      .customerId as string;
    const stub = workspaceStub(ws);
    const source = { actor: { type: "key", keyId: "x" }, ip: null, userAgent: null } as const;
    const entry = {
      action: "identifier.linked",
      customerId: a,
      identifier: { type: "email", key: "email:m@example.com" },
    } as const;
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] ?? 0;
    const hop: number[] = [];
    const link: number[] = [];
    for (let i = 0; i < 30; i++) {
      let t = performance.now();
      await stub.record(source, [entry]);
      hop.push(performance.now() - t);
      t = performance.now();
      const res = await api(
        "POST",
        `/v1/customers/${a}/identifiers`,
        { identifier: { type: "email", value: `m${i}@example.com` } },
        key,
      );
      link.push(performance.now() - t);
      expect(res.status).toBe(201);
    }
    console.log(
      `audit record() hop: median ${median(hop).toFixed(2)} ms; link request (with it): median ${median(link).toFixed(2)} ms`,
    );
    expect(hop.length).toBe(30);
  });
});
