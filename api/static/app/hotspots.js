// The officials' hotspots page. The official's API key is typed in, kept in this tab's
// sessionStorage, and sent only as the X-API-Key header: never in a URL, never in a cookie.
// Hotspots come from GET /v1/hotspots; one work order (POST /v1/hotspots/work-orders)
// reassigns every case of a hotspot to the official chosen.

import { fill, getJSON, grouped, istTime, pageData } from "./format.js";

const STORE = "civicops.apiKey";
const data = pageData();
const words = data.words;
const keyStatus = document.getElementById("key-status");
const listStatus = document.getElementById("hotspot-status");
const list = document.getElementById("hotspot-list");
let officials = [];

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function key() {
  return sessionStorage.getItem(STORE);
}

function headers() {
  return { "X-API-Key": key() };
}

async function useKey(token) {
  sessionStorage.setItem(STORE, token);
  try {
    officials = (await getJSON("/hotspots/officials", { city: data.city }, headers())).officials;
    keyStatus.textContent = words.key_kept;
    return true;
  } catch (error) {
    sessionStorage.removeItem(STORE);
    keyStatus.textContent = fill(words.key_refused, { status: error.status || "?" });
    return false;
  }
}

function officialLabel(o) {
  const where = o.ward_id ? `${words.ward} ${o.ward_id}` : o.zone || data.city;
  return `${o.name} · ${o.designation} · ${where}`;
}

function officialSelect(hotspot, id) {
  const select = element("select");
  select.id = id;
  select.required = true;
  const zones = new Set(hotspot.cases.map((c) => c.zone).filter(Boolean));
  const wards = new Set(hotspot.wards);
  const near = officials.filter((o) => (o.ward_id && wards.has(o.ward_id)) || (!o.ward_id && o.zone && zones.has(o.zone)));
  for (const [title, group] of [[words.near_officials, near], [words.all_officials, officials]]) {
    if (!group.length) continue;
    const optgroup = element("optgroup");
    optgroup.label = title;
    for (const o of group) {
      const option = element("option", officialLabel(o));
      option.value = String(o.id);
      optgroup.append(option);
    }
    select.append(optgroup);
  }
  return select;
}

function casesTable(hotspot) {
  const wrap = element("div", undefined, "scroll");
  wrap.setAttribute("role", "region");
  wrap.setAttribute("aria-label", fill(words.hotspot_heading, { category: data.categories[hotspot.category] || hotspot.category, n: grouped(hotspot.cases.length) }));
  wrap.tabIndex = 0;
  const table = element("table", undefined, "hotspot-cases");
  const head = element("tr");
  for (const title of [words.tracking_id, words.status, words.ward, words.sla_due, words.assignee]) {
    const th = element("th", title);
    th.scope = "col";
    head.append(th);
  }
  table.append(element("thead"));
  table.tHead.append(head);
  const body = element("tbody");
  for (const c of hotspot.cases) {
    const row = element("tr");
    row.dataset.trackingId = c.tracking_id;
    const id = element("th");
    id.scope = "row";
    id.append(element("code", c.tracking_id));
    row.append(
      id,
      element("td", (data.statuses && data.statuses[c.status]) || c.status),
      element("td", `${c.ward_id} ${c.ward_name || ""}`.trim()),
      element("td", c.sla_due_at ? istTime(c.sla_due_at, data.months) : "—"),
      element("td", c.assignee ? c.assignee.name : words.nobody, "assignee"),
    );
    body.append(row);
  }
  table.append(body);
  wrap.append(table);
  return wrap;
}

function wardNames(hotspot) {
  const names = new Map(hotspot.cases.map((c) => [c.ward_id, c.ward_name]));
  return hotspot.wards.map((id) => (names.get(id) ? `${id} ${names.get(id)}` : id)).join(", ");
}

