// The /verify page's tool (api/pages/audit.py). A notice PDF, chosen or dropped, is posted to
// POST /v1/notices/verify (multipart, field "file") and the verdict shown in the page's
// language. The camera scanner draws video frames to a canvas and decodes them with jsQR
// (vendored, loaded when the camera starts); a QR code that leads to this site's verdict page
// is opened, any other is reported as not a CivicOps notice. The frames never leave the device.
// The paste form is a plain GET form to /verify and needs no script.

import { fill, istTime, pageData } from "./format.js";

const data = pageData();
const words = data.words;
const region = document.getElementById("verdict");
const MAX_SIDE = 720; // frames are scaled down to this before decoding: enough for a notice's QR
const SCAN_EVERY_MS = 150;

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** Put a card into the verdict region (a polite live region) and bring it into view. */
function showCard(...children) {
  const card = element("section", undefined, "card staff-form");
  card.append(...children);
  region.replaceChildren(card);
  card.scrollIntoView({ block: "nearest" });
  return card;
}

function heading(valid) {
  const text = valid ? `✓ ${words.verify_valid}` : `✗ ${words.verify_invalid}`;
  const node = element("h2", text, `verdict ${valid ? "valid" : "invalid"}`);
  node.id = "verdict-h";
  return node;
}

/** The server's own (English) account of what it found, marked as English. */
function detail(text) {
  const line = element("p", undefined, "hint");
  const [before, after = ""] = words.verify_detail.split("{detail}");
  const english = element("span", text);
  english.lang = "en";
  line.append(before, english, after);
  return line;
}

/** "Valid: signed by key K on DATE for complaint C", or why not, in the page's language. */
function sentence(verdict) {
  if (verdict.valid) {
    const values = { key: verdict.key_id, complaint: verdict.tracking_id };
    if (!verdict.issued_at) return fill(words.verify_signed_undated, values);
    return fill(words.verify_signed, { ...values, date: istTime(verdict.issued_at, data.months) });
  }
  return words[`verify_reason_${verdict.reason}`] || words.verify_invalid;
}

function facts(verdict) {
  const list = element("dl", undefined, "facts");
  const rows = [
    [words.tracking_id, verdict.tracking_id],
    [words.verify_notice, verdict.notice_id],
    [words.verify_key, verdict.key_id],
    [words.verify_issued, verdict.valid && verdict.issued_at ? istTime(verdict.issued_at, data.months) : null],
  ];
  for (const [label, value] of rows) {
    if (!value) continue;
    const shown = element("dd");
    shown.append(label === words.verify_key ? element("code", value) : value);
    list.append(element("dt", label), shown);
  }
  return list;
}

function showVerdict(verdict) {
  const card = showCard(heading(verdict.valid));
  card.setAttribute("aria-labelledby", "verdict-h");
  const message = element("p", sentence(verdict));
  message.id = "verdict-message";
  card.append(message);
  if (!verdict.valid && verdict.message) card.append(detail(verdict.message));
  if (verdict.tracking_id) card.append(facts(verdict));
  card.append(element("p", words.verify_how, "hint"));
}

/** A notice that cannot be valid (not a PDF, unsigned, another site's QR code). */
function showNotValid(text, serverDetail) {
  const card = showCard(heading(false), element("p", text));
  card.setAttribute("aria-labelledby", "verdict-h");
  if (serverDetail) card.append(detail(serverDetail));
}

/** A check that did not happen (busy, offline): no verdict either way. */
function showProblem(text) {
  showCard(element("p", text, "status"));
}

// PDF upload --------------------------------------------------------------------------------

const pdfTool = document.getElementById("pdf-tool");
const pdfForm = document.getElementById("pdf-form");
const pdfInput = document.getElementById("pdf-file");
const pdfButton = document.getElementById("pdf-check");
const drop = document.getElementById("pdf-drop");

async function problemOf(answer) {
  let said = null;
  try {
    said = (await answer.json()).detail || null;
  } catch {
    said = null;
  }
  switch (answer.status) {
    case 400:
    case 415:
      return () => showNotValid(words.verify_not_pdf, said);
    case 413:
      return () => showProblem(words.verify_too_big);
    case 422:
      return () => showNotValid(words.verify_unsigned, said);
    case 429:
    case 503:
      return () => showProblem(words.verify_busy);
    default:
      return () => showProblem(fill(words.verify_failed, { status: answer.status }));
  }
}

