import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { api, expectProblem, smsFrom, workspace, type ApiResponse } from "./helpers";

/**
 * Every class of bad input gets a 4xx application/problem+json that names the offending field,
 * and nothing is stored: events are proven unstored by posting a valid event for the same fresh
 * phone number afterwards (it must start a new journey with one event), sub-resource writes by
 * comparing the journey's `seq` before and after.
 */

let key: string;
beforeAll(async () => {
  ({ key } = await workspace());
});

let phones = 0;
/** A phone number no earlier test in this file has used. */
function freshPhone(): string {
  return `+1415700${String(1000 + phones++)}`;
}

/** Asserts the problem names `path` in `errors[]` (with `mention` in its message) or in `detail`. */
function expectNames(res: ApiResponse, path: string, mention?: string): void {
  const errors = (res.body.errors ?? []) as { path: string; message: string }[];
  const hit = errors.find(
    (e) => e.path === path && (mention === undefined || e.message.includes(mention)),
  );
  const detail = typeof res.body.detail === "string" ? res.body.detail : "";
  const inDetail = detail.includes(path) && (mention === undefined || detail.includes(mention));
  expect(hit !== undefined || inDetail, JSON.stringify(res.body)).toBe(true);
}

/** Proves no event, journey or customer link was stored for `phone`. */
async function expectNothingStoredFor(phone: string): Promise<void> {
  const ok = await api("POST", "/v1/events", smsFrom(phone, "a valid follow-up"), key);
  expect(ok.status).toBe(201);
  expect(ok.body.resolution.rule).toBe("new_journey");
  expect(ok.body.context.history.total).toBe(1);
}

/** Posts a bad event for a fresh phone number, checks the problem, then that nothing was stored. */
async function rejectsEvent(
  mutate: (valid: Record<string, unknown>) => unknown,
  status: number,
  code: string,
  path: string,
  mention?: string,
): Promise<ApiResponse> {
  const phone = freshPhone();
  const res = await api("POST", "/v1/events", mutate(smsFrom(phone, "hello")), key);
  expectProblem(res, status, code);
  expectNames(res, path, mention);
  await expectNothingStoredFor(phone);
  return res;
}

/** A journey with one message, for the sub-resource tests. */
async function newJourney(): Promise<string> {
  const res = await api("POST", "/v1/events", smsFrom(freshPhone(), "need help"), key);
  expect(res.status).toBe(201);
  return res.body.journeyId as string;
}

async function seqOf(id: string): Promise<number> {
  const got = await api("GET", `/v1/journeys/${id}`, undefined, key);
  expect(got.status).toBe(200);
  return got.body.seq as number;
}

/** Sends a bad sub-resource write and checks the problem and that the journey did not change. */
async function rejectsWrite(
  method: string,
  path: (id: string) => string,
  body: unknown,
  status: number,
  code: string,
  field?: string,
  mention?: string,
): Promise<ApiResponse> {
  const id = await newJourney();
  const before = await seqOf(id);
  const res = await api(method, path(id), body, key);
  expectProblem(res, status, code);
  if (field !== undefined) expectNames(res, field, mention);
  expect(await seqOf(id)).toBe(before);
  return res;
}

