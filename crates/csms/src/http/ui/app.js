// ---- the app: charge points, sending messages, the message log, tags, transactions ----------
//
// Everything comes from the HTTP API (/api/v1/...) and its event stream; the page keeps what
// the stream says and draws it. No text from the network is ever parsed as HTML.

const $ = (id) => document.getElementById(id);
const chargePoints = new Map();   // id -> charge point view
const framesByCp = new Map();     // id -> Map(seq -> frame)
const callsByCp = new Map();      // id -> Map(seq -> call record)
const transactions = new Map();   // id -> transaction summary
let tags = [];
let selected = null;              // the charge point shown
let lastSeq = 0;                  // the newest frame: the stream resumes after it
let current = null;               // {action, form} of the message being composed
let sending = false;              // a Send is in flight
const FRAMES_SHOWN = 1000;
const PROFILE_ORDER = ["Core", "FirmwareManagement", "LocalAuthListManagement", "Reservation",
  "SmartCharging", "RemoteTrigger", "Security"];

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  return e;
}

function clock(iso, ms) {
  const d = new Date(iso);
  if (!iso || isNaN(d)) return iso ? String(iso) : "—";
  const t = d.toLocaleTimeString("en-GB", { hour12: false });
  return ms ? t + "." + String(d.getMilliseconds()).padStart(3, "0") : t;
}

function dateTime(iso) {
  const d = new Date(iso);
  if (!iso || isNaN(d)) return "—";
  return d.toLocaleDateString("en-CA") + " " + clock(iso);
}

function pretty(value) {
  if (typeof value === "string") {
    try { return JSON.stringify(JSON.parse(value), null, 2); } catch (e) { return value; }
  }
  return JSON.stringify(value, null, 2);
}

async function api(method, path, body) {
  try {
    const res = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401) { location.reload(); return { status: 401, answer: {} }; }
    const text = await res.text();
    let answer = {};
    try { answer = text ? JSON.parse(text) : {}; } catch (e) { answer = { error: text }; }
    return { status: res.status, answer };
  } catch (e) {
    return { status: 0, answer: { error: "no answer from the CSMS (" + e.message + ")" } };
  }
}

// ---- navigation -------------------------------------------------------------------------------

function showView(name) {
  for (const b of document.querySelectorAll("nav.tabs button")) b.setAttribute("aria-selected", String(b.dataset.view === name));
  for (const v of ["charge-points", "tags", "transactions"]) $("view-" + v).hidden = v !== name;
  const hash = name === "charge-points" ? (selected ? "#cp=" + encodeURIComponent(selected) : "") : "#view=" + name;
  if (location.hash !== hash) history.replaceState(null, "", hash || location.pathname);
}

for (const b of document.querySelectorAll("nav.tabs button")) b.addEventListener("click", () => showView(b.dataset.view));

// ---- charge points ----------------------------------------------------------------------------

function statusClass(status) {
  if (status === "Available") return "ok";
  if (status === "Charging") return "info";
  if (status === "Faulted" || status === "Unavailable") return "bad";
  return "warn";
}

function registrationClass(r) {
  return r === "Accepted" ? "ok" : r === "Rejected" ? "bad" : "warn";
}

function renderList() {
  const list = $("cp-list");
  if (chargePoints.size === 0) return;
  list.replaceChildren();
  for (const cp of [...chargePoints.values()].sort((a, b) => a.id.localeCompare(b.id))) {
    const card = el("article", "card cp");
    card.dataset.id = cp.id;
    card.tabIndex = 0;
    card.setAttribute("aria-current", String(cp.id === selected));
    const title = el("div", "title");
    title.append(el("span", "", cp.id), el("span", "badge " + (cp.connected ? "ok" : "bad"), cp.connected ? "connected" : "offline"));
    const sub = el("div", "sub", [cp.vendor, cp.model, cp.firmware_version && "fw " + cp.firmware_version].filter(Boolean).join(" · ") || "no BootNotification yet");
    const more = el("div", "sub", (cp.security ? "profile " + cp.security.profile : "profile ?") +
      " · heartbeat " + clock(cp.last_heartbeat) + (cp.registration ? " · " + cp.registration : ""));
    const chips = el("div", "chips");
    for (const c of cp.connectors) {
      chips.append(el("span", "chip " + (c.error_code !== "NoError" ? "bad" : ""), c.id + ": " + c.status + (c.error_code !== "NoError" ? " (" + c.error_code + ")" : "")));
    }
    card.append(title, sub, more, chips);
    card.addEventListener("click", () => select(cp.id));
    card.addEventListener("keydown", (e) => { if (e.key === "Enter") select(cp.id); });
    list.append(card);
  }
}

