/**
 * The journey page (docs/console.md "Journey page"): GET /console/journeys/:id. One timeline
 * across channels (messages, calls, emails, chat, bot and agent actions, owner changes,
 * handoffs), newest first, 50 events a page with an "older" link (so a 500-event journey
 * renders one page, not 500 rows); promises on the time axis as pending, overdue, kept or
 * broken; exceptions; redactions shown as redacted; predecessors linked.
 */
import { JourneyId, type EventView, type JourneyContext, type PromiseView } from "@baton/core";
import { Hono } from "hono";
import { unwrap } from "../http/errors";
import { journeyStub } from "../objects/access";
import { workspaceSettings } from "../objects/workspace/settings";
import type { ConsoleEnv } from "./context";
import { errorPage } from "./errors";
import { html, Page } from "./layout";
import { Badge, RedactedText, When, actorLabel, promiseState, redactionMarker } from "./ui";

export const journeyPages = new Hono<ConsoleEnv>();

/** Events per page of the timeline. */
export const TIMELINE_PAGE = 50;

/** The timeline class and label of an event: what kind of step it was. */
function kindOf(e: EventView): { cls: string; label: string } {
  if (e.type.startsWith("promise.")) {
    const broken = e.type === "promise.broken";
    return { cls: broken ? "promise broken" : "promise", label: e.type.replace(".", " ") };
  }
  if (e.type.startsWith("exception.")) return { cls: "exception", label: e.type.replace(".", " ") };
  if (e.type === "owner.changed") {
    const handoff = Boolean((e.data as { handoff?: unknown } | null)?.handoff);
    return { cls: handoff ? "handoff" : "owner", label: handoff ? "handoff" : "owner change" };
  }
  if (e.type === "message" || e.type === "call") {
    const what =
      e.type === "call" ? "call" : e.channel === "email" ? "email" : `${e.channel ?? ""} message`;
    return { cls: "message", label: `${what.trim()} ${e.direction ?? ""}`.trim() };
  }
  if (e.type === "action") return { cls: "action", label: `${e.actor?.kind ?? ""} action`.trim() };
  return { cls: "system", label: e.type.replace(/[._]/g, " ") };
}

interface HandoffData {
  reason?: string;
  summary?: string;
  openPromises?: { id: string; text: string; dueAt: string }[];
}

function Event(props: { e: EventView; marker: RegExp; promises: Map<string, PromiseView> }) {
  const { e, marker, promises } = props;
  const k = kindOf(e);
  const data = e.data ?? {};
  const handoff =
    e.type === "owner.changed" ? ((data as { handoff?: HandoffData }).handoff ?? null) : null;
  const promiseId =
    typeof data.promiseId === "string"
      ? data.promiseId
      : typeof data.id === "string"
        ? data.id
        : null;
  const promise = e.type.startsWith("promise.") && promiseId ? promises.get(promiseId) : undefined;
  const subject = typeof data.subject === "string" ? data.subject : null;
  return (
    <li class={k.cls} id={`e${e.seq}`}>
      <div class="small">
        <When at={e.occurredAt} /> <strong>{k.label}</strong> · {actorLabel(e.actor)}
        {e.channel ? <span class="muted"> · {e.channel}</span> : null}
        <span class="muted"> · #{e.seq}</span>
        {promise ? (
          <>
            {" "}
            · now <Badge kind={promiseState(promise)}>{promiseState(promise)}</Badge>
          </>
        ) : null}
      </div>
      {subject ? (
        <div>
          <span class="muted">Subject:</span> <RedactedText text={subject} marker={marker} />
        </div>
      ) : null}
      {e.text ? (
        <div>
          <RedactedText text={e.text} marker={marker} />
        </div>
      ) : null}
      {handoff ? (
        <div class="card small">
          <div>
            <strong>Why:</strong> <RedactedText text={handoff.reason ?? ""} marker={marker} />
          </div>
          <div>
            <strong>Summary:</strong> <RedactedText text={handoff.summary ?? ""} marker={marker} />
          </div>
          {(handoff.openPromises ?? []).length > 0 ? (
            <div>
              <strong>Open promises handed over:</strong>{" "}
              {(handoff.openPromises ?? []).map((p) => p.text).join("; ")}
            </div>
          ) : null}
        </div>
      ) : null}
    </li>
  );
}