/** Raw fetch for bodies the JSON helper cannot express (bytes, streams, odd headers). */
async function raw(
  method: string,
  path: string,
  body: BodyInit | null,
  headers: Record<string, string> = {},
): Promise<ApiResponse> {
  const res = await SELF.fetch(`https://baton.test${path}`, {
    method,
    body,
    headers: { authorization: `Bearer ${key}`, ...headers },
  });
  const text = await res.text();
  let parsed: ApiResponse["body"] = {};
  try {
    parsed = text ? (JSON.parse(text) as ApiResponse["body"]) : {};
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

describe("bad request bodies on POST /v1/events", () => {
  it("malformed JSON is a 400 malformed_json and stores nothing", async () => {
    const phone = freshPhone();
    const text = JSON.stringify(smsFrom(phone, "hello")).slice(0, -5);
    const res = await api("POST", "/v1/events", text, key);
    expectProblem(res, 400, "malformed_json");
    expect(typeof res.body.detail).toBe("string");
    await expectNothingStoredFor(phone);
  });

  it("an empty body with a JSON content type is a 400 malformed_json", async () => {
    const res = await raw("POST", "/v1/events", "", { "content-type": "application/json" });
    expectProblem(res, 400, "malformed_json");
  });

  it("invalid UTF-8 bytes are a 400 malformed_json and store nothing", async () => {
    const phone = freshPhone();
    const json = JSON.stringify(smsFrom(phone, "hello XX"));
    const bytes = new TextEncoder().encode(json);
    const at = json.indexOf("XX");
    bytes[at] = 0xc3; // a lead byte…
    bytes[at + 1] = 0x28; // …followed by a non-continuation byte
    const res = await raw("POST", "/v1/events", bytes, { "content-type": "application/json" });
    expectProblem(res, 400, "malformed_json");
    await expectNothingStoredFor(phone);
  });

  it("a non-JSON Content-Type is a 415 unsupported_media_type naming Content-Type and stores nothing", async () => {
    const phone = freshPhone();
    const res = await api("POST", "/v1/events", smsFrom(phone, "hello"), key, {
      "content-type": "text/plain",
    });
    expectProblem(res, 415, "unsupported_media_type");
    expect(res.body.detail).toContain("Content-Type");
    await expectNothingStoredFor(phone);
  });

  it("a body without any Content-Type is a 415 unsupported_media_type", async () => {
    const bytes = new TextEncoder().encode(JSON.stringify(smsFrom(freshPhone(), "hello")));
    const res = await raw("POST", "/v1/events", bytes);
    expectProblem(res, 415, "unsupported_media_type");
  });

  it("a body over 64 KiB is a 413 payload_too_large and stores nothing", async () => {
    const phone = freshPhone();
    const res = await api("POST", "/v1/events", smsFrom(phone, "x".repeat(70_000)), key);
    expectProblem(res, 413, "payload_too_large");
    expect(res.body.max).toBe(64 * 1024);
    await expectNothingStoredFor(phone);
  });

  it("a body over 64 KiB with a lying small Content-Length is still a 413", async () => {
    const phone = freshPhone();
    const res = await raw(
      "POST",
      "/v1/events",
      JSON.stringify(smsFrom(phone, "x".repeat(70_000))),
      {
        "content-type": "application/json",
        "content-length": "10",
      },
    );
    expectProblem(res, 413, "payload_too_large");
    await expectNothingStoredFor(phone);
  });

  it("a streamed body over 64 KiB without Content-Length is a 413", async () => {
    const phone = freshPhone();
    const bytes = new TextEncoder().encode(JSON.stringify(smsFrom(phone, "x".repeat(70_000))));
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.subarray(0, 40_000));
        controller.enqueue(bytes.subarray(40_000));
        controller.close();
      },
    });
    const res = await raw("POST", "/v1/events", stream, { "content-type": "application/json" });
    expectProblem(res, 413, "payload_too_large");
    await expectNothingStoredFor(phone);
  });

  it("a wrongly typed field (channel: 5) is a 422 naming channel", async () => {
    await rejectsEvent((e) => ({ ...e, channel: 5 }), 422, "validation_failed", "channel");
  });

  it("a wrongly typed nested field (actor: 'customer') is a 422 naming actor", async () => {
    await rejectsEvent((e) => ({ ...e, actor: "customer" }), 422, "validation_failed", "actor");
  });

  it("a missing actor is a 422 naming actor", async () => {
    await rejectsEvent(({ actor: _a, ...e }) => e, 422, "validation_failed", "actor");
  });

  it("a missing channel is a 422 naming channel", async () => {
    await rejectsEvent(({ channel: _c, ...e }) => e, 422, "validation_failed", "channel");
  });

  it("a missing direction is a 422 naming direction", async () => {
    await rejectsEvent(({ direction: _d, ...e }) => e, 422, "validation_failed", "direction");
  });

  it("an unknown top-level field is a 422 naming the field", async () => {
    await rejectsEvent(
      (e) => ({ ...e, sentiment: "angry" }),
      422,
      "validation_failed",
      "(body)",
      "sentiment",
    );
  });

  it("an unknown nested field in actor is a 422 naming actor and the field", async () => {
    await rejectsEvent(
      (e) => ({ ...e, actor: { kind: "customer", mood: "angry" } }),
      422,
      "validation_failed",
      "actor",
      "mood",
    );
  });

  it("an unknown field inside an identifier is a 422 naming identifiers.0", async () => {
    await rejectsEvent(
      (e) => ({
        ...e,
        identifiers: [{ ...(e.identifiers as object[])[0], verified: true }],
      }),
      422,
      "validation_failed",
      "identifiers.0",
      "verified",
    );
  });

  it("an unknown channel ('pigeon') is a 422 naming channel", async () => {
    await rejectsEvent((e) => ({ ...e, channel: "pigeon" }), 422, "validation_failed", "channel");
  });

  it("an unknown actor.kind is a 422 naming actor.kind", async () => {
    await rejectsEvent(
      (e) => ({ ...e, actor: { kind: "alien" } }),
      422,
      "validation_failed",
      "actor.kind",
    );
  });

  it("an unknown direction is a 422 naming direction", async () => {
    await rejectsEvent(
      (e) => ({ ...e, direction: "sideways" }),
      422,
      "validation_failed",
      "direction",
    );
  });

  it("a caller-posted system event type is a 422 naming type", async () => {
    await rejectsEvent((e) => ({ ...e, type: "status.changed" }), 422, "validation_failed", "type");
  });

  it("text over 16000 characters is a 422 naming text", async () => {
    await rejectsEvent(
      (e) => ({ ...e, text: "x".repeat(16_001) }),
      422,
      "validation_failed",
      "text",
    );
  });

  it("an actor name over 200 characters is a 422 naming actor.name", async () => {
    await rejectsEvent(
      (e) => ({ ...e, actor: { kind: "customer", name: "n".repeat(201) } }),
      422,
      "validation_failed",
      "actor.name",
    );
  });

  it("more than 10 identifiers is a 422 naming identifiers", async () => {
    await rejectsEvent(
      (e) => ({
        ...e,
        identifiers: [
          ...(e.identifiers as object[]),
          ...Array.from({ length: 10 }, (_, i) => ({ type: "email", value: `p${i}@example.com` })),
        ],
      }),
      422,
      "validation_failed",
      "identifiers",
    );
  });

  it("a data object over 16 KiB is a 422 naming data", async () => {
    await rejectsEvent(
      (e) => ({ ...e, data: { blob: "d".repeat(17 * 1024) } }),
      422,
      "validation_failed",
      "data",
    );
  });

  it("data nested thousands of levels deep is a 422 naming data, not a 5xx", async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 3000; i++) deep = [deep];
    await rejectsEvent((e) => ({ ...e, data: { x: deep } }), 422, "validation_failed", "data");
  });

  it("data nested moderately deep is still accepted", async () => {
    let deep: unknown = "leaf";
    for (let i = 0; i < 20; i++) deep = { next: deep };
    const res = await api(
      "POST",
      "/v1/events",
      smsFrom(freshPhone(), "hi", { data: { deep } }),
      key,
    );
    expect(res.status).toBe(201);
  });

  it("a fact with an invalid key is a 422 naming facts", async () => {
    await rejectsEvent(
      (e) => ({ ...e, facts: { "not a key!": "x" } }),
      422,
      "validation_failed",
      "facts",
    );
  });

  it("a reason topic that is not dotted lower case is a 422 naming reason.topic", async () => {
    await rejectsEvent(
      (e) => ({ ...e, reason: { topic: "Billing Issue" } }),
      422,
      "validation_failed",
      "reason.topic",
    );
  });

  it("an empty idempotencyKey is a 422 naming idempotencyKey", async () => {
    await rejectsEvent(
      (e) => ({ ...e, idempotencyKey: "" }),
      422,
      "validation_failed",
      "idempotencyKey",
    );
  });

  it("an over-long Idempotency-Key header is a 400 naming the header and stores nothing", async () => {
    const phone = freshPhone();
    const res = await api("POST", "/v1/events", smsFrom(phone, "hello"), key, {
      "idempotency-key": "k".repeat(201),
    });
    expectProblem(res, 400, "invalid_idempotency_key");
    expect(res.body.title).toContain("Idempotency-Key");
    await expectNothingStoredFor(phone);
  });

  it("an Idempotency-Key header that disagrees with the body key is a 400 and stores nothing", async () => {
    const phone = freshPhone();
    const res = await api(
      "POST",
      "/v1/events",
      smsFrom(phone, "hello", { idempotencyKey: "body-key" }),
      key,
      { "idempotency-key": "header-key" },
    );
    expectProblem(res, 400, "invalid_idempotency_key");
    await expectNothingStoredFor(phone);
  });
});

