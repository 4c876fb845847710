import { afterAll, describe, expect, it } from "vitest";
import type { FaultMode } from "../workers/relay/src/faults";
import {
  FOLLOW_UPS,
  PATHS,
  arm,
  faultWorkspace,
  journeysOf,
  pointsPassed,
  stored,
  type Outcome,
} from "./fault-injection-helpers";

/**
 * Every inbound path, first contact from a new sender (and two second contacts): each object
 * call the path makes (identity, customer, journey, through the stubs in objects/access.ts) and
 * the journey's write transaction fail once; the provider then retries the identical request.
 * The retry must be accepted and the message stored exactly once, in the journey and in D1.
 */

/** The object calls each path makes, in order, on a clean first contact. */
const CALLS = ["identity.lookup", "identity.claim", "customer.resolve", "journey.ingest"];
const THREADED = ["identity.thread", ...CALLS, "identity.claimThread"];
const EXPECTED: Record<string, string[]> = {
  // An inbound SMS's pair binding is read by its sender's identity.lookup: no extra call.
  "Twilio SMS": CALLS,
  // A status callback carries the thread reference twilio-sms:<MessageSid> (the message's
  // journey, when the sender recorded it) and claims it for the journey it lands on.
  "Twilio status": THREADED,
  "Twilio voice": THREADED,
  Postmark: THREADED,
  Mailgun: ["identity.bindToken", ...THREADED, "identity.settleToken"],
  SendGrid: THREADED,
  "Email Routing": THREADED,
  "web chat session": CALLS,
  "POST /v1/events": CALLS,
  "Twilio SMS from a returning customer": ["identity.lookup", "customer.resolve", "journey.ingest"],
  "Postmark reply in a known thread": [
    "identity.thread",
    "identity.thread",
    "journey.ingest",
    "identity.claimThread",
    "identity.claimThread",
  ],
};
/** Events the customer's journeys hold once the request is stored (second contacts: two). */
const EVENTS = (path: string) => (path in FOLLOW_UPS ? 2 : 1);

const failed = (o: Outcome) => o === 503 || o === "threw";
const succeeded = (o: Outcome) => o === 200 || o === 201 || o === "accepted";

/** Per path, summed over its scenarios: requests sent, faults injected, events held after. */
const tally = new Map<string, { attempts: number; faults: number; journey: number; d1: number }>();

function count(
  path: string,
  attempts: number,
  faults: number,
  s: { inJourneys: number; inD1: number },
) {
  const t = tally.get(path) ?? { attempts: 0, faults: 0, journey: 0, d1: 0 };
  tally.set(path, {
    attempts: t.attempts + attempts,
    faults: t.faults + faults,
    journey: t.journey + s.inJourneys,
    d1: t.d1 + s.inD1,
  });
}

afterAll(() => {
  const rows = [...tally].map(([path, t]) => `${path}: ${JSON.stringify(t)}`);
  console.log(`fault injection per path (events: summed over scenarios):\n${rows.join("\n")}`);
});

for (const [path, prepare] of Object.entries({ ...PATHS, ...FOLLOW_UPS })) {
  const points = [...new Set([...(EXPECTED[path] ?? []), "journey.store"])];
  const events = { inJourneys: EVENTS(path), inD1: EVENTS(path) };
  const cases: [string, FaultMode][] = points.flatMap((p): [string, FaultMode][] =>
    p === "journey.store"
      ? [[p, "store"]]
      : [
          [p, "before"],
          [p, "after"],
        ],
  );

  describe(`${path}: nothing accepted is lost, nothing stored twice`, () => {
    it("a clean request makes exactly the listed object calls and stores its event", async () => {
      const { ws, key } = await faultWorkspace();
      const req = await prepare(ws, key);
      expect(succeeded(await req.send())).toBe(true);
      const passed = (await pointsPassed(ws)).map((p) => p.point);
      // The request's own calls: the outbox flush (history.sendBatch) runs in the journey's
      // alarm, which a follow-up's first write may have armed to fire during this request.
      const own = passed.filter((p) => p !== "journey.store" && p !== "history.sendBatch");
      expect(own.sort()).toEqual([...(EXPECTED[path] ?? [])].sort());
      expect(passed).toContain("journey.store");
      const s = await stored(ws, await journeysOf(ws, req.identity));
      expect(s).toEqual(events);
      count(path, 1, 0, s);
    });

    it.each(cases)(
      "%s failing (%s) once: the retry is accepted and the message stored once",
      async (point, mode) => {
        const { ws, key } = await faultWorkspace();
        const req = await prepare(ws, key);
        await arm(ws, point, mode);
        const first = await req.send();
        const second = await req.send();
        const injected = (await pointsPassed(ws)).filter((p) => p.mode !== null);
        expect(injected).toEqual([{ point, mode }]);
        expect(failed(first), `first attempt: ${String(first)}`).toBe(true);
        expect(succeeded(second), `retry: ${String(second)}`).toBe(true);
        const journeys = await journeysOf(ws, req.identity);
        expect(journeys).toHaveLength(1);
        const s = await stored(ws, journeys);
        expect(s).toEqual(events);
        count(path, 2, injected.length, s);
      },
    );
  });
}
