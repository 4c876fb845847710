import { describe, expect, it } from "vitest";
import {
  FOLLOW_UP_SCORE,
  SAME_PROBLEM_THRESHOLD,
  findPredecessors,
  isFollowUp,
  referenceNumbers,
  similarity,
  type PriorJourney,
} from "./continuity";
import {
  CONTINUITY_CORPUS,
  CONTINUITY_ROUND1_CORPUS,
  CONTINUITY_ROUND1_HELDOUT,
  type ContinuityPair,
} from "./continuity-corpus";
import { CONTINUITY_HELDOUT2 } from "./continuity-heldout2";
import { REPEAT_SIMILARITY, jaccard, sameReason, words } from "./effort";

const NOW = Date.parse("2026-03-10T12:00:00.000Z");
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString();
const daysAgo = (d: number) => iso(NOW - d * DAY);

function prior(over: Partial<PriorJourney> = {}): PriorJourney {
  return {
    id: "jrn_01aaaaaaaaaaaaaaaaaaaaaaaa",
    status: "resolved",
    reasonText: "My internet is down since Monday",
    reasonTopic: null,
    createdAt: daysAgo(5),
    updatedAt: daysAgo(2),
    resolvedAt: daysAgo(2),
    ...over,
  };
}

const OPTS = { now: NOW, windowDays: 14 };

// ---------------------------------------------------------------------------------------------
// Measurement
// ---------------------------------------------------------------------------------------------

interface Scores {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: number;
  recall: number;
  f1: number;
}

function measure(pairs: readonly ContinuityPair[], says: (p: ContinuityPair) => boolean): Scores {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (const p of pairs) {
    const yes = says(p);
    if (yes && p.same) tp++;
    else if (yes) fp++;
    else if (p.same) fn++;
    else tn++;
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, tn, precision, recall, f1 };
}

/** The detector as the relay runs it: the earlier journey is the only one in the window. */
const detector = (p: ContinuityPair) =>
  findPredecessors(p.later, null, [prior({ reasonText: p.earlier })], OPTS).length > 0;
const textOnly = (p: ContinuityPair) => similarity(p.earlier, p.later) >= SAME_PROBLEM_THRESHOLD;
/** Analytics today (effort.ts): no topics, so a shared normalized text prefix. */
const oldPrefix = (p: ContinuityPair) =>
  sameReason(
    { reasonTopic: null, reasonText: p.earlier },
    { reasonTopic: null, reasonText: p.later },
  );
/** Analytics' repeat rule (effort.ts): word Jaccard ≥ REPEAT_SIMILARITY. */
const oldJaccard = (p: ContinuityPair) =>
  jaccard(words(p.earlier), words(p.later)) >= REPEAT_SIMILARITY;

const fmt = (s: Scores) =>
  `P=${s.precision.toFixed(3)} R=${s.recall.toFixed(3)} F1=${s.f1.toFixed(3)} ` +
  `(tp ${s.tp} fp ${s.fp} fn ${s.fn} tn ${s.tn})`;

/** One line per set: the detector, the text score alone, and the two old word-for-word rules. */
function report(label: string, pairs: readonly ContinuityPair[]) {
  const rows = {
    findPredecessors: measure(pairs, detector),
    "similarity>=T": measure(pairs, textOnly),
    "old sameReason": measure(pairs, oldPrefix),
    "old jaccard": measure(pairs, oldJaccard),
  };
  console.log(
    `continuity ${label} (${pairs.length} pairs, T=${SAME_PROBLEM_THRESHOLD}) | ` +
      Object.entries(rows)
        .map(([name, s]) => `${name}: ${fmt(s)}`)
        .join(" | "),
  );
  return rows;
}

const key = (p: ContinuityPair) => `${p.earlier}\n${p.later}`;