describe("invalid dates", () => {
  for (const [what, value] of [
    ["a day that does not exist (2026-02-30)", "2026-02-30T10:00:00Z"],
    ["hour 25", "2026-03-01T25:00:00Z"],
    ["a local time without an offset", "2026-03-01T10:00:00"],
    ["a date without a time", "2026-03-01"],
    ["an offset beyond ±14:00", "2026-03-01T10:00:00+15:00"],
    ["garbage", "yesterday-ish"],
  ] as const) {
    it(`occurredAt as ${what} is a 422 naming occurredAt`, async () => {
      await rejectsEvent(
        (e) => ({ ...e, occurredAt: value }),
        422,
        "validation_failed",
        "occurredAt",
      );
    });
  }

  it("a promise dueAt of 2026-02-30 is a 422 naming dueAt and changes nothing", async () => {
    await rejectsWrite(
      "POST",
      (id) => `/v1/journeys/${id}/promises`,
      { text: "call back", dueAt: "2026-02-30T10:00:00Z", madeBy: { kind: "agent", id: "dana" } },
      422,
      "validation_failed",
      "dueAt",
    );
  });

  it("a constraint until without an offset is a 422 naming until and changes nothing", async () => {
    await rejectsWrite(
      "POST",
      (id) => `/v1/journeys/${id}/constraints`,
      { text: "email only", kind: "channel_only", channel: "email", until: "2026-03-01T10:00:00" },
      422,
      "validation_failed",
      "until",
    );
  });
});

