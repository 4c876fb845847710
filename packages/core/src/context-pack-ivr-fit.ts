/**
 * Keeping the IVR map within Amazon Connect's Lambda response limit (1 KB serialized): free
 * text is shortened longest-first, optional fixed-size keys go only when free text would
 * otherwise get too little room, and the routing and disclosure keys are never dropped.
 */
import { clipMeasured, jsonCharBytes, jsonStringBytes, utf8Length } from "./context-pack-text";

/** Largest serialized IVR map, in UTF-8 bytes (Amazon Connect's Lambda response limit). */
export const IVR_MAX_BYTES = 1024;
/** Said when nothing personal may be said, or nothing is known. */
export const IVR_NEUTRAL_SENTENCE = "Thanks for calling. Let me connect you.";

/** Free text, truncated longest-first when the map is too big. */
const FREE_TEXT = [
  "sentence",
  "constraints",
  "history",
  "recovery",
  "reason",
  "lastAction",
  "promise",
  "owner",
  "ownerTeam",
  "reasonTopic",
];
/** Fixed-size keys dropped, in this order, when they leave free text too little room. */
const DROP_FIXED = [
  "languageFallback",
  "journeyIds",
  "exception",
  "ownerId",
  "lastActionAt",
  "promiseDue",
  "promiseStatus",
  "customerId",
  "openJourneys",
];
/**
 * Last resort, never reached unless a single label is huge. Never dropped: match, journeyId,
 * queue, knownCaller, verified, tier, tierReason, language.
 */
const DROP_ORDER = [
  ...DROP_FIXED,
  "ownerTeam",
  "reasonTopic",
  "history",
  "lastAction",
  "owner",
  "promise",
  "recovery",
  "reason",
  "constraints",
  "sentence",
];
/** Free text as a whole gets at least this much room (or all it needs) before fixed keys go. */
const FREE_TEXT_ROOM = 256;
/** A free-text value cut below this many bytes is dropped instead. */
const MIN_TEXT_BYTES = 12;

const mapBytes = (m: Record<string, string>): number => utf8Length(JSON.stringify(m));

/** Largest cap c with sum(min(size, c)) <= room (-1 when even zero-length values do not fit). */
function waterLevel(sizes: number[], room: number): number {
  if (room < 0) return -1;
  let lo = 0;
  let hi = Math.max(0, ...sizes);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    const used = sizes.reduce((n, s) => n + Math.min(s, mid), 0);
    if (used <= room) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Shortens the spoken sentence: to its last whole sentence that fits, else to whole words,
 * else mid-word (text without spaces), keeping at least four words; else the neutral
 * sentence; "" when not even that fits.
 */
function clipSentence(s: string, maxBytes: number, neutral: string): string {
  const cut = clipMeasured(s, maxBytes - 1, "", jsonCharBytes);
  const head = s.slice(0, cut.length + 1);
  const stop = Math.max(head.lastIndexOf(". "), head.lastIndexOf("? "));
  if (stop > 0) return s.slice(0, stop + 1);
  const words = cut.split(" ");
  const whole = words.slice(0, -1);
  const kept = whole.length >= 4 ? whole : words;
  if (kept.length >= 4) return `${kept.join(" ").replace(/[\s.,?']+$/u, "")}.`;
  return jsonStringBytes(neutral) <= maxBytes ? neutral : "";
}

/**
 * Makes `map` serialize to at most IVR_MAX_BYTES. Free text is truncated longest-first: every
 * value above a common cap is cut to it (a value cut below 12 bytes is dropped). Fixed-size
 * optional keys (ids, instants) go first only if free text would otherwise get under 256
 * bytes. `neutral` is the sentence said when the spoken one cannot be cut to fit (in the
 * answer's language). Throws only when the protected keys alone are too big (a default queue name of
 * ~900 bytes: a configuration bug).
 */
export function fitIvrMap(
  map: Record<string, string>,
  neutral: string = IVR_NEUTRAL_SENTENCE,
): Record<string, string> {
  if (mapBytes(map) <= IVR_MAX_BYTES) return map;
  const out = { ...map };
  const free = FREE_TEXT.filter((k) => out[k] !== undefined);
  const sizes = free.map((k) => jsonStringBytes(out[k] ?? ""));
  const wanted = Math.min(
    FREE_TEXT_ROOM,
    sizes.reduce((a, b) => a + b, 0),
  );
  const room = (): number => {
    const blank = { ...out };
    for (const k of free) blank[k] = "";
    return IVR_MAX_BYTES - mapBytes(blank);
  };
  for (const k of DROP_FIXED) if (room() < wanted) delete out[k];
  const cap = waterLevel(sizes, room());
  free.forEach((k, i) => {
    const v = out[k] ?? "";
    if ((sizes[i] ?? 0) <= cap) return;
    const cut =
      cap < MIN_TEXT_BYTES
        ? ""
        : k === "sentence"
          ? clipSentence(v, cap, neutral)
          : clipMeasured(v, cap, "…", jsonCharBytes);
    if (cut === "") delete out[k];
    else out[k] = cut;
  });
  for (const k of DROP_ORDER) {
    if (mapBytes(out) <= IVR_MAX_BYTES) break;
    delete out[k];
  }
  if (mapBytes(out) > IVR_MAX_BYTES)
    throw new RangeError(`IVR map exceeds ${IVR_MAX_BYTES} bytes even with only its routing keys`);
  return out;
}
