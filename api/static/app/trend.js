// The trend chart: uPlot over /v1/stats/trends (filed and resolved per period, and the share
// resolved on time on its own 0–100% axis). The server renders the same series as a table.

import { DASH, decimal, getJSON, grouped, istDay } from "./format.js";

const IST_MS = 330 * 60 * 1000;

function label(seconds, data) {
  const local = new Date(seconds * 1000 + IST_MS);
  const month = data.months[local.getUTCMonth()];
  return data.interval === "month" ? `${month} ${local.getUTCFullYear()}` : `${local.getUTCDate()} ${month}`;
}

/** Room for one x label: the longest month name (Kannada's are long) and a day number. */
function xSpace(data) {
  const longest = Math.max(...data.months.map((m) => m.length));
  return Math.round(36 + 8 * longest);
}

/** Draw the trend into `container` and keep it as wide as its box. */
export async function drawTrend(container, data) {
  const uPlot = window.uPlot;
  const trend = await getJSON("/v1/stats/trends", {
    city: data.city, from: data.from, to: data.to, category: data.category, interval: data.interval,
  });
  const points = trend.points;
  const xs = points.map((p) => Date.parse(`${p.start}T00:00:00+05:30`) / 1000);
  const share = points.map((p) => (p.on_time_share === null ? null : p.on_time_share * 100));
  const count = (u, v) => (v === null || v === undefined ? DASH : grouped(v));
  const height = () => (container.clientWidth < 500 ? 220 : 280);
  const opts = {
    width: container.clientWidth,
    height: height(),
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "Asia/Kolkata"),
    scales: { x: { time: true }, pct: { range: [0, 100] } },
    cursor: { drag: { x: false, y: false } },
    legend: { live: false },
    series: [
      { label: data.words.period_start, value: (u, v) => (v === null ? DASH : istDay(new Date(v * 1000), data.months)) },
      { label: data.words.series_filed, stroke: "#2c5d8f", fill: "rgba(44,93,143,0.12)", width: 2, value: count },
      { label: data.words.series_resolved, stroke: "#1b7f3b", width: 2, value: count },
      {
        label: data.words.series_on_time, scale: "pct", stroke: "#b2182b", width: 2, dash: [6, 4],
        value: (u, v) => (v === null || v === undefined ? DASH : `${decimal(v)}%`),
      },
    ],
    axes: [
      {
        // Ticks on the periods themselves (every k-th, as many as fit), never between them.
        splits: (u) => {
          const width = u.bbox.width / devicePixelRatio || container.clientWidth;
          const every = Math.max(1, Math.ceil((xs.length * xSpace(data)) / width));
          return xs.filter((_, i) => i % every === 0);
        },
        values: (u, splits) => splits.map((s) => label(s, data)),
      },
      { size: 56, values: (u, splits) => splits.map((s) => grouped(s)) },
      { scale: "pct", side: 1, size: 48, grid: { show: false }, values: (u, splits) => splits.map((s) => `${s}%`) },
    ],
  };
  if (xs.length === 1) opts.scales.x.range = [xs[0] - 86400, xs[0] + 86400]; // the 1st of a month
  const chart = new uPlot(opts, [xs, points.map((p) => p.filed), points.map((p) => p.resolved), share], container);
  container.dataset.points = String(points.length);
  new ResizeObserver(() => chart.setSize({ width: container.clientWidth, height: height() })).observe(container);
  return chart;
}