describe("bad sub-resource bodies", () => {
  const window = (w: Record<string, unknown>) => ({
    text: "evenings only",
    kind: "contact_window",
    window: { from: "17:00", to: "21:00", timeZone: "America/New_York", ...w },
  });

  it("an unknown time zone in a constraint window is a 422 naming window.timeZone", async () => {
    await rejectsWrite(
      "POST",
      (id) => `/v1/journeys/${id}/constraints`,
      window({ timeZone: "Mars/Olympus" }),
      422,
      "validation_failed",
      "window.timeZone",
    );
  });

  it("a clock of 25:00 in a constraint window is a 422 naming window.from", async () => {
    await rejectsWrite(
      "POST",
      (id) => `/v1/journeys/${id}/constraints`,
      window({ from: "25:00" }),
      422,
      "validation_failed",
      "window.from",
    );
  });

  it("an unknown field in a constraint window is a 422 naming window and the field", async () => {
    await rejectsWrite(
      "POST",
      (id) => `/v1/journeys/${id}/constraints`,
      window({ days: ["mon"] }),
      422,
      "validation_failed",
      "window",
      "days",
    );
  });

  it("an unknown status ('maybe') is a 422 naming status and changes nothing", async () => {
    await rejectsWrite(
      "PUT",
      (id) => `/v1/journeys/${id}/status`,
      { status: "maybe" },
      422,
      "validation_failed",
      "status",
    );
  });

  it("an unknown owner kind is a 422 naming kind and changes nothing", async () => {
    await rejectsWrite(
      "PUT",
      (id) => `/v1/journeys/${id}/owner`,
      { kind: "robot", id: "r2" },
      422,
      "validation_failed",
      "kind",
    );
  });

  it("an owner without id is a 422 naming id and changes nothing", async () => {
    await rejectsWrite(
      "PUT",
      (id) => `/v1/journeys/${id}/owner`,
      { kind: "person", name: "Dana" },
      422,
      "validation_failed",
      "id",
    );
  });

  it("a patch with neither reason nor facts is a 422 and changes nothing", async () => {
    await rejectsWrite(
      "PATCH",
      (id) => `/v1/journeys/${id}`,
      { actor: { kind: "agent" } },
      422,
      "validation_failed",
    );
  });

  it("an unknown field nested in a patch reason is a 422 naming reason and the field", async () => {
    await rejectsWrite(
      "PATCH",
      (id) => `/v1/journeys/${id}`,
      { reason: { text: "refund", urgency: "high" } },
      422,
      "validation_failed",
      "reason",
      "urgency",
    );
  });

  it("an action with data over 16 KiB is a 422 naming data and changes nothing", async () => {
    await rejectsWrite(
      "POST",
      (id) => `/v1/journeys/${id}/actions`,
      { text: "refund issued", actor: { kind: "agent" }, data: { blob: "d".repeat(17 * 1024) } },
      422,
      "validation_failed",
      "data",
    );
  });

  it("an action text over 1000 characters is a 422 naming text and changes nothing", async () => {
    await rejectsWrite(
      "POST",
      (id) => `/v1/journeys/${id}/actions`,
      { text: "t".repeat(1001), actor: { kind: "agent" } },
      422,
      "validation_failed",
      "text",
    );
  });

  it("malformed JSON on a sub-resource is a 400 malformed_json and changes nothing", async () => {
    await rejectsWrite(
      "POST",
      (id) => `/v1/journeys/${id}/actions`,
      '{"text": "refund", "actor": {',
      400,
      "malformed_json",
    );
  });

  it("a non-JSON Content-Type on a sub-resource is a 415 and changes nothing", async () => {
    const id = await newJourney();
    const before = await seqOf(id);
    const res = await api("PUT", `/v1/journeys/${id}/status`, { status: "resolved" }, key, {
      "content-type": "application/x-www-form-urlencoded",
    });
    expectProblem(res, 415, "unsupported_media_type");
    expect(await seqOf(id)).toBe(before);
  });

  it("an over-64-KiB body on a sub-resource is a 413 and changes nothing", async () => {
    await rejectsWrite(
      "POST",
      (id) => `/v1/journeys/${id}/actions`,
      { text: "x", actor: { kind: "agent" }, data: { blob: "d".repeat(70_000) } },
      413,
      "payload_too_large",
    );
  });
});

