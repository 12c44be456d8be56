// Ferry flags-admin console: vanilla JS over the console's REST API (/api/...). Every API call carries the console
// token (Authorization: Bearer); the token and the operator's name are kept in sessionStorage, for this tab only.
// Data from the server is put into the page with textContent only, never as HTML.
"use strict";

(function () {
  const TOKEN = "ferry.console.token";
  const OPERATOR = "ferry.console.operator";
  const SPLIT_EVERY_MS = 3000;
  const STATUS_EVERY_MS = 15000;

  const $ = (id) => document.getElementById(id);
  let splitTimer = null;
  let statusTimer = null;
  let pending = null; // {request, revision}: the plan on screen, exactly as it was planned

  class ApiError extends Error {
    constructor(status, doc) {
      super((doc && doc.error ? doc.error : "HTTP " + status) + (doc && doc.detail ? ": " + doc.detail : ""));
      this.status = status;
      this.doc = doc || {};
    }
  }

  async function api(method, path, body) {
    const headers = { "Authorization": "Bearer " + sessionStorage.getItem(TOKEN), "Accept": "application/json" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, { error: "console unreachable", detail: "flags-admin serve does not answer (" + e.message + ")" });
    }
    let doc = null;
    try {
      doc = await response.json();
    } catch (e) {
      doc = { error: "HTTP " + response.status, detail: "the answer is not JSON" };
    }
    if (response.status === 401) {
      signOut("The console refused the token: " + (doc.detail || "unauthorized"));
      throw new ApiError(401, doc);
    }
    if (!response.ok) {
      throw new ApiError(response.status, doc);
    }
    return doc;
  }

  function el(tag, text, attrs) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) {
      e.textContent = String(text);
    }
    for (const [k, v] of Object.entries(attrs || {})) {
      e.setAttribute(k, v);
    }
    return e;
  }

  function show(id, visible) {
    $(id).hidden = !visible;
  }

  function message(id, text) {
    $(id).textContent = text || "";
    show(id, !!text);
  }

  // ------------------------------------------------------------------ sign in

  async function signIn(event) {
    event.preventDefault();
    const token = $("token").value.trim();
    const operator = $("operator").value.trim();
    if (!token || !operator) {
      message("signin-error", "Give both the console token and your name.");
      return;
    }
    sessionStorage.setItem(TOKEN, token);
    sessionStorage.setItem(OPERATOR, operator);
    try {
      await api("GET", "/api/status");
    } catch (e) {
      if (e.status !== 401) {
        // signed in, but the store is not readable right now: the console says so
        enter();
        message("load-error", e.message);
      }
      return;
    }
    message("signin-error", "");
    $("token").value = "";
    enter();
  }

  function enter() {
    show("signin", false);
    show("console", true);
    show("whoami", true);
    $("operator-name").textContent = sessionStorage.getItem(OPERATOR);
    refreshAll();
    clearInterval(splitTimer);
    clearInterval(statusTimer);
    splitTimer = setInterval(refreshSplit, SPLIT_EVERY_MS);
    statusTimer = setInterval(() => { refreshStatus(); refreshShadow(); }, STATUS_EVERY_MS);
  }

  function signOut(why) {
    sessionStorage.removeItem(TOKEN);
    clearInterval(splitTimer);
    clearInterval(statusTimer);
    show("console", false);
    show("whoami", false);
    show("signin", true);
    $("operator").value = sessionStorage.getItem(OPERATOR) || "";
    message("signin-error", why || "");
  }

  // ------------------------------------------------------------------ reading

  function refreshAll() {
    refreshShadow();
    refreshStatus();
    refreshTenants();
    refreshHistory();
    refreshSplit();
  }

  async function refreshStatus() {
    let s;
    try {
      s = await api("GET", "/api/status");
    } catch (e) {
      if (e.status !== 401) {
        message("load-error", "Cannot read the migration: " + e.message);
      }
      return;
    }
    message("load-error", "");
    $("source").textContent = "flag " + s.flag + " in " + s.source + (s.enabled ? "" : " (flag OFF: every tenant on legacy)");
    $("revision").textContent = s.revision;
    $("count-new").textContent = s.counts.new;
    $("count-legacy").textContent = s.counts.legacy;
    const waves = $("waves");
    waves.replaceChildren();
    for (const w of s.waves) {
      const li = el("li", null, { "data-wave": w.name, "data-percent": w.percent });
      const label = el("label", w.name + (w.started ? "" : " (from " + w.startsAt + ")"), { "for": "wave-progress-" + w.name });
      const bar = el("progress", null, { id: "wave-progress-" + w.name, max: "100", value: String(w.percent) });
      li.append(label, bar, el("span", w.percent + " %", { "class": "percent" }));
      waves.append(li);
    }
    show("no-waves", s.waves.length === 0);
    const body = $("rules-table").querySelector("tbody");
    body.replaceChildren();
    for (const r of s.rules) {
      const tr = el("tr", null, { "data-rule": r.name });
      const last = r.by ? r.by + (r.at ? " at " + r.at : "") + (r.reason ? ": " + r.reason : "") : "";
      const tenants = r.kind === "wave" ? r.percent + " % (groupId " + r.groupId + ")" : r.tenantCount + " listed, decides " + r.decides;
      for (const v of [r.position, r.name, r.kind + (r.disabled ? " (disabled)" : ""), r.backend, tenants, last]) {
        tr.append(el("td", v));
      }
      body.append(tr);
    }
  }

  // ------------------------------------------------------------------ shadow reads

  const fixed = (x, digits) => (x === null || x === undefined ? "–" : Number(x).toFixed(digits));

  async function refreshShadow() {
    let s;
    try {
      s = await api("GET", "/api/shadow");
    } catch (e) {
      if (e.status !== 401) {
        $("shadow-summary").textContent = "Cannot read shadow reads: " + e.message;
      }
      return;
    }
    const shadowed = s.tenants.filter((t) => t.shadowed).length;
    $("shadow-summary").textContent = "Shadow flag " + s.shadowFlag + ": " + shadowed + " tenant(s) shadowed; evidence from "
      + s.routers.length + " replica(s)" + (s.requireReadiness ? "; readiness required for every move to new" : "")
      + "." + (s.note ? " " + s.note + "." : "");
    $("shadow-problems").replaceChildren(...s.problems.map((p) => el("li", p)));
    const body = $("shadow-table").querySelector("tbody");
    body.replaceChildren();
    for (const t of s.tenants) {
      const ready = t.ready ? "yes" : t.known ? "no" : "unknown";
      const tr = el("tr", null, { "data-tenant": t.tenant, "data-ready": ready, "data-shadowed": String(t.shadowed) });
      const fields = [];
      for (const [route, list] of Object.entries((t.report && t.report.topFields) || {})) {
        fields.push(route + ": " + list.map((f) => f.field + " (" + f.count + ")").join(", "));
      }
      tr.append(el("td", t.tenant), el("td", t.shadowed ? "yes" : "no"), el("td", t.compared === null ? "–" : t.compared),
        el("td", t.matched === null ? "–" : t.matched), el("td", fixed(t.lowerBound, 4)),
        el("td", ready, { "class": "ready" }), el("td", t.failures.join("; "), { "class": "gates" }),
        el("td", fields.join(" | "), { "class": "fields" }));
      body.append(tr);
    }
  }

  async function shadowChange(on) {
    message("shadow-error", "");
    const tenants = $("shadow-tenants").value.trim();
    if (!tenants) {
      message("shadow-error", "Name at least one tenant.");
      return;
    }
    try {
      await api("POST", "/api/shadow", { tenants, shadowed: on, by: sessionStorage.getItem(OPERATOR) });
    } catch (e) {
      if (e.status !== 401) {
        message("shadow-error", e.message);
      }
      return;
    }
    $("shadow-tenants").value = "";
    refreshShadow();
  }

  let searchTimer = null;
  function searchSoon() {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(refreshTenants, 200);
  }

  async function refreshTenants() {
    const q = $("tenant-search").value.trim();
    const backend = $("tenant-backend").value;
    let t;
    try {
      t = await api("GET", "/api/tenants?backend=" + encodeURIComponent(backend) + "&q=" + encodeURIComponent(q) + "&limit=500");
    } catch (e) {
      if (e.status !== 401) {
        $("tenants-summary").textContent = e.message;
      }
      return;
    }
    const lists = { new: $("tenants-new"), legacy: $("tenants-legacy") };
    lists.new.replaceChildren();
    lists.legacy.replaceChildren();
    for (const x of t.tenants) {
      const li = el("li", null, { "data-tenant": x.tenant, "data-backend": x.backend, "data-rule": x.rule || "" });
      li.append(el("span", x.tenant, { "class": "id" }), el("span", x.why + (x.listed ? "" : " (not listed by name)"), { "class": "why" }));
      lists[x.backend].append(li);
    }
    $("tenants-summary").textContent = (q ? t.matched + " tenant(s) match “" + q + "”" : t.matched + " listed tenant(s)")
      + (t.truncated ? ", the first " + t.tenants.length + " shown" : "")
      + ". Tenants no rule lists by name follow the waves, or stay on legacy: search a full id to see where it goes.";
  }

  async function refreshHistory(event) {
    if (event) {
      event.preventDefault();
    }
    const tenant = $("history-tenant").value.trim();
    let h;
    try {
      h = await api("GET", "/api/history?last=200" + (tenant ? "&tenant=" + encodeURIComponent(tenant) : ""));
    } catch (e) {
      if (e.status !== 401) {
        $("history-summary").textContent = e.message;
      }
      return;
    }
    const body = $("history-table").querySelector("tbody");
    body.replaceChildren();
    const entries = h.entries.slice().reverse();
    for (const e of entries) {
      const tr = el("tr", null, { "data-revision": e.revision || "", "data-by": e.by || "" });
      const moved = e.moves.map((m) => m.tenant + " " + m.from + "→" + m.to + (m.at ? " at " + m.at : ""));
      const shown = moved.length > 20 ? moved.slice(0, 20).join(", ") + " … (" + moved.length + " in all)" : moved.join(", ");
      tr.append(el("td", e.at ? new Date(e.at).toLocaleString() : "", { title: e.at || "" }), el("td", e.by),
        el("td", e.operation), el("td", shown, { "class": "moves" }), el("td", e.reason || ""), el("td", e.revision || ""));
      body.append(tr);
    }
    $("history-summary").textContent = (tenant ? h.total + " change(s) moved " + h.tenant : h.total + " change(s)")
      + (h.total > entries.length ? ", the last " + entries.length + " shown" : "") + ", newest first.";
  }

  async function refreshSplit() {
    let s;
    try {
      s = await api("GET", "/api/split");
    } catch (e) {
      if (e.status !== 401) {
        setSplit("unreachable", "Console unreachable: " + e.message);
      }
      return;
    }
    $("split-source").textContent = s.source || "";
    const fmt = (x) => (x === undefined || x === null ? "–" : x.toFixed(x < 10 ? 2 : 1));
    if (s.state === "ok") {
      $("split-legacy").textContent = fmt(s.legacyPerSecond);
      $("split-new").textContent = fmt(s.newPerSecond);
      const share = s.newShare === null || s.newShare === undefined ? null : s.newShare;
      $("split-share").textContent = share === null ? "no traffic" : (share * 100).toFixed(1) + " %";
      $("split-bar-new").style.width = share === null ? "0" : (share * 100).toFixed(1) + "%";
      setSplit("ok", "Live: requests per second over the last " + Math.round(s.windowSeconds) + " s" + (s.detail ? " (" + s.detail + ")" : ""));
    } else if (s.state === "not-configured") {
      setSplit("not-configured", "Not configured: start flags-admin serve with --router-metrics URL or --prometheus URL.");
    } else if (s.state === "measuring") {
      setSplit("measuring", "Measuring… (" + s.detail + ")");
    } else {
      setSplit(s.state, (s.state === "unreachable" ? "Unreachable: " : "No data: ") + s.detail);
    }
  }

  function setSplit(state, text) {
    $("split-bar-new").parentElement.classList.toggle("idle", state !== "ok");
    const p = $("split-state");
    p.dataset.state = state;
    p.textContent = text;
  }

  // ------------------------------------------------------------------ changing

  function kindChanged() {
    const kind = $("change-kind").value;
    for (const row of document.querySelectorAll("#change-form [data-for]")) {
      row.hidden = !row.dataset.for.split(" ").includes(kind);
    }
    $("change-rule").placeholder = kind === "remove" ? "pinned, moved-back, pilot…" : "pilot";
  }

  function changeRequest() {
    const kind = $("change-kind").value;
    const request = { change: kind, by: sessionStorage.getItem(OPERATOR) };
    const value = (id) => $(id).value.trim();
    if (kind === "move" || kind === "pin" || kind === "remove") {
      request.tenants = value("change-tenants");
    }
    if (kind === "move") {
      request.to = $("change-to").value;
      if (request.to === "new") {
        if (value("change-rule")) request.rule = value("change-rule");
        if (value("change-starts-at")) request.startsAt = value("change-starts-at");
      }
    }
    if (kind === "remove") {
      request.rule = value("change-rule");
    }
    if (kind === "wave") {
      request.name = value("wave-name");
      request.percent = value("wave-percent") === "" ? null : Number(value("wave-percent"));
      if (value("wave-group-id")) request.groupId = value("wave-group-id");
      if (value("change-starts-at")) request.startsAt = value("change-starts-at");
    }
    if ((kind === "move" || kind === "wave") && $("change-immediate").checked) request.immediate = true;
    if (kind !== "pin" && $("change-force-unready").checked) request.forceUnready = true;
    if (value("change-reason")) request.reason = value("change-reason");
    if ($("change-break-glass").checked) request.breakGlass = true;
    return request;
  }

  async function planChange(event) {
    event.preventDefault();
    message("change-error", "");
    show("result", false);
    const request = changeRequest();
    if (request.forceUnready && !request.reason) {
      message("change-error", "Forcing past readiness needs a reason: the history records it with the failing gates.");
      return;
    }
    if (request.breakGlass && !request.reason) {
      message("change-error", "Break glass needs a reason: it is kept with the moved-back marker and in the history.");
      return;
    }
    let plan;
    try {
      plan = await api("POST", "/api/plan", request);
    } catch (e) {
      if (e.status !== 401) {
        message("change-error", e.message);
      }
      return;
    }
    renderPlan(request, plan);
  }

  function renderPlan(request, plan) {
    pending = { request, revision: plan.revision };
    $("plan-revision").textContent = plan.revision;
    $("plan-operation").textContent = plan.operation;
    const refused = plan.refused;
    const breakGlass = plan.breakGlass && plan.refusals.length > 0;
    const readiness = plan.readiness || null;
    const readinessRefused = !!(readiness && readiness.refused);
    let verdict;
    let text;
    if (refused) {
      verdict = "refused";
      text = "Refused by the one-way guard: nothing can be written.";
    } else if (readinessRefused) {
      verdict = "readiness-refused";
      text = "Refused by the readiness gate: shadowed tenants below the bar, or their readiness cannot be read. Nothing"
        + " can be written; tick Force past readiness and give a reason to move them anyway.";
    } else if (readiness && readiness.forced && plan.writes) {
      verdict = "forced";
      text = "Forced past the readiness gate: the history records it with your reason and the failing gates.";
    } else if (!plan.writes) {
      verdict = "nothing";
      text = "Nothing to write: the flag already says this.";
    } else if (breakGlass) {
      verdict = "break-glass";
      text = "The one-way guard objects; overridden by break glass.";
    } else {
      verdict = "allowed";
      text = "Allowed by the one-way guard.";
    }
    const v = $("plan-verdict");
    v.dataset.verdict = verdict;
    v.textContent = text;
    show("plan-breakglass", plan.breakGlass);
    const refusals = $("plan-refusals");
    refusals.replaceChildren(...plan.refusals.map((r) => el("li", r.message, { "data-kind": r.kind })));
    $("plan-why").textContent = (plan.why || "").replace('run again with --break-glass --reason "..."', "plan it again with Break glass ticked and a reason");
    show("plan-why", !!plan.why);
    const body = $("plan-moves").querySelector("tbody");
    body.replaceChildren();
    const rows = plan.moves.concat(plan.scheduled);
    for (const m of rows.slice(0, 2000)) {
      const tr = el("tr", null, { "data-tenant": m.tenant, "data-from": m.from, "data-to": m.to });
      tr.append(el("td", m.tenant), el("td", m.from + " (" + (m.fromRule || "no rule") + ")"),
        el("td", m.to + " (" + (m.toRule || "no rule") + ")"), el("td", m.at || "now"));
      body.append(tr);
    }
    $("plan-move-count").textContent = rows.length > 2000 ? rows.length + ", the first 2000 shown" : rows.length;
    $("plan-switch").textContent = !rows.length ? "" : plan.switchesAt
      ? "The fleet switches these tenants at one instant, " + plan.switchesAt + " (" + plan.lead + " after the change is written; confirming later moves it by as much)."
      : "Immediate: each replica switches at its own next poll, and for that time both backends may take these tenants' requests.";
    $("plan-switch").dataset.immediate = plan.switchesAt ? "false" : "true";
    show("plan-moves", rows.length > 0);
    $("plan-rules").replaceChildren(...plan.rules.map((r) => el("li", "rule " + r.rule + " " + r.change + ": " + r.description)));
    $("plan-notes").replaceChildren(...plan.notes.map((n) => el("li", "Note: " + n)));
    renderReadiness(readiness);
    const confirm = $("confirm-button");
    confirm.disabled = refused || readinessRefused || !plan.writes;
    confirm.classList.toggle("breakglass", plan.breakGlass);
    confirm.textContent = plan.breakGlass ? "Confirm break-glass change" : "Confirm";
    show("plan", true);
  }

  function renderReadiness(r) {
    const any = r && (r.blocked.length || r.tenants.length || r.notes.length);
    show("plan-readiness", !!any);
    if (!any) {
      return;
    }
    const v = $("plan-readiness-verdict");
    v.dataset.readiness = r.refused ? "refused" : r.forced ? "forced" : r.blocked.length ? "refused" : "ready";
    v.textContent = r.refused
      ? "Readiness (shadow flag " + r.shadowFlag + "): not ready to move to new:"
      : r.forced
        ? "Readiness (shadow flag " + r.shadowFlag + "): forced past for:"
        : "Readiness (shadow flag " + r.shadowFlag + "):";
    $("plan-readiness-blocked").replaceChildren(...r.blocked.map((b) =>
      el("li", b.tenant + ": " + b.reasons.join("; "), { "data-tenant": b.tenant, "data-gates": b.gates.join(" ") })));
    $("plan-readiness-ready").replaceChildren(...r.tenants.filter((t) => t.ready).map((t) =>
      el("li", t.tenant + " is ready: compared " + t.compared + ", matched " + t.matched + ", lower bound "
        + fixed(t.lowerBound, 4), { "data-tenant": t.tenant })));
    $("plan-readiness-notes").replaceChildren(...r.notes.map((n) => el("li", "Note: " + n)));
  }

  async function confirmPlan() {
    if (!pending) {
      return;
    }
    const request = Object.assign({}, pending.request, { revision: pending.revision });
    $("confirm-button").disabled = true;
    let done;
    try {
      done = await api("POST", "/api/apply", request);
    } catch (e) {
      if (e.status === 401) {
        return;
      }
      if (e.status === 409 && e.doc.plan) {
        result("stale", "Not written: the migration changed since this plan (it was made on revision "
          + e.doc.expectedRevision + ", the flag is now at " + e.doc.revision + "). Below is the plan on the current"
          + " state: look at it and confirm again.");
        renderPlan(pending.request, e.doc.plan);
      } else if (e.status === 422 && e.doc.plan) {
        result("refused", "Refused: " + e.doc.detail);
        renderPlan(pending.request, e.doc.plan);
      } else {
        result("error", e.message);
        $("confirm-button").disabled = false;
      }
      refreshAll();
      return;
    }
    pending = null;
    show("plan", false);
    result("written", done.writes
      ? "Written: " + done.operation + " — " + done.moves.length + " tenant(s) moved now; revision " + done.revision + " → " + done.revisionAfter + "."
      : "Nothing to write: the flag already says this.");
    refreshAll();
  }

  function result(kind, text) {
    const r = $("result");
    r.dataset.result = kind;
    r.textContent = text;
    r.hidden = false;
  }

  function cancelPlan() {
    pending = null;
    show("plan", false);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("signin-form").addEventListener("submit", signIn);
    $("signout-button").addEventListener("click", () => signOut(""));
    $("tenant-search-form").addEventListener("submit", (e) => { e.preventDefault(); refreshTenants(); });
    $("tenant-search").addEventListener("input", searchSoon);
    $("tenant-backend").addEventListener("change", refreshTenants);
    $("history-form").addEventListener("submit", refreshHistory);
    $("change-kind").addEventListener("change", kindChanged);
    $("change-form").addEventListener("submit", planChange);
    $("change-form").addEventListener("input", () => { if (pending) cancelPlan(); });
    $("change-break-glass").addEventListener("change", () => {
      $("plan-button").textContent = $("change-break-glass").checked ? "Plan break-glass change" : "Plan";
    });
    $("confirm-button").addEventListener("click", confirmPlan);
    $("shadow-form").addEventListener("submit", (e) => { e.preventDefault(); shadowChange(true); });
    $("shadow-off-button").addEventListener("click", () => shadowChange(false));
    $("cancel-button").addEventListener("click", cancelPlan);
    kindChanged();
    if (sessionStorage.getItem(TOKEN)) {
      enter();
    } else {
      signOut("");
    }
  });
})();