function select(id) {
  const changed = selected !== id;
  selected = id;
  showView("charge-points");
  renderList();
  renderDetail();
  if (changed) {
    $("log").tBodies[0].replaceChildren();
    loadFrames(id);
    loadCalls(id);
    composeFor(id);
  }
}

function fact(dl, name, value) {
  dl.append(el("dt", "", name), el("dd", "", value === undefined || value === null || value === "" ? "—" : String(value)));
}

function renderDetail() {
  const cp = chargePoints.get(selected);
  $("cp-detail").hidden = !cp;
  if (!cp) return;
  $("cp-title").textContent = cp.id;
  $("cp-conn").textContent = cp.connected ? "connected" : "offline";
  $("cp-conn").className = "badge " + (cp.connected ? "ok" : "bad");
  $("cp-reg").textContent = cp.registration ? "registration " + cp.registration : "not registered yet";
  $("cp-reg").className = "badge " + registrationClass(cp.registration);
  const link = $("cp-station-ui");
  link.hidden = !cp.station_ui;
  if (cp.station_ui) link.href = cp.station_ui;
  const dl = $("cp-facts");
  dl.replaceChildren();
  fact(dl, "Vendor / model", cp.vendor ? cp.vendor + " / " + cp.model : null);
  fact(dl, "Firmware", cp.firmware_version);
  fact(dl, "Serial number", cp.serial_number);
  const s = cp.security;
  fact(dl, "Security", s ? "profile " + s.profile + " (" + [s.tls ? "TLS" : "no TLS", s.basic_auth ? "Basic auth" : "no Basic auth",
    s.client_certificate ? "client certificate" : "no client certificate"].join(", ") + ")" : null);
  fact(dl, "Connected since", cp.connected ? dateTime(cp.connected_at) : null);
  fact(dl, "Last heartbeat", dateTime(cp.last_heartbeat));
  fact(dl, "Running transactions", cp.active_transactions.map((t) => "#" + t).join(", "));
  const body = $("cp-connectors").tBodies[0];
  body.replaceChildren();
  for (const c of cp.connectors) {
    const tr = el("tr");
    const status = el("td");
    status.append(el("span", "badge " + statusClass(c.status), c.status));
    tr.append(el("td", "", c.id === 0 ? "0 (charge point)" : c.id), status, el("td", c.error_code !== "NoError" ? "field-error" : "", c.error_code),
      el("td", "", [c.info, c.vendor_error_code].filter(Boolean).join(" · ")), el("td", "", clock(c.timestamp)));
    body.append(tr);
  }
  if (cp.connectors.length === 0) {
    const tr = el("tr");
    const td = el("td", "muted", "no StatusNotification yet");
    td.colSpan = 5;
    tr.append(td);
    body.append(tr);
  }
  renderRegistration(cp, false);
  $("cp-disconnect").disabled = !cp.connected;
  $("reg-boot").disabled = !cp.connected || !!cp.call_waiting || sending;
  $("log-download").href = logUrl(cp.id, "log.html");
  updateSendButton();
}

// ---- the registration answer ------------------------------------------------------------------

function renderRegistration(cp, force) {
  const form = $("registration");
  const answer = cp.registration_answer;
  const shown = answer ? answer.status : "";
  if (force || form.dataset.for !== cp.id || form.dataset.saved !== JSON.stringify(answer)) {
    form.dataset.for = cp.id;
    form.dataset.saved = JSON.stringify(answer);
    $("reg-status").value = shown;
    $("reg-interval").value = answer ? answer.interval : "";
  }
  regChanged();
}

function regChanged() {
  const cp = chargePoints.get(selected);
  if (!cp) return;
  const status = $("reg-status").value;
  const interval = $("reg-interval").value;
  const answer = cp.registration_answer;
  $("reg-interval").disabled = status === "";
  const valid = status === "" || (/^\d+$/.test(interval) && Number(interval) <= 2147483647);
  const same = status === "" ? !answer : !!answer && answer.status === status && String(answer.interval) === interval;
  $("reg-save").disabled = !valid || same;
  $("reg-note").textContent = !valid ? "the interval is a whole number of seconds"
    : "answered at the next BootNotification" + (answer ? "" : " (now: the CSMS default)");
}