async function checkPdf(file) {
  if (!file) {
    showProblem(words.verify_no_file);
    return;
  }
  if (file.size > data.max_bytes) {
    showProblem(words.verify_too_big);
    return;
  }
  const body = new FormData();
  body.append("file", file, file.name || "notice.pdf");
  pdfButton.disabled = true;
  showProblem(words.verify_checking);
  try {
    const answer = await fetch(data.verify, {
      method: "POST",
      body,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (answer.ok) showVerdict(await answer.json());
    else (await problemOf(answer))();
  } catch {
    showProblem(words.verify_offline);
  } finally {
    pdfButton.disabled = false;
  }
}

pdfForm.addEventListener("submit", (event) => {
  event.preventDefault();
  checkPdf(pdfInput.files[0]);
});
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  event.dataTransfer.dropEffect = "copy";
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  const files = event.dataTransfer.files;
  if (!files.length) return;
  try {
    pdfInput.files = files; // so the form shows what is being checked
  } catch {
    // an older browser: the file is checked all the same
  }
  checkPdf(files[0]);
});
// A file dropped beside the zone must not open in the tab, leaving the page.
for (const kind of ["dragover", "drop"]) {
  window.addEventListener(kind, (event) => {
    if (!drop.contains(event.target)) event.preventDefault();
  });
}
pdfTool.hidden = false;

// Camera scanner ----------------------------------------------------------------------------

const cameraTool = document.getElementById("camera-tool");
const frame = document.getElementById("camera-frame");
const video = document.getElementById("camera-video");
const canvas = document.getElementById("camera-canvas");
const startButton = document.getElementById("camera-start");
const stopButton = document.getElementById("camera-stop");
const cameraStatus = document.getElementById("camera-status");
const camera = { stream: null, timer: 0 };
let reader = null;

function say(text) {
  cameraStatus.textContent = text;
}

/** window.jsQR, loading the vendored script the first time. */
function loadReader() {
  if (window.jsQR) return Promise.resolve(window.jsQR);
  if (!reader) {
    reader = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = data.jsqr;
      script.onload = () => (window.jsQR ? resolve(window.jsQR) : reject(new Error("no jsQR")));
      script.onerror = () => {
        reader = null;
        script.remove();
        reject(new Error("jsQR did not load"));
      };
      document.head.append(script);
    });
  }
  return reader;
}

/** The URL a QR code holds when it is this site's verdict page, else null. */
function ourVerdictUrl(text) {
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  const ours = url.origin === window.location.origin && url.pathname === data.verify;
  return ours && url.searchParams.get("qr") ? url.href : null;
}

function stopCamera(announce) {
  clearTimeout(camera.timer);
  if (camera.stream) {
    for (const track of camera.stream.getTracks()) track.stop();
  }
  camera.stream = null;
  video.srcObject = null;
  frame.hidden = true;
  stopButton.hidden = true;
  startButton.hidden = false;
  startButton.disabled = false;
  if (announce) say(words.verify_camera_off);
}

function found(text) {
  const target = ourVerdictUrl(text);
  stopCamera(false);
  if (target) {
    say(words.verify_scan_found);
    window.location.assign(target);
    return;
  }
  const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
  say("");
  showNotValid(fill(words.verify_scan_foreign, { text: shown }));
}

function scan(decode, context) {
  if (!camera.stream) return;
  const width = video.videoWidth;
  const height = video.videoHeight;
  if (video.readyState >= video.HAVE_CURRENT_DATA && width && height) {
    const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = context.getImageData(0, 0, canvas.width, canvas.height);
    const code = decode(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
    if (code && code.data) {
      found(code.data);
      return;
    }
  }
  camera.timer = setTimeout(() => scan(decode, context), SCAN_EVERY_MS);
}

function cameraProblem(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError") return words.verify_camera_denied;
  if (name === "NotFoundError" || name === "OverconstrainedError") return words.verify_camera_none;
  return words.verify_camera_unavailable;
}

async function startCamera() {
  startButton.disabled = true;
  let decode;
  try {
    decode = await loadReader();
  } catch {
    say(words.verify_scan_reader_failed);
    startButton.disabled = false;
    return;
  }
  try {
    camera.stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" } },
      audio: false,
    });
  } catch (error) {
    say(cameraProblem(error));
    startButton.disabled = false;
    return;
  }
  video.srcObject = camera.stream;
  frame.hidden = false;
  startButton.hidden = true;
  stopButton.hidden = false;
  stopButton.focus();
  say(words.verify_camera_on);
  try {
    await video.play();
  } catch {
    // muted inline video plays without a gesture; if not, frames still arrive once it does
  }
  scan(decode, canvas.getContext("2d", { willReadFrequently: true }));
}

if (window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
  startButton.addEventListener("click", startCamera);
} else {
  startButton.disabled = true;
  say(words.verify_camera_unavailable);
}
stopButton.addEventListener("click", () => {
  stopCamera(true);
  startButton.focus();
});
// The camera is off whenever the page is not in front: no light left on in a pocket.
document.addEventListener("visibilitychange", () => {
  if (document.hidden && camera.stream) stopCamera(true);
});
window.addEventListener("pagehide", () => stopCamera(false));
cameraTool.hidden = false;
