import { BUILTIN_REDACTIONS, builtinRedactor, type BuiltinRedaction } from "./redact-builtins";

export { BUILTIN_REDACTIONS, ibanValid, type BuiltinRedaction } from "./redact-builtins";

/**
 * Card numbers are redacted before the first durable write (docs/architecture.md §7);
 * docs/privacy.md explains the rule. Digits joined by single spaces, dashes or dots form groups;
 * every window of whole consecutive groups holding 13–19 digits is Luhn-checked, so a card keeps
 * its neighbours (an expiry, a CVV, a room or reference number) out of the check. An unbroken run
 * of digits is one group: a 22-digit reference is not searched for a card inside it. The last four
 * digits stay so an agent can still refer to the card.
 */
const CARD_MIN = 13;
const CARD_MAX = 19;

/** True when the digit string passes the Luhn checksum. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * A run: digit groups joined by exactly one separator (space, dash, dot). The pattern is
 * deterministic (a separator must be followed by a digit), so it scans in linear time and
 * leaves the text between runs to the regex engine.
 */
const RUN = /\d+(?:[ .-]\d+)*/g;

/**
 * The card spans of one run, as [first group, last group] pairs (`starts[g]`..`ends[g]` are
 * the offsets of group g's digits). Every window of whole groups with 13–19 digits that passes
 * Luhn is redacted; windows sharing a group merge into one span. So the longest passing window
 * always goes, and a second window overlapping it (a neighbour that happens to complete
 * another Luhn-valid number) widens the span instead of leaving card digits behind.
 */
function cardSpans(run: string, starts: number[], ends: number[]): [number, number][] {
  const spans: [number, number][] = [];
  for (let last = 0; last < starts.length; last++) {
    // Grow the window leftwards from `last`, summing Luhn from the right as it grows: each
    // end costs at most 19 digits, so the run is linear. Keep the widest passing window.
    let sum = 0;
    let length = 0;
    let double = false;
    let widest = -1;
    for (let first = last; first >= 0; first--) {
      const s = starts[first] ?? 0;
      const e = ends[first] ?? 0;
      if (length + (e - s) > CARD_MAX) break;
      for (let k = e - 1; k >= s; k--) {
        const d = run.charCodeAt(k) - 48;
        sum += double ? (d > 4 ? d * 2 - 9 : d * 2) : d;
        double = !double;
      }
      length += e - s;
      if (length >= CARD_MIN && sum % 10 === 0) widest = first;
    }
    if (widest < 0) continue;
    // Ends only grow, so a new window can only overlap spans at the top of the stack.
    let first = widest;
    for (let top = spans.at(-1); top && top[1] >= first; top = spans.at(-1)) {
      first = Math.min(first, top[0]);
      spans.pop();
    }
    spans.push([first, last]);
  }
  return spans;
}

/** Redacts the card numbers in one run of digit groups. */
function redactRun(run: string): { text: string; count: number } {
  const starts: number[] = [];
  const ends: number[] = [];
  let digits = 0;
  for (let i = 0; i < run.length; i++) {
    starts.push(i);
    while (i < run.length && run.charCodeAt(i) >= 48 && run.charCodeAt(i) <= 57) i++;
    ends.push(i);
    digits += i - (starts[starts.length - 1] ?? i);
  }
  if (digits < CARD_MIN) return { text: run, count: 0 };
  const spans = cardSpans(run, starts, ends);
  if (spans.length === 0) return { text: run, count: 0 };
  let out = "";
  let copied = 0;
  for (const [first, last] of spans) {
    const from = starts[first] ?? 0;
    let four = "";
    for (let k = (ends[last] ?? 0) - 1; k >= from && four.length < 4; k--) {
      const c = run.charAt(k);
      if (c >= "0" && c <= "9") four = c + four;
    }
    out += `${run.slice(copied, from)}[card ••••${four}]`;
    copied = ends[last] ?? from;
  }
  return { text: out + run.slice(copied), count: spans.length };
}

/** Replaces Luhn-valid card numbers in `text` with `[card ••••1234]`. */
export function redactCards(text: string): { text: string; count: number } {
  let count = 0;
  const out = text.replace(RUN, (run) => {
    // Fewer than 13 characters cannot hold 13 digits.
    if (run.length < CARD_MIN) return run;
    const r = redactRun(run);
    count += r.count;
    return r.text;
  });
  return count === 0 ? { text, count } : { text: out, count };
}

/** A workspace's own pattern (an account number format, a national id…), redacted as `[name]`. */
export interface RedactionPattern {
  name: string;
  pattern: string;
}

/** What a workspace redacts besides card numbers (its `redaction` settings). */
export interface RedactionRules {
  patterns: readonly RedactionPattern[];
  builtins?: readonly BuiltinRedaction[] | undefined;
}

/**
 * A compiled rule. Built-ins (checksummed, so stricter than Luhn) run before card numbers,
 * workspace patterns after them, as the settings have always promised.
 */
export interface CompiledPattern {
  name: string;
  builtin: boolean;
  /** Replaces the rule's matches with `[name]`; returns the text and how many. */
  apply: (text: string) => { text: string; count: number };
}

function regexRule(name: string, regex: RegExp): CompiledPattern {
  return {
    name,
    builtin: false,
    apply(text) {
      let count = 0;
      const out = text.replace(regex, (m) => {
        if (m.length === 0) return m;
        count++;
        return `[${name}]`;
      });
      return { text: out, count };
    },
  };
}

/** Compiles workspace patterns (validated when the settings were saved). */
export function compilePatterns(patterns: readonly RedactionPattern[]): CompiledPattern[] {
  return patterns.map((p) => regexRule(p.name, new RegExp(p.pattern, "gu")));
}

/** Compiles a workspace's rules: the built-ins it switched on, then its own patterns. */
export function compileRules(rules: RedactionRules): CompiledPattern[] {
  const builtins = BUILTIN_REDACTIONS.filter((b) => rules.builtins?.includes(b) ?? false);
  return [
    ...builtins.map((b) => ({ name: b, builtin: true, apply: builtinRedactor(b) })),
    ...compilePatterns(rules.patterns),
  ];
}

/** True when `pattern` compiles as a Unicode regular expression. */
export function isValidPattern(pattern: string): boolean {
  try {
    new RegExp(pattern, "gu");
    return true;
  } catch {
    return false;
  }
}

/**
 * Replaces the workspace's built-ins, then Luhn-valid card numbers, then the workspace's own
 * patterns in `text`; returns the text and how many were replaced.
 */
export function redactText(
  text: string,
  extra: readonly CompiledPattern[] = [],
): { text: string; count: number } {
  let count = 0;
  let result = text;
  const run = (r: { text: string; count: number }) => {
    result = r.text;
    count += r.count;
  };
  for (const p of extra) if (p.builtin) run(p.apply(result));
  run(redactCards(result));
  for (const p of extra) if (!p.builtin) run(p.apply(result));
  return { text: result, count };
}

/** Redacts every string inside a JSON-like value, object keys included; returns a new value. */
export function redactDeep<T>(
  value: T,
  extra: readonly CompiledPattern[] = [],
): { value: T; count: number } {
  let count = 0;
  const text = (s: string) => {
    const r = redactText(s, extra);
    count += r.count;
    return r.text;
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return text(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      // fromEntries defines own properties, so a "__proto__" key stays a key.
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [text(k), walk(inner)]));
    }
    return v;
  };
  const redacted = walk(value) as T;
  return { value: redacted, count };
}
