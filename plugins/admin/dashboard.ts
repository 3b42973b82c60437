/**
 * The live dashboard served at `GET /`: one self-contained page (no external script, style or
 * font) with a sessions table and a packet-rate chart. It takes the token from `?token=` (then
 * removes it from the address bar) or from a form, keeps it in `sessionStorage`, sends it as
 * `Authorization: Bearer`, and updates from `GET /events` (read with `fetch`, since `EventSource`
 * cannot send headers) and `GET /sessions` (fetched again on every event, `stats` ticks included,
 * so session figures stay current).
 *
 * @module
 */

/** The dashboard page. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Thing admin</title>
<style>
  :root { color-scheme: light dark; --in: #2a7ae2; --out: #e2792a; font: 14px/1.4 system-ui, sans-serif; }
  body { margin: 0 auto; max-width: 960px; padding: 1rem; }
  header { display: flex; align-items: baseline; gap: 1rem; }
  h1 { font-size: 1.3rem; margin: 0; } h2 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
  #status { opacity: .7; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #8884; }
  td.num, th.num { text-align: right; }
  code { font-size: .9em; }
  svg { width: 100%; height: 160px; border: 1px solid #8884; border-radius: 4px; }
  polyline { fill: none; stroke-width: 2; }
  #line-in { stroke: var(--in); } #line-out { stroke: var(--out); }
  .in { color: var(--in); } .out { color: var(--out); }
  #empty { opacity: .7; }
</style>
</head>
<body>
<header><h1>Thing admin</h1><span id="status">starting</span></header>
<form id="login" hidden>
  <p>This page needs the admin token (<code>--admin-token</code>).</p>
  <label>Token <input id="token" type="password" autocomplete="off" required></label>
  <button type="submit">Connect</button>
</form>
<main id="main" hidden>
  <h2>Packet rate</h2>
  <svg id="chart" viewBox="0 0 600 160" preserveAspectRatio="none" role="img" aria-label="Packets per second">
    <polyline id="line-in" points=""></polyline><polyline id="line-out" points=""></polyline>
  </svg>
  <p><span class="in">in <b id="rate-in">0</b>/s</span> · <span class="out">out <b id="rate-out">0</b>/s</span>
    · peak <span id="peak">0</span>/s</p>
  <h2>Sessions (<span id="count">0</span>)</h2>
  <table id="sessions">
    <thead><tr><th>Client ID</th><th>Peer</th><th>State</th><th class="num">Packets in</th>
      <th class="num">Packets out</th><th class="num">RTT</th><th></th></tr></thead>
    <tbody></tbody>
  </table>
  <p id="empty">No sessions.</p>
</main>
<script>
(() => {
  "use strict";
  const KEY = "thing-admin-token";
  const $ = (id) => document.getElementById(id);
  const query = new URLSearchParams(location.search);
  if (query.has("token")) {
    sessionStorage.setItem(KEY, query.get("token"));
    history.replaceState(null, "", location.pathname);
  }
  let token = sessionStorage.getItem(KEY) || "";
  let generation = 0;
  const points = [];

  function status(text) { $("status").textContent = text; }

  function locked() {
    generation++;
    sessionStorage.removeItem(KEY);
    $("main").hidden = true;
    $("login").hidden = false;
    status(token ? "wrong token" : "token needed");
  }

  async function api(path, init = {}) {
    const response = await fetch(path, { ...init, headers: { Authorization: "Bearer " + token } });
    if (response.status === 401) { locked(); throw new Error("unauthorized"); }
    return response;
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text;
    if (className) td.className = className;
    return td;
  }

  function render(sessions) {
    const body = $("sessions").tBodies[0];
    body.replaceChildren();
    for (const s of sessions) {
      const row = body.insertRow();
      row.dataset.id = s.id;
      const id = cell(row, s.id.slice(0, 8) + "…");
      id.title = s.id;
      cell(row, s.peer);
      cell(row, s.state);
      cell(row, s.figures ? String(s.figures.packetsIn) : "–", "num");
      cell(row, s.figures ? String(s.figures.packetsOut) : "–", "num");
      const rtt = s.figures && s.figures.rtt;
      cell(row, rtt ? rtt.smoothed.toFixed(1) + " ms" : "–", "num");
      const button = document.createElement("button");
      button.textContent = "Kick";
      button.addEventListener("click", () => {
        button.disabled = true;
        api("/sessions/" + s.id, { method: "DELETE" }).then(refresh, () => {});
      });
      row.insertCell().append(button);
    }
    $("count").textContent = String(sessions.length);
    $("empty").hidden = sessions.length > 0;
  }

  let refreshing = false, again = false;
  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try {
      const response = await api("/sessions");
      if (response.ok) render((await response.json()).sessions);
    } catch { /* shown by status() */ } finally {
      refreshing = false;
      if (again) { again = false; refresh(); }
    }
  }

  function chart(stats) {
    points.push(stats);
    if (points.length > 61) points.shift();
    const rates = [];
    for (let i = 1; i < points.length; i++) {
      const a = points[i - 1], b = points[i], dt = Math.max((b.at - a.at) / 1000, 0.001);
      rates.push({ in: (b.packetsIn - a.packetsIn) / dt, out: (b.packetsOut - a.packetsOut) / dt });
    }
    const peak = Math.max(1, ...rates.map((r) => Math.max(r.in, r.out)));
    const line = (key) => rates.map((r, i) =>
      (i * 600 / 59).toFixed(1) + "," + (155 - r[key] / peak * 150).toFixed(1)).join(" ");
    $("line-in").setAttribute("points", line("in"));
    $("line-out").setAttribute("points", line("out"));
    const last = rates[rates.length - 1] || { in: 0, out: 0 };
    $("rate-in").textContent = last.in.toFixed(1);
    $("rate-out").textContent = last.out.toFixed(1);
    $("peak").textContent = peak.toFixed(1);
  }

  function dispatch(event, data) {
    if (event === "stats") chart(JSON.parse(data));
    refresh();
  }

  async function listen(mine) {
    try {
      const response = await api("/events");
      if (!response.ok || !response.body) throw new Error("HTTP " + response.status);
      status("live");
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      while (mine === generation) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true }).replace(/\\r\\n?/g, "\\n");
        let end;
        while ((end = buffer.indexOf("\\n\\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = "message", data = [];
          for (const line of block.split("\\n")) {
            if (line.startsWith("event:")) event = line.slice(6).trim();
            else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
          }
          dispatch(event, data.join("\\n"));
        }
      }
      reader.cancel().catch(() => {});
    } catch (error) {
      if (String(error && error.message) === "unauthorized") return;
    }
    if (mine !== generation) return;
    status("reconnecting");
    setTimeout(() => { if (mine === generation) listen(mine); }, 2000);
  }

  function start() {
    $("login").hidden = true;
    $("main").hidden = false;
    status("connecting");
    refresh();
    listen(++generation);
  }

  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value.trim();
    sessionStorage.setItem(KEY, token);
    start();
  });

  if (token) start(); else locked();
})();
</script>
</body>
</html>
`;
