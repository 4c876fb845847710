/**
 * The console's page shell: one full HTML document per page, server-rendered with hono/jsx
 * (which escapes every string it renders: customer text is never markup here; never use
 * `raw()` or `dangerouslySetInnerHTML` in the console). Scripts are `/console/assets/<name>.js`
 * modules carrying the response's CSP nonce; the stylesheet is `/console/assets/console.css`.
 */
import type { Context } from "hono";
import type { ConsoleEnv } from "./context";
import { roleAtLeast } from "./context";
import { assetUrl } from "./assets";

interface NavItem {
  key: string;
  href: string;
  label: string;
  lead?: boolean;
}

const NAV: NavItem[] = [
  { key: "worklist", href: "/console/worklist", label: "Worklist" },
  { key: "search", href: "/console/search", label: "Search" },
  { key: "dashboard", href: "/console/dashboard", label: "Dashboard", lead: true },
];

export function Page(props: {
  c: Context<ConsoleEnv>;
  title: string;
  /** The nav key to mark current: "worklist", "search" or "dashboard". */
  active?: string;
  /** Compact, no nav: the screen pop inside an agent desktop's iframe or a 400 px sidebar. */
  embed?: boolean;
  /** Asset names under /console/assets/ (without ".js"), loaded as nonce'd ES modules. */
  scripts?: string[];
  // hono/jsx children: any renderable node.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  children?: any;
}) {
  const { c } = props;
  const person = c.get("person") as ConsoleEnv["Variables"]["person"] | undefined;
  const nonce = c.get("nonce");
  const csrf = c.get("csrf");
  const embed = props.embed || Boolean(person?.journey);
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="csrf-token" content={csrf ?? ""} />
        <meta name="referrer" content="same-origin" />
        <title>{`${props.title} · Baton`}</title>
        <link rel="stylesheet" href={assetUrl("console.css")} />
        {(props.scripts ?? []).map((name) => (
          <script type="module" src={assetUrl(`${name}.js`)} nonce={nonce}></script>
        ))}
      </head>
      <body class={embed ? "embed" : "full"}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        {embed || !person ? null : (
          <header class="top">
            <nav aria-label="Console">
              <span class="brand">Baton</span>
              <ul>
                {NAV.filter((item) => !item.lead || roleAtLeast(person.role, "lead")).map(
                  (item) => (
                    <li>
                      <a
                        href={item.href}
                        aria-current={props.active === item.key ? "page" : undefined}
                      >
                        {item.label}
                      </a>
                    </li>
                  ),
                )}
              </ul>
            </nav>
            <form method="post" action="/console/sign-out" class="signout">
              <CsrfField c={c} />
              <span class="who">
                {person.name} ({person.role}, {person.workspace})
              </span>
              <button type="submit">Sign out</button>
            </form>
          </header>
        )}
        <main id="main" tabindex={-1}>
          {props.children}
        </main>
      </body>
    </html>
  );
}

/** The hidden `_csrf` input every console POST form must carry (index.tsx checks it). */
export function CsrfField(props: { c: Context<ConsoleEnv> }) {
  return <input type="hidden" name="_csrf" value={props.c.get("csrf") ?? ""} />;
}

/** Renders a page element as a full HTML response with the doctype. */
export function html(c: Context<ConsoleEnv>, node: unknown, status = 200): Response {
  return c.html(`<!doctype html>${String(node)}`, status as 200);
}