describe("start-over detection, measured", () => {
  it("has a corpus of ≥ 90 labelled pairs, about half the same problem, some not in English", () => {
    // The training corpus is the round-1 corpus plus the round-1 held-out pairs (seen since).
    expect(CONTINUITY_CORPUS.length).toBe(
      CONTINUITY_ROUND1_CORPUS.length + CONTINUITY_ROUND1_HELDOUT.length,
    );
    expect(CONTINUITY_CORPUS.length).toBeGreaterThanOrEqual(90);
    for (const set of [CONTINUITY_CORPUS, CONTINUITY_HELDOUT2]) {
      const same = set.filter((p) => p.same).length;
      expect(same / set.length).toBeGreaterThan(0.4);
      expect(same / set.length).toBeLessThan(0.6);
      for (const lang of ["es", "fr", "de"]) expect(set.some((p) => p.lang === lang)).toBe(true);
      for (const kind of ["reworded", "followup", "reference", "hard-negative", "same-words"])
        expect(set.some((p) => p.kind === kind)).toBe(true);
    }
    expect(CONTINUITY_HELDOUT2.length).toBeGreaterThanOrEqual(30);
    // No pair repeats: within the corpus, and between the corpus and the new held-out set.
    const seen = new Set(CONTINUITY_CORPUS.map(key));
    expect(seen.size).toBe(CONTINUITY_CORPUS.length);
    for (const p of CONTINUITY_HELDOUT2) expect(seen.has(key(p))).toBe(false);
  });

  it("reaches precision ≥ 0.9 and recall ≥ 0.8 on the corpus, far above the old rules", () => {
    report("round-1 corpus", CONTINUITY_ROUND1_CORPUS);
    report("round-1 held-out, training since round 2", CONTINUITY_ROUND1_HELDOUT);
    const rows = report("corpus", CONTINUITY_CORPUS);
    for (const s of [rows.findPredecessors, rows["similarity>=T"]]) {
      expect(s.precision).toBeGreaterThanOrEqual(0.9);
      expect(s.recall).toBeGreaterThanOrEqual(0.8);
    }
    expect(rows.findPredecessors.f1).toBeGreaterThan(rows["old sameReason"].f1 + 0.3);
    expect(rows.findPredecessors.f1).toBeGreaterThan(rows["old jaccard"].f1 + 0.3);
  });

  it("holds up on the round-2 held-out pairs it was not tuned on (loose bounds)", () => {
    const rows = report("held-out 2", CONTINUITY_HELDOUT2);
    // Fixed before the one measurement (docs/continuity-detection.md, "Round 2"), not derived
    // from it: a floor for an unseen set, well below the corpus figures.
    expect(rows.findPredecessors.precision).toBeGreaterThanOrEqual(0.75);
    expect(rows.findPredecessors.recall).toBeGreaterThanOrEqual(0.6);
    expect(rows["similarity>=T"].precision).toBeGreaterThanOrEqual(0.75);
    expect(rows["similarity>=T"].recall).toBeGreaterThanOrEqual(0.6);
  });

  it("is cheap: µs per similarity call and per findPredecessors over 20 prior journeys", async () => {
    const pairs = [...CONTINUITY_CORPUS, ...CONTINUITY_HELDOUT2];
    const rounds = 20;
    // Inside workerd the clock only moves across I/O: yield to a timer before each reading.
    const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
    let sink = 0;
    for (const p of pairs) sink += similarity(p.earlier, p.later); // warm up
    await tick();
    let started = performance.now();
    for (let r = 0; r < rounds; r++) for (const p of pairs) sink += similarity(p.earlier, p.later);
    await tick();
    const perSimilarity = ((performance.now() - started) * 1000) / (rounds * pairs.length);

    const twenty = pairs
      .slice(0, 20)
      .map((p, i) => prior({ id: `jrn_${String(i).padStart(26, "0")}`, reasonText: p.earlier }));
    await tick();
    started = performance.now();
    for (let r = 0; r < rounds; r++)
      for (const p of pairs) sink += findPredecessors(p.later, null, twenty, OPTS).length;
    await tick();
    const perFind = ((performance.now() - started) * 1000) / (rounds * pairs.length);
    console.log(
      `continuity speed | similarity: ${perSimilarity.toFixed(1)} µs/call | ` +
        `findPredecessors over 20 prior journeys: ${perFind.toFixed(1)} µs/call`,
    );
    expect(sink).toBeGreaterThan(0);
    // A guard against gross regressions only (the machine is shared and noisy): the budget is
    // under 1 ms per new journey, see the docs for the measured figures.
    expect(perFind).toBeLessThan(5000);
  });
});