$("reg-status").addEventListener("change", () => {
  if ($("reg-status").value && $("reg-interval").value === "") $("reg-interval").value = "300";
  regChanged();
});
$("reg-interval").addEventListener("input", regChanged);
$("registration").addEventListener("submit", async (e) => {
  e.preventDefault();
  const id = selected;
  const status = $("reg-status").value;
  const path = "/api/v1/charge-points/" + encodeURIComponent(id) + "/registration";
  const { status: code, answer } = status === ""
    ? await api("DELETE", path)
    : await api("PUT", path, { status, interval: Number($("reg-interval").value) });
  if (code === 200) { chargePoints.set(answer.id, answer); renderRegistration(answer, true); }
  else $("reg-note").textContent = "refused: " + (answer.error || "HTTP " + code);
});
$("reg-boot").addEventListener("click", () => sendCall(selected, "TriggerMessage", { requestedMessage: "BootNotification" }));
$("cp-disconnect").addEventListener("click", async () => {
  $("cp-disconnect").disabled = true;
  await api("POST", "/api/v1/charge-points/" + encodeURIComponent(selected) + "/disconnect");
});

// ---- composing and sending a message ------------------------------------------------------------

function fillActions() {
  const select = $("action");
  const groups = new Map();
  for (const a of ACTIONS) {
    if (!groups.has(a.profile)) groups.set(a.profile, []);
    groups.get(a.profile).push(a);
  }
  for (const profile of PROFILE_ORDER.filter((p) => groups.has(p))) {
    const group = el("optgroup");
    group.label = profile;
    for (const a of groups.get(profile)) { const o = el("option", "", a.action); o.value = a.action; group.append(o); }
    select.append(group);
  }
  select.value = "RemoteStartTransaction";
}

function composeFor(id) {
  const cp = chargePoints.get(id);
  const action = ACTIONS.find((a) => a.action === $("action").value);
  if (!action) return;
  const firstTag = tags.find((t) => t.effective_status === "Accepted");
  const ctx = {
    idTag: firstTag ? firstTag.id_tag : undefined,
    transactionId: cp && cp.active_transactions.length ? cp.active_transactions[0] : undefined,
  };
  const form = buildForm(action.schema, ctx, checkPayload);
  current = { action: action.action, schema: action.schema, form };
  $("form-box").replaceChildren(form.node);
  const template = $("template");
  template.hidden = action.templates.length === 0;
  template.replaceChildren(el("option", "", "templates…"));
  template.firstElementChild.value = "";
  action.templates.forEach((t, i) => { const o = el("option", "", t.name); o.value = String(i); template.append(o); });
  $("as-json").checked = false;
  $("json-box").hidden = true;
  $("form-box").hidden = false;
  checkPayload();
}

// The payload being composed: {value, errors}.
function payload() {
  if (!current) return { value: undefined, errors: [["", "no action chosen"]] };
  if ($("as-json").checked) {
    let value;
    try { value = JSON.parse($("json-box").value); } catch (e) { return { value: undefined, errors: [["", "not JSON: " + e.message]] }; }
    return { value, errors: validate(current.schema, value, current.schema, "", []) };
  }
  const value = current.form.get();
  return { value, errors: validate(current.schema, value, current.schema, "", []) };
}

function checkPayload() {
  const { errors } = payload();
  if ($("as-json").checked) {
    $("json-errors").textContent = errors.map((e) => e[1]).join("; ");
  } else if (current) {
    current.form.showErrors(errors);
    $("json-errors").textContent = "";
  }
  updateSendButton();
}

function updateSendButton() {
  const cp = chargePoints.get(selected);
  let why = "";
  if (!cp) why = "choose a charge point";
  else if (!cp.connected) why = cp.id + " is not connected";
  else if (cp.call_waiting) why = cp.call_waiting + " waits for its answer";
  else if (sending) why = "sending…";
  else if (payload().errors.length) why = "fix the fields marked in red";
  $("send-button").disabled = why !== "";
  $("send-why").textContent = why;
  if (cp) $("reg-boot").disabled = !cp.connected || !!cp.call_waiting || sending;
}

