/**
 * Built-in detectors a workspace can switch on (`redaction.builtins`, off by default). Each one
 * checks more than a shape (a checksum or the issuer's numbering rules), so it is safe to run
 * on every stored text; docs/privacy.md lists what each one catches and misses.
 */
export const BUILTIN_REDACTIONS = ["iban", "us_ssn", "uk_nino"] as const;
export type BuiltinRedaction = (typeof BUILTIN_REDACTIONS)[number];

type Redactor = (text: string) => { text: string; count: number };

/** IBAN length per country, from the IBAN registry (ISO 13616). */
// prettier-ignore
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29,
  BY: 28, CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29,
  ES: 24, FI: 18, FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28,
  HN: 28, HR: 21, HU: 28, IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20,
  LB: 28, LC: 32, LI: 21, LT: 20, LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19,
  MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29,
  PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31, SD: 18, SE: 24, SI: 19, SK: 24,
  SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29, VA: 22, VG: 24, XK: 20,
  YE: 30,
};

/** True for an IBAN (upper case, no spaces) of its country's length whose mod-97 check is 1. */
export function ibanValid(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) return false;
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  let rem = 0;
  const moved = iban.slice(4) + iban.slice(0, 4);
  for (let i = 0; i < moved.length; i++) {
    const c = moved.charCodeAt(i);
    rem = c <= 57 ? (rem * 10 + c - 48) % 97 : (rem * 100 + c - 55) % 97;
  }
  return rem === 1;
}

const isAlnum = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * IBANs in electronic form (`GB82WEST12345698765432`) or print form (groups split by single
 * spaces). From each candidate start, exactly the country's length is read and checked, so a
 * word or a number right after the IBAN is neither swallowed nor able to hide it.
 */
const redactIban: Redactor = (text) => {
  const starts = /(?<![A-Za-z0-9])[A-Za-z]{2}\d{2}/g;
  let out = "";
  let copied = 0;
  let count = 0;
  for (let m = starts.exec(text); m !== null; m = starts.exec(text)) {
    const p = m.index;
    const length = IBAN_LENGTHS[text.slice(p, p + 2).toUpperCase()];
    if (length === undefined) continue;
    let chars = text.slice(p, p + 4).toUpperCase();
    let k = p + 4;
    while (chars.length < length && k < text.length) {
      if (text.charCodeAt(k) === 32 && isAlnum(text.charCodeAt(k + 1))) k++;
      if (!isAlnum(text.charCodeAt(k))) break;
      chars += text.charAt(k).toUpperCase();
      k++;
    }
    if (chars.length !== length || isAlnum(text.charCodeAt(k)) || !ibanValid(chars)) continue;
    out += `${text.slice(copied, p)}[iban]`;
    copied = k;
    count++;
    starts.lastIndex = k;
  }
  return count === 0 ? { text, count } : { text: out + text.slice(copied), count };
};

/**
 * US Social Security numbers written AAA-GG-SSSS. Never issued: area 000, 666 and 900–999,
 * group 00, serial 0000; those and longer dashed numbers are left alone.
 */
const US_SSN = /(?<!\d|\d-)(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?!\d|-\d)/g;

/**
 * UK National Insurance numbers (`AB123456C`, `AB 12 34 56 C`), with HMRC's prefix rules:
 * first letter not D, F, I, Q, U or V; second not D, F, I, O, Q, U or V; never BG, GB, KN, NK,
 * NT, TN or ZZ; suffix A–D.
 */
const UK_NINO =
  /(?<![A-Za-z0-9])(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![A-Za-z0-9])/gi;

function regexRedactor(name: string, regex: RegExp): Redactor {
  return (text) => {
    let count = 0;
    const out = text.replace(regex, () => {
      count++;
      return `[${name}]`;
    });
    return { text: out, count };
  };
}

/** The function that applies one built-in, replacing each find with `[name]`. */
export function builtinRedactor(name: BuiltinRedaction): Redactor {
  switch (name) {
    case "iban":
      return redactIban;
    case "us_ssn":
      return regexRedactor(name, US_SSN);
    case "uk_nino":
      return regexRedactor(name, UK_NINO);
  }
}