describe("bad query parameters", () => {
  for (const [q, field] of [
    ["limit=0", "limit"],
    ["limit=abc", "limit"],
    ["limit=100000", "limit"],
    ["limit=1.5", "limit"],
    ["after=-1", "after"],
  ] as const) {
    it(`GET /v1/journeys/:id/events?${q} is a 400 invalid_query naming ${field}`, async () => {
      const id = await newJourney();
      const res = await api("GET", `/v1/journeys/${id}/events?${q}`, undefined, key);
      expectProblem(res, 400, "invalid_query");
      expectNames(res, field);
    });
  }

  it("an unknown query parameter on GET /v1/journeys/:id/events is a 400 naming it", async () => {
    const id = await newJourney();
    const res = await api("GET", `/v1/journeys/${id}/events?limit=5&colour=red`, undefined, key);
    expectProblem(res, 400, "invalid_query");
    expectNames(res, "(query)", "colour");
  });

  it("GET /v1/journeys?status=bogus is a 400 invalid_query naming status", async () => {
    const res = await api("GET", "/v1/journeys?status=bogus", undefined, key);
    expectProblem(res, 400, "invalid_query");
    expectNames(res, "status");
  });

  it("GET /v1/journeys?updatedSince=yesterday is a 400 invalid_query naming updatedSince", async () => {
    const res = await api("GET", "/v1/journeys?updatedSince=yesterday", undefined, key);
    expectProblem(res, 400, "invalid_query");
    expectNames(res, "updatedSince");
  });

  it("GET /v1/journeys?cursor=garbage is a 400 invalid_cursor naming cursor", async () => {
    const res = await api("GET", "/v1/journeys?cursor=garbage", undefined, key);
    expectProblem(res, 400, "invalid_cursor");
    expectNames(res, "cursor");
  });

  it("GET /v1/journeys with an over-long cursor is a 400 invalid_query naming cursor", async () => {
    const res = await api("GET", `/v1/journeys?cursor=${"a".repeat(500)}`, undefined, key);
    expectProblem(res, 400, "invalid_query");
    expectNames(res, "cursor");
  });

  it("GET /v1/journeys?limit=0 is a 400 invalid_query naming limit", async () => {
    const res = await api("GET", "/v1/journeys?limit=0", undefined, key);
    expectProblem(res, 400, "invalid_query");
    expectNames(res, "limit");
  });

  it("an unknown query parameter on GET /v1/journeys is a 400 naming it", async () => {
    const res = await api("GET", "/v1/journeys?sort=asc", undefined, key);
    expectProblem(res, 400, "invalid_query");
    expectNames(res, "(query)", "sort");
  });
});

