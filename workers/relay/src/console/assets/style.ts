/**
 * The console's stylesheet (GET /console/assets/console.css). System fonts, AA contrast
 * (body text #1b1f24 on #fff; muted #4b5563 ≥ 7:1), visible focus, usable at 1280×800 and in a
 * 400 px sidebar (`body.embed`).
 */
export const CONSOLE_CSS = `
*,*::before,*::after{box-sizing:border-box}
html{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#fff}
body{margin:0}
a{color:#0b5cad}
a:hover{color:#073e75}
:focus-visible{outline:3px solid #0b5cad;outline-offset:2px}
.skip{position:absolute;left:-9999px;top:0;background:#fff;padding:6px 10px;z-index:10}
.skip:focus{left:8px}
header.top{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:8px;padding:8px 16px;border-bottom:1px solid #d0d7de;background:#f6f8fa}
header.top nav{display:flex;align-items:center;gap:16px}
header.top ul{display:flex;gap:12px;list-style:none;margin:0;padding:0}
header.top a{text-decoration:none;padding:4px 6px;border-radius:4px}
header.top a[aria-current=page]{background:#0b5cad;color:#fff}
.brand{font-weight:700}
.who{color:#4b5563;margin-right:8px;font-size:.9em}
main{padding:16px;max-width:1200px;margin:0 auto;overflow-wrap:anywhere}
body.embed main{padding:8px;max-width:none}
h1{font-size:1.4em;margin:.2em 0 .5em;overflow-wrap:anywhere}
h2{font-size:1.1em;margin:1em 0 .4em}
h3{font-size:1em;margin:.8em 0 .3em}
body.embed h1{font-size:1.1em}
body.embed h2{font-size:1em}
.muted{color:#4b5563}
.small{font-size:.85em}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:.8em;font-weight:600;border:1px solid transparent}
.badge.broken,.badge.exception,.badge.overdue{background:#fde8e8;color:#8a1111;border-color:#f1aeae}
.badge.pending,.badge.open{background:#fff4d6;color:#6b4a00;border-color:#e9cf85}
.badge.kept,.badge.resolved,.badge.ok,.badge.verified{background:#e3f4e6;color:#14532d;border-color:#9fd4aa}
.badge.neutral,.badge.redacted{background:#eef1f4;color:#374151;border-color:#cfd6de}
.alert{border-left:4px solid #b42318;background:#fff5f5;padding:8px 10px;margin:8px 0}
.notice{border-left:4px solid #0b5cad;background:#f0f6fc;padding:8px 10px;margin:8px 0}
.ok-note{border-left:4px solid #1a7f37;background:#effaf1;padding:8px 10px;margin:8px 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:10px 12px;margin:8px 0;background:#fff}
.items{list-style:none;padding:0;margin:0}
.items>li{border-bottom:1px solid #eaeef2;padding:6px 0}
.items>li:last-child{border-bottom:0}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
.kv dt{color:#4b5563}
.kv dd{margin:0;overflow-wrap:anywhere}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #eaeef2;vertical-align:top;overflow-wrap:anywhere}
th{font-weight:600;background:#f6f8fa}
form.inline{display:inline}
fieldset{border:1px solid #d0d7de;border-radius:6px;margin:8px 0;padding:8px 10px}
legend{font-weight:600;padding:0 4px}
label{display:block;margin:4px 0 2px;font-weight:500}
input,select,textarea,button{font:inherit}
input[type=text],input[type=email],input[type=tel],input[type=datetime-local],input[type=search],select,textarea{width:100%;max-width:32rem;padding:5px 7px;border:1px solid #8c959f;border-radius:4px;background:#fff;color:#1b1f24}
button,.button{display:inline-block;padding:5px 12px;border:1px solid #0b5cad;border-radius:4px;background:#0b5cad;color:#fff;cursor:pointer;text-decoration:none;margin-top:6px}
button.secondary,.button.secondary{background:#fff;color:#0b5cad}
button:hover{background:#073e75}
button.secondary:hover{background:#f0f6fc}
details>summary{cursor:pointer;font-weight:600;padding:4px 0}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:16px}
body.embed .grid2{grid-template-columns:1fr}
@media (max-width:700px){.grid2{grid-template-columns:1fr}}
.timeline{list-style:none;margin:0;padding:0;border-left:3px solid #d0d7de}
.timeline>li{position:relative;margin:0 0 10px 0;padding:4px 0 4px 14px}
.timeline>li::before{content:"";position:absolute;left:-8px;top:10px;width:11px;height:11px;border-radius:50%;background:#8c959f;border:2px solid #fff}
.timeline>li.promise::before{background:#9a6700}
.timeline>li.exception::before,.timeline>li.broken::before{background:#b42318}
.timeline>li.owner::before,.timeline>li.handoff::before{background:#0b5cad}
.timeline time{color:#4b5563;font-size:.85em;margin-right:6px}
.axis{position:relative;height:8px;background:#eef1f4;border-radius:4px;margin:4px 0 2px}
.axis .bar{position:absolute;top:0;height:8px;border-radius:4px;background:#9a6700;min-width:3px}
.axis .bar.kept{background:#1a7f37}
.axis .bar.broken,.axis .bar.overdue{background:#b42318}
.axis .bar.cancelled,.axis .bar.renegotiated{background:#8c959f}
.axis .now{position:absolute;top:-3px;width:2px;height:14px;background:#1b1f24}
.live{font-size:.8em;color:#4b5563}
.live[data-state=open]{color:#14532d}
.pager{margin:12px 0}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
