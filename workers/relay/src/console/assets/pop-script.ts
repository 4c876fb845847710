/**
 * The screen pop's script (GET /console/assets/pop.js), a plain ES module: opens the journey's
 * observer socket (/console/pop/socket) and, on every change the journey object reports,
 * re-fetches the panel (/console/pop/panel) and swaps it in. Server-rendered HTML only (parsed
 * with DOMParser, which runs no script; the CSP forbids inline script anyway); no customer
 * text is ever built here. Reconnects with backoff; pings every 30 s to keep proxies from
 * closing an idle socket.
 */
export const POP_JS = `const panel = document.getElementById("pop-panel");
const live = document.getElementById("live");
if (panel && live) {
  const journey = panel.dataset.journey;
  let busy = false;
  let again = false;
  let retry = 500;
  let socket = null;
  const state = (s, text) => {
    live.dataset.state = s;
    live.textContent = text;
  };
  const seqOf = () => Number(document.getElementById("pop-panel")?.dataset.seq ?? "0");
  const refresh = async () => {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const res = await fetch("/console/pop/panel?journey=" + encodeURIComponent(journey), {
        credentials: "same-origin",
        headers: { accept: "text/html" },
      });
      if (res.ok) {
        const doc = new DOMParser().parseFromString(await res.text(), "text/html");
        const next = doc.getElementById("pop-panel");
        const current = document.getElementById("pop-panel");
        if (next && current) {
          current.replaceWith(document.importNode(next, true));
          for (const input of document.querySelectorAll("#pop-actions input[name=expected]")) {
            input.value = next.dataset.owner ?? "";
          }
          document.dispatchEvent(new CustomEvent("baton:pop-updated", { detail: { seq: next.dataset.seq } }));
          state("open", "Live · updated " + new Date().toLocaleTimeString());
        }
      } else if (res.status === 401 || res.status === 403) {
        state("closed", "Session ended: reload the page");
      }
    } catch {
      state("closed", "Update failed; retrying");
    } finally {
      busy = false;
      if (again) {
        again = false;
        void refresh();
      }
    }
  };
  const connect = () => {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(proto + "//" + location.host + "/console/pop/socket?journey=" + encodeURIComponent(journey));
    socket.addEventListener("open", () => {
      retry = 500;
      state("open", "Live");
    });
    socket.addEventListener("message", (e) => {
      let frame = null;
      try {
        frame = JSON.parse(e.data);
      } catch {
        return;
      }
      if (frame.type === "changed") void refresh();
      else if (frame.type === "hello" && Number(frame.seq) !== seqOf()) void refresh();
    });
    socket.addEventListener("close", () => {
      state("closed", "Reconnecting…");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    });
  };
  setInterval(() => {
    if (socket && socket.readyState === 1) socket.send('{"type":"ping"}');
  }, 30000);
  connect();
}
`;
