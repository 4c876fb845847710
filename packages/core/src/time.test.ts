import { describe, expect, it } from "vitest";
import { Instant, isValidInstant, isValidTimeZone } from "./time";

describe("instants and time zones", () => {
  it.each([
    "2026-03-01T16:05:00Z",
    "2026-03-01T16:05:00.123+01:00",
    "2024-02-29T00:00:00-05:00",
    "2026-03-01T16:05Z",
  ])("accepts %s", (v) => expect(isValidInstant(v)).toBe(true));
  it.each([
    "2026-02-30T10:00:00Z",
    "2025-02-29T10:00:00Z",
    "2026-03-01T24:00:00Z",
    "2026-03-01T10:60:00Z",
    "2026-03-01T10:00:00",
    "2026-03-01",
    "2026-03-01T10:00:00+15:00",
    "yesterday",
    "",
  ])("rejects %s", (v) => expect(isValidInstant(v)).toBe(false));

  it("normalizes to UTC", () => {
    expect(Instant.parse("2026-03-05T17:00:00-05:00")).toBe("2026-03-05T22:00:00.000Z");
  });

  it("knows IANA zones", () => {
    expect(isValidTimeZone("America/New_York")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
  });
});
