// The supervisor's inbox and case pages: keep each SLA countdown ("overdue by 3 h",
// "due in 5 h") current while the page stays open. The server writes the same text first
// (api/pages/supervisor.py `countdown`), so without this script the page still says it.

import { grouped, pageData } from "./format.js";

const data = pageData();
const words = data.words || {};

/** A stretch of time as the countdown says it: minutes, hours under two days, then days. */
function span(seconds) {
  const minutes = Math.max(Math.floor(seconds / 60), 1);
  if (minutes < 60) return words.sup_span_minutes.replace("{n}", String(minutes));
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return words.sup_span_hours.replace("{n}", String(hours));
  return words.sup_span_days.replace("{n}", grouped(Math.floor(hours / 24)));
}

/** Rewrite every countdown from its deadline and the clock. */
function tick() {
  const now = Date.now();
  for (const element of document.querySelectorAll("time[data-countdown]")) {
    const due = Date.parse(element.getAttribute("datetime"));
    if (Number.isNaN(due)) continue;
    const seconds = (due - now) / 1000;
    const late = seconds < 0;
    const key = late ? "sup_overdue_by" : "sup_due_in";
    const text = words[key].replace("{span}", span(Math.abs(seconds)));
    if (element.textContent !== text) element.textContent = text;
    element.classList.toggle("late", late);
    const row = element.closest(".sup-row");
    if (row) row.classList.toggle("overdue", late);
  }
}

if (words.sup_due_in) {
  tick();
  setInterval(tick, 30_000);
}
