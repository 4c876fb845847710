import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { signAssertion } from "../workers/relay/src/context/assertion";
import {
  ASSERTION_SECRET,
  assertionFor,
  expectNothingPersonal,
  story,
  type Story,
} from "./disclosure-helpers";
import { ADMIN, api, signTwilio } from "./helpers";

const TOKEN = "twilio-auth-token-for-disclosure";
const NEUTRAL_GREETING = "Thanks for calling. Connecting you to our team about your request.";

const twilioSign = (url: string, fields: Record<string, string>) => signTwilio(TOKEN, url, fields);

interface VoiceOptions {
  query?: string;
  /** The parameters the signature covers; all of `fields` when absent. */
  signed?: Record<string, string>;
}

async function voice(s: Story, fields: Record<string, string>, o: VoiceOptions = {}) {
  const url = `https://baton.test/hooks/${s.ws}/twilio/voice${o.query ?? ""}`;
  const res = await SELF.fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      "x-twilio-signature": await twilioSign(url, o.signed ?? fields),
    },
    body: new URLSearchParams(fields).toString(),
  });
  const text = await res.text();
  return {
    status: res.status,
    text,
    say: /<Say(?: language="[^"]*")?>(.*?)<\/Say>/s.exec(text)?.[1] ?? "",
    tier: res.headers.get("x-baton-disclosure-tier"),
    reason: res.headers.get("x-baton-disclosure-reason"),
  };
}

const call = (s: Story, over: Record<string, string> = {}): Record<string, string> => ({
  CallSid: `CA${crypto.randomUUID().replace(/-/g, "")}`,
  From: s.phone,
  To: "+18005550199",
  CallStatus: "ringing",
  Direction: "inbound",
  ...over,
});

async function twilioStory(phone: string): Promise<Story> {
  const s = await story(phone);
  const patched = await api(
    "PATCH",
    `/v1/admin/workspaces/${s.ws}/settings`,
    {
      providers: {
        twilio: {
          authToken: TOKEN,
          voice: { greeting: "Thanks for calling. Connecting you to {owner} about {reason}." },
        },
      },
    },
    ADMIN,
  );
  expect(patched.status).toBe(200);
  return s;
}

/** The disclosure recorded on the journey's call-start events, in order. */
async function recorded(s: Story): Promise<unknown[]> {
  const events = await api("GET", `/v1/journeys/${s.id}/events?limit=500`, undefined, s.key);
  return (events.body.items as { type: string; data: Record<string, unknown> | null }[])
    .filter((e) => e.type === "call" && e.data?.phase === "started")
    .map((e) => ({ tier: e.data?.disclosureTier, reason: e.data?.disclosureReason }));
}

describe("Twilio voice webhook: what the greeting may say", () => {
  it("an unattested caller hears the neutral greeting, still routed to the owner, and the tier is recorded", async () => {
    const s = await twilioStory("+14155550621");
    const res = await voice(s, call(s));
    expect(res.status).toBe(200);
    expect(res.say).toBe(NEUTRAL_GREETING);
    expectNothingPersonal(res.say);
    expect(res.text).toContain("<Enqueue>dana</Enqueue>");
    expect([res.tier, res.reason]).toEqual(["routing", "attestation_absent"]);
    expect(await recorded(s)).toEqual([{ tier: "routing", reason: "attestation_absent" }]);
  });

  it("attestation A earns the prompt tier, signed with or without StirVerstat, and no specifics", async () => {
    const s = await twilioStory("+14155550622");
    const attested = call(s, { StirVerstat: "TN-Validation-Passed-A" });
    const signedWith = await voice(s, attested);
    expect(signedWith.status).toBe(200);
    expect(signedWith.say).toBe(NEUTRAL_GREETING);
    expect([signedWith.tier, signedWith.reason]).toEqual(["prompt", "attestation_A"]);
    // Twilio has been reported to add StirVerstat after computing the signature.
    const late = call(s, { StirVerstat: "TN-Validation-Passed-A" });
    const { StirVerstat: _added, ...unsigned } = late;
    const signedWithout = await voice(s, late, { signed: unsigned });
    expect(signedWithout.status).toBe(200);
    expect([signedWithout.tier, signedWithout.reason]).toEqual(["prompt", "attestation_A"]);
    expectNothingPersonal(signedWithout.say);
    // Leaving StirVerstat out of the signature does not excuse any other parameter.
    const tampered = call(s, { StirVerstat: "TN-Validation-Passed-A" });
    const forged = await voice(s, { ...tampered, From: "+14155550698" }, { signed: unsigned });
    expect(forged.status).toBe(403);
    const failed = await voice(s, call(s, { StirVerstat: "TN-Validation-Failed-A" }));
    expect([failed.tier, failed.reason]).toEqual(["routing", "attestation_none"]);
  });

  it("a valid assertion in the webhook URL reveals the greeting; a bad one falls back to routing", async () => {
    const s = await twilioStory("+14155550623");
    const assertion = await assertionFor(s.asserter, s.phone, "pin");
    const ok = await voice(s, call(s), { query: `?assertion=${encodeURIComponent(assertion)}` });
    expect(ok.say).toBe(
      "Thanks for calling. Connecting you to Dana Reyes about I was charged twice for March.",
    );
    expect([ok.tier, ok.reason]).toEqual(["personal", "assertion_pin"]);
    const expired = await signAssertion(
      ASSERTION_SECRET,
      { ws: s.ws, id: `phone:${s.phone}`, m: "pin" },
      60,
      Date.now() - 3_600_000,
    );
    const late = await voice(s, call(s), { query: `?assertion=${encodeURIComponent(expired)}` });
    expect(late.status).toBe(200);
    expect(late.say).toBe(NEUTRAL_GREETING);
    expect([late.tier, late.reason]).toEqual(["routing", "assertion_expired"]);
    const stranger = await assertionFor(s.asserter, "+14155550697");
    const other = await voice(s, call(s), { query: `?assertion=${encodeURIComponent(stranger)}` });
    expect([other.tier, other.reason]).toEqual(["routing", "assertion_other_caller"]);
    expect(await recorded(s)).toEqual([
      { tier: "personal", reason: "assertion_pin" },
      { tier: "routing", reason: "assertion_expired" },
      { tier: "routing", reason: "assertion_other_caller" },
    ]);
  });

  it("a policy that allows the greeting's items at the prompt tier lets an attested caller hear them", async () => {
    const s = await twilioStory("+14155550624");
    const widened = await api(
      "PATCH",
      `/v1/admin/workspaces/${s.ws}/settings`,
      { disclosure: { fields: { owner: "prompt", reason: "prompt" } } },
      ADMIN,
    );
    expect(widened.status).toBe(200);
    const attested = await voice(s, call(s, { StirVerstat: "TN-Validation-Passed-A" }));
    expect(attested.say).toContain("Dana Reyes");
    const plain = await voice(s, call(s));
    expect(plain.say).toBe(NEUTRAL_GREETING);
  });
});
