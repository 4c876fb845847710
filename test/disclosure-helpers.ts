import { expect } from "vitest";
import { ADMIN, api, flushJourney, smsFrom, workspace, type ApiResponse } from "./helpers";

/** Every personal item of the story below, as it would appear in a map, a sentence or a pack. */
export const PERSONAL = [
  "Dana",
  "Reyes",
  "refund",
  "charged",
  "March",
  "2099",
  "invoice",
  "failed_payment",
];

/** vitest.config.ts's CALLER_ASSERTION_SECRET, for tests that sign an assertion themselves. */
export const ASSERTION_SECRET = "test-caller-assertion-secret-0123456789abcdef";

export const NEUTRAL_SENTENCE = "Thanks for calling. Let me connect you.";
export const PROMPT_SENTENCE = "Are you calling about your recent request?";

/** Fails naming the first personal item found anywhere in `answer`. */
export function expectNothingPersonal(answer: unknown): void {
  const all = JSON.stringify(answer);
  for (const item of PERSONAL) expect(all, `leaked "${item}"`).not.toContain(item);
}

export interface Story {
  ws: string;
  /** The usual integration key: no `caller:assert`. */
  key: string;
  /** `context:read` and `caller:assert`: mints assertions and makes authenticated lookups. */
  asserter: string;
  id: string;
  phone: string;
}

/**
 * A workspace whose customer, reached by a verified number, has the whole story: a reason,
 * an owner with a name, a promise with a date and an open exception.
 */
export async function story(phone: string): Promise<Story> {
  const w = await workspace();
  const extra = await api(
    "POST",
    `/v1/admin/workspaces/${w.ws}/keys`,
    { name: "ivr-asserter", scopes: ["context:read", "caller:assert"] },
    ADMIN,
  );
  expect(extra.status).toBe(201);
  const first = await api(
    "POST",
    "/v1/events",
    {
      ...smsFrom(phone, "I was charged twice for March"),
      identifiers: [{ type: "phone", value: phone, verification: "verified" }],
    },
    w.key,
  );
  const id = first.body.journeyId as string;
  const steps: Array<[string, string, unknown]> = [
    ["PUT", `/v1/journeys/${id}/owner`, { id: "dana", name: "Dana Reyes", team: "billing" }],
    [
      "POST",
      `/v1/journeys/${id}/promises`,
      {
        text: "refund within 3 business days",
        dueAt: "2099-12-03T22:00:00Z",
        madeBy: { kind: "agent", id: "dana", name: "Dana Reyes" },
      },
    ],
    [
      "POST",
      `/v1/journeys/${id}/exceptions`,
      { kind: "failed_payment", text: "card payment for invoice 1042 failed", escalate: false },
    ],
  ];
  for (const [method, path, body] of steps) {
    expect((await api(method, path, body, w.key)).status).toBeLessThan(300);
  }
  await flushJourney(w.ws, id); // the alarm pushes the card and the call brief
  return { ws: w.ws, key: w.key, asserter: (extra.body as { key: string }).key, id, phone };
}

/** Mints a caller assertion through the API. */
export async function mint(
  key: string,
  phone: string,
  method = "pin",
  extra: Record<string, unknown> = {},
): Promise<ApiResponse> {
  return api(
    "POST",
    "/v1/context/assertions",
    { identifier: { type: "phone", value: phone }, method, ...extra },
    key,
  );
}

export async function assertionFor(key: string, phone: string, method = "pin"): Promise<string> {
  const res = await mint(key, phone, method);
  expect(res.status).toBe(201);
  return res.body.assertion as string;
}

/** An Amazon Connect contact-flow event, as the forwarding Lambda passes it on. */
export const connectEvent = (phone: string, parameters: Record<string, string> = {}) => ({
  Name: "ContactFlowEvent",
  Details: {
    ContactData: {
      ContactId: "c-1",
      CustomerEndpoint: { Address: phone, Type: "TELEPHONE_NUMBER" },
      Channel: "VOICE",
    },
    Parameters: parameters,
  },
});

/** The four IVR lookups of one caller, each in its platform's own request shape. */
export async function everyIvrPath(
  s: Story,
  opts: { attestation?: "A" | "B"; assertion?: string; key?: string } = {},
): Promise<Record<string, ApiResponse>> {
  const key = opts.key ?? s.key;
  const enc = encodeURIComponent;
  const ctxQuery =
    (opts.attestation ? `&attestation=${opts.attestation}` : "") +
    (opts.assertion ? `&assertion=${enc(opts.assertion)}` : "");
  const studioQuery =
    (opts.attestation ? `&stirVerstat=TN-Validation-Passed-${opts.attestation}` : "") +
    (opts.assertion ? `&assertion=${enc(opts.assertion)}` : "");
  const genesys: Record<string, string> = { phone: s.phone };
  if (opts.attestation) genesys.attestation = opts.attestation;
  if (opts.assertion) genesys.assertion = opts.assertion;
  const params: Record<string, string> = opts.assertion ? { batonAssertion: opts.assertion } : {};
  return {
    context: await api(
      "GET",
      `/v1/context?phone=${enc(s.phone)}&audience=ivr${ctxQuery}`,
      undefined,
      key,
    ),
    connect: await api("POST", `/hooks/${s.ws}/connect`, connectEvent(s.phone, params), key),
    genesys: await api("POST", `/hooks/${s.ws}/genesys`, genesys, key),
    studio: await api(
      "GET",
      `/hooks/${s.ws}/studio?phone=${enc(s.phone)}${studioQuery}`,
      undefined,
      key,
    ),
  };
}