// ---------------------------------------------------------------------------------------------
// similarity
// ---------------------------------------------------------------------------------------------

describe("similarity", () => {
  it("is symmetric, in 0..1, 1 for the same message and 0 for empty text", () => {
    for (const p of CONTINUITY_CORPUS.slice(0, 20)) {
      const ab = similarity(p.earlier, p.later);
      expect(ab).toBeCloseTo(similarity(p.later, p.earlier), 10);
      expect(ab).toBeGreaterThanOrEqual(0);
      expect(ab).toBeLessThanOrEqual(1);
    }
    expect(similarity("I was charged twice for March", "I was charged twice for March")).toBe(1);
    expect(similarity("", "I was charged twice")).toBe(0);
    expect(similarity("?!", "...")).toBe(0);
  });

  it("sees synonyms and other languages, and tells same-domain problems apart", () => {
    const same = similarity("I want my money back", "Please refund me");
    const other = similarity("I want my money back", "Please change my plan");
    expect(same).toBeGreaterThanOrEqual(SAME_PROBLEM_THRESHOLD);
    expect(other).toBeLessThan(SAME_PROBLEM_THRESHOLD);
    expect(similarity("The engineer never came", "El técnico no vino")).toBeGreaterThanOrEqual(
      SAME_PROBLEM_THRESHOLD,
    );
    expect(similarity("My wifi is down", "I want to cancel my wifi")).toBeLessThan(
      SAME_PROBLEM_THRESHOLD,
    );
  });

  it("calls subject-free messages follow-ups", () => {
    expect(isFollowUp("it's still not working")).toBe(true);
    expect(isFollowUp("Any update?")).toBe(true);
    expect(isFollowUp("sigue sin funcionar")).toBe(true);
    expect(isFollowUp("my router is still not working")).toBe(false);
    expect(isFollowUp("")).toBe(false);
  });

  it("meets inflections, irregular pasts, any negation and split phrasal verbs (round 2)", () => {
    const T = SAME_PROBLEM_THRESHOLD;
    // A doubled consonant before -ing/-ed: "cutting" is "cut".
    expect(similarity("the wifi keeps cutting out", "my wifi cuts out")).toBeGreaterThanOrEqual(T);
    // An irregular past, and a phrasal verb split by its object: "sent the parcel back".
    expect(
      similarity("I sent the parcel back last week", "I want to return the parcel"),
    ).toBeGreaterThanOrEqual(T);
    // Every negation is one word: "sin llegar" meets "no ha llegado".
    expect(
      similarity("Mi paquete no ha llegado", "Mi paquete sigue sin llegar"),
    ).toBeGreaterThanOrEqual(T);
    // … but "je n'arrive pas à …" is "I can't …", not a late delivery.
    expect(similarity("Mon colis n'est pas arrivé", "Je n'arrive pas à payer")).toBeLessThan(T);
    // Two objects of one family share a little, so a reworded object still meets.
    expect(similarity("my parcel has not arrived", "my order has not arrived")).toBeGreaterThan(
      similarity("my parcel has not arrived", "my invoice has not arrived"),
    );
    // A request for a block or a pause contradicts a money problem on the same membership.
    expect(
      similarity("You charged my gym membership twice", "Can I freeze my gym membership?"),
    ).toBeLessThan(T);
  });

  it("finds reference numbers of ≥ 4 digits, not years", () => {
    expect([...referenceNumbers("Order #A90412, case 77812 from 2026, call 555-12")]).toEqual([
      "90412",
      "77812",
    ]);
    expect(referenceNumbers("since 1999 and 2025").size).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------
// findPredecessors
// ---------------------------------------------------------------------------------------------

describe("findPredecessors", () => {
  it("links a reworded message to a resolved journey as a start-over", () => {
    const m = findPredecessors("the wifi has not worked for days", null, [prior()], OPTS);
    expect(m).toHaveLength(1);
    expect(m[0]).toMatchObject({ journeyId: prior().id, rule: "text", startOver: true });
    expect(m[0]?.score).toBeGreaterThanOrEqual(SAME_PROBLEM_THRESHOLD);
    expect(m[0]?.score).toBeLessThanOrEqual(1);
  });

  it("links open and waiting journeys too, without calling them start-overs", () => {
    for (const status of ["open", "waiting_on_customer", "waiting_on_company"]) {
      const m = findPredecessors(
        "no internet again",
        null,
        [prior({ status, resolvedAt: null })],
        OPTS,
      );
      expect(m).toEqual([expect.objectContaining({ journeyId: prior().id, startOver: false })]);
    }
  });

  it("looks only at journeys updated within the window", () => {
    const at = (d: number) => prior({ id: `jrn_${d}`, updatedAt: daysAgo(d) });
    const m = findPredecessors("internet down", null, [at(13.9), at(14), at(14.1), at(60)], OPTS);
    expect(m.map((x) => x.journeyId)).toEqual(["jrn_13.9", "jrn_14"]);
    expect(findPredecessors("internet down", null, [at(1)], { ...OPTS, windowDays: 0 })).toEqual(
      [],
    );
    // A malformed timestamp never matches; one a little ahead of `now` (clock skew) does.
    expect(findPredecessors("internet down", null, [prior({ updatedAt: "soon" })], OPTS)).toEqual(
      [],
    );
    const ahead = prior({ updatedAt: iso(NOW + 1000) });
    expect(findPredecessors("internet down", null, [ahead], OPTS)).toHaveLength(1);
  });

  it("returns at most max, 3 by default, best first", () => {
    const many = Array.from({ length: 6 }, (_, i) =>
      prior({ id: `jrn_${i}`, updatedAt: daysAgo(i + 1) }),
    );
    expect(findPredecessors("internet down", null, many, OPTS)).toHaveLength(3);
    expect(findPredecessors("internet down", null, many, { ...OPTS, max: 1 })).toHaveLength(1);
    expect(findPredecessors("internet down", null, many, { ...OPTS, max: 0 })).toEqual([]);
    // Equal scores: the most recently updated first.
    expect(findPredecessors("internet down", null, many, OPTS).map((m) => m.journeyId)).toEqual([
      "jrn_0",
      "jrn_1",
      "jrn_2",
    ]);
  });

  it("orders by score, then reference before topic before text, then recency", () => {
    const journeys = [
      prior({ id: "jrn_text_close", reasonText: "internet down", updatedAt: daysAgo(1) }),
      prior({
        id: "jrn_text_far",
        reasonText: "broadband keeps dropping in the evening, slow too",
        updatedAt: daysAgo(1),
      }),
      prior({ id: "jrn_topic", reasonText: null, reasonTopic: "network", updatedAt: daysAgo(1) }),
      prior({ id: "jrn_ref", reasonText: "Case 448213 opened", updatedAt: daysAgo(9) }),
      prior({ id: "jrn_none", reasonText: "Please change my plan", updatedAt: daysAgo(1) }),
    ];
    const m = findPredecessors("internet down again, case 448213", "network", journeys, {
      ...OPTS,
      max: 10,
    });
    expect(m.map((x) => [x.journeyId, x.rule])).toEqual([
      ["jrn_ref", "reference"],
      ["jrn_topic", "topic"],
      ["jrn_text_close", "text"],
      ["jrn_text_far", "text"],
    ]);
    expect(m[0]?.score).toBe(1);
    expect(m[1]?.score).toBe(1);
    expect(m[2]?.score).toBeGreaterThan(m[3]?.score ?? 1);
  });

  it("applies the reference rule to a journey id or a shared reference number", () => {
    const other = prior({ id: "jrn_01jd3kxyz", reasonText: "I want to change my plan" });
    const byId = findPredecessors("About JRN_01JD3KXYZ: my card was charged", null, [other], OPTS);
    expect(byId).toEqual([expect.objectContaining({ rule: "reference", score: 1 })]);
    const byNumber = findPredecessors(
      "re 77812 – the new box drops out too",
      null,
      [prior({ reasonText: "Ticket 77812: router replaced but problem remains" })],
      OPTS,
    );
    expect(byNumber).toEqual([expect.objectContaining({ rule: "reference" })]);
    // A different number, a short one, or a year is no reference.
    for (const text of ["order 77813 is late", "re 778: still failing", "my 2026 statement"]) {
      const m = findPredecessors(
        text,
        null,
        [prior({ reasonText: "Ticket 77812 from 2026: refund for order 778" })],
        OPTS,
      );
      expect(m.filter((x) => x.rule === "reference")).toEqual([]);
    }
  });

  it("matches equal non-null topics, whatever the text", () => {
    const p = prior({ reasonTopic: "billing.double_charge", reasonText: "Hello" });
    expect(findPredecessors("xyz", "billing.double_charge", [p], OPTS)).toEqual([
      expect.objectContaining({ rule: "topic", score: 1 }),
    ]);
    expect(findPredecessors("xyz", "billing.refund", [p], OPTS)).toEqual([]);
    expect(
      findPredecessors("xyz", null, [prior({ reasonTopic: null, reasonText: "Hi" })], OPTS),
    ).toEqual([]);
  });

  it("with null or empty text, matches on topic only", () => {
    const journeys = [
      prior({ id: "jrn_a", reasonTopic: "network" }),
      prior({ id: "jrn_b", reasonTopic: null }),
    ];
    expect(findPredecessors(null, "network", journeys, OPTS).map((m) => m.journeyId)).toEqual([
      "jrn_a",
    ]);
    expect(findPredecessors(null, null, journeys, OPTS)).toEqual([]);
    expect(findPredecessors("   ", null, [prior()], OPTS)).toEqual([]);
    expect(findPredecessors("internet down", null, [], OPTS)).toEqual([]);
  });

  it("links a subject-free follow-up to the only journey in the window, not among several", () => {
    const only = findPredecessors("any update?", null, [prior()], OPTS);
    expect(only).toEqual([
      { journeyId: prior().id, rule: "text", score: FOLLOW_UP_SCORE, startOver: true },
    ]);
    const two = [prior({ id: "jrn_a" }), prior({ id: "jrn_b", reasonText: "charged twice" })];
    expect(findPredecessors("any update?", null, two, OPTS)).toEqual([]);
    // "still not working" names a fault: it finds the outage among several by its text …
    expect(findPredecessors("it's still not working", null, two, OPTS)[0]?.journeyId).toBe("jrn_a");
    // … and is not linked to a lone journey about something else entirely.
    const cancel = [prior({ reasonText: "I want to cancel my contract" })];
    expect(findPredecessors("it's still not working", null, cancel, OPTS)).toEqual([]);
    // A message with a subject is not a follow-up: no text match, no link.
    const plan = [prior({ reasonText: "Please change my plan" })];
    expect(findPredecessors("my parcel is late", null, plan, OPTS)).toEqual([]);
  });
});
