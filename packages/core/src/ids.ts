const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"; // Crockford base32, lower case

function randomPart(length: number): string {
  const bytes = new Uint8Array(length);
  crypto.getRandomValues(bytes);
  let out = "";
  for (const b of bytes) out += ALPHABET[b & 31];
  return out;
}

function timePart(ms: number): string {
  let out = "";
  let n = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[n % 32] + out;
    n = Math.floor(n / 32);
  }
  return out;
}

/**
 * A time-sortable identifier with a type prefix, e.g. `jrn_01jd3k...`.
 * Sorting ids of one prefix sorts them by creation time (to the millisecond).
 */
export function newId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${timePart(now)}${randomPart(12)}`;
}

/** A random secret of `length` base32 characters (5 bits each). */
export function newSecret(length = 40): string {
  return randomPart(length);
}
