/**
 * The screen pop (docs/console.md "Screen pop and embedding"): GET /console/pop by phone,
 * email, chat visitor or journey. Compact (works in a 400 px sidebar or an agent desktop's
 * iframe). It shows the agent context pack (the one GET /v1/context?audience=agent builds):
 * broken and overdue promises and open exceptions first, then the six items, what the customer
 * already gave, the verification state and the alternatives. The page's script
 * (assets/pop-script.ts) listens on the journey's observer socket and re-fetches the panel fragment
 * (GET /console/pop/panel) on every change. Actions are plain POST forms (work without JS);
 * each calls the same internal command the REST API's journey routes call.
 */
import {
  ActionInput,
  ConstraintInput,
  JourneyId,
  OwnerInput,
  PromiseInput,
  PromiseSettleInput,
  StatusInput,
  agentPack,
  type Actor,
  type AgentPack,
  type WorkspaceSettings,
} from "@baton/core";
import { Hono } from "hono";
import type { Context } from "hono";
import type * as z from "zod";
import { resolveTarget, type TargetQuery } from "../context/target";
import { ProblemError } from "../http/problem";
import { runCommand, type CommandInput } from "../ingest/command";
import { journeyStub } from "../objects/access";
import { workspaceSettings } from "../objects/workspace/settings";
import type { ConsoleEnv, Person } from "./context";
import { errorPage } from "./errors";
import { CsrfField, html, Page } from "./layout";
import {
  Badge,
  RedactedText,
  When,
  actorLabel,
  promiseState,
  redactionMarker,
  relative,
} from "./ui";

export const popPages = new Hono<ConsoleEnv>();

type C = Context<ConsoleEnv>;

/** The owner id the console uses for a person: their email, or the embed link's agent id. */
export function ownerIdOf(p: Person): string {
  return p.email || p.id.replace(/^embed:/, "");
}

/** The person as the actor of what they do in the console. */
export function actorOf(p: Person): Actor {
  return { kind: "agent", id: ownerIdOf(p), name: p.name };
}

const SELECTORS = ["phone", "email", "visitor", "journey"] as const;
type Selector = (typeof SELECTORS)[number];

/** The one selector of a pop request, or a 400 page. */
function selectorOf(c: C): { kind: Selector; value: string } | Response {
  const given = SELECTORS.map((k) => ({ kind: k, value: c.req.query(k) ?? "" })).filter(
    (s) => s.value !== "",
  );
  const first = given[0];
  if (given.length !== 1 || !first) {
    return errorPage(
      c,
      400,
      "Give one of phone, email, visitor or journey",
      "For example /console/pop?phone=%2B15551234567 or /console/pop?journey=jrn_…",
      "invalid_query",
    );
  }
  if (first.value.length > 320) {
    return errorPage(
      c,
      400,
      "Selector too long",
      `${first.kind}: at most 320 characters`,
      "invalid_query",
    );
  }
  if (first.kind === "journey" && !JourneyId.safeParse(first.value).success) {
    return errorPage(c, 404, "Journey not found", undefined, "journey_not_found");
  }
  return first;
}

function journeyParam(c: C): string | Response {
  const id = c.req.query("journey") ?? "";
  if (!JourneyId.safeParse(id).success) {
    return errorPage(c, 404, "Journey not found", undefined, "journey_not_found");
  }
  return id;
}

interface Loaded {
  pack: AgentPack | null;
  match: "single" | "multiple" | "none";
  verified: boolean;
  tier: string;
  alternatives: string[];
  journeyId: string | null;
  settings: WorkspaceSettings | null;
}

