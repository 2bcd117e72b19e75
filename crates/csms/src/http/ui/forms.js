// ---- forms generated from the official OCPP 1.6 JSON schemas --------------------------------
//
// buildForm(schema, defaults) makes a form for a request payload: an input per field (a select
// for an enum, a textarea for long strings, a list with Add/Remove for arrays, a checkbox to
// include an optional object), every required field pre-filled with a sensible default. The
// value is validated against the same schema (validate()) on every change; the errors show
// next to their field. A charging schedule gets a preview chart of its periods.

// The schema `s` with its $ref resolved against the root schema's definitions.
function resolveRef(s, root) {
  if (s && s.$ref) {
    const name = s.$ref.replace(/^#\/definitions\//, "");
    return (root.definitions || {})[name] || {};
  }
  return s || {};
}

function joinPath(path, key) {
  return typeof key === "number" ? path + "[" + key + "]" : (path ? path + "." + key : key);
}

const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i;
const INT32 = [-2147483648, 2147483647];

// Every violation of `schema` by `value`, as [path, message]; `undefined` is "absent". A
// required list must not be empty either: OCPP 1.6 gives every required list 1..* items (the
// schemas do not say so; charge points and ocpp-types refuse an empty one).
function validate(schema, value, root, path, out, required) {
  const s = resolveRef(schema, root);
  if (value === undefined) return out;
  const where = path || "payload";
  switch (s.type) {
    case "object": {
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        out.push([path, where + " must be an object"]);
        break;
      }
      for (const r of s.required || []) {
        if (value[r] === undefined) out.push([joinPath(path, r), joinPath(path, r) + " is required"]);
      }
      for (const [k, v] of Object.entries(value)) {
        const sub = (s.properties || {})[k];
        if (sub) validate(sub, v, root, joinPath(path, k), out, (s.required || []).includes(k));
        else if (s.additionalProperties === false) out.push([joinPath(path, k), joinPath(path, k) + " is not a field of this message"]);
      }
      break;
    }
    case "array": {
      if (!Array.isArray(value)) { out.push([path, where + " must be a list"]); break; }
      const min = Math.max(s.minItems || 0, required ? 1 : 0);
      if (value.length < min) out.push([path, where + " needs at least " + min + " item" + (min === 1 ? "" : "s")]);
      if (s.maxItems !== undefined && value.length > s.maxItems) out.push([path, where + " takes at most " + s.maxItems + " item(s)"]);
      value.forEach((v, i) => validate(s.items, v, root, joinPath(path, i), out));
      break;
    }
    case "string": {
      if (typeof value !== "string") { out.push([path, where + " must be text"]); break; }
      if (s.enum && !s.enum.includes(value)) out.push([path, where + " must be one of " + s.enum.join(", ")]);
      if (s.maxLength !== undefined && [...value].length > s.maxLength) {
        out.push([path, where + " is " + [...value].length + " characters, at most " + s.maxLength]);
      }
      if (s.format === "date-time" && !(DATE_TIME.test(value) && Number.isFinite(Date.parse(value)))) {
        out.push([path, where + " must be a date-time with a time zone, e.g. 2026-01-01T12:00:00Z"]);
      }
      break;
    }
    case "integer": {
      if (!Number.isInteger(value)) out.push([path, where + " must be a whole number"]);
      else if (value < INT32[0] || value > INT32[1]) out.push([path, where + " is out of range"]);
      break;
    }
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) { out.push([path, where + " must be a number"]); break; }
      if (s.multipleOf && Math.abs(Math.round(value / s.multipleOf) * s.multipleOf - value) > 1e-9) {
        out.push([path, where + " must be a multiple of " + s.multipleOf]);
      }
      break;
    }
    case "boolean":
      if (typeof value !== "boolean") out.push([path, where + " must be true or false"]);
      break;
    default:
      break;
  }
  return out;
}