function card(hotspot, index) {
  const article = element("article", undefined, "card hotspot");
  article.dataset.hotspot = hotspot.id;
  const name = data.categories[hotspot.category] || hotspot.category;
  const heading = element("h3", fill(words.hotspot_heading, { category: name, n: grouped(hotspot.cases.length) }));
  heading.id = `hotspot-${index}`;
  article.setAttribute("aria-labelledby", heading.id);
  const facts = element("dl", undefined, "facts");
  facts.append(
    element("dt", words.wards), element("dd", wardNames(hotspot)),
    element("dt", words.oldest_due), element("dd", hotspot.oldest_sla_due_at ? istTime(hotspot.oldest_sla_due_at, data.months) : "—"),
  );
  const form = element("form", undefined, "work-order");
  const pick = element("label", words.assign_to);
  pick.append(officialSelect(hotspot, `official-${index}`));
  const note = element("label", words.note);
  const noteInput = element("input");
  noteInput.type = "text";
  noteInput.maxLength = 500;
  note.append(noteInput);
  const button = element("button", words.issue_order);
  button.type = "submit";
  const result = element("div", undefined, "order-result");
  result.setAttribute("role", "status");
  form.append(pick, note, button);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    issue(hotspot, Number(form.querySelector("select").value), noteInput.value, button, result, article);
  });
  article.append(heading, facts, casesTable(hotspot), form, result);
  return article;
}

async function issue(hotspot, officialId, note, button, result, article) {
  button.disabled = true;
  result.textContent = words.loading;
  const body = { tracking_ids: hotspot.cases.map((c) => c.tracking_id), official_id: officialId };
  if (note.trim()) body.note = note.trim();
  try {
    const answer = await fetch("/v1/hotspots/work-orders", {
      method: "POST",
      headers: { ...headers(), "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    });
    if (!answer.ok) throw Object.assign(new Error(String(answer.status)), { status: answer.status });
    const order = await answer.json();
    const tally = { reassigned: 0, unchanged: 0, refused: 0 };
    const lines = element("ul", undefined, "outcomes");
    for (const r of order.results) {
      tally[r.outcome] = (tally[r.outcome] || 0) + 1;
      const line = element("li", `${r.tracking_id}: ${words[`outcome_${r.outcome}`] || r.outcome}${r.detail ? ` (${r.detail})` : ""}`);
      line.dataset.outcome = r.outcome;
      lines.append(line);
      const cell = article.querySelector(`tr[data-tracking-id="${r.tracking_id}"] .assignee`);
      if (cell && r.outcome === "reassigned") cell.textContent = order.official.name;
    }
    result.replaceChildren(element("p", fill(words.order_done, { name: order.official.name, ...tally })), lines);
  } catch (error) {
    result.textContent = fill(words.request_failed, { status: error.status || "?" });
  } finally {
    button.disabled = false;
  }
}

async function find(form) {
  if (!key()) {
    listStatus.textContent = words.key_missing;
    return;
  }
  const params = Object.fromEntries(new FormData(form).entries());
  listStatus.textContent = words.loading;
  try {
    const found = await getJSON("/v1/hotspots", params, headers());
    list.replaceChildren(...found.hotspots.map((h, i) => card(h, i)));
    const n = found.hotspots.length;
    listStatus.textContent = n === 0 ? words.no_hotspots : n === 1 ? words.hotspot_one : fill(words.hotspots_found, { n: grouped(n) });
  } catch (error) {
    listStatus.textContent = fill(error.status === 401 || error.status === 403 ? words.key_refused : words.request_failed, { status: error.status || "?" });
  }
}

document.getElementById("key-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const input = document.getElementById("api-key");
  const token = input.value.trim();
  if (!token) {
    keyStatus.textContent = words.key_missing;
    return;
  }
  input.value = "";
  await useKey(token);
});
document.getElementById("forget-key").addEventListener("click", () => {
  sessionStorage.removeItem(STORE);
  officials = [];
  list.replaceChildren();
  keyStatus.textContent = "";
});
document.getElementById("hotspot-form").addEventListener("submit", (event) => {
  event.preventDefault();
  find(event.target);
});
if (key()) useKey(key());