describe("unknown routes and ids", () => {
  it("an unknown route is a 404 problem+json not_found naming the route", async () => {
    const res = await api("GET", "/v1/pigeons", undefined, key);
    expectProblem(res, 404, "not_found");
    expect(res.body.detail).toContain("/v1/pigeons");
  });

  it("an unknown method on a known path is a 404 problem+json not_found", async () => {
    const res = await api("PUT", "/v1/events", smsFrom(freshPhone(), "hi"), key);
    expectProblem(res, 404, "not_found");
  });

  it("an unknown journey sub-resource is a 404 problem+json not_found", async () => {
    const id = await newJourney();
    const res = await api("POST", `/v1/journeys/${id}/notes`, { text: "x" }, key);
    expectProblem(res, 404, "not_found");
  });

  it("a malformed journey id is a 404 journey_not_found", async () => {
    const res = await api("GET", "/v1/journeys/not-a-journey", undefined, key);
    expectProblem(res, 404, "journey_not_found");
  });

  it("a malformed journey id on a write is a 404 journey_not_found", async () => {
    const res = await api("PUT", "/v1/journeys/jrn_TOO-SHORT/status", { status: "resolved" }, key);
    expectProblem(res, 404, "journey_not_found");
  });

  it("a well-formed but unknown journey id is a 404 journey_not_found", async () => {
    const res = await api("GET", `/v1/journeys/jrn_${"0".repeat(22)}/events`, undefined, key);
    expectProblem(res, 404, "journey_not_found");
  });

  it("an event for an unknown journeyId is a 404 journey_not_found and creates no journey", async () => {
    const id = `jrn_${"1".repeat(22)}`;
    const res = await api(
      "POST",
      "/v1/events",
      { journeyId: id, channel: "sms", direction: "inbound", actor: { kind: "customer" } },
      key,
    );
    expectProblem(res, 404, "journey_not_found");
    expectProblem(await api("GET", `/v1/journeys/${id}`, undefined, key), 404, "journey_not_found");
  });

  it("a malformed journeyId in an event body is a 422 naming journeyId", async () => {
    await rejectsEvent(
      (e) => ({ ...e, journeyId: "jrn_nope" }),
      422,
      "validation_failed",
      "journeyId",
    );
  });
});

describe("identifiers", () => {
  it("a phone identifier of 'call me' is a 422 invalid_identifier naming identifiers.0.value", async () => {
    const res = await api(
      "POST",
      "/v1/events",
      { ...smsFrom("x", "hi"), identifiers: [{ type: "phone", value: "call me" }] },
      key,
    );
    expectProblem(res, 422, "invalid_identifier");
    expectNames(res, "identifiers.0.value");
  });

  it("an email identifier of 'nobody' next to a valid phone is a 422 naming identifiers.1.value and links nothing", async () => {
    const phone = freshPhone();
    const res = await api(
      "POST",
      "/v1/events",
      {
        ...smsFrom(phone, "hi"),
        identifiers: [
          { type: "phone", value: phone },
          { type: "email", value: "nobody" },
        ],
      },
      key,
    );
    expectProblem(res, 422, "invalid_identifier");
    expectNames(res, "identifiers.1.value");
    await expectNothingStoredFor(phone);
  });

  it("an identifier of an unknown type is a 422 naming identifiers.0.type", async () => {
    await rejectsEvent(
      (e) => ({ ...e, identifiers: [{ type: "fax", value: "555" }] }),
      422,
      "validation_failed",
      "identifiers.0.type",
    );
  });

  it("a blank identifier value is a 422 naming identifiers.0.value", async () => {
    await rejectsEvent(
      (e) => ({ ...e, identifiers: [{ type: "chat", value: "   " }] }),
      422,
      "validation_failed",
      "identifiers.0.value",
    );
  });

  it("an event with neither journeyId nor identifiers is a 422 naming identifiers", async () => {
    const res = await api(
      "POST",
      "/v1/events",
      { channel: "sms", direction: "inbound", actor: { kind: "customer" }, text: "hi" },
      key,
    );
    expectProblem(res, 422, "validation_failed");
    expectNames(res, "identifiers");
  });

  it("an event with an empty identifiers list is a 422 naming identifiers", async () => {
    await rejectsEvent((e) => ({ ...e, identifiers: [] }), 422, "validation_failed", "identifiers");
  });
});