// An ISO date-time `secondsAhead` from now, without milliseconds.
function isoIn(secondsAhead) {
  return new Date(Date.now() + secondsAhead * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

// The default of a required field by its name (and the context: tags, the charge point).
function defaultFor(name, s, ctx) {
  const known = {
    connectorId: 1, idTag: ctx.idTag || "DEADBEEF", transactionId: ctx.transactionId,
    chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: "TxDefaultProfile",
    chargingProfileKind: "Absolute", chargingRateUnit: "A", startPeriod: 0, limit: 16,
    duration: 3600, key: "HeartbeatInterval", value: "300", reservationId: 1, listVersion: 1,
    updateType: "Full", requestId: 1, vendorId: "com.example", location: "ftp://127.0.0.1/",
    remoteLocation: "ftp://127.0.0.1/logs", retries: 1, retryInterval: 60,
  };
  if (s.format === "date-time") return name === "expiryDate" ? isoIn(3600) : isoIn(0);
  if (known[name] !== undefined && (!s.enum || s.enum.includes(known[name]))) return known[name];
  if (s.enum) return s.enum[0];
  if (s.type === "integer" || s.type === "number") return 0;
  if (s.type === "string") return "";
  return undefined;
}

// Optional fields filled in all the same, because leaving them out is rarely what is meant:
// an Absolute schedule without startSchedule is refused by many stations, and most calls name
// a connector.
function prefillFor(name, s) {
  if (name === "startSchedule" && s.format === "date-time") return isoIn(0);
  if (name === "connectorId" && s.type === "integer") return 1;
  return undefined;
}

// The properties of an object in the order a person fills them in: the ones that come first
// in a schedule (startPeriod) or a call (connectorId), then the required ones, then the rest,
// each group in the schema's order.
function orderedProps(s) {
  const props = Object.entries(s.properties || {});
  const req = new Set(s.required || []);
  const rank = ([k]) => (k === "startPeriod" || k === "connectorId" ? 0 : req.has(k) ? 1 : 2);
  return props.map((p, i) => [p, i]).sort((a, b) => rank(a[0]) - rank(b[0]) || a[1] - b[1]).map(([p]) => p);
}

// A form for `schema`; `ctx` gives defaults ({idTag, transactionId}); `onChange` is called
// after every edit. Returns {node, get(), set(value), showErrors(list)}.
function buildForm(schema, ctx, onChange) {
  const errorSpans = new Map();
  const previews = [];
  const changed = () => {
    for (const p of previews) p();
    onChange();
  };

  function errorSpan(path) {
    const span = el("span", "field-error");
    errorSpans.set(path, span);
    return span;
  }

  function label(name, s, required) {
    const l = el("label", "name", name);
    if (required) l.append(el("span", "req", " *"));
    const hints = [];
    if (s.type) hints.push(s.type === "integer" ? "integer" : s.type);
    if (s.maxLength !== undefined) hints.push("≤ " + s.maxLength + " chars");
    if (s.format) hints.push(s.format);
    if (s.multipleOf) hints.push("× " + s.multipleOf);
    if (hints.length) l.title = hints.join(", ");
    return l;
  }

  // A scalar field: {node (the input), get, set}.
  function scalar(name, s, required, path) {
    let input;
    if (s.enum) {
      input = el("select");
      if (!required) { const o = el("option", "", "— (absent)"); o.value = ""; input.append(o); }
      for (const v of s.enum) { const o = el("option", "", v); o.value = v; input.append(o); }
    } else if (s.type === "string" && (s.maxLength === undefined || s.maxLength > 200) && s.format !== "date-time") {
      input = el("textarea");
      input.rows = name === "data" || (s.maxLength || 0) > 1000 ? 5 : 2;
    } else {
      input = el("input");
      if (s.type === "integer") { input.type = "number"; input.step = "1"; }
      else if (s.type === "number") { input.type = "number"; input.step = s.multipleOf ? String(s.multipleOf) : "any"; }
      else input.type = "text";
      if (s.format === "date-time") input.placeholder = "2026-01-01T12:00:00Z";
    }
    input.name = path;
    input.setAttribute("aria-label", path);
    input.addEventListener("input", changed);
    input.addEventListener("change", changed);
    const get = () => {
      const raw = input.value;
      if (raw === "") return s.type === "string" && required && !s.enum ? "" : undefined;
      if (s.type === "integer" || s.type === "number") return Number(raw);
      return raw;
    };
    const set = (v) => { input.value = v === undefined || v === null ? "" : String(v); };
    const wrap = el("span", "input");
    wrap.append(input);
    if (s.format === "date-time") {
      const now = el("button", "small", "now");
      now.type = "button";
      now.addEventListener("click", () => { input.value = isoIn(0); changed(); });
      wrap.append(now);
    }
    return { node: wrap, get, set };
  }

  // Any field: object, array or scalar.
  function field(name, rawSchema, required, path) {
    const s = resolveRef(rawSchema, schema);
    if (s.type === "object") return objectField(name, s, required, path);
    if (s.type === "array") return arrayField(name, s, required, path);
    const f = scalar(name, s, required, path);
    f.set(required ? defaultFor(name, s, ctx) : prefillFor(name, s));
    return f;
  }

  function objectField(name, s, required, path) {
    const box = el(path ? "fieldset" : "div", path ? "object" : "root");
    const props = orderedProps(s);
    const req = new Set(s.required || []);
    const children = [];
    const compact = path && props.every(([, p]) => !["object", "array"].includes(resolveRef(p, schema).type));
    const body = el("div", compact ? "props compact" : "props");
    for (const [key, sub] of props) {
      const childPath = joinPath(path, key);
      const child = field(key, sub, req.has(key), childPath);
      children.push([key, child]);
      const type = resolveRef(sub, schema).type;
      // An object has its name in its legend; a list gets its name above it, full width.
      const row = el("div", type === "object" || type === "array" ? "prop block" : "prop");
      row.dataset.path = childPath;
      if (type !== "object") row.append(label(key, resolveRef(sub, schema), req.has(key)));
      row.append(child.node, errorSpan(childPath));
      body.append(row);
    }
    let include = null;
    if (path) {
      const legend = el("legend");
      if (!required) {
        include = el("input");
        include.type = "checkbox";
        include.setAttribute("aria-label", "include " + path);
        include.addEventListener("change", () => { body.hidden = !include.checked; changed(); });
        legend.append(include, " ");
        body.hidden = true;
      }
      legend.append(el("span", "name", name), required ? el("span", "req", " *") : "");
      box.append(legend);
    }
    box.append(body);
    if (s.properties && s.properties.chargingSchedulePeriod) {
      const preview = el("div", "preview");
      box.append(preview);
      previews.push(() => {
        const v = get();
        preview.replaceChildren();
        if (!v) return;
        preview.append(el("div", "muted", "Preview of the schedule"),
          stepChart(v.chargingSchedulePeriod, v.duration, v.chargingRateUnit || "", "schedule preview"));
      });
    }
    function get() {
      if (include && !include.checked) return undefined;
      const out = {};
      for (const [key, child] of children) {
        const v = child.get();
        if (v !== undefined) out[key] = v;
      }
      return out;
    }
    function set(v) {
      if (include) { include.checked = v !== undefined && v !== null; body.hidden = !include.checked; }
      for (const [key, child] of children) child.set(v ? v[key] : undefined);
    }
    errorSpans.set(path, errorSpans.get(path) || el("span"));
    return { node: box, get, set };
  }

  function arrayField(name, s, required, path) {
    const box = el("div", "array");
    const list = el("div", "items");
    const items = [];
    const add = el("button", "small", "+ Add");
    add.type = "button";
    const itemSchema = resolveRef(s.items, schema);
    function addItem(value) {
      const i = items.length;
      const itemPath = joinPath(path, i);
      const f = field(name + "[" + i + "]", s.items, true, itemPath);
      const row = el("div", "item");
      const remove = el("button", "small danger", "Remove");
      remove.type = "button";
      remove.setAttribute("aria-label", "remove " + itemPath);
      const entry = { f, row };
      remove.addEventListener("click", () => {
        // Built again, so every item's path (and its error) follows its new place.
        const values = items.map((it) => it.f.get());
        values.splice(items.indexOf(entry), 1);
        set(values);
        changed();
      });
      row.append(f.node, remove, errorSpan(itemPath));
      if (value !== undefined) f.set(value);
      items.push(entry);
      list.append(row);
    }
    add.addEventListener("click", () => {
      // A new period starts after the last one.
      let value;
      if (itemSchema.properties && itemSchema.properties.startPeriod && items.length) {
        const last = items[items.length - 1].f.get() || {};
        value = { startPeriod: (last.startPeriod || 0) + 900, limit: last.limit === undefined ? 16 : last.limit };
      }
      addItem(value);
      changed();
    });
    if (required || (s.minItems || 0) > 0) addItem(undefined);
    box.append(list, add);
    const get = () => {
      const values = items.map(({ f }) => f.get());
      return !required && values.length === 0 ? undefined : values;
    };
    function set(v) {
      items.splice(0, items.length);
      list.replaceChildren();
      for (const item of Array.isArray(v) ? v : []) addItem(item);
    }
    return { node: box, get, set };
  }

  const root = objectField("payload", resolveRef(schema, schema), true, "");
  const general = el("div", "field-error general");
  const node = el("div", "form");
  node.append(general, root.node);
  function showErrors(errors) {
    for (const span of errorSpans.values()) span.textContent = "";
    general.textContent = "";
    for (const [path, message] of errors) {
      const span = errorSpans.get(path);
      if (span && path) span.textContent = (span.textContent ? span.textContent + "; " : "") + message;
      else general.textContent = (general.textContent ? general.textContent + "; " : "") + message;
    }
  }
  setTimeout(() => { for (const p of previews) p(); }, 0);
  return { node, get: root.get, set: (v) => { root.set(v); changed(); }, showErrors };
}
