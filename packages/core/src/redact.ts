/**
 * Card numbers are redacted before the first durable write (DESIGN.md §7).
 * A candidate is 13–19 digits, optionally grouped by single spaces or dashes, that passes
 * the Luhn check; the last four digits are kept so an agent can still refer to the card.
 */
const CARD_CANDIDATE = /(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])/g;

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

/** A workspace's own pattern (an account number format, a national id…), redacted as `[name]`. */
export interface RedactionPattern {
  name: string;
  pattern: string;
}

/** A compiled workspace pattern. */
export interface CompiledPattern {
  name: string;
  regex: RegExp;
}

/** Compiles workspace patterns (validated when the settings were saved). */
export function compilePatterns(patterns: readonly RedactionPattern[]): CompiledPattern[] {
  return patterns.map((p) => ({ name: p.name, regex: new RegExp(p.pattern, "gu") }));
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
 * Replaces Luhn-valid card numbers in `text`, then the workspace's own patterns; returns the
 * text and how many were replaced.
 */
export function redactText(
  text: string,
  extra: readonly CompiledPattern[] = [],
): { text: string; count: number } {
  let count = 0;
  const out = text.replace(CARD_CANDIDATE, (match) => {
    const digits = match.replace(/[ -]/g, "");
    if (digits.length < 13 || digits.length > 19 || !luhnValid(digits)) return match;
    count++;
    return `[card ••••${digits.slice(-4)}]`;
  });
  let result = out;
  for (const p of extra) {
    result = result.replace(p.regex, (m) => {
      if (m.length === 0) return m;
      count++;
      return `[${p.name}]`;
    });
  }
  return { text: result, count };
}

/** Redacts every string inside a JSON-like value, returning a new value. */
export function redactDeep<T>(
  value: T,
  extra: readonly CompiledPattern[] = [],
): { value: T; count: number } {
  let count = 0;
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") {
      const r = redactText(v, extra);
      count += r.count;
      return r.text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[k] = walk(inner);
      return out;
    }
    return v;
  };
  const redacted = walk(value) as T;
  return { value: redacted, count };
}
