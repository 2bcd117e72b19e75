// ---- what the CSMS keeps: tags and transactions -----------------------------------------------

const TAG_STATUSES = ["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"];
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i;

// Why an idTag (or parentIdTag) cannot be used, or "".
function tagProblem(value, name, optional) {
  if (optional && value === "") return "";
  const n = [...value].length;
  if (n < 1 || n > 20) return name + " must be 1 to 20 characters";
  if (value.trim() !== value) return name + " has spaces around it";
  return "";
}

function expiryProblem(value) {
  if (value === "") return "";
  return RFC3339.test(value) && Number.isFinite(Date.parse(value)) ? "" : "expiry must be like 2027-01-01T00:00:00Z";
}

// The body of a PUT/POST for the inputs of a tag.
function tagBody(status, expiry, parent) {
  const body = { status };
  if (expiry !== "") body.expiry_date = expiry;
  if (parent !== "") body.parent_id_tag = parent;
  return body;
}

function renderTags() {
  const body = $("tags").tBodies[0];
  // Edits not saved yet survive a change of another tag.
  const dirty = new Map();
  for (const tr of body.rows) {
    const save = tr.querySelector("button.primary");
    if (save && !save.disabled) dirty.set(tr.dataset.tag, [...tr.querySelectorAll("select, input")].map((i) => i.value));
  }
  body.replaceChildren();
  if (tags.length === 0) {
    const tr = el("tr");
    const td = el("td", "empty", "No tag: every idTag is answered Invalid.");
    td.colSpan = 6;
    tr.append(td);
    body.append(tr);
  }
  for (const t of tags) {
    const tr = el("tr", "edit");
    tr.dataset.tag = t.id_tag;
    const status = el("select");
    status.setAttribute("aria-label", "status of " + t.id_tag);
    for (const s of TAG_STATUSES) { const o = el("option", "", s); o.value = s; status.append(o); }
    status.value = t.status;
    const expiry = el("input");
    expiry.value = t.expiry_date || "";
    expiry.placeholder = "never";
    expiry.setAttribute("aria-label", "expiry of " + t.id_tag);
    const parent = el("input");
    parent.value = t.parent_id_tag || "";
    parent.maxLength = 20;
    parent.setAttribute("aria-label", "parentIdTag of " + t.id_tag);
    const save = el("button", "primary small", "Save");
    save.type = "button";
    const remove = el("button", "danger small", "Delete");
    remove.type = "button";
    const problem = el("span", "field-error");
    const check = () => {
      const why = expiryProblem(expiry.value.trim()) || tagProblem(parent.value, "parentIdTag", true);
      expiry.classList.toggle("bad", !!expiryProblem(expiry.value.trim()));
      problem.textContent = why;
      const same = status.value === t.status && expiry.value.trim() === (t.expiry_date || "") && parent.value === (t.parent_id_tag || "");
      save.disabled = !!why || same;
    };
    for (const input of [status, expiry, parent]) input.addEventListener("input", check);
    status.addEventListener("change", check);
    save.addEventListener("click", async () => {
      save.disabled = true;
      const { status: code, answer } = await api("PUT", "/api/v1/tags/" + encodeURIComponent(t.id_tag),
        tagBody(status.value, expiry.value.trim(), parent.value));
      if (code !== 200) { problem.textContent = answer.error || "HTTP " + code; save.disabled = false; }
    });
    remove.addEventListener("click", async () => {
      remove.disabled = true;
      const { status: code, answer } = await api("DELETE", "/api/v1/tags/" + encodeURIComponent(t.id_tag));
      if (code !== 200) { problem.textContent = answer.error || "HTTP " + code; remove.disabled = false; }
    });
    const effective = el("td");
    effective.append(el("span", "badge " + (t.effective_status === "Accepted" ? "ok" : "bad"), t.effective_status));
    const cells = [el("td", "mono", t.id_tag)];
    for (const input of [status, expiry, parent]) { const td = el("td"); td.append(input); cells.push(td); }
    const actions = el("td");
    actions.append(save, " ", remove, " ", problem);
    tr.append(...cells, effective, actions);
    body.append(tr);
    const kept = dirty.get(t.id_tag);
    if (kept) [status.value, expiry.value, parent.value] = kept;
    check();
  }
}

function checkNewTag() {
  const id = $("tag-id").value;
  const why = (id === "" ? "" : tagProblem(id, "idTag", false)) ||
    expiryProblem($("tag-expiry").value.trim()) || tagProblem($("tag-parent").value, "parentIdTag", true) ||
    (tags.some((t) => t.id_tag.toUpperCase() === id.toUpperCase()) ? id + " exists: edit it above" : "");
  $("tag-add-error").textContent = why;
  $("tag-add-button").disabled = id === "" || why !== "";
}