/** Promises on the time axis: made → due (→ verify by), with their current state. */
function PromiseAxis(props: { ctx: JourneyContext }) {
  const promises = [...props.ctx.promises].sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  if (promises.length === 0) return <p class="muted">No promises.</p>;
  const now = Date.now();
  const times = promises.flatMap((p) => [Date.parse(p.createdAt), Date.parse(p.verifyBy)]);
  times.push(now);
  const min = Math.min(...times);
  const max = Math.max(...times);
  const span = Math.max(1, max - min);
  const pct = (t: number) => `${(((t - min) / span) * 100).toFixed(1)}%`;
  return (
    <div>
      <ul class="items" aria-label="Promises by due time">
        {promises.map((p) => {
          const state = promiseState(p, now);
          const made = Date.parse(p.createdAt);
          const due = Date.parse(p.dueAt);
          return (
            <li>
              <Badge kind={state}>{state}</Badge> <span class="text">{p.text}</span>
              <div class="small muted">
                made <When at={p.createdAt} /> by {actorLabel(p.madeBy)} · due{" "}
                <When at={p.dueAt} rel />
                {p.settledAt ? (
                  <>
                    {" "}
                    · settled <When at={p.settledAt} />
                  </>
                ) : null}
              </div>
              <div class="axis" aria-hidden="true">
                <span
                  class={`bar ${state}`}
                  style={`left:${pct(made)};width:calc(${pct(due)} - ${pct(made)})`}
                ></span>
                <span class="now" style={`left:${pct(now)}`}></span>
              </div>
            </li>
          );
        })}
      </ul>
      <p class="small muted">
        Bars run from when each promise was made to when it is due; the line is now.
      </p>
    </div>
  );
}

