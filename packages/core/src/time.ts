import * as z from "zod";

const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * True for an RFC 3339 date-time with an explicit offset whose calendar fields exist
 * (rejects 2026-02-30, hour 24, offsets beyond ±14:00 and local times without an offset).
 */
export function isValidInstant(value: string): boolean {
  const m = ISO_WITH_OFFSET.exec(value);
  if (!m) return false;
  const [, y, mo, d, h, mi, s, , oh, om] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return false;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s ?? "0") > 59) return false;
  if (oh !== undefined && (Number(oh) > 14 || Number(om) > 59)) return false;
  return !Number.isNaN(Date.parse(value));
}

/** An instant as the API takes it: RFC 3339 with an offset, normalized to UTC ISO form. */
export const Instant = z
  .string()
  .max(40)
  .refine(isValidInstant, {
    message: "must be an RFC 3339 date-time with a time-zone offset, e.g. 2026-03-01T16:05:00Z",
  })
  .transform((v) => new Date(v).toISOString());

/** Zones already checked (a formatter is costly to build; the answers never change). */
const zoneChecks = new Map<string, boolean>();

/** True when `tz` is an IANA time-zone name the runtime knows. */
export function isValidTimeZone(tz: string): boolean {
  const known = zoneChecks.get(tz);
  if (known !== undefined) return known;
  let valid: boolean;
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    valid = true;
  } catch {
    valid = false;
  }
  // Bounded: a flood of distinct bad names must not grow the map without limit.
  if (zoneChecks.size < 1000) zoneChecks.set(tz, valid);
  return valid;
}

/** An IANA time-zone name such as `Europe/Berlin`. */
export const TimeZone = z
  .string()
  .max(64)
  .refine(isValidTimeZone, { message: "must be an IANA time-zone name, e.g. America/New_York" });
