/**
 * CSV for the console's downloads (RFC 4180: comma separated, CRLF line ends, fields quoted
 * when they hold a comma, a quote, a line break or edge spaces, quotes doubled).
 *
 * Formula injection: a spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (and
 * some also after a tab or carriage return) as a formula, so a customer's topic such as
 * `=HYPERLINK(…)` must never reach it as one. Such cells get a leading `'`, which spreadsheets
 * show as text. Numbers are written as they are (the console's numbers are never negative).
 */

export type CsvValue = string | number | null | undefined;

/** One CSV field, formula-safe and quoted when needed. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A whole CSV document: the header, then the rows, each line ended by CRLF. */
export function toCsv(header: readonly string[], rows: readonly (readonly CsvValue[])[]): string {
  return [header, ...rows].map((r) => `${r.map(csvCell).join(",")}\r\n`).join("");
}