/** The context pack behind a selector, as GET /v1/context?audience=agent reads it. */
async function load(c: C, sel: { kind: Selector; value: string }, touch: boolean): Promise<Loaded> {
  const person = c.get("person");
  const ws = person.workspace;
  const settings = await workspaceSettings(c.env, ws);
  const q: TargetQuery = { as: "asserted" };
  if (sel.kind === "visitor") q.chat = sel.value;
  else q[sel.kind] = sel.value;
  const { target, disclosure } = await resolveTarget(
    c.env,
    ws,
    settings,
    q,
    undefined,
    touch ? { audience: "agent", delta: true } : undefined,
  );
  if (!target) {
    return {
      pack: null,
      match: "none",
      verified: false,
      tier: disclosure.tier,
      alternatives: [],
      journeyId: null,
      settings,
    };
  }
  return {
    pack: target.verified
      ? agentPack(target.ctx, new Date(), { sinceLastTouch: target.sinceLastTouch ?? null })
      : null,
    match: target.match,
    verified: target.verified,
    tier: target.disclosure.tier,
    alternatives: target.alternatives,
    journeyId: target.ctx.id,
    settings,
  };
}

// ---- The panel (refreshed live) ----

function Panel(props: { c: C; pack: AgentPack; marker: RegExp }) {
  const { c, pack, marker } = props;
  const person = c.get("person");
  const now = Date.now();
  const me = ownerIdOf(person);
  const owner = pack.owner;
  const pending = pack.promises.filter((p) => p.status === "pending" || p.status === "overdue");
  const settledShown = pack.promises
    .filter((p) => !(p.status === "pending" || p.status === "overdue"))
    .slice(0, 5);
  const q = `journey=${encodeURIComponent(pack.id)}`;
  return (
    <section
      id="pop-panel"
      aria-label="Journey context"
      data-journey={pack.id}
      data-seq={String(pack.seq)}
      data-owner={owner?.id ?? ""}
    >
      <p class="small muted">
        <Badge kind={pack.status === "resolved" ? "resolved" : "open"}>
          {pack.status.replace(/_/g, " ")}
        </Badge>{" "}
        <a href={`/console/journeys/${pack.id}`} target={person.journey ? "_blank" : undefined}>
          {pack.id}
        </a>{" "}
        · {pack.effort.contacts} contacts · {pack.effort.channels.join(", ") || "no channel yet"}
      </p>

      {/* Broken promises and exceptions first */}
      {pack.openExceptions.map((e) => (
        <div class="alert" role="alert">
          <strong>Exception ({e.kind.replace(/_/g, " ")}):</strong>{" "}
          <RedactedText text={e.text} marker={marker} />
          {e.guidance ? (
            <div>
              <strong>Do:</strong> <span class="text">{e.guidance}</span>
            </div>
          ) : null}
          <div class="small muted">
            raised <When at={e.raisedAt} /> by {actorLabel(e.raisedBy)}
          </div>
        </div>
      ))}
      {pack.brokenPromises.map((p) => (
        <div class="alert">
          <Badge kind="broken">broken promise</Badge> <span class="text">{p.text}</span>
          <div class="small muted">
            was due <When at={p.dueAt} rel /> · made by {actorLabel(p.madeBy)}
          </div>
        </div>
      ))}
      {pack.overduePromises.map((p) => (
        <div class="alert">
          <Badge kind="overdue">overdue promise</Badge> <span class="text">{p.text}</span>
          <div class="small muted">
            due <When at={p.dueAt} rel />
          </div>
        </div>
      ))}
      {pack.atRiskPromises.map((p) => (
        <div class="notice">
          <Badge kind="pending">at risk</Badge> <span class="text">{p.text}</span> · due{" "}
          <When at={p.dueAt} rel />
        </div>
      ))}
      {pack.startOver ? (
        <div class="notice">
          <strong>Starting over:</strong> <span class="text">{pack.startOver.say}</span>{" "}
          <a href={`/console/journeys/${pack.startOver.journeyId}`}>earlier journey</a>
        </div>
      ) : null}
      {pack.flags.length > 0 ? <div class="notice">Flags: {pack.flags.join(", ")}</div> : null}

      <h2>Reason</h2>
      <p>
        {pack.reason?.text ? (
          <RedactedText text={pack.reason.text} marker={marker} />
        ) : (
          <span class="muted">not given</span>
        )}
        {pack.reason?.topic ? <span class="muted small"> · {pack.reason.topic}</span> : null}
      </p>

      <h2>Owner</h2>
      <div>
        {owner ? (
          <span>
            {owner.name ?? owner.id}{" "}
            <span class="muted small">
              ({owner.kind}
              {owner.team ? `, ${owner.team}` : ""}) since <When at={owner.since} />
            </span>
            {owner.id === me ? <strong> · you</strong> : null}
          </span>
        ) : (
          <span class="muted">nobody</span>
        )}
        {owner?.id === me ? null : (
          <form method="post" action={`/console/pop/take?${q}`} class="inline">
            <CsrfField c={c} />
            <input type="hidden" name="expected" value={owner?.id ?? ""} />{" "}
            <button type="submit">Take ownership</button>
          </form>
        )}
      </div>

      <h2>Promises</h2>
      {pending.length === 0 && settledShown.length === 0 ? <p class="muted">none</p> : null}
      <ul class="items">
        {pending.map((p) => (
          <li>
            <Badge kind={promiseState(p, now)}>{promiseState(p, now)}</Badge>{" "}
            <span class="text">{p.text}</span>
            <div class="small muted">
              due <When at={p.dueAt} rel /> · by {actorLabel(p.madeBy)}
            </div>
            <form
              method="post"
              action={`/console/pop/settle?${q}&promise=${encodeURIComponent(p.id)}`}
              class="inline"
            >
              <CsrfField c={c} />
              <button type="submit" name="status" value="kept" class="secondary">
                Kept
              </button>{" "}
              <button type="submit" name="status" value="broken" class="secondary">
                Broken
              </button>{" "}
              <button type="submit" name="status" value="cancelled" class="secondary">
                Cancel
              </button>
            </form>
          </li>
        ))}
        {settledShown.map((p) => (
          <li>
            <Badge kind={p.status}>{p.status}</Badge> <span class="text">{p.text}</span>
            <span class="small muted">
              {" "}
              · due <When at={p.dueAt} />
            </span>
          </li>
        ))}
      </ul>

      <h2>Constraints</h2>
      {pack.openConstraints.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul class="items">
          {pack.openConstraints.map((k) => (
            <li>
              <Badge kind="neutral">{k.kind.replace(/_/g, " ")}</Badge>{" "}
              <span class="text">{k.text}</span>
              {k.window ? (
                <span class="small muted">
                  {" "}
                  {k.window.from}–{k.window.to} {k.window.timeZone}
                </span>
              ) : null}
              {k.channel ? <span class="small muted"> · {k.channel}</span> : null}
            </li>
          ))}
        </ul>
      )}

      <h2>Last action</h2>
      <p>
        {pack.lastAction ? (
          <span>
            <span class="text">{pack.lastAction.text}</span>{" "}
            <span class="small muted">
              · {actorLabel(pack.lastAction.actor)} · <When at={pack.lastAction.at} rel />
            </span>
          </span>
        ) : (
          <span class="muted">none yet</span>
        )}
      </p>

      <h2>What happened</h2>
      <ul class="items">
        {pack.history.recent
          .slice(-6)
          .reverse()
          .map((e) => (
            <li>
              <span class="small muted">
                <When at={e.occurredAt} /> · {e.channel ?? e.type} {e.direction ?? ""} ·{" "}
                {actorLabel(e.actor)}
              </span>
              <div>
                {e.text ? (
                  <RedactedText text={e.text} marker={marker} />
                ) : (
                  <span class="muted">{e.type}</span>
                )}
              </div>
            </li>
          ))}
      </ul>
      <p class="small muted">
        {pack.history.total} events · {pack.effort.channelSwitches} channel switches ·{" "}
        {pack.effort.handoffs} handoffs · {pack.effort.repeats} repeats · updated{" "}
        {relative(pack.updatedAt)}
      </p>

      <h2>Already given</h2>
      {pack.facts.length === 0 ? (
        <p class="muted">nothing yet</p>
      ) : (
        <dl class="kv">
          {pack.facts.map((f) => (
            <>
              <dt>{f.key}</dt>
              <dd>
                <RedactedText text={String(f.value)} marker={marker} />{" "}
                <span class="small muted">({f.source})</span>
              </dd>
            </>
          ))}
        </dl>
      )}

      {pack.predecessors.length > 0 ? (
        <>
          <h2>Earlier journeys</h2>
          <ul class="items">
            {pack.predecessors.map((p) => (
              <li>
                <a href={`/console/journeys/${p.journeyId}`}>
                  {p.reason?.text ?? p.reason?.topic ?? p.journeyId}
                </a>{" "}
                <span class="small muted">
                  {p.status} · <When at={p.createdAt} />
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </section>
  );
}

/**
 * One action form, folded under `summary`: a POST to /console/pop/`action` for the journey
 * (query `q`) with the CSRF field, the fields given as children, and the `submit` button.
 */
function ActionForm(props: {
  c: C;
  q: string;
  action: string;
  summary: string;
  submit: string;
  children?: unknown;
}) {
  return (
    <details>
      <summary>{props.summary}</summary>
      <form method="post" action={`/console/pop/${props.action}?${props.q}`}>
        <CsrfField c={props.c} />
        {props.children}
        <button type="submit">{props.submit}</button>
      </form>
    </details>
  );
}

/** The action forms (outside the live panel, so typing is never lost to a refresh). */
function Actions(props: { c: C; pack: AgentPack }) {
  const { c, pack } = props;
  const q = `journey=${encodeURIComponent(pack.id)}`;
  const openPromises = pack.promises.filter(
    (p) => p.status === "pending" || p.status === "overdue",
  );
  const summary = [
    pack.reason?.text ?? pack.reason?.topic ?? "",
    ...openPromises.map((p) => `Promise: ${p.text} (due ${p.dueAt})`),
    ...pack.openExceptions.map((e) => `Exception: ${e.text}`),
  ]
    .filter(Boolean)
    .join("\n");
  return (
    <section aria-label="Actions" id="pop-actions">
      <h2>Act</h2>
      <ActionForm c={c} q={q} action="action" summary="Record an action" submit="Record">
        <label for="action-text">What was done</label>
        <input id="action-text" name="text" type="text" required maxlength={1000} />
      </ActionForm>
      <ActionForm c={c} q={q} action="promise" summary="Make a promise" submit="Make promise">
        <label for="promise-text">Promise</label>
        <input id="promise-text" name="text" type="text" required maxlength={1000} />
        <label for="promise-due-in">Due</label>
        <select id="promise-due-in" name="dueIn">
          <option value="60">in 1 hour</option>
          <option value="240">in 4 hours</option>
          <option value="1440" selected>
            in 1 day
          </option>
          <option value="2880">in 2 days</option>
          <option value="10080">in 1 week</option>
        </select>
        <label for="promise-due-at">or at (UTC)</label>
        <input id="promise-due-at" name="dueAt" type="datetime-local" />
      </ActionForm>
      <ActionForm
        c={c}
        q={q}
        action="constraint"
        summary="Add a constraint"
        submit="Add constraint"
      >
        <label for="constraint-text">Constraint</label>
        <input id="constraint-text" name="text" type="text" required maxlength={1000} />
        <label for="constraint-kind">Kind</label>
        <select id="constraint-kind" name="kind">
          <option value="other">other</option>
          <option value="accessibility">accessibility</option>
          <option value="channel_only">channel only</option>
          <option value="legal">legal hold</option>
        </select>
        <label for="constraint-channel">Channel (for channel only)</label>
        <select id="constraint-channel" name="channel">
          <option value="">any</option>
          <option value="sms">sms</option>
          <option value="voice">voice</option>
          <option value="email">email</option>
          <option value="chat">chat</option>
          <option value="whatsapp">whatsapp</option>
        </select>
      </ActionForm>
      <ActionForm c={c} q={q} action="handoff" summary="Hand off" submit="Hand off">
        <input type="hidden" name="expected" value={pack.owner?.id ?? ""} />
        <label for="handoff-kind">To a</label>
        <select id="handoff-kind" name="kind">
          <option value="person">person</option>
          <option value="team">team</option>
          <option value="bot">bot</option>
        </select>
        <label for="handoff-id">Their id (email, team or bot id)</label>
        <input id="handoff-id" name="id" type="text" required maxlength={200} />
        <label for="handoff-name">Name</label>
        <input id="handoff-name" name="name" type="text" maxlength={200} />
        <label for="handoff-reason">Why</label>
        <input id="handoff-reason" name="reason" type="text" required maxlength={1000} />
        <label for="handoff-summary">Summary for the next owner</label>
        <textarea id="handoff-summary" name="summary" rows={4} required maxlength={4000}>
          {summary}
        </textarea>
      </ActionForm>
      <ActionForm c={c} q={q} action="resolve" summary="Resolve" submit="Resolve journey">
        <label for="resolve-note">Resolution note</label>
        <input id="resolve-note" name="note" type="text" maxlength={1000} />
      </ActionForm>
    </section>
  );
}

const DONE: Record<string, string> = {
  take: "You own this journey now.",
  action: "Action recorded.",
  promise: "Promise made.",
  settle: "Promise settled.",
  constraint: "Constraint added.",
  handoff: "Handed off.",
  resolve: "Journey resolved.",
};

function PopPage(props: {
  c: C;
  loaded: Loaded;
  sel: { kind: Selector; value: string };
  message?: { kind: "alert" | "ok"; text: string } | null;
}) {
  const { c, loaded, sel, message } = props;
  const person = c.get("person");
  const marker = redactionMarker(loaded.settings);
  const pack = loaded.pack;
  const done = DONE[c.req.query("done") ?? ""];
  return (
    <Page
      c={c}
      title="Screen pop"
      embed={Boolean(person.journey) || c.req.query("compact") === "1"}
      scripts={pack ? ["pop"] : []}
    >
      <div class="pop">
        <h1>
          {pack?.reason?.text ||
            pack?.reason?.topic ||
            (sel.kind === "journey" ? "Journey" : `Caller ${sel.value}`)}
        </h1>
        <p id="live" class="live" role="status" data-state="static">
          {pack ? "Not live (scripts off)" : ""}
        </p>
        {message ? (
          <div
            class={message.kind === "alert" ? "alert" : "ok-note"}
            role={message.kind === "alert" ? "alert" : "status"}
          >
            {message.text}
          </div>
        ) : done ? (
          <div class="ok-note" role="status">
            {done}
          </div>
        ) : null}
        <p class="small">
          Caller:{" "}
          {loaded.verified ? (
            <Badge kind="verified">verified</Badge>
          ) : (
            <Badge kind="pending">not verified</Badge>
          )}{" "}
          <span class="muted">
            ({sel.kind === "journey" ? "opened by journey id" : `tier ${loaded.tier}`}
            {loaded.match === "multiple" ? ", several journeys match" : ""})
          </span>
        </p>
        {loaded.match === "none" ? (
          <div class="notice">No journey found for this {sel.kind}.</div>
        ) : null}
        {!pack && loaded.journeyId ? (
          <div class="notice">
            The caller is not verified, so the pop shows no personal context. Verify them, then{" "}
            <a href={`/console/pop?journey=${encodeURIComponent(loaded.journeyId)}`}>
              open the journey
            </a>
            .
          </div>
        ) : null}
        {loaded.alternatives.length > 0 ? (
          <div class="small">
            Other journeys of this caller:{" "}
            {loaded.alternatives.map((id, i) => (
              <>
                {i > 0 ? ", " : ""}
                <a href={`/console/pop?journey=${encodeURIComponent(id)}`}>{id}</a>
              </>
            ))}
          </div>
        ) : null}
        {pack?.sinceLastTouch && pack.sinceLastTouch.changes.length > 0 ? (
          <details open>
            <summary>
              Since the last {pack.sinceLastTouch.audience} touch ({pack.sinceLastTouch.total})
            </summary>
            <ul class="items small">
              {pack.sinceLastTouch.changes.map((ch) => (
                <li>
                  <When at={ch.at} /> · {ch.kind} ·{" "}
                  <RedactedText text={ch.text ?? ch.type} marker={marker} />
                </li>
              ))}
            </ul>
          </details>
        ) : null}
        {pack ? <Panel c={c} pack={pack} marker={marker} /> : null}
        {pack ? <Actions c={c} pack={pack} /> : null}
      </div>
    </Page>
  );
}

// ---- Routes ----

popPages.get("/", async (c) => {
  const sel = selectorOf(c);
  if (sel instanceof Response) return sel;
  const loaded = await load(c, sel, true);
  return html(c, <PopPage c={c} loaded={loaded} sel={sel} />);
});

/** The panel alone, for the page's script to swap in after a change. */
popPages.get("/panel", async (c) => {
  const id = journeyParam(c);
  if (id instanceof Response) return id;
  const loaded = await load(c, { kind: "journey", value: id }, false);
  if (!loaded.pack) return errorPage(c, 404, "Journey not found", undefined, "journey_not_found");
  const marker = redactionMarker(loaded.settings);
  return c.html(String(<Panel c={c} pack={loaded.pack} marker={marker} />));
});

/** The journey's observer socket: the journey object sends `{type:"changed"}` per write. */
popPages.get("/socket", async (c) => {
  const id = journeyParam(c);
  if (id instanceof Response) return id;
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    return errorPage(c, 426, "Open this URL as a WebSocket", undefined, "upgrade_required");
  }
  // Cross-site WebSocket hijacking: the cookie rides along, so the page must be ours.
  const origin = c.req.header("origin");
  if (origin !== undefined && origin !== new URL(c.req.url).origin) {
    return errorPage(c, 403, "Cross-site socket refused", undefined, "csrf_failed");
  }
  const ws = c.get("person").workspace;
  const headers = new Headers({
    upgrade: "websocket",
    "x-baton-workspace": ws,
    "x-baton-journey": id,
    "x-baton-observer": "1",
  });
  const res = await journeyStub(c.env, ws, id).fetch(
    new Request(c.req.url, { method: "GET", headers }),
  );
  if (res.status === 404)
    return errorPage(c, 404, "Journey not found", undefined, "journey_not_found");
  return res;
});

// ---- Actions ----

async function form(c: C): Promise<Record<string, string>> {
  const body = await c.req.parseBody();
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") out[k] = v;
  return out;
}

function opt(v: string | undefined): string | undefined {
  const t = (v ?? "").trim();
  return t === "" ? undefined : t;
}

/** Validates with the API's own schema; a 400 page names the first problem. */
function parse<S extends z.ZodType>(c: C, schema: S, value: unknown): z.output<S> | Response {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const where = i?.path.join(".") || "form";
  return errorPage(
    c,
    400,
    "Check the form",
    `${where}: ${i?.message ?? "invalid"}`,
    "invalid_request",
  );
}

/** Runs a command; success → back to the pop (303), a refusal → the pop with the reason. */
async function act(c: C, id: string, action: string, input: CommandInput): Promise<Response> {
  const ws = c.get("person").workspace;
  try {
    await runCommand(c.env, ws, id, input, undefined);
  } catch (e) {
    if (!(e instanceof ProblemError) || e.problem.status >= 500) throw e;
    const p = e.problem;
    const loaded = await load(c, { kind: "journey", value: id }, false);
    let text = `${p.title}${p.detail ? `: ${p.detail}` : ""}`;
    if (p.code === "owner_conflict") {
      const o = loaded.pack?.owner;
      text = o
        ? `Someone else took it first: ${o.name ?? o.id} (${o.id}) owns this journey now.`
        : "The owner changed meanwhile: nobody owns this journey now. Try again.";
    }
    if (!loaded.pack) return errorPage(c, p.status, p.title, p.detail, p.code);
    return html(
      c,
      <PopPage
        c={c}
        loaded={loaded}
        sel={{ kind: "journey", value: id }}
        message={{ kind: "alert", text }}
      />,
      p.status,
    );
  }
  return c.redirect(`/console/pop?journey=${encodeURIComponent(id)}&done=${action}`, 303);
}

type Handler = (c: C, id: string, f: Record<string, string>) => Promise<Response>;

function post(path: string, handler: Handler) {
  popPages.post(path, async (c) => {
    const id = journeyParam(c);
    if (id instanceof Response) return id;
    return handler(c, id, await form(c));
  });
}

post("/take", async (c, id, f) => {
  const person = c.get("person");
  const owner = parse(c, OwnerInput, {
    kind: "person",
    id: ownerIdOf(person),
    name: person.name,
    expectedOwnerId: opt(f.expected) ?? null,
    note: "took ownership in the console",
    actor: actorOf(person),
  });
  if (owner instanceof Response) return owner;
  return act(c, id, "take", { kind: "owner", owner });
});

post("/action", async (c, id, f) => {
  const action = parse(c, ActionInput, { text: f.text ?? "", actor: actorOf(c.get("person")) });
  if (action instanceof Response) return action;
  return act(c, id, "action", { kind: "action", action });
});

post("/promise", async (c, id, f) => {
  let dueAt: string;
  const at = opt(f.dueAt);
  if (at) {
    const d = new Date(/[zZ]|[+-]\d\d:\d\d$/.test(at) ? at : `${at}Z`);
    if (Number.isNaN(d.getTime())) {
      return errorPage(c, 400, "Check the form", "dueAt: not a date and time", "invalid_request");
    }
    dueAt = d.toISOString();
  } else {
    const minutes = Number(f.dueIn ?? "1440");
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 60 * 24 * 366) {
      return errorPage(
        c,
        400,
        "Check the form",
        "dueIn: minutes from now, 1 to a year",
        "invalid_request",
      );
    }
    dueAt = new Date(Date.now() + minutes * 60_000).toISOString();
  }
  const promise = parse(c, PromiseInput, {
    text: f.text ?? "",
    dueAt,
    madeBy: actorOf(c.get("person")),
  });
  if (promise instanceof Response) return promise;
  return act(c, id, "promise", { kind: "promise.add", promise });
});

post("/settle", async (c, id, f) => {
  const pid = c.req.query("promise") ?? "";
  if (!pid || pid.length > 100)
    return errorPage(c, 404, "Promise not found", undefined, "promise_not_found");
  const settle = parse(c, PromiseSettleInput, {
    status: f.status ?? "",
    actor: actorOf(c.get("person")),
  });
  if (settle instanceof Response) return settle;
  return act(c, id, "settle", { kind: "promise.settle", id: pid, settle });
});

post("/constraint", async (c, id, f) => {
  const constraint = parse(c, ConstraintInput, {
    text: f.text ?? "",
    kind: opt(f.kind) ?? "other",
    ...(opt(f.channel) ? { channel: opt(f.channel) } : {}),
    actor: actorOf(c.get("person")),
  });
  if (constraint instanceof Response) return constraint;
  return act(c, id, "constraint", { kind: "constraint.add", constraint });
});

post("/handoff", async (c, id, f) => {
  const person = c.get("person");
  const owner = parse(c, OwnerInput, {
    kind: opt(f.kind) ?? "person",
    id: f.id ?? "",
    ...(opt(f.name) ? { name: opt(f.name) } : {}),
    expectedOwnerId: opt(f.expected) ?? null,
    handoff: { reason: f.reason ?? "", summary: f.summary ?? "" },
    actor: actorOf(person),
  });
  if (owner instanceof Response) return owner;
  return act(c, id, "handoff", { kind: "owner", owner });
});

post("/resolve", async (c, id, f) => {
  const status = parse(c, StatusInput, {
    status: "resolved",
    ...(opt(f.note) ? { note: opt(f.note) } : {}),
    actor: actorOf(c.get("person")),
  });
  if (status instanceof Response) return status;
  return act(c, id, "resolve", { kind: "status", status });
});
