import { describe, expect, it } from "vitest";
import { api, expectProblem, smsFrom, workspace } from "./helpers";
import { TWILIO_TOKEN, chatMessage, twilioSms } from "./redaction-helpers";

describe("built-in detectors a workspace switches on", () => {
  it("redact IBANs, US SSNs and UK NI numbers on every field and channel, and only when on", async () => {
    const scopes = ["events:write", "journeys:read", "journeys:write", "admin"];
    const on = await workspace(scopes);
    const off = await workspace(scopes);
    const builtins = { redaction: { builtins: ["iban", "us_ssn", "uk_nino"] } };
    const twilio = { providers: { twilio: { authToken: TWILIO_TOKEN } } };
    const set = await api("PATCH", "/v1/settings", { ...builtins, ...twilio }, on.key);
    expect(set.status).toBe(200);
    expect(set.body.redaction).toEqual({ patterns: [], builtins: ["iban", "us_ssn", "uk_nino"] });
    expect((await api("PATCH", "/v1/settings", twilio, off.key)).status).toBe(200);
    const text = "iban GB82 WEST 1234 5698 7654 32, ssn 123-45-6789, ni AB 12 34 56 C";
    const clean = "iban [iban], ssn [us_ssn], ni [uk_nino]";
    for (const [{ ws, key }, expected] of [
      [on, clean],
      [off, text],
    ] as const) {
      const phone = ws === on.ws ? "+14155550144" : "+14155550145";
      const posted = await api(
        "POST",
        "/v1/events",
        smsFrom(phone, text, {
          actor: { kind: "customer", name: text },
          facts: { ids: text },
        }),
        key,
      );
      expect(posted.status).toBe(201);
      const id = posted.body.journeyId as string;
      expect(await twilioSms(ws, phone, text)).toBe(200);
      const owner = { id: "dana", name: "Dana", team: text, note: text };
      expect((await api("PUT", `/v1/journeys/${id}/owner`, owner, key)).status).toBe(200);
      const ctx = await api("GET", `/v1/journeys/${id}`, undefined, key);
      expect(ctx.body.facts).toMatchObject([{ key: "ids", value: expected }]);
      expect(ctx.body.owner.team).toBe(expected);
      const events = await api("GET", `/v1/journeys/${id}/events`, undefined, key);
      const [sms, hook] = events.body.items as { text: string; actor: { name?: string } }[];
      expect([sms?.text, sms?.actor.name, hook?.text]).toEqual([expected, expected, expected]);
    }
    // A chat socket carries the switched-on built-ins to the journey object.
    const session = await api("POST", `/chat/${on.ws}/sessions`, {
      visitorId: "visitor-builtin-0001",
      text: "hi",
    });
    await chatMessage(session.body.socket as string, text);
    const chat = await api(
      "GET",
      `/v1/journeys/${session.body.journeyId}/events`,
      undefined,
      on.key,
    );
    expect((chat.body.items as { text: string }[]).at(-1)?.text).toBe(clean);
    const bad = await api(
      "PATCH",
      "/v1/settings",
      { redaction: { builtins: ["passport"] } },
      on.key,
    );
    expectProblem(bad, 422, "validation_failed");
    expect(JSON.stringify(bad.body.errors)).toContain("redaction.builtins");
  });
});
