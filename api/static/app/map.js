// The ward map: Leaflet on a plain background (tiles only when the deployment configures a
// tile URL). Wards come from /v1/zones, coloured by their share resolved on time from
// /v1/stats/wards; a toggle swaps in a heat layer of open complaints from /v1/stats/heatmap
// (H3 cells; the API leaves out cells with fewer than 3 complaints). Labels are DOM text.

import { DASH, duration, fill, getJSON, grouped, percent } from "./format.js";

// ColorBrewer RdYlBu (colour-blind safe), worst to best; the legend's swatches match app.css.
export const SHARE_COLOURS = ["#d73027", "#fc8d59", "#fee090", "#91bfdb", "#4575b4"];
export const SHARE_BREAKS = [0.5, 0.7, 0.85, 0.95];
const NO_DATA = "#d9d9d9";
const HEAT_COLOURS = ["#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"];

/** The fill colour of a ward's share resolved on time (grey when nothing was resolved). */
export function shareColour(share) {
  if (share === null || share === undefined) return NO_DATA;
  let bucket = 0;
  while (bucket < SHARE_BREAKS.length && share >= SHARE_BREAKS[bucket]) bucket += 1;
  return SHARE_COLOURS[bucket];
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function wardPopup(feature, figures, data) {
  const words = data.words;
  const box = element("div", undefined, "popup");
  box.append(element("strong", `${feature.properties.ward_id}. ${feature.properties.ward_name}`));
  const list = element("dl");
  const rows = [
    [words.filed, figures ? grouped(figures.filed) : DASH],
    [words.on_time, figures ? percent(figures.on_time_share) : DASH],
    [words.median, figures ? duration(figures.median_hours_to_resolve, words) : DASH],
    [words.open, figures ? grouped(figures.open) : DASH],
  ];
  for (const [label, value] of rows) list.append(element("dt", label), element("dd", value));
  box.append(list);
  const link = element("a", words.ward_page);
  link.href = `/wards/${encodeURIComponent(data.city)}/${encodeURIComponent(feature.properties.ward_id)}`;
  box.append(link);
  return box;
}

function heatBreaks(counts) {
  // Up to five classes from 3 (the least a cell the API shows holds) to the fullest cell.
  const top = Math.max(...counts);
  const step = (top - 3 + 1) / HEAT_COLOURS.length;
  const breaks = [];
  for (let i = 0; i < HEAT_COLOURS.length; i += 1) {
    const from = Math.floor(3 + step * i);
    if (!breaks.length || from > breaks[breaks.length - 1]) breaks.push(from);
  }
  return { breaks, top };
}

function heatClass(count, breaks) {
  let bucket = 0;
  while (bucket + 1 < breaks.length && count >= breaks[bucket + 1]) bucket += 1;
  // Spread the classes used over the whole palette, so few classes still span light to dark.
  return breaks.length === 1 ? HEAT_COLOURS.length - 1 : Math.round((bucket * (HEAT_COLOURS.length - 1)) / (breaks.length - 1));
}

function heatLegend(list, { breaks, top }) {
  list.replaceChildren();
  breaks.forEach((from, i) => {
    const to = i + 1 < breaks.length ? breaks[i + 1] - 1 : top;
    const item = element("li");
    item.append(element("span", undefined, `sw heat-${heatClass(from, breaks)}`), to > from ? `${grouped(from)}–${grouped(to)}` : grouped(from));
    list.append(item);
  });
}

/** Draw the map in `container`; on the dashboard, `controls` holds the layer toggle. */
export async function wardMap(container, data, { focusWard = null, controls = null } = {}) {
  const L = window.L;
  const status = document.getElementById("map-status");
  const say = (text) => {
    if (status) status.textContent = text;
  };
  const map = L.map(container, {
    zoomSnap: 0.25,
    scrollWheelZoom: false,
    dragging: !L.Browser.mobile, // one finger scrolls the page; two fingers zoom the map
  });
  if (data.tiles) {
    const host = data.tiles.replace(/^[a-z]+:\/\/([^/]+).*$/i, "$1");
    L.tileLayer(data.tiles, { maxZoom: 19, attribution: `Tiles: ${escapeHTML(host)}` }).addTo(map);
  }
  let zones, stats;
  try {
    [zones, stats] = await Promise.all([
      getJSON("/v1/zones", { city: data.city }),
      getJSON("/v1/stats/wards", { city: data.city, from: data.from, to: data.to, category: data.category }),
    ]);
  } catch (error) {
    say(data.words.map_failed);
    throw error;
  }
  const byWard = new Map(stats.wards.map((w) => [w.ward_id, w]));
  const wardStyle = (feature) => {
    const focused = focusWard === null || feature.properties.ward_id === focusWard;
    return {
      className: "ward",
      color: focused && focusWard !== null ? "#111111" : "#ffffff",
      weight: focused && focusWard !== null ? 3 : 1,
      fillColor: shareColour(byWard.get(feature.properties.ward_id)?.on_time_share ?? null),
      fillOpacity: focused ? 0.85 : 0.35,
    };
  };
  const wards = L.geoJSON(zones, {
    style: wardStyle,
    onEachFeature: (feature, layer) => {
      layer.bindTooltip(() => element("span", feature.properties.ward_name), { sticky: true });
      layer.bindPopup(() => wardPopup(feature, byWard.get(feature.properties.ward_id), data));
    },
  }).addTo(map);
  if (zones.attribution) map.attributionControl.addAttribution(escapeHTML(zones.attribution));
  const focus = focusWard === null ? null : wards.getLayers().find((l) => l.feature.properties.ward_id === focusWard);
  // A ward's own page shows it among its neighbours; the dashboard, the whole city.
  const bounds = focus ? focus.getBounds().pad(0.8) : wards.getBounds();
  map.fitBounds(bounds, { padding: [8, 8] });
  // Until someone pans or zooms, the map keeps the city in view as its box changes size.
  let touched = false;
  for (const kind of ["pointerdown", "wheel", "keydown"]) {
    container.addEventListener(kind, () => { touched = true; }, { once: true, passive: true });
  }
  new ResizeObserver(() => {
    map.invalidateSize();
    if (!touched) map.fitBounds(bounds, { padding: [8, 8] });
  }).observe(container);
  container.dataset.drawn = String(wards.getLayers().length);
  if (controls) heatToggle(map, wards, wardStyle, controls, data, say);
  return map;
}

function heatToggle(map, wards, wardStyle, controls, data, say) {
  const L = window.L;
  const select = controls.querySelector("#heat-category");
  const legendWards = document.getElementById("legend-wards");
  const legendHeat = document.getElementById("legend-heat");
  let heat = null;
  let asked = 0;
  const show = async () => {
    const mode = controls.querySelector("input[name=layer]:checked").value;
    if (heat) {
      heat.remove();
      heat = null;
    }
    if (mode === "wards") {
      wards.setStyle(wardStyle);
      legendWards.hidden = false;
      legendHeat.hidden = true;
      say("");
      return;
    }
    const ticket = ++asked;
    say(data.words.loading);
    wards.setStyle({ fillColor: "#f2f2f2", fillOpacity: 0.6, color: "#9a9a9a", weight: 1 });
    let cells;
    try {
      cells = await getJSON("/v1/stats/heatmap", {
        city: data.city, from: data.from, to: data.to, category: select.value, status: "open",
      });
    } catch (error) {
      say(fill(data.words.request_failed, { status: error.status || "?" }));
      return;
    }
    if (ticket !== asked) return; // a later choice is already on its way
    const counts = cells.features.map((f) => f.properties.count);
    const classes = heatBreaks(counts.length ? counts : [3]);
    heat = L.geoJSON(cells, {
      style: (f) => {
        const colour = HEAT_COLOURS[heatClass(f.properties.count, classes.breaks)];
        return { className: "heat-cell", color: colour, weight: 1, fillColor: colour, fillOpacity: 0.8 };
      },
      onEachFeature: (f, layer) => layer.bindTooltip(() => element("span", `${data.words.open}: ${grouped(f.properties.count)}`), { sticky: true }),
    }).addTo(map);
    heatLegend(legendHeat, classes);
    legendWards.hidden = true;
    legendHeat.hidden = false;
    say(counts.length ? "" : data.words.heat_empty);
  };
  controls.addEventListener("change", () => show());
}
