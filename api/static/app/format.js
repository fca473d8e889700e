// Numbers and dates as Indians read them, the mirror of domain/formats.py: lakh grouping
// (1,23,45,678), shares as "87.5%", hours or days, and IST calendar days.

export const DASH = "—";
const IST_MS = 330 * 60 * 1000;

/** An integer with Indian digit grouping: 1,23,45,678. */
export function grouped(value) {
  const n = Math.trunc(Number(value));
  const sign = n < 0 ? "-" : "";
  let digits = String(Math.abs(n));
  if (digits.length <= 3) return sign + digits;
  const tail = digits.slice(-3);
  let head = digits.slice(0, -3);
  const pairs = [];
  while (head.length > 2) {
    pairs.unshift(head.slice(-2));
    head = head.slice(0, -2);
  }
  return sign + [head, ...pairs, tail].join(",");
}

/** Round the number's shortest decimal form half up, as Python's Decimal(repr(x)) does. */
function roundHalfUp(value, digits) {
  const x = Math.abs(value);
  if (x < 1e-6) return 0;
  return Number(Math.round(Number(`${x}e${digits}`)) + `e-${digits}`);
}

/** A number with lakh grouping and at most `digits` decimals ("12,345.5", "3"). */
export function decimal(value, digits = 1) {
  const rounded = roundHalfUp(Number(value), digits);
  const [whole, frac = ""] = rounded.toFixed(digits).split(".");
  const kept = frac.replace(/0+$/, "");
  const sign = value < 0 && rounded !== 0 ? "-" : "";
  return sign + grouped(Number(whole)) + (kept ? `.${kept}` : "");
}

/** A share (0..1) as a percentage with at most one decimal; a dash for null. */
export function percent(share) {
  return share === null || share === undefined ? DASH : `${decimal(share * 100)}%`;
}

/** Fill a catalogue string's {name} placeholders. */
export function fill(text, values) {
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

/** Hours as people say them: "18.5 hours" under two days, then "3.2 days". */
export function duration(hours, words) {
  if (hours === null || hours === undefined) return DASH;
  if (hours < 48) return fill(words.hours, { n: decimal(hours) });
  return fill(words.days, { n: decimal(hours / 24) });
}

/** A calendar day: "2 Dec 2026" from "2026-12-02" (or from a Date, taken in IST). */
export function istDay(value, months) {
  let year, month, day;
  if (typeof value === "string") {
    [year, month, day] = value.slice(0, 10).split("-").map(Number);
  } else {
    const local = new Date(value.getTime() + IST_MS);
    [year, month, day] = [local.getUTCFullYear(), local.getUTCMonth() + 1, local.getUTCDate()];
  }
  return `${day} ${months[month - 1]} ${year}`;
}

/** An instant in IST: "2 Dec 2026, 14:05 IST". */
export function istTime(value, months) {
  const moment = typeof value === "string" ? new Date(value) : value;
  const local = new Date(moment.getTime() + IST_MS);
  const hh = String(local.getUTCHours()).padStart(2, "0");
  const mm = String(local.getUTCMinutes()).padStart(2, "0");
  return `${istDay(moment, months)}, ${hh}:${mm} IST`;
}

/** The page-data block the server rendered (api/pages/view.py page_data). */
export function pageData() {
  const block = document.getElementById("page-data");
  return block ? JSON.parse(block.textContent) : {};
}

/** GET a JSON document from this host; throws an Error carrying the status on failure. */
export async function getJSON(path, params = {}, headers = {}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") query.set(key, value);
  }
  const url = query.toString() ? `${path}?${query}` : path;
  const answer = await fetch(url, { headers: { Accept: "application/json", ...headers } });
  if (!answer.ok) {
    const error = new Error(`${answer.status}`);
    error.status = answer.status;
    throw error;
  }
  return answer.json();
}
