/**
 * The console's list pages (docs/console.md "Worklist", "Search and customer page", "Effort
 * dashboard"), served by the real Worker with real journey, identity and customer objects and
 * D1: journeys are seeded through the API, flushed to D1, then read through the pages as an
 * agent, a lead and an admin signed in with a session cookie made the way console/auth.ts
 * verifies it.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN, api, workspace } from "./helpers";
import { agentReply, breakPromise, failedPayment, ownedJourney, settle } from "./worklist-helpers";
import { app } from "../workers/relay/src/app";
import { COOKIE, signSession } from "../workers/relay/src/console/auth";
import type { Person, Role } from "../workers/relay/src/console/context";
import { csvCell, toCsv } from "../workers/relay/src/console/lists-csv";

const BASE = "https://baton.test";
/**
 * The real app, with the local sign-in on (as `./baton dev` runs it): sessions are accepted
 * without Cloudflare Access only then (console/index.tsx). As test/console-core.test.ts does.
 */
const consoleEnv = { ...env, CONSOLE_LOCAL_SIGNIN: "1" } as Env & {
  CONSOLE_SESSION_SECRET?: string;
};
const call = (path: string, init: RequestInit) =>
  Promise.resolve(app.request(`${BASE}${path}`, { ...init, redirect: "manual" }, consoleEnv));
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const iso = (msFromNow: number) => new Date(Date.now() + msFromNow).toISOString();
const HOSTILE_OWNER = '=HYPERLINK("http://evil.example/o","click")';
const HOSTILE_TEAM = "<script>alert(1)</script>";
const HOSTILE_TOPIC = '=HYPERLINK("http://evil.example/t","topic")';

let phones = 0;
const phone = () => `+1415555${String(8100 + phones++).padStart(4, "0")}`;

interface Session {
  person: Person;
  cookie: string;
  csrf: string;
}

/** A signed-in console session: the cookie console/auth.ts signs and verifies. */
async function signedIn(ws: string, role: Role): Promise<Session> {
  const email = `${role}@example.com`;
  const person: Person = { id: `local:${email}`, email, name: `Test ${role}`, role, workspace: ws };
  const csrf = `csrf-${role}-${crypto.randomUUID()}`;
  const secret = consoleEnv.CONSOLE_SESSION_SECRET ?? "";
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const token = await signSession(secret, { person, csrf, exp });
  return { person, cookie: `${COOKIE}=${token}`, csrf };
}