// Called once at the start (app.js): the add-a-tag form.
function wireTagForm() {
  for (const id of ["tag-id", "tag-expiry", "tag-parent"]) $(id).addEventListener("input", checkNewTag);
  $("tag-add").addEventListener("submit", addTag);
}

async function addTag(e) {
  e.preventDefault();
  $("tag-add-button").disabled = true;
  const body = tagBody($("tag-status").value, $("tag-expiry").value.trim(), $("tag-parent").value);
  body.id_tag = $("tag-id").value;
  const { status, answer } = await api("POST", "/api/v1/tags", body);
  if (status === 201) {
    for (const id of ["tag-id", "tag-expiry", "tag-parent"]) $(id).value = "";
    $("tag-add-error").textContent = "";
  } else {
    $("tag-add-error").textContent = answer.error || "HTTP " + status;
  }
  checkNewTag();
}

// ---- transactions -------------------------------------------------------------------------------

let shownTransaction = null;

function kWh(wh) {
  return wh === null || wh === undefined ? "—" : (wh / 1000).toFixed(3) + " kWh";
}

function renderTransactions() {
  const body = $("transactions").tBodies[0];
  const list = [...transactions.values()].sort((a, b) => b.id - a.id);
  $("tx-count").textContent = list.length + (list.length === 1 ? " transaction" : " transactions") + ", newest first";
  body.replaceChildren();
  for (const t of list) {
    const tr = el("tr", "clickable");
    tr.dataset.id = t.id;
    tr.setAttribute("aria-selected", String(t.id === shownTransaction));
    const running = t.meter_stop === null;
    const reason = el("td");
    reason.append(running ? el("span", "badge info", "running") : t.stop_reason || "");
    tr.append(el("td", "", t.id), el("td", "", t.charge_point_id), el("td", "", t.connector_id),
      el("td", "mono", t.id_tag + (t.id_tag_status !== "Accepted" ? " (" + t.id_tag_status + ")" : "")),
      el("td", "", dateTime(t.started)), el("td", "", t.meter_start + " Wh"), el("td", "", running ? "—" : dateTime(t.stopped)),
      el("td", "", kWh(t.energy_wh)), reason);
    tr.addEventListener("click", () => showTransaction(t.id));
    body.append(tr);
  }
  if (list.length === 0) {
    const tr = el("tr");
    const td = el("td", "empty", "No transaction yet.");
    td.colSpan = 9;
    tr.append(td);
    body.append(tr);
  }
}

async function showTransaction(id) {
  shownTransaction = id;
  renderTransactions();
  const { status, answer } = await api("GET", "/api/v1/transactions/" + id);
  if (status !== 200 || shownTransaction !== id) return;
  const box = $("tx-detail");
  box.hidden = false;
  box.replaceChildren();
  const t = answer;
  box.append(el("h3", "", "Transaction #" + t.id + " on " + t.charge_point_id + ", connector " + t.connector_id));
  const dl = el("dl");
  fact(dl, "idTag", t.id_tag + " (answered " + t.id_tag_status + ")");
  fact(dl, "Started", dateTime(t.started) + ", meter " + t.meter_start + " Wh");
  fact(dl, "Stopped", t.meter_stop === null ? "running" : dateTime(t.stopped) + ", meter " + t.meter_stop + " Wh, reason " + t.stop_reason +
    (t.stop_id_tag ? ", by " + t.stop_id_tag : ""));
  const { energy, power, derived } = meterSeries(t);
  const last = energy.length ? energy[energy.length - 1][1] * 1000 : null;
  fact(dl, "Energy", t.energy_wh !== null ? kWh(t.energy_wh)
    : last !== null ? kWh(last - t.meter_start) + " so far (last meter value)" : null);
  fact(dl, "Reservation", t.reservation_id);
  fact(dl, "Meter values", t.meter_value_count);
  box.append(dl);
  const charts = el("div", "charts");
  const e = el("div");
  e.append(el("h3", "", "Energy (meter register)"), lineChart([{ name: "energy", points: energy }], "kWh", "energy"));
  const p = el("div");
  p.append(el("h3", "", derived ? "Power (average between energy readings: none sampled)" : "Power"),
    lineChart([{ name: "power", points: power }], "kW", "power"));
  charts.append(e, p);
  box.append(charts);
  const raw = el("details");
  raw.append(el("summary", "", "meter values as sent"), el("pre", "", pretty(t.meter_values)));
  box.append(raw);
}

async function loadTransactions() {
  const { status, answer } = await api("GET", "/api/v1/transactions");
  if (status !== 200) return;
  for (const t of answer) transactions.set(t.id, t);
  renderTransactions();
}

// A refresh of the transaction shown, at most every second while its meter values come.
let txRefresh = null;
function transactionChanged(t) {
  transactions.set(t.id, t);
  renderTransactions();
  if (t.id !== shownTransaction || txRefresh) return;
  txRefresh = setTimeout(() => { txRefresh = null; if (shownTransaction === t.id) showTransaction(t.id); }, 1000);
}
