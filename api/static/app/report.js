// The report page, offline first. A complaint is saved in IndexedDB (its client id, capture
// time, photo and voice note) the moment it is filed, then sent through /report/upload and
// /report/send whenever the browser is online: at once, when the signal returns, on the next
// visit, and every 30 s while the page is open. The server answers each complaint by its
// client id, so a complaint sent twice (a lost answer, a reload) is still one case.

import { pageData } from "./format.js";
import { openStore } from "./outbox.js";
import { startPoints } from "./points.js";

const data = pageData();
const words = data.words;
const $ = (id) => document.getElementById(id);
const MAX_SIDE = 1600; // photos are shrunk in the browser to at most this many pixels a side
const MAX_VOICE_MS = 120000;
let store;
let sending = false;
let voiceBlob = null;
const shownTokens = new Set(); // tokens are shown on the visit that filed them, then kept quiet

/** A random base64url string of `bytes` bytes. */
function randomId(bytes) {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...raw)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** This phone's secret: made once, kept on the phone, never shown. */
function deviceSecret() {
  let secret = localStorage.getItem("civicops.device");
  if (!secret) {
    secret = randomId(24);
    localStorage.setItem("civicops.device", secret);
  }
  return secret;
}

function say(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

async function formToken() {
  const answer = await fetch("/report/token", { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!answer.ok) throw new Error(`token ${answer.status}`);
  return (await answer.json()).token;
}

/** Shrink a photo to a JPEG of at most MAX_SIDE pixels a side (no EXIF survives a canvas). */
async function shrink(file) {
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close?.();
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
}

// --- the queue on screen --------------------------------------------------------------------

async function showQueue() {
  const waiting = await store.all("outbox");
  const box = $("queue");
  const pending = waiting.filter((item) => !item.error);
  if (!waiting.length) {
    box.hidden = true;
  } else {
    box.hidden = false;
    box.textContent = pending.length === 1 ? words.report_queue_one : say(words.report_queue_many, { n: pending.length });
    if (!navigator.onLine && pending.length) box.textContent += ` ${words.report_offline}`;
    for (const item of waiting.filter((i) => i.error)) {
      const line = document.createElement("p");
      line.className = "queue-error";
      line.textContent = say(words.report_refused, { detail: item.error });
      const drop = document.createElement("button");
      drop.type = "button";
      drop.className = "secondary";
      drop.textContent = words.report_discard;
      drop.addEventListener("click", async () => { await store.remove("outbox", item.client_id); showQueue(); });
      line.append(" ", drop);
      box.append(line);
    }
  }
  await showMine();
}

async function showMine() {
  const filed = (await store.all("filed")).sort((a, b) => (a.filed_at < b.filed_at ? 1 : -1));
  const list = $("mine");
  list.replaceChildren();
  if (!filed.length) {
    const none = document.createElement("li");
    none.textContent = words.report_mine_none;
    list.append(none);
  }
  for (const item of filed.slice(0, 50)) {
    const row = document.createElement("li");
    const link = document.createElement("a");
    link.href = `/track/${item.tracking_id}`;
    link.textContent = item.tracking_id;
    row.append(link, ` · ${data.categories[item.category] || words.report_category_pending}`);
    if (item.fresh) {
      shownTokens.add(item.tracking_id);
      item.fresh = false;
      await store.put("filed", item);
    }
    if (shownTokens.has(item.tracking_id)) {
      const token = document.createElement("p");
      token.className = "token";
      token.textContent = say(words.report_token, { token: item.token });
      row.append(token);
    }
    list.append(row);
  }
}

// --- sending ----------------------------------------------------------------------------------

async function upload(item, token) {
  const form = new FormData();
  if (item.photo) form.append("photo", item.photo, "photo.jpg");
  if (item.voice) form.append("voice", item.voice, "voice.webm");
  const answer = await fetch("/report/upload", { method: "POST", body: form, headers: { "X-CivicOps-Form": token }, credentials: "same-origin" });
  const body = await answer.json().catch(() => ({}));
  if (answer.status >= 400 && answer.status < 500 && answer.status !== 429) {
    return { refused: body.detail || `${answer.status}` };
  }
  if (!answer.ok) throw new Error(`upload ${answer.status}`);
  const photos = body.attachments.filter((a) => a.kind === "photo").map((a) => a.key);
  const voice = body.attachments.find((a) => a.kind === "voice");
  return { photos, voice: voice ? voice.key : null };
}

/** Send every queued complaint that is not refused; keep what could not be sent. */
export async function flush() {
  if (sending || !navigator.onLine) return showQueue();
  sending = true;
  try {
    const queued = (await store.all("outbox")).filter((item) => !item.error);
    if (!queued.length) return;
    const token = await formToken();
    for (const item of queued) {
      if ((item.photo || item.voice) && !item.uploaded) {
        const keys = await upload(item, token);
        if (keys.refused) {
          item.error = keys.refused;
        } else {
          item.uploaded = keys;
          item.complaint.photos = keys.photos.length ? keys.photos : undefined;
          if (keys.voice) item.complaint.voice_note = keys.voice;
        }
        await store.put("outbox", item);
      }
    }
    const ready = (await store.all("outbox")).filter((item) => !item.error && (item.uploaded || (!item.photo && !item.voice)));
    for (let start = 0; start < ready.length; start += 20) {
      const batch = ready.slice(start, start + 20);
      const answer = await fetch("/report/send", {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CivicOps-Form": token },
        credentials: "same-origin",
        body: JSON.stringify({ device: deviceSecret(), sent_at: new Date().toISOString(), complaints: batch.map((i) => i.complaint) }),
      });
      if (!answer.ok) throw new Error(`send ${answer.status}`);
      const body = await answer.json();
      for (const result of body.results) {
        const item = batch[result.index];
        if (result.result === "rejected") {
          if (result.status_code >= 500 || result.status_code === 429) continue; // try again later
          item.error = `${result.field}: ${result.detail}`;
          await store.put("outbox", item);
          continue;
        }
        await store.put("filed", { tracking_id: result.tracking_id, token: result.token, category: result.category, client_id: item.client_id, filed_at: item.complaint.captured_at, fresh: true });
        await store.remove("outbox", item.client_id);
      }
    }
  } catch (error) {
    console.warn("CivicOps: sending waits for the next chance", error);
  } finally {
    sending = false;
    await showQueue();
  }
}

// --- the form -------------------------------------------------------------------------------

let marker = null;
let map = null;

function setPin(lat, lon, move) {
  $("lat").value = lat.toFixed(6);
  $("lon").value = lon.toFixed(6);
  if (map) {
    if (!marker) marker = L.marker([lat, lon]).addTo(map);
    marker.setLatLng([lat, lon]);
    if (move) map.setView([lat, lon], 16);
  }
  similar();
}

async function drawMap() {
  if (typeof L === "undefined") return;
  map = L.map("report-map", { zoomControl: true, attributionControl: true });
  map.setView([12.97, 77.59], 11);
  try {
    const answer = await fetch(`/v1/zones?city=${encodeURIComponent(data.city)}`, { headers: { Accept: "application/geo+json, application/json" } });
    if (answer.ok) {
      const zones = await answer.json();
      const layer = L.geoJSON(zones, { style: { color: "#4a5a6a", weight: 1, fillOpacity: 0.05 } }).addTo(map);
      map.fitBounds(layer.getBounds());
    }
  } catch (error) {
    console.warn("CivicOps: ward map unavailable", error);
  }
  map.on("click", (event) => setPin(event.latlng.lat, event.latlng.lng, false));
}

let similarTimer = null;
function similar() {
  clearTimeout(similarTimer);
  similarTimer = setTimeout(async () => {
    const box = $("nearby");
    const lat = Number($("lat").value);
    const lon = Number($("lon").value);
    if (!navigator.onLine || !Number.isFinite(lat) || !Number.isFinite(lon) || !$("lat").value) return;
    const query = new URLSearchParams({ lat, lon, radius_m: 150 });
    if ($("category").value) query.set("category", $("category").value);
    try {
      const answer = await fetch(`/report/nearby?${query}`, { headers: { Accept: "application/json" } });
      if (!answer.ok) return;
      const found = (await answer.json()).items || [];
      box.replaceChildren();
      box.hidden = !found.length;
      if (!found.length) return;
      const lead = document.createElement("p");
      lead.textContent = say(words.report_similar, { n: found.length });
      const list = document.createElement("ul");
      for (const item of found.slice(0, 5)) {
        const row = document.createElement("li");
        const link = document.createElement("a");
        link.href = `/track/${item.tracking_id}`;
        link.textContent = `${data.categories[item.category] || item.category} · ${data.statuses[item.status] || item.status} · ${Math.round(item.distance_m)} m`;
        row.append(link);
        list.append(row);
      }
      box.append(lead, list);
    } catch (error) {
      box.hidden = true;
    }
  }, 400);
}

let classifyTimer = null;
function propose() {
  clearTimeout(classifyTimer);
  classifyTimer = setTimeout(async () => {
    const text = $("description").value.trim();
    if (text.length < 8 || !navigator.onLine || $("category").dataset.chosen) return;
    try {
      const token = await formToken();
      const answer = await fetch("/report/classify", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CivicOps-Form": token },
        body: JSON.stringify({ text: text.slice(0, 2000) }),
      });
      if (!answer.ok) return;
      const guess = await answer.json();
      if (guess.confident && guess.category && data.categories[guess.category]) {
        $("category").value = guess.category;
        $("category-hint").textContent = say(words.report_proposed, { category: data.categories[guess.category] });
        similar();
      }
    } catch (error) {
      /* offline: the server classifies when the complaint is sent */
    }
  }, 700);
}

async function record() {
  const button = $("record");
  if (button.recorder) {
    button.recorder.stop();
    return;
  }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const type = MediaRecorder.isTypeSupported("audio/webm;codecs=opus") ? "audio/webm;codecs=opus" : "";
  const recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
  const parts = [];
  recorder.ondataavailable = (event) => parts.push(event.data);
  recorder.onstop = () => {
    stream.getTracks().forEach((t) => t.stop());
    voiceBlob = new Blob(parts, { type: recorder.mimeType || "audio/webm" });
    button.recorder = null;
    button.setAttribute("aria-pressed", "false");
    button.textContent = words.report_record_again;
    $("voice-state").textContent = words.report_recorded;
  };
  recorder.start();
  button.recorder = recorder;
  button.setAttribute("aria-pressed", "true");
  button.textContent = words.report_stop;
  $("voice-state").textContent = words.report_recording;
  setTimeout(() => recorder.state === "recording" && recorder.stop(), MAX_VOICE_MS);
}

async function file(event) {
  event.preventDefault();
  const error = $("form-error");
  error.hidden = true;
  const lat = Number($("lat").value);
  const lon = Number($("lon").value);
  const description = $("description").value.trim();
  let problem = null;
  if (!$("lat").value || !Number.isFinite(lat) || lat < -90 || lat > 90) problem = ["lat", words.report_need_place];
  else if (!$("lon").value || !Number.isFinite(lon) || lon < -180 || lon > 180) problem = ["lon", words.report_need_place];
  else if (!description && !voiceBlob) problem = ["description", words.report_need_words];
  if (problem) {
    error.textContent = problem[1];
    error.hidden = false;
    $(problem[0]).setAttribute("aria-invalid", "true");
    $(problem[0]).focus();
    return;
  }
  const complaint = { client_id: crypto.randomUUID ? crypto.randomUUID() : randomId(16), captured_at: new Date().toISOString(), latitude: lat, longitude: lon, city: data.city };
  if (description) complaint.description = description;
  if ($("category").value) complaint.category = $("category").value;
  const photoFile = $("photo").files[0];
  const item = { client_id: complaint.client_id, complaint, photo: photoFile ? await shrink(photoFile) : null, voice: voiceBlob };
  await store.put("outbox", item);
  $("report").reset();
  $("photo-preview").hidden = true;
  voiceBlob = null;
  delete $("category").dataset.chosen;
  $("category-hint").textContent = words.report_category_hint;
  if (marker) { marker.remove(); marker = null; }
  $("nearby").hidden = true;
  await showQueue();
  $("queue").focus?.();
  flush();
}

async function start() {
  store = await openStore();
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(`/sw.js?city=${encodeURIComponent(data.city)}`).catch((e) => console.warn(e));
  $("report").addEventListener("submit", file);
  $("locate").addEventListener("click", () => {
    navigator.geolocation?.getCurrentPosition(
      (where) => setPin(where.coords.latitude, where.coords.longitude, true),
      () => { $("where-hint").textContent = words.report_location_failed; },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
  for (const id of ["lat", "lon"]) $(id).addEventListener("change", () => { $(id).removeAttribute("aria-invalid"); similar(); });
  $("description").addEventListener("input", propose);
  $("category").addEventListener("change", () => { $("category").dataset.chosen = $("category").value ? "1" : ""; similar(); });
  $("photo").addEventListener("change", () => {
    const chosen = $("photo").files[0];
    const preview = $("photo-preview");
    preview.hidden = !chosen;
    if (chosen) preview.src = URL.createObjectURL(chosen);
  });
  if (window.MediaRecorder && navigator.mediaDevices) {
    $("voice-box").hidden = false;
    $("record").addEventListener("click", () => record().catch(() => { $("voice-state").textContent = words.report_no_microphone; }));
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", showQueue);
  setInterval(flush, 30000);
  drawMap();
  await showQueue();
  startPoints(words, data.badges, deviceSecret, formToken);
  flush();
}

start();
