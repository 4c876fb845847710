/**
 * Quote stripping: the new text of a reply without the history the client quoted under it.
 *
 * Journeys already hold every earlier message, so storing the quoted history again would
 * repeat it in every context pack and blow the bot's token budget. The rules are deliberately
 * few and line-based (docs/channels/email.md lists them); the full text is kept beside the
 * stripped one, so a miss costs readability, never data.
 */

/** "On <date>, <name> wrote:" and its common translations; Gmail wraps it over up to 3 lines. */
const ATTRIBUTION = [
  /^On\b.{0,300}\bwrote:$/i,
  /^Le\b.{0,300}\ba écrit\s?:$/i,
  /^Am\b.{0,300}\bschrieb\b.{0,300}:$/i,
  /^El\b.{0,300}\bescribió:$/i,
  /^Il\b.{0,300}\bha scritto:$/i,
  /^Op\b.{0,300}\bschreef\b.{0,300}:$/i,
];

/** Lines after which everything is history or signature. */
const CUT_LINE = [
  /^-{2,}\s*Original Message\s*-{2,}$/i, // Outlook, Lotus
  /^_{20,}$/, // Outlook's rule above its From:/Sent: block
  /^-- ?$/, // RFC 3676 signature delimiter (many clients drop the trailing space)
  /^Sent from my (iPhone|iPad|Android|BlackBerry|mobile device|Galaxy)\b/i,
  /^Get Outlook for (iOS|Android)\b/i,
];

/** Outlook's reply header: "From: …" followed within three lines by "Sent: …" or "Date: …". */
const HEADER_FROM = /^\*?(From|Von|De|Van):\*?\s/i;
const HEADER_SENT = /^\*?(Sent|Date|Gesendet|Envoyé|Enviado|Verzonden):\*?\s/i;

const isQuoted = (line: string) => line.trimStart().startsWith(">");
const isBlank = (line: string) => line.trim() === "";

/** Number of lines (1–3) that form an attribution starting at `i`, or 0. */
function attributionAt(lines: readonly string[], i: number): number {
  let joined = "";
  for (let n = 1; n <= 3 && i + n - 1 < lines.length; n++) {
    const next = lines[i + n - 1] ?? "";
    if (n > 1 && (isBlank(next) || isQuoted(next))) break;
    joined = `${joined} ${next.trim()}`.trim();
    if (ATTRIBUTION.some((re) => re.test(joined))) return n;
  }
  return 0;
}

function outlookHeaderAt(lines: readonly string[], i: number): boolean {
  if (!HEADER_FROM.test(lines[i]?.trim() ?? "")) return false;
  return lines.slice(i + 1, i + 4).some((l) => HEADER_SENT.test(l.trim()));
}

function isCut(lines: readonly string[], i: number): boolean {
  const line = (lines[i] ?? "").trim();
  return CUT_LINE.some((re) => re.test(line)) || outlookHeaderAt(lines, i);
}

/**
 * True when the text after an attribution interleaves answers with quotes ("see my answers
 * below"): then the unquoted lines are new text and only the quoted ones are dropped.
 */
function isInlineReply(lines: readonly string[], from: number): boolean {
  let sawQuote = false;
  for (let i = from; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (isBlank(line)) continue;
    if (isQuoted(line)) sawQuote = true;
    else if (isCut(lines, i) || attributionAt(lines, i) > 0) return false;
    else if (sawQuote) return true;
    else return false;
  }
  return false;
}

/**
 * The new text of a reply: drops `>`-quoted lines and everything from the first attribution
 * ("On … wrote:"), Outlook header block, "-----Original Message-----" or signature delimiter.
 * Inline answers between quotes are kept. When nothing would be left (a message that is all
 * quote), the full text is returned trimmed rather than an empty message.
 */
export function stripQuoted(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const attribution = attributionAt(lines, i);
    if (attribution > 0) {
      if (!isInlineReply(lines, i + attribution)) break;
      i += attribution - 1;
      continue;
    }
    if (isCut(lines, i)) break;
    if (!isQuoted(line)) kept.push(line.trimEnd());
  }
  const out = kept
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return out === "" ? text.trim() : out;
}
