/**
 * Small display pieces shared by the screen pop and the journey page. Every value is rendered
 * through hono/jsx, which escapes it: customer and provider text always shows as characters.
 */
import type { Actor, PromiseView, WorkspaceSettings } from "@baton/core";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** "5 Dec 16:23 UTC" (the console shows UTC; the tooltip keeps the exact instant). */
export function utc(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const hh = String(d.getUTCHours()).padStart(2, "0");
  const mm = String(d.getUTCMinutes()).padStart(2, "0");
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${hh}:${mm} UTC`;
}

/** "in 2 h", "35 min ago", "3 d ago". */
export function relative(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const diff = t - now;
  const abs = Math.abs(diff);
  const unit =
    abs < 60_000
      ? "now"
      : abs < 3_600_000
        ? `${Math.round(abs / 60_000)} min`
        : abs < 86_400_000
          ? `${Math.round(abs / 3_600_000)} h`
          : `${Math.round(abs / 86_400_000)} d`;
  if (unit === "now") return "just now";
  return diff > 0 ? `in ${unit}` : `${unit} ago`;
}

export function When(props: { at: string | null | undefined; rel?: boolean }) {
  if (!props.at) return null;
  return (
    <time datetime={props.at} title={props.at}>
      {utc(props.at)}
      {props.rel ? ` (${relative(props.at)})` : ""}
    </time>
  );
}

export function actorLabel(a: Actor | null | undefined): string {
  if (!a) return "system";
  const who = a.name ?? a.id;
  return who ? `${who} (${a.kind})` : a.kind;
}

/** The effective status of a promise as of now: a pending one past its due time is overdue. */
export function promiseState(p: PromiseView, now = Date.now()): string {
  if (p.status === "pending" && Date.parse(p.dueAt) < now) return "overdue";
  return p.status;
}

export function Badge(props: { kind: string; children?: unknown }) {
  const cls =
    props.kind === "broken" || props.kind === "overdue" || props.kind === "exception"
      ? props.kind
      : props.kind === "pending" || props.kind === "open"
        ? "pending"
        : props.kind === "kept" || props.kind === "resolved" || props.kind === "verified"
          ? "kept"
          : "neutral";
  return <span class={`badge ${cls}`}>{props.children ?? props.kind}</span>;
}

/** The markers redaction leaves in stored text (docs/privacy.md "Redaction"). */
export function redactionMarker(settings: WorkspaceSettings | null): RegExp {
  const names = [
    "iban",
    "us_ssn",
    "uk_nino",
    ...(settings?.redaction.patterns ?? []).map((p) => p.name),
  ];
  const escaped = names.map((n) => n.replace(/[^a-z0-9_]/g, ""));
  return new RegExp(`\\[(card ••••\\d{4}|${escaped.join("|")})\\]`, "g");
}

/**
 * Customer text with redaction markers shown as "redacted" badges. Plain text otherwise
 * (escaped by hono/jsx; white-space kept by the `text` class).
 */
export function RedactedText(props: { text: string | null | undefined; marker: RegExp }) {
  const text = props.text ?? "";
  const parts: unknown[] = [];
  let last = 0;
  props.marker.lastIndex = 0;
  for (const m of text.matchAll(props.marker)) {
    const at = m.index ?? 0;
    if (at > last) parts.push(text.slice(last, at));
    parts.push(
      <span class="badge redacted" title="removed before storage">
        redacted: {m[1]}
      </span>,
    );
    last = at + m[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return <span class="text">{parts}</span>;
}
