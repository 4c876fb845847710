import type { Json } from "./schemas";

/*
 * The reference page: plain HTML rendered from the OpenAPI document, with one inline style
 * sheet and no script, font or image, so nothing is loaded from anywhere (the CSP forbids it).
 */

export const PAGE_CSS = `
body{font:15px/1.5 system-ui,sans-serif;margin:0;color:#1d2430;background:#fff}
header,main{max-width:64rem;margin:0 auto;padding:0 1.25rem}
header{padding-top:1.5rem;border-bottom:1px solid #d8dde6}
nav{columns:3 14rem;font-size:.9rem;margin:1rem 0}
nav ul{margin:.25rem 0 .75rem;padding-left:1rem}
h2{margin-top:2.5rem;border-bottom:1px solid #d8dde6}
article{border:1px solid #d8dde6;border-radius:6px;padding:.25rem 1rem;margin:1rem 0}
h3{font-size:1rem;margin:.75rem 0}
code,pre{font:13px/1.45 ui-monospace,monospace}
pre{background:#f5f7fa;padding:.75rem;overflow:auto;border-radius:4px}
table{border-collapse:collapse;width:100%;font-size:.9rem}
td,th{border-top:1px solid #e4e8ee;padding:.3rem .5rem;text-align:left;vertical-align:top}
.m{display:inline-block;min-width:4.2rem;font:600 12px ui-monospace,monospace;padding:.1rem .4rem;border-radius:3px;color:#fff;text-align:center}
.get{background:#2f6fb3}.post{background:#2b8a3e}.put{background:#a15c00}.patch{background:#7048a8}.delete{background:#b3261e}
.auth{color:#5b6472;font-size:.9rem}
`;

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Escaped text with `code` spans and paragraphs. */
const prose = (s: unknown): string =>
  typeof s !== "string"
    ? ""
    : s
        .split(/\n\n+/)
        .map((p) => `<p>${esc(p).replace(/`([^`]+)`/g, "<code>$1</code>")}</p>`)
        .join("");

/** Pretty JSON with every component reference turned into a link to its schema. */
const json = (v: unknown): string =>
  `<pre>${esc(JSON.stringify(v, null, 2)).replace(
    /&#34;#\/components\/schemas\/([A-Za-z0-9_]+)&#34;/g,
    '<a href="#schema-$1">&#34;#/components/schemas/$1&#34;</a>',
  )}</pre>`;

const obj = (v: unknown): Json =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Json) : {};

interface Op {
  method: (typeof METHODS)[number];
  path: string;
  op: Json;
}

function operations(doc: Json): Op[] {
  const out: Op[] = [];
  for (const [path, item] of Object.entries(obj(doc.paths))) {
    for (const method of METHODS) {
      const op = obj(item)[method];
      if (op) out.push({ method, path, op: obj(op) });
    }
  }
  return out;
}

function parameters(op: Json): string {
  const list = Array.isArray(op.parameters) ? op.parameters.map(obj) : [];
  if (list.length === 0) return "";
  const rows = list.map((p) => {
    if (typeof p.$ref === "string") {
      return `<tr><td colspan="4"><code>Idempotency-Key</code> header (optional): a retry replays the first answer</td></tr>`;
    }
    const schema = obj(p.schema);
    const type = typeof schema.$ref === "string" ? schema.$ref.split("/").pop() : schema.type;
    return `<tr><td><code>${esc(String(p.name))}</code></td><td>${esc(String(p.in))}${p.required ? ", required" : ""}</td><td><code>${esc(String(type ?? ""))}</code></td><td>${esc(String(p.description ?? ""))}</td></tr>`;
  });
  return `<table><tr><th>parameter</th><th>in</th><th>type</th><th></th></tr>${rows.join("")}</table>`;
}

/** A schema shown where it is used: a named component by link, followed by its definition. */
function schemaBlock(schema: unknown, components: Json): string {
  const ref = obj(schema).$ref;
  const name = typeof ref === "string" ? ref.split("/").pop() : undefined;
  if (name === undefined) return json(schema);
  return `<p>Schema <a href="#schema-${esc(name)}">${esc(name)}</a>:</p>${json(components[name])}`;
}

function body(op: Json, components: Json): string {
  const rb = obj(op.requestBody);
  const content = obj(rb.content);
  return Object.entries(content)
    .map(([type, media]) => {
      const m = obj(media);
      const examples = Object.entries(obj(m.examples))
        .map(
          ([, ex]) => `<p>Example: ${esc(String(obj(ex).summary ?? ""))}</p>${json(obj(ex).value)}`,
        )
        .join("");
      const description = typeof rb.description === "string" ? prose(rb.description) : "";
      return `<h4>Body <code>${esc(type)}</code>${rb.required ? "" : " (optional)"}</h4>${description}${schemaBlock(m.schema, components)}${examples}`;
    })
    .join("");
}

function responses(op: Json, shared: Json): string {
  const rows = Object.entries(obj(op.responses)).map(([status, r]) => {
    // Shared answers (the problem+json ones) are references to components.responses.
    const ref = obj(r).$ref;
    const reply = typeof ref === "string" ? obj(shared[ref.split("/").pop() ?? ""]) : obj(r);
    const media = Object.entries(obj(reply.content))
      .map(([type, m]) => {
        const schema = obj(obj(m).schema);
        const name = typeof schema.$ref === "string" ? schema.$ref.split("/").pop() : null;
        return name
          ? `<a href="#schema-${esc(name)}">${esc(name)}</a> <code>${esc(type)}</code>`
          : `<code>${esc(type)}</code>`;
      })
      .join(", ");
    const description = String(reply.description ?? "");
    return `<tr><td><code>${esc(status)}</code></td><td>${esc(description)}</td><td>${media}</td></tr>`;
  });
  return `<h4>Answers</h4><table>${rows.join("")}</table>`;
}

/** Renders the whole reference page from the document. */
export function renderPage(doc: Json): string {
  const info = obj(doc.info);
  const ops = operations(doc);
  const components = obj(obj(doc.components).schemas);
  const shared = obj(obj(doc.components).responses);
  const tags = Array.isArray(doc.tags) ? doc.tags.map(obj) : [];
  const inTag = (t: Json) => ops.filter((o) => Array.isArray(o.op.tags) && o.op.tags[0] === t.name);
  const anchor = (o: Op) => `op-${esc(String(o.op.operationId))}`;
  const nav = tags
    .map(
      (t) =>
        `<div><strong>${esc(String(t.name))}</strong><ul>${inTag(t)
          .map(
            (o) =>
              `<li><a href="#${anchor(o)}">${esc(String(o.op.summary ?? o.op.operationId))}</a></li>`,
          )
          .join("")}</ul></div>`,
    )
    .join("");
  const sections = tags
    .map((t) => {
      const articles = inTag(t).map(
        (o) =>
          `<article id="${anchor(o)}"><h3><span class="m ${o.method}">${o.method.toUpperCase()}</span> <code>${esc(o.path)}</code></h3><p><strong>${esc(String(o.op.summary ?? ""))}</strong> <span class="auth">(${esc(String(o.op.operationId))})</span></p>${prose(o.op.description)}${parameters(o.op)}${body(o.op, components)}${responses(o.op, shared)}</article>`,
      );
      return `<section><h2>${esc(String(t.name))}</h2>${prose(t.description)}${articles.join("")}</section>`;
    })
    .join("");
  const schemas = Object.entries(components)
    .map(
      ([name, s]) =>
        `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary>${json(s)}</details>`,
    )
    .join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(String(info.title ?? "API"))} reference</title><style>${PAGE_CSS}</style></head>
<body><header><h1>${esc(String(info.title ?? "API"))} <small>${esc(String(info.version ?? ""))}</small></h1>${prose(info.description)}
<p>The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI ${esc(String(doc.openapi))}).</p>
<nav>${nav}</nav></header>
<main>${sections}<section><h2>Schemas</h2>${schemas}</section></main></body></html>`;
}
