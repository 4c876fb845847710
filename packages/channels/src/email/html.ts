/**
 * Plain text for an HTML-only email. postal-mime only renders HTML as text when the message
 * also has a text/plain part somewhere, so HTML-only mail needs this. It is deliberately
 * simple (block tags become line breaks, other tags vanish, entities are decoded): the result
 * feeds a context pack and quote stripping, and the HTML itself is never stored.
 */
const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  hellip: "…",
  euro: "€",
  copy: "©",
};

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (m, e: string) => {
    if (e[0] !== "#") return NAMED[e.toLowerCase()] ?? m;
    const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
      ? String.fromCodePoint(code)
      : m;
  });
}

/** Most HTML converted; the text is cut to LIMITS.textChars later anyway. */
const MAX_HTML_CHARS = 1024 * 1024;

/**
 * Removes `<script>`, `<style>`, `<head>`, `<title>` elements and comments with a linear scan:
 * a lazy regex would rescan to the end for every unclosed opener, quadratic on hostile input.
 */
function dropBlocks(html: string): string {
  const lower = html.toLowerCase();
  const opener = /<(script|style|head|title)\b|<!--/g;
  let out = "";
  let from = 0;
  for (let m = opener.exec(lower); m !== null; m = opener.exec(lower)) {
    const closer = m[1] ? `</${m[1]}` : "-->";
    const close = lower.indexOf(closer, m.index + m[0].length);
    out += html.slice(from, m.index);
    if (close === -1) return out;
    const end = m[1] ? lower.indexOf(">", close) : close + 2;
    if (end === -1) return out;
    from = end + 1;
    opener.lastIndex = from;
  }
  return out + html.slice(from);
}

/** Renders HTML as readable plain text. Every pattern is linear: `[^<>]` stops at the next tag. */
export function htmlToText(html: string): string {
  const text = dropBlocks(html.slice(0, MAX_HTML_CHARS))
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<li\b[^<>]*>/gi, "\n- ")
    .replace(/<\/?(p|div|tr|table|ul|ol|blockquote|h[1-6]|pre|hr)\b[^<>]*>/gi, "\n")
    .replace(/<[^<>]*>/g, "");
  return decodeEntities(text)
    .split("\n")
    .map((line) => line.replace(/[ \t\u00a0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}