$("action").addEventListener("change", () => composeFor(selected));
$("template").addEventListener("change", () => {
  const action = ACTIONS.find((a) => a.action === current.action);
  const t = action && action.templates[Number($("template").value)];
  if (!t) return;
  if ($("as-json").checked) $("json-box").value = pretty(t.payload);
  else current.form.set(t.payload);
  checkPayload();
});
$("as-json").addEventListener("change", () => {
  const json = $("as-json").checked;
  if (json) {
    $("json-box").value = pretty(current.form.get());
  } else {
    try { current.form.set(JSON.parse($("json-box").value)); } catch (e) { /* the form keeps its values */ }
  }
  $("json-box").hidden = !json;
  $("form-box").hidden = json;
  checkPayload();
});
$("json-box").addEventListener("input", checkPayload);
$("send-button").addEventListener("click", () => {
  const { value, errors } = payload();
  if (errors.length === 0) sendCall(selected, current.action, value);
});

async function sendCall(id, action, value) {
  sending = true;
  updateSendButton();
  $("send-why").textContent = "sending " + action + "…";
  const { status, answer } = await api("POST", "/api/v1/charge-points/" + encodeURIComponent(id) + "/calls", { action, payload: value });
  sending = false;
  await loadCalls(id);
  updateSendButton();
  if (status !== 200) {
    $("send-why").textContent = "refused (HTTP " + status + "): " + (answer.error || "");
    $("send-why").className = "field-error";
  } else {
    $("send-why").className = "muted";
  }
}

async function loadCalls(id) {
  const { status, answer } = await api("GET", "/api/v1/charge-points/" + encodeURIComponent(id) + "/calls");
  if (status !== 200) return;
  const calls = new Map();
  for (const c of answer) calls.set(c.seq, c);
  callsByCp.set(id, calls);
  if (id === selected) renderCalls();
}

const OUTCOME = { answered: "answered", callerror: "CALLERROR", timeout: "no answer (timeout)", disconnected: "connection closed before the answer" };

function renderCalls() {
  const list = $("calls");
  const calls = [...(callsByCp.get(selected) || new Map()).values()].sort((a, b) => b.seq - a.seq);
  $("calls-count").textContent = calls.length ? "(" + calls.length + ")" : "";
  list.replaceChildren();
  if (calls.length === 0) list.append(el("li", "muted", "Nothing sent yet."));
  for (const c of calls.slice(0, 30)) {
    const o = c.outcome;
    const li = el("li", o ? o.result : "waiting");
    li.dataset.action = c.action;
    const head = el("div", "head");
    head.append(el("span", "muted", clock(c.time)), el("strong", "", c.action),
      el("span", "outcome", o ? OUTCOME[o.result] || o.result : "waiting for the answer…"));
    li.append(head);
    const req = el("details");
    req.append(el("summary", "", "request"), el("pre", "", pretty(c.payload)));
    li.append(req);
    if (o && o.result === "answered") {
      li.append(el("pre", "answer", pretty(o.payload)));
      const s = o.payload.chargingSchedule;
      if (c.action === "GetCompositeSchedule" && s) {
        li.append(el("div", "muted", "Composite schedule from " + dateTime(o.payload.scheduleStart || s.startSchedule) +
          ", connector " + o.payload.connectorId),
        stepChart(s.chargingSchedulePeriod, s.duration, s.chargingRateUnit, "composite schedule"));
      }
    } else if (o && o.result === "callerror") {
      li.append(el("div", "answer", o.code + ": " + (o.description || "(no description)")));
      if (o.details && Object.keys(o.details).length) li.append(el("pre", "", pretty(o.details)));
    }
    list.append(li);
  }
}

// ---- the message log ----------------------------------------------------------------------------

function logUrl(id, what) {
  const filter = $("log-filter").value;
  return "/api/v1/charge-points/" + encodeURIComponent(id) + "/" + what + (filter ? "?action=" + encodeURIComponent(filter) : "");
}

function keepFrame(f) {
  lastSeq = Math.max(lastSeq, f.seq);
  if (!framesByCp.has(f.charge_point_id)) framesByCp.set(f.charge_point_id, new Map());
  const frames = framesByCp.get(f.charge_point_id);
  const fresh = !frames.has(f.seq);
  frames.set(f.seq, f);
  if (frames.size > 5000) frames.delete(frames.keys().next().value);
  return fresh;
}

async function loadFrames(id) {
  const { status, answer } = await api("GET", "/api/v1/charge-points/" + encodeURIComponent(id) + "/frames");
  if (status === 200) for (const f of answer) keepFrame(f);
  if (id === selected) renderLog();
}

