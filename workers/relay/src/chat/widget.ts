/**
 * The embeddable chat widget, served at GET /chat/widget.js. A page adds
 *   <script src="https://relay.example/chat/widget.js" data-workspace="acme"
 *           data-user-id="u-42" data-user-hash="…hex HMAC…" async></script>
 * (data-token="<JWT>" instead of the hash, or neither for anonymous visitors). It keeps a
 * random visitor id in localStorage, starts a session, opens the journey's WebSocket and
 * shows the journey's messages. Plain DOM, text only (never innerHTML), no dependencies.
 */
export const WIDGET_JS = `(() => {
  const me = document.currentScript;
  const base = new URL(me.src).origin;
  const ws = me.dataset.workspace;
  const key = "baton-visitor-" + ws;
  let visitorId = localStorage.getItem(key);
  if (!visitorId) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    visitorId = "v-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem(key, visitorId);
  }
  const box = document.createElement("div");
  box.setAttribute("role", "log");
  box.style.cssText = "position:fixed;bottom:16px;right:16px;width:320px;max-height:420px;display:flex;flex-direction:column;background:#fff;border:1px solid #ccc;border-radius:8px;font:14px system-ui;box-shadow:0 4px 16px rgba(0,0,0,.15);z-index:2147483647";
  const list = document.createElement("div");
  list.style.cssText = "flex:1;overflow:auto;padding:8px";
  const form = document.createElement("form");
  form.style.cssText = "display:flex;border-top:1px solid #eee";
  const input = document.createElement("input");
  input.placeholder = "Write a message";
  input.maxLength = 4000;
  input.style.cssText = "flex:1;border:0;padding:8px";
  const send = document.createElement("button");
  send.textContent = "Send";
  form.append(input, send);
  box.append(list, form);
  document.body.append(box);
  const seen = new Set();
  const show = (e, seq) => {
    if (!e || !e.text || seen.has(seq)) return;
    seen.add(seq);
    const line = document.createElement("div");
    line.style.cssText = "margin:4px 0;padding:6px 8px;border-radius:6px;max-width:85%;" +
      (e.direction === "inbound" ? "background:#e8f0fe;margin-left:auto" : "background:#f1f1f1");
    line.textContent = e.text;
    list.append(line);
    list.scrollTop = list.scrollHeight;
  };
  let socket = null;
  let n = 0;
  const connect = async () => {
    const body = { visitorId };
    if (me.dataset.userId) body.userId = me.dataset.userId;
    if (me.dataset.userHash) body.userHash = me.dataset.userHash;
    if (me.dataset.token) body.token = me.dataset.token;
    const res = await fetch(base + "/chat/" + ws + "/sessions", {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body),
    });
    if (!res.ok) return;
    const s = await res.json();
    for (const m of s.messages || []) show(m, m.seq);
    socket = new WebSocket(base.replace(/^http/, "ws") + s.socket);
    socket.onmessage = (msg) => {
      const f = JSON.parse(msg.data);
      if (f.type === "hello") for (const e of f.events) if (e.visible) show(e.event, e.seq);
      if (f.type === "event" && f.visible) show(f.event, f.seq);
    };
    socket.onclose = () => setTimeout(connect, 3000);
  };
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text || !socket || socket.readyState !== 1) return;
    socket.send(JSON.stringify({ type: "message", text, clientId: visitorId.slice(-8) + "-" + Date.now() + "-" + n++ }));
    input.value = "";
  });
  connect();
})();
`;
