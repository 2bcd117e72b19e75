// ---- pricing: California Pricing on or off, and the tariffs (GET/PUT /api/v1/pricing) ----------

let pricing = null;          // the settings as the CSMS has them
let pricingDirty = false;    // edits not saved yet: a live update does not overwrite them

// One tariff row: the idTag (or "default"), its inputs, and for a tag a Remove button.
function tariffRow(tag, t) {
  const tr = el("tr", "edit");
  tr.dataset.tag = tag === null ? "" : tag;
  const cells = [el("td", "mono", tag === null ? "every other tag" : tag)];
  const fields = [["currency", "text", t.currency], ["kwh_price", "number", t.kwh_price],
    ["hour_price", "number", t.hour_price], ["flat_fee", "number", t.flat_fee]];
  for (const [name, type, value] of fields) {
    const input = el("input");
    input.type = type;
    input.dataset.field = name;
    input.value = value;
    if (type === "number") { input.min = "0"; input.step = "0.01"; input.style.width = "7em"; }
    else { input.maxLength = 8; input.style.width = "5em"; }
    input.setAttribute("aria-label", name + " of " + (tag === null ? "the default tariff" : tag));
    input.addEventListener("input", () => { pricingDirty = true; checkPricing(); });
    const td = el("td");
    td.append(input);
    cells.push(td);
  }
  const actions = el("td");
  if (tag !== null) {
    const remove = el("button", "danger small", "Remove");
    remove.type = "button";
    remove.addEventListener("click", () => { tr.remove(); pricingDirty = true; checkPricing(); });
    actions.append(remove);
  }
  tr.append(...cells, actions);
  return tr;
}

function renderPricing() {
  if (!pricing) return;
  $("pricing-on").checked = pricing.enabled;
  const body = $("tariffs").tBodies[0];
  body.replaceChildren(tariffRow(null, pricing.default),
    ...Object.entries(pricing.tags).map(([tag, t]) => tariffRow(tag, t)));
  pricingDirty = false;
  $("pricing-note").textContent = pricing.enabled ? "sessions are priced" : "no session is priced";
  checkPricing();
}

function pricingChanged(next) {
  pricing = next;
  if (!pricingDirty) renderPricing();
}

// The settings the form shows, and the first problem with them ("" when none).
function pricingForm() {
  const tariff = (tr) => {
    const t = {};
    for (const input of tr.querySelectorAll("input")) {
      t[input.dataset.field] = input.type === "number" ? Number(input.value) : input.value.trim();
    }
    return t;
  };
  const rows = [...$("tariffs").tBodies[0].rows];
  const body = { enabled: $("pricing-on").checked, default: tariff(rows[0]), tags: {} };
  let problem = "";
  for (const tr of rows) {
    const t = tariff(tr);
    const who = tr.dataset.tag || "the default tariff";
    if (!/^[A-Za-z$€]{1,8}$/.test(t.currency)) problem = problem || who + ": the currency must be 1 to 8 letters";
    for (const f of ["kwh_price", "hour_price", "flat_fee"]) {
      if (!Number.isFinite(t[f]) || t[f] < 0) problem = problem || who + ": prices are 0 or more";
    }
    if (tr.dataset.tag) body.tags[tr.dataset.tag] = t;
  }
  return { body, problem };
}

function checkPricing() {
  const { problem } = pricingForm();
  $("pricing-error").textContent = problem;
  $("pricing-save").disabled = !!problem || !pricingDirty;
}

// Called once at the start (app.js): the form's buttons; the settings come with the stream.
function wirePricingForm() {
  $("pricing-on").addEventListener("change", () => { pricingDirty = true; checkPricing(); });
  $("tariff-add").addEventListener("click", () => {
    const tag = $("tariff-tag").value;
    const why = tagProblem(tag, "idTag", false) ||
      ([...$("tariffs").tBodies[0].rows].some((r) => r.dataset.tag.toUpperCase() === tag.toUpperCase())
        ? tag + " has a tariff" : "");
    if (why) { $("pricing-error").textContent = why; return; }
    const t = pricingForm().body.default;
    $("tariffs").tBodies[0].append(tariffRow(tag, t));
    $("tariff-tag").value = "";
    pricingDirty = true;
    checkPricing();
  });
  $("pricing-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const { body, problem } = pricingForm();
    if (problem) return;
    $("pricing-save").disabled = true;
    const { status, answer } = await api("PUT", "/api/v1/pricing", body);
    if (status === 200) { pricingDirty = false; pricingChanged(answer); }
    else { $("pricing-error").textContent = answer.error || "HTTP " + status; $("pricing-save").disabled = false; }
  });
}