function frameRow(f) {
  const tr = el("tr", f.direction + " " + f.message_type);
  tr.dataset.seq = f.seq;
  tr.append(el("td", "mono", clock(f.time, true)), el("td", "dir", f.direction === "sent" ? "→ CP" : "← CP"),
    el("td", "type", f.message_type + (f.error_code ? " " + f.error_code : "")), el("td", "", f.action || ""));
  const details = el("details");
  details.append(el("summary", "", f.text), el("pre", "", pretty(f.text)));
  const cell = el("td");
  cell.append(details);
  tr.append(cell);
  return tr;
}

function renderLogFilter(frames) {
  const select = $("log-filter");
  const actions = [...new Set(frames.map((f) => f.action).filter(Boolean))].sort();
  const now = [...select.options].slice(1).map((o) => o.value);
  if (now.join() === actions.join()) return;
  const chosen = select.value;
  select.replaceChildren(el("option", "", "every action"));
  select.firstElementChild.value = "";
  for (const a of actions) { const o = el("option", "", a); o.value = a; select.append(o); }
  select.value = actions.includes(chosen) ? chosen : "";
}

function renderLog() {
  const frames = [...(framesByCp.get(selected) || new Map()).values()].sort((a, b) => b.seq - a.seq);
  renderLogFilter(frames);
  const filter = $("log-filter").value;
  const shown = frames.filter((f) => !filter || f.action === filter).slice(0, FRAMES_SHOWN);
  $("log").tBodies[0].replaceChildren(...shown.map(frameRow));
  $("log-count").textContent = shown.length + " of " + frames.length + " frames, newest first";
  $("log-download").href = logUrl(selected, "log.html");
}

function liveFrame(f) {
  if (!keepFrame(f) || f.charge_point_id !== selected) return;
  const filter = $("log-filter").value;
  if (filter && f.action !== filter) { renderLogFilter([...framesByCp.get(selected).values()]); return; }
  const body = $("log").tBodies[0];
  body.insertBefore(frameRow(f), body.firstChild);
  while (body.rows.length > FRAMES_SHOWN) body.deleteRow(body.rows.length - 1);
  if (f.action && ![...$("log-filter").options].some((o) => o.value === f.action)) renderLogFilter([...framesByCp.get(selected).values()]);
  $("log-count").textContent = body.rows.length + " of " + framesByCp.get(selected).size + " frames, newest first";
}

$("log-filter").addEventListener("change", renderLog);

// ---- the event stream and the start -------------------------------------------------------------

function chargePointChanged(cp) {
  chargePoints.set(cp.id, cp);
  if (!selected && location.hash === "") select(cp.id);
  renderList();
  if (cp.id === selected) renderDetail();
}

function follow() {
  const events = new EventSource("/api/v1/events?after=" + lastSeq);
  events.addEventListener("open", () => { $("stream").textContent = "live"; $("stream").className = "badge ok"; });
  events.addEventListener("error", () => {
    events.close();
    $("stream").textContent = "CSMS unreachable, retrying (what you see may be old)";
    $("stream").className = "badge bad";
    setTimeout(() => { follow(); loadTransactions(); if (selected) loadCalls(selected); }, 2000);
  });
  events.addEventListener("charge_points", (e) => {
    for (const cp of JSON.parse(e.data)) chargePoints.set(cp.id, cp);
    const wanted = new URLSearchParams(location.hash.slice(1)).get("cp");
    if (!selected && wanted && chargePoints.has(wanted)) select(wanted);
    else if (!selected && chargePoints.size && !location.hash.startsWith("#view=")) select([...chargePoints.keys()].sort()[0]);
    renderList();
    renderDetail();
  });
  events.addEventListener("charge_point", (e) => chargePointChanged(JSON.parse(e.data)));
  events.addEventListener("tags", (e) => { tags = JSON.parse(e.data); renderTags(); checkNewTag(); });
  events.addEventListener("transaction", (e) => transactionChanged(JSON.parse(e.data)));
  events.addEventListener("frame", (e) => liveFrame(JSON.parse(e.data)));
  events.addEventListener("call", (e) => {
    const c = JSON.parse(e.data);
    if (!callsByCp.has(c.charge_point_id)) callsByCp.set(c.charge_point_id, new Map());
    callsByCp.get(c.charge_point_id).set(c.seq, c);
    if (c.charge_point_id === selected) renderCalls();
  });
}

fillActions();
wireTagForm();
renderTags();
checkNewTag();
const startView = new URLSearchParams(location.hash.slice(1)).get("view");
if (startView === "tags" || startView === "transactions") showView(startView);
loadTransactions();
follow();