async function get(s: Session, path: string) {
  const res = await call(path, { headers: { cookie: s.cookie, accept: "text/html" } });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

async function post(s: Session, path: string, fields: Record<string, string>, csrf = s.csrf) {
  const res = await call(path, {
    method: "POST",
    headers: {
      cookie: s.cookie,
      accept: "text/html",
      origin: BASE,
      "content-type": "application/x-www-form-urlencoded",
    },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** The journey ids of a page's table rows, in order. */
const rowIds = (text: string) =>
  [...text.matchAll(/<tr data-journey="([^"]+)"/g)].map((m) => m[1] ?? "");
const count = (text: string, label: string) =>
  Number(new RegExp(`data-count="${label}">(\\d+)<`).exec(text)?.[1] ?? "NaN");

/** One CSV line's fields (RFC 4180 quoting; no line breaks inside fields here). */
function parseCsvLine(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = "";
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          v += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else v += line[i++];
      }
      out.push(v);
      i++; // the comma
    } else {
      const end = line.indexOf(",", i);
      const stop = end === -1 ? line.length : end;
      out.push(line.slice(i, stop));
      i = stop + 1;
    }
  }
  return out;
}

describe("console list pages", () => {
  let ws: string;
  let key: string;
  let agent: Session;
  let lead: Session;
  let admin: Session;
  const phoneOf: Record<string, string> = {};
  const j: Record<string, string> = {};

  async function journey(name: string, owner: Record<string, string>, text: string) {
    phoneOf[name] = phone();
    const id = await ownedJourney(key, phoneOf[name], owner, text);
    j[name] = id;
    return id;
  }

  async function promise(id: string, dueAt: string, late = false) {
    const made = late ? { verifyBy: iso(5 * HOUR), madeAt: iso(-HOUR) } : {};
    const madeBy = { kind: "agent", id: "ana", name: "Ana" };
    const body = { text: "call back with the refund", dueAt, madeBy, ...made };
    const res = await api("POST", `/v1/journeys/${id}/promises`, body, key);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  }

  const reply = (id: string) => agentReply(key, id, { kind: "agent" }, "ok");

  const customerOf = async (id: string) =>
    (await api("GET", `/v1/journeys/${id}`, undefined, key)).body.customerId as string;

  beforeAll(async () => {
    ({ ws, key } = await workspace());
    agent = await signedIn(ws, "agent");
    lead = await signedIn(ws, "lead");
    admin = await signedIn(ws, "admin");
    // The owner id the screen pop's "take ownership" sets, and the worklist's default: the email.
    const me = { kind: "person", id: agent.person.email, name: "Ana Agent", team: "billing" };
    // Created in the reverse of the expected order, so creation order cannot explain it.
    await journey("none", me, "question about my plan");
    await reply(j.none ?? "");
    await journey("waiting", me, "my router keeps dropping");
    await failedPayment(key, await journey("exception", me, "my card payment failed"));
    await reply(j.exception ?? "");
    await journey("overdue", me, "technician never came");
    await promise(j.overdue ?? "", iso(-MINUTE), true);
    await reply(j.overdue ?? "");
    await journey("broken", me, "you said you would call me back");
    await breakPromise(key, j.broken ?? "", await promise(j.broken ?? "", iso(2 * HOUR)));
    await reply(j.broken ?? "");
    await journey("resolved", me, "all good now");
    const done = await api("PUT", `/v1/journeys/${j.resolved}/status`, { status: "resolved" }, key);
    expect(done.status).toBe(200);
    // A teammate's journey, and hostile owner and team labels (free text in the API).
    await journey(
      "teammate",
      { kind: "person", id: "erin", name: "Erin", team: "billing" },
      "address change",
    );
    await journey(
      "hostile",
      { kind: "person", id: HOSTILE_OWNER, team: HOSTILE_TEAM },
      "hello <b>there</b>",
    );
    await journey(
      "other",
      { kind: "person", id: "omar", name: "Omar", team: "field" },
      "second customer's problem",
    );
    await settle(ws, key, Object.values(j));
    // A reason topic is a dotted lower-case word through the API; D1 is what the dashboard
    // reads, so a hostile topic is written there directly to test the CSV's and page's escaping.
    const stamped = await env.DB.prepare(
      "UPDATE journeys SET reason_topic = ? WHERE workspace_id = ? AND id = ?",
    )
      .bind(HOSTILE_TOPIC, ws, j.hostile ?? "")
      .run();
    expect(stamped.meta.changes).toBe(1);
  });

  describe("worklist", () => {
    it("lists the signed-in person's open journeys, what breaks first, with counts", async () => {
      const page = await get(agent, "/console/worklist");
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toContain("text/html");
      expect(rowIds(page.text)).toEqual([j.broken, j.overdue, j.exception, j.waiting, j.none]);
      expect(count(page.text, "Broken")).toBe(1);
      expect(count(page.text, "Overdue")).toBe(1);
      expect(count(page.text, "At risk")).toBe(0);
      // Breaking a promise opened a broken_promise exception: two open in all.
      expect(count(page.text, "Exceptions")).toBe(2);
      expect(count(page.text, "Waiting on us")).toBe(1);
      expect(count(page.text, "Open journeys")).toBe(5);
      expect(page.text).toContain(`href="/console/journeys/${j.broken}"`);
      expect(page.text).toContain("promise broken");
    });

    it("the same order as GET /v1/worklist", async () => {
      const res = await api(
        "GET",
        `/v1/worklist?owner=${encodeURIComponent(agent.person.email)}`,
        undefined,
        key,
      );
      expect(res.status).toBe(200);
      const apiIds = (res.body.items as { journeyId: string }[]).map((i) => i.journeyId);
      expect(rowIds((await get(agent, "/console/worklist")).text)).toEqual(apiIds);
    });

    it("?team= lists the team; a hostile team name is shown as text", async () => {
      const page = await get(agent, "/console/worklist?team=billing");
      expect(page.status).toBe(200);
      const ids = rowIds(page.text);
      expect(ids).toContain(j.teammate);
      expect(ids).not.toContain(j.resolved);
      expect(ids).not.toContain(j.other);
      const hostile = await get(
        agent,
        `/console/worklist?team=${encodeURIComponent(HOSTILE_TEAM)}`,
      );
      expect(rowIds(hostile.text)).toEqual([j.hostile]);
      expect(hostile.text).not.toContain(HOSTILE_TEAM);
      expect(hostile.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(hostile.text).not.toContain("<b>there</b>");
    });

    it("?owner= and ?team= together is a 400 page", async () => {
      const page = await get(agent, "/console/worklist?owner=x&team=y");
      expect(page.status).toBe(400);
      expect(page.text).toContain("give exactly one of owner or team");
    });
  });

  describe("search", () => {
    it("by identifier: names the customer and finds its journey", async () => {
      const p = phoneOf.waiting ?? "";
      const page = await get(agent, `/console/search?idType=phone&id=${encodeURIComponent(p)}`);
      expect(page.status).toBe(200);
      expect(rowIds(page.text)).toEqual([j.waiting]);
      const customer = await customerOf(j.waiting ?? "");
      expect(page.text).toContain(`href="/console/customers/${customer}"`);
      expect(page.text).toContain(`href="/console/journeys/${j.waiting}"`);
      // Normalized like an event's: a national format finds the same customer.
      const national = `(415) 555-${p.slice(-4)}`;
      const again = await get(
        agent,
        `/console/search?idType=phone&id=${encodeURIComponent(national)}`,
      );
      expect(rowIds(again.text)).toEqual([j.waiting]);
    });

    it("an identifier nobody has finds nothing; an unreadable one is a 400", async () => {
      const none = await get(agent, "/console/search?idType=email&id=nobody%40example.com");
      expect(none.status).toBe(200);
      expect(rowIds(none.text)).toEqual([]);
      expect(none.text).toContain("No customer has");
      const bad = await get(agent, "/console/search?idType=phone&id=not-a-number");
      expect(bad.status).toBe(400);
    });

    it("by status, owner and customer", async () => {
      const resolved = rowIds((await get(agent, "/console/search?status=resolved")).text);
      expect(resolved).toEqual([j.resolved]);
      const omar = rowIds((await get(agent, "/console/search?owner=omar")).text);
      expect(omar).toEqual([j.other]);
      const mine = rowIds(
        (
          await get(
            agent,
            `/console/search?owner=${encodeURIComponent(agent.person.email)}&status=open`,
          )
        ).text,
      );
      expect(new Set(mine)).toEqual(new Set([j.none, j.waiting, j.exception, j.overdue, j.broken]));
      const customer = await customerOf(j.other ?? "");
      const byCustomer = rowIds((await get(agent, `/console/search?customer=${customer}`)).text);
      expect(byCustomer).toEqual([j.other]);
      const bad = await get(agent, "/console/search?status=sleeping");
      expect(bad.status).toBe(400);
    });

    it("by time range of last activity", async () => {
      const future = rowIds((await get(agent, "/console/search?from=2999-01-01T00:00")).text);
      expect(future).toEqual([]);
      const past = rowIds((await get(agent, "/console/search?to=2000-01-01T00:00")).text);
      expect(past).toEqual([]);
      const all = rowIds(
        (
          await get(
            agent,
            `/console/search?from=${iso(-HOUR).slice(0, 16)}&to=${iso(HOUR).slice(0, 16)}`,
          )
        ).text,
      );
      expect(all).toHaveLength(Object.keys(j).length);
      const backwards = await get(
        agent,
        "/console/search?from=2030-01-01T00:00&to=2020-01-01T00:00",
      );
      expect(backwards.status).toBe(400);
    });

    it("pages through every journey with the Next page link", async () => {
      const seen: string[] = [];
      let path: string | null = "/console/search?limit=3";
      let pages = 0;
      while (path && pages < 10) {
        const page = await get(agent, path);
        expect(page.status).toBe(200);
        const ids = rowIds(page.text);
        expect(ids.length).toBeLessThanOrEqual(3);
        seen.push(...ids);
        const next = /<a href="([^"]+)" rel="next">/.exec(page.text)?.[1];
        path = next ? next.replace(/&amp;/g, "&") : null;
        pages++;
      }
      expect(pages).toBe(Math.ceil(Object.keys(j).length / 3));
      expect(new Set(seen).size).toBe(Object.keys(j).length);
    });
  });

  describe("customer page", () => {
    it("lists identifiers with provenance and verification, and the journeys", async () => {
      const customer = await customerOf(j.waiting ?? "");
      const linked = await api(
        "POST",
        `/v1/customers/${customer}/identifiers`,
        {
          identifier: { type: "email", value: "Router.Owner@Example.com" },
          verification: "verified",
        },
        key,
      );
      expect(linked.status, JSON.stringify(linked.body)).toBe(201);
      const view = (await api("GET", `/v1/customers/${customer}`, undefined, key)).body as {
        identifiers: { key: string; source: string; verification: string; value: string }[];
      };
      expect(view.identifiers.length).toBe(2);
      const page = await get(agent, `/console/customers/${customer}`);
      expect(page.status).toBe(200);
      for (const i of view.identifiers) {
        const row = new RegExp(
          `<tr data-identifier="${i.key.replace(/[+.]/g, "\\$&")}">(.*?)</tr>`,
        ).exec(page.text)?.[1];
        expect(row, i.key).toBeDefined();
        expect(row).toContain(i.value);
        expect(row).toContain(`>${i.verification}</span>`);
        expect(row).toContain(`<td>${i.source}</td>`);
      }
      expect(page.text).toContain(">verified</span>");
      expect(page.text).toContain(`href="/console/journeys/${j.waiting}"`);
      // An agent sees no merge form.
      expect(page.text).not.toContain(`action="/console/customers/${customer}/merges"`);
      expect((await get(agent, "/console/customers/cus_nope")).status).toBe(404);
    });

    it("merge and undo through the page: admin only, with the undo as a button", async () => {
      const survivor = await customerOf(j.none ?? "");
      const absorbed = await customerOf(j.other ?? "");
      const otherKey = `phone:${phoneOf.other}`;
      const identifiersOf = async (id: string) =>
        (
          (await api("GET", `/v1/customers/${id}`, undefined, key)).body as {
            identifiers: { key: string }[];
          }
        ).identifiers.map((i) => i.key);
      const before = await identifiersOf(survivor);

      // An agent is refused, and nothing changes.
      const refused = await post(agent, `/console/customers/${survivor}/merges`, {
        customerId: absorbed,
        reason: "same person",
      });
      expect(refused.status).toBe(403);
      expect(refused.text).toContain("Admins only");
      expect(await identifiersOf(survivor)).toEqual(before);
      expect((await api("GET", `/v1/customers/${absorbed}`, undefined, key)).status).toBe(200);

      // Without the CSRF token, even an admin is refused.
      const forged = await post(
        admin,
        `/console/customers/${survivor}/merges`,
        {
          customerId: absorbed,
          reason: "same person",
        },
        "wrong-token",
      );
      expect(forged.status).toBe(403);
      expect(await identifiersOf(survivor)).toEqual(before);

      const adminPage = await get(admin, `/console/customers/${survivor}`);
      expect(adminPage.text).toContain(`action="/console/customers/${survivor}/merges"`);
      const merged = await post(admin, `/console/customers/${survivor}/merges`, {
        customerId: absorbed,
        reason: "same person, two phones",
      });
      expect(merged.status, merged.text).toBe(303);
      const location = merged.headers.get("location") ?? "";
      const mergeId = /[?&]merged=(mrg_[0-9a-z]+)/.exec(location)?.[1] ?? "";
      expect(mergeId).not.toBe("");
      expect(await identifiersOf(survivor)).toContain(otherKey);
      const absorbedView = await api("GET", `/v1/customers/${absorbed}`, undefined, key);
      expect(absorbedView.body.mergedInto).toBe(survivor);

      const after = await get(admin, location);
      expect(after.status).toBe(200);
      expect(after.text).toContain(`data-identifier="${otherKey}"`);
      const undoAction = `action="/console/customers/${survivor}/merges/${mergeId}/undo"`;
      expect(after.text).toContain(undoAction);
      expect(after.text).toContain(`href="/console/journeys/${j.other}"`);
      expect(after.text).toContain("same person, two phones");
      // The absorbed customer's page says where it went.
      const gone = await get(agent, `/console/customers/${absorbed}`);
      expect(gone.text).toContain("This customer was merged into");
      expect(gone.text).toContain(`href="/console/customers/${survivor}"`);
      // The agent sees the merge but no undo button, and cannot undo it.
      expect((await get(agent, `/console/customers/${survivor}`)).text).not.toContain(undoAction);
      const agentUndo = await post(
        agent,
        `/console/customers/${survivor}/merges/${mergeId}/undo`,
        {},
      );
      expect(agentUndo.status).toBe(403);
      expect(await identifiersOf(survivor)).toContain(otherKey);

      const undone = await post(admin, `/console/customers/${survivor}/merges/${mergeId}/undo`, {});
      expect(undone.status, undone.text).toBe(303);
      expect(undone.headers.get("location")).toContain(`undone=${mergeId}`);
      expect(await identifiersOf(survivor)).toEqual(before);
      expect(await identifiersOf(absorbed)).toContain(otherKey);
      expect(
        (await api("GET", `/v1/customers/${absorbed}`, undefined, key)).body.mergedInto,
      ).toBeNull();
      const restored = await get(admin, undone.headers.get("location") ?? "");
      expect(restored.text).toContain("Merge undone");
      expect(restored.text).not.toContain(undoAction);

      // The audit log names the console as the actor and the admin as the person.
      const audit = await api(
        "GET",
        `/v1/admin/workspaces/${ws}/audit?customer=${survivor}`,
        undefined,
        ADMIN,
      );
      expect(audit.status).toBe(200);
      const entries = audit.body.items as {
        action: string;
        actor: { type: string; name?: string; person: { id?: string } | null };
        target: { mergeId?: string } | null;
      }[];
      for (const action of ["customer.merged", "merge.undone"]) {
        const e = entries.find((x) => x.action === action && x.target?.mergeId === mergeId);
        expect(e, action).toBeDefined();
        expect(e?.actor).toMatchObject({ type: "system", name: "console" });
        expect(e?.actor.person?.id).toBe(admin.person.email);
      }
    });

    it("a merge form with a bad customer id is a 422 page and changes nothing", async () => {
      const survivor = await customerOf(j.none ?? "");
      const bad = await post(admin, `/console/customers/${survivor}/merges`, {
        customerId: "not-a-customer",
        reason: "x",
      });
      expect(bad.status).toBe(422);
      const self = await post(admin, `/console/customers/${survivor}/merges`, {
        customerId: survivor,
        reason: "x",
      });
      expect(self.status).toBe(422);
    });
  });

  describe("effort dashboard", () => {
    it("is refused to an agent, page and CSV", async () => {
      const page = await get(agent, "/console/dashboard");
      expect(page.status).toBe(403);
      expect(page.text).toContain("Leads only");
      expect((await get(agent, "/console/dashboard.csv")).status).toBe(403);
      // The nav shows no dashboard link to an agent.
      expect((await get(agent, "/console/worklist")).text).not.toContain(
        'href="/console/dashboard"',
      );
    });

    it("renders SVG charts with data and a table for a lead", async () => {
      const page = await get(lead, "/console/dashboard");
      expect(page.status).toBe(200);
      expect(page.text).toContain('href="/console/dashboard"');
      for (const m of [
        "repeats",
        "channel_switches",
        "handoffs",
        "start_overs",
        "promises_broken",
      ]) {
        expect(page.text).toContain(
          `<svg class="chart" role="img" aria-labelledby="chart-${m}-title chart-${m}-desc"`,
        );
      }
      const journeys = Object.keys(j).length;
      expect(page.text).toContain(`<dd data-total="journeys">${journeys}</dd>`);
      expect(page.text).toContain('<dd data-total="promises_broken">1</dd>');
      // One week: one bar per chart, the broken promise in its description.
      const desc = /<desc id="chart-promises_broken-desc">([^<]*)<\/desc>/.exec(page.text)?.[1];
      expect(desc).toMatch(/^week of \d{4}-\d{2}-\d{2}: 1$/);
      expect(page.text).toMatch(/<rect x="150" y="8" width="[1-9]\d*" height="18"/);
      expect(page.text).toContain('<table class="effort"');
    });

    it("groups by team and topic; hostile keys are shown as text", async () => {
      const team = await get(lead, "/console/dashboard?groupBy=team");
      expect(team.status).toBe(200);
      expect(team.text).not.toContain(HOSTILE_TEAM);
      expect(team.text).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(team.text).toContain("billing");
      expect(team.text).toContain("field");
      const topic = await get(lead, "/console/dashboard?groupBy=topic");
      expect(topic.status).toBe(200);
      expect(topic.text).toContain("=HYPERLINK(&quot;http://evil.example/t&quot;");
      expect(topic.text).toContain("(no topic)");
      expect((await get(lead, "/console/dashboard?groupBy=colour")).status).toBe(400);
      expect((await get(lead, "/console/dashboard?from=2026-02-30")).status).toBe(400);
    });

    it("downloads CSV with the header, one row per group, formula-safe", async () => {
      const res = await get(lead, "/console/dashboard.csv?groupBy=owner");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
      expect(res.headers.get("content-disposition")).toMatch(
        /^attachment; filename="baton-effort-owner-/,
      );
      const lines = res.text.split("\r\n");
      expect(lines.at(-1)).toBe("");
      expect(lines[0]).toBe(
        "group_by,group,journeys,contacts,repeats,channel_switches,handoffs,start_overs,promises_broken,promises_kept,waiting_on_company_seconds",
      );
      const rows = lines.slice(1, -1).map(parseCsvLine);
      const byGroup = new Map(rows.map((r) => [r[1], r]));
      expect(rows.every((r) => r.length === 11 && r[0] === "owner")).toBe(true);
      // Six journeys of the agent (one resolved), one broken promise among them.
      expect(byGroup.get(agent.person.email)?.[2]).toBe("6");
      expect(byGroup.get(agent.person.email)?.[8]).toBe("1");
      expect(byGroup.get("omar")?.[2]).toBe("1");
      // The hostile owner: quoted, its quotes doubled, and a leading ' so it is never a formula.
      expect(res.text).toContain(`\r\nowner,"'=HYPERLINK(""http://evil.example/o"",""click"")",1,`);
      expect(byGroup.get(`'${HOSTILE_OWNER}`)?.[2]).toBe("1");
      expect(lines.every((r) => !/(^|,)"?[=+\-@]/.test(r))).toBe(true);

      const topics = await get(lead, "/console/dashboard.csv?groupBy=topic");
      expect(topics.status).toBe(200);
      expect(topics.text).toContain(`topic,"'=HYPERLINK(""http://evil.example/t"",""topic"")",1,`);
      expect(topics.text.split("\r\n").every((r) => !/(^|,)"?[=+\-@]/.test(r))).toBe(true);

      const teams = await get(lead, "/console/dashboard.csv?groupBy=team");
      expect(teams.text).toContain("team,<script>alert(1)</script>,1,");
      expect(teams.text).toContain("team,billing,7,");
    });
  });

  it("CSV cells: quoting and formula prefixes", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi", then go')).toBe('"say ""hi"", then go"');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("=1+2")).toBe("'=1+2");
    expect(csvCell("+1415")).toBe("'+1415");
    expect(csvCell("-2")).toBe("'-2");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell(" =1")).toBe('" =1"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(3.5)).toBe("3.5");
    expect(toCsv(["a", "b"], [["x", 1]])).toBe("a,b\r\nx,1\r\n");
  });
});