journeyPages.get("/:id", async (c) => {
  const id = c.req.param("id");
  if (!JourneyId.safeParse(id).success) {
    return errorPage(c, 404, "Journey not found", undefined, "journey_not_found");
  }
  const beforeRaw = c.req.query("before");
  const before = beforeRaw === undefined ? null : Number(beforeRaw);
  if (before !== null && (!Number.isSafeInteger(before) || before < 1)) {
    return errorPage(c, 400, "Invalid page", "before: a sequence number ≥ 1", "invalid_query");
  }
  const ws = c.get("person").workspace;
  const stub = journeyStub(c.env, ws, id);
  const [ctxRes, settings] = await Promise.all([
    stub.context(ws, id),
    workspaceSettings(c.env, ws),
  ]);
  if (!ctxRes.ok) return errorPage(c, 404, "Journey not found", undefined, "journey_not_found");
  const ctx = ctxRes.value;
  // Newest first: the page ends just before `before` (or at the newest event).
  const end = Math.min(before === null ? ctx.seq : before - 1, ctx.seq);
  const after = Math.max(0, end - TIMELINE_PAGE);
  const page =
    end > 0 ? unwrap(await stub.events(ws, id, after, end - after)) : { items: [] as EventView[] };
  const events = [...(page.items as EventView[])].reverse();
  const marker = redactionMarker(settings);
  const promises = new Map(ctx.promises.map((p) => [p.id, p]));
  const now = Date.now();
  const upcoming = ctx.promises
    .filter((p) => (p.status === "pending" || p.status === "overdue") && before === null)
    .sort((a, b) => b.dueAt.localeCompare(a.dueAt));
  const person = c.get("person");
  return html(
    c,
    <Page c={c} title={`Journey ${id}`}>
      <h1>{ctx.reason?.text ?? ctx.reason?.topic ?? "Journey"}</h1>
      <p class="small">
        <Badge kind={ctx.status === "resolved" ? "resolved" : "open"}>
          {ctx.status.replace(/_/g, " ")}
        </Badge>{" "}
        <code>{ctx.id}</code> · owner{" "}
        {ctx.owner ? `${ctx.owner.name ?? ctx.owner.id} (${ctx.owner.kind})` : "nobody"} · customer{" "}
        {ctx.customerId ? (
          person.journey ? (
            <code>{ctx.customerId}</code>
          ) : (
            <a href={`/console/customers/${ctx.customerId}`}>{ctx.customerId}</a>
          )
        ) : (
          "unknown"
        )}{" "}
        · started <When at={ctx.createdAt} />
        {" · "}
        <a href={`/console/pop?journey=${ctx.id}`}>screen pop</a>
      </p>
      <p class="small muted">
        {ctx.history.total} events · {ctx.effort.contacts} contacts over{" "}
        {ctx.effort.channels.join(", ") || "no channel"} · {ctx.effort.channelSwitches} channel
        switches · {ctx.effort.handoffs} handoffs · {ctx.effort.repeats} repeats ·{" "}
        {ctx.effort.brokenPromises} broken promises
      </p>

      <div class="grid2">
        <div>
          <h2 id="timeline">Timeline</h2>
          <ol class="timeline" aria-labelledby="timeline" reversed>
            {upcoming.map((p) => (
              <li class={`promise ${promiseState(p, now)}`}>
                <div class="small">
                  <When at={p.dueAt} /> <strong>promise due</strong> ·{" "}
                  <Badge kind={promiseState(p, now)}>{promiseState(p, now)}</Badge>
                </div>
                <span class="text">{p.text}</span>
              </li>
            ))}
            {events.map((e) => (
              <Event e={e} marker={marker} promises={promises} />
            ))}
          </ol>
          <nav class="pager" aria-label="Timeline pages">
            {after > 0 ? (
              <a
                class="button secondary"
                href={`/console/journeys/${id}?before=${after + 1}`}
                rel="next"
              >
                Older events
              </a>
            ) : (
              <span class="muted small">Beginning of the journey.</span>
            )}{" "}
            {before !== null ? (
              <a class="button secondary" href={`/console/journeys/${id}`}>
                Newest
              </a>
            ) : null}
          </nav>
        </div>
        <div>
          <h2>Promises</h2>
          <PromiseAxis ctx={ctx} />
          <h2>Exceptions</h2>
          {ctx.exceptions.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul class="items">
              {ctx.exceptions.map((e) => (
                <li>
                  <Badge kind={e.status === "open" ? "exception" : "resolved"}>{e.status}</Badge>{" "}
                  {e.kind.replace(/_/g, " ")}: <RedactedText text={e.text} marker={marker} />
                  {e.guidance ? <div class="small">Do: {e.guidance}</div> : null}
                  <div class="small muted">
                    raised <When at={e.raisedAt} />
                    {e.resolvedAt ? (
                      <>
                        {" "}
                        · resolved <When at={e.resolvedAt} />
                      </>
                    ) : null}
                  </div>
                </li>
              ))}
            </ul>
          )}
          <h2>Constraints</h2>
          {ctx.constraints.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <ul class="items">
              {ctx.constraints.map((k) => (
                <li>
                  <Badge kind="neutral">{k.kind.replace(/_/g, " ")}</Badge>{" "}
                  <span class="text">{k.text}</span>
                  {k.until ? (
                    <span class="small muted">
                      {" "}
                      until <When at={k.until} />
                    </span>
                  ) : null}
                </li>
              ))}
            </ul>
          )}
          <h2>Already given</h2>
          {ctx.facts.length === 0 ? (
            <p class="muted">Nothing yet.</p>
          ) : (
            <dl class="kv">
              {ctx.facts.map((f) => (
                <>
                  <dt>{f.key}</dt>
                  <dd>
                    <RedactedText text={String(f.value)} marker={marker} />
                  </dd>
                </>
              ))}
            </dl>
          )}
          <h2>Earlier journeys</h2>
          {(ctx.predecessors ?? []).length === 0 ? (
            <p class="muted">None linked.</p>
          ) : (
            <ul class="items">
              {(ctx.predecessors ?? []).map((p) => (
                <li>
                  <a href={`/console/journeys/${p.journeyId}`}>
                    {p.reason?.text ?? p.reason?.topic ?? p.journeyId}
                  </a>
                  <div class="small muted">
                    {p.status}
                    {p.startOver ? " · customer started over" : ""} · linked by {p.linkedBy} (
                    {p.rule})
                  </div>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
    </Page>,
  );
});