describe("conflicting writes", () => {
  it("settling a promise twice is a 409 promise_settled and changes nothing", async () => {
    const id = await newJourney();
    const made = await api(
      "POST",
      `/v1/journeys/${id}/promises`,
      { text: "call back", dueAt: "2099-03-05T17:00:00Z", madeBy: { kind: "agent", id: "dana" } },
      key,
    );
    expect(made.status).toBe(201);
    const pid = made.body.id as string;
    const first = await api("PATCH", `/v1/journeys/${id}/promises/${pid}`, { status: "kept" }, key);
    expect(first.status).toBe(200);
    const before = await seqOf(id);
    const again = await api(
      "PATCH",
      `/v1/journeys/${id}/promises/${pid}`,
      { status: "broken" },
      key,
    );
    expectProblem(again, 409, "promise_settled");
    expect(again.body.currentStatus).toBe("kept");
    expect(again.body.detail).toContain(pid);
    expect(await seqOf(id)).toBe(before);
  });

  it("settling an unknown promise is a 404 promise_not_found and changes nothing", async () => {
    const res = await rejectsWrite(
      "PATCH",
      (id) => `/v1/journeys/${id}/promises/prm_missing`,
      { status: "kept" },
      404,
      "promise_not_found",
    );
    expect(res.body.detail).toContain("prm_missing");
  });

  it("settling a promise with status 'pending' is a 422 naming status", async () => {
    await rejectsWrite(
      "PATCH",
      (id) => `/v1/journeys/${id}/promises/prm_missing`,
      { status: "pending" },
      422,
      "validation_failed",
      "status",
    );
  });

  it("removing an unknown constraint is a 404 constraint_not_found and changes nothing", async () => {
    const res = await rejectsWrite(
      "DELETE",
      (id) => `/v1/journeys/${id}/constraints/con_missing`,
      undefined,
      404,
      "constraint_not_found",
    );
    expect(res.body.detail).toContain("con_missing");
  });

  it("removing a constraint twice is a 404 constraint_not_found the second time", async () => {
    const id = await newJourney();
    const added = await api(
      "POST",
      `/v1/journeys/${id}/constraints`,
      { text: "email only", kind: "channel_only", channel: "email" },
      key,
    );
    expect(added.status).toBe(201);
    const cid = added.body.id as string;
    expect(
      (await api("DELETE", `/v1/journeys/${id}/constraints/${cid}`, undefined, key)).status,
    ).toBe(200);
    const before = await seqOf(id);
    const again = await api("DELETE", `/v1/journeys/${id}/constraints/${cid}`, undefined, key);
    expectProblem(again, 404, "constraint_not_found");
    expect(await seqOf(id)).toBe(before);
  });

  it("an event idempotency key reused with a different body is a 422 idempotency_key_reused and stores nothing", async () => {
    const phone = freshPhone();
    const first = await api(
      "POST",
      "/v1/events",
      smsFrom(phone, "first", { idempotencyKey: "evt-key-1" }),
      key,
    );
    expect(first.status).toBe(201);
    const reused = await api(
      "POST",
      "/v1/events",
      smsFrom(phone, "second, different", { idempotencyKey: "evt-key-1" }),
      key,
    );
    expectProblem(reused, 422, "idempotency_key_reused");
    const got = await api("GET", `/v1/journeys/${first.body.journeyId as string}`, undefined, key);
    expect(got.body.history.total).toBe(1);
  });

  it("a sub-resource Idempotency-Key reused with a different body is a 422 and changes nothing", async () => {
    const id = await newJourney();
    const headers = { "idempotency-key": "act-key-1" };
    const first = await api(
      "POST",
      `/v1/journeys/${id}/actions`,
      { text: "refund issued", actor: { kind: "agent" } },
      key,
      headers,
    );
    expect(first.status).toBe(201);
    const before = await seqOf(id);
    const reused = await api(
      "POST",
      `/v1/journeys/${id}/actions`,
      { text: "refund reversed", actor: { kind: "agent" } },
      key,
      headers,
    );
    expectProblem(reused, 422, "idempotency_key_reused");
    expect(await seqOf(id)).toBe(before);
  });
});

describe("nasty bodies never cause a 5xx", () => {
  let deepObject: unknown = {};
  for (let i = 0; i < 5000; i++) deepObject = { a: deepObject };
  let deepArray: unknown = [];
  for (let i = 0; i < 5000; i++) deepArray = [deepArray];
  const valid = (phone: string) => smsFrom(phone, "ok");
  const invalidUtf8 = new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]);
  const overlongUtf8 = new Uint8Array([0x7b, 0x22, 0xc0, 0xaf, 0x22, 0x3a, 0x31, 0x7d]);

  /** Bodies sent as-is: strings are raw JSON text, Uint8Arrays raw bytes, the rest JSON-encoded. */
  const nasty = (phone: string): [string, unknown][] => [
    ["null", null],
    ["empty array", []],
    ["a JSON string", '"str"'],
    ["raw bare word", "str"],
    ["a number", 123],
    ["true", true],
    ["empty object", {}],
    ["raw empty text", ""],
    ["raw whitespace", "   \n\t "],
    ["raw truncated JSON", '{"channel": "sms", "direction":'],
    ["raw NaN", "NaN"],
    ["raw trailing comma", '{"a": 1,}'],
    ["raw huge number", '{"channel": 1e999}'],
    ["raw BOM then JSON", "\ufeff{}"],
    ["deeply nested object", deepObject],
    ["deeply nested array", deepArray],
    ["deeply nested data", { ...valid(phone), data: { d: deepObject } }],
    ["deeply nested actor", { ...valid(phone), actor: deepObject }],
    ["array of nulls", Array.from({ length: 1000 }, () => null)],
    ["nulls everywhere", { channel: null, direction: null, actor: null, identifiers: null }],
    ["identifiers as an object", { ...valid(phone), identifiers: { 0: "x" } }],
    ["identifiers of nulls", { ...valid(phone), identifiers: [null, null] }],
    [
      "unicode garbage text",
      { ...valid(phone), text: "\u202e\u200b\u0000\uffff💥\u{10ffff}Z̸̢͙a̶l̷g̴o̵" },
    ],
    ["raw lone surrogates", `{"text": "\\ud800\\udfff\\ud800", "channel": "sms"}`],
    ["unicode garbage keys", { "\u0000": 1, "💥": 2, "\u202e": 3 }],
    ["prototype keys", JSON.parse('{"__proto__": {"admin": true}, "constructor": {"name": 1}}')],
    ["prototype keys in data", { ...valid(phone), data: JSON.parse('{"__proto__": {"x": 1}}') }],
    ["builtin-named facts", { ...valid(phone), facts: { constructor: "x", toString: 1 } }],
    ["wrong types everywhere", { channel: [], direction: {}, actor: 5, text: false, data: "x" }],
    ["a 10k-element array field", { ...valid(phone), identifiers: Array(10_000).fill(0) }],
    ["invalid UTF-8 bytes", invalidUtf8],
    ["overlong UTF-8 bytes", overlongUtf8],
  ];

  const send = (method: string, path: string, body: unknown) =>
    body instanceof Uint8Array
      ? raw(method, path, body, { "content-type": "application/json" })
      : api(method, path, typeof body === "string" ? body : JSON.stringify(body), key);

  async function fireAll(method: string, path: string): Promise<void> {
    const failures: string[] = [];
    for (const [name, body] of nasty(freshPhone())) {
      const res = await send(method, path, body);
      if (res.status >= 500) failures.push(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
      else if (res.status >= 400) {
        expect(res.headers.get("content-type"), name).toContain("application/problem+json");
        expect(res.body.type, name).toBe(`urn:baton:problem:${String(res.body.code)}`);
      }
    }
    expect(failures).toEqual([]);
  }

  it("POST /v1/events answers every nasty body below 500", async () => {
    await fireAll("POST", "/v1/events");
  });

  for (const [method, path] of [
    ["PATCH", "/v1/journeys/:id"],
    ["PUT", "/v1/journeys/:id/owner"],
    ["POST", "/v1/journeys/:id/promises"],
    ["PATCH", "/v1/journeys/:id/promises/:pid"],
    ["POST", "/v1/journeys/:id/constraints"],
    ["DELETE", "/v1/journeys/:id/constraints/:cid"],
    ["POST", "/v1/journeys/:id/actions"],
    ["PUT", "/v1/journeys/:id/status"],
  ] as const) {
    it(`${method} ${path} answers every nasty body below 500`, async () => {
      const id = await newJourney();
      const made = await api(
        "POST",
        `/v1/journeys/${id}/promises`,
        { text: "call back", dueAt: "2099-03-05T17:00:00Z", madeBy: { kind: "agent" } },
        key,
      );
      const added = await api(
        "POST",
        `/v1/journeys/${id}/constraints`,
        { text: "email only", kind: "channel_only", channel: "email" },
        key,
      );
      const url = path
        .replace(":id", id)
        .replace(":pid", made.body.id as string)
        .replace(":cid", added.body.id as string);
      await fireAll(method, url);
    });
  }
});
