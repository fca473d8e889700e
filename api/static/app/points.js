// The report page's "Your points" card: this phone's points and badges, and the pseudonym it
// shows on the neighbourhood board. Only the phone's own secret names its points, so they are
// asked for with it (POST /report/points); offline, the card says it will show when online.

const $ = (id) => document.getElementById(id);

function say(template, values) {
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ""));
}

async function post(path, body, formToken) {
  const token = await formToken();
  return fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", "X-CivicOps-Form": token },
    credentials: "same-origin",
    body: JSON.stringify(body),
  });
}

/** Fill the card from the server; leave the offline sentence when there is no answer. */
export async function showPoints(words, badgeNames, device, formToken) {
  if (!navigator.onLine) return;
  let mine;
  try {
    const answer = await post("/report/points", { device: device() }, formToken);
    if (!answer.ok) return;
    mine = await answer.json();
  } catch (error) {
    return; // offline after all: the sentence stays
  }
  $("points-total").textContent = mine.total ? say(words.report_points_total, { n: mine.total }) : words.report_points_none;
  const list = $("badges");
  list.replaceChildren(...mine.badges.map((code) => {
    const item = document.createElement("li");
    item.textContent = badgeNames[code] || code;
    return item;
  }));
  list.hidden = !mine.badges.length;
  if (document.activeElement !== $("pseudonym")) $("pseudonym").value = mine.pseudonym || "";
}

/** Save the pseudonym typed (empty: off the board) and say what happened. */
async function savePseudonym(event, words, device, formToken) {
  event.preventDefault();
  const field = $("pseudonym");
  const state = $("pseudonym-state");
  field.removeAttribute("aria-invalid");
  try {
    const answer = await post("/report/pseudonym", { device: device(), pseudonym: field.value.trim() || null }, formToken);
    const body = await answer.json();
    if (!answer.ok) {
      field.setAttribute("aria-invalid", "true");
      state.textContent = say(words.report_refused, { detail: body.detail || answer.status });
      field.focus();
      return;
    }
    field.value = body.pseudonym || "";
    state.textContent = body.pseudonym ? say(words.report_pseudonym_saved, { name: body.pseudonym }) : words.report_pseudonym_dropped;
  } catch (error) {
    state.textContent = words.report_points_offline;
  }
}

/** Wire the card: fill it now and whenever the phone comes back online. */
export function startPoints(words, badgeNames, device, formToken) {
  $("pseudonym-form").addEventListener("submit", (event) => savePseudonym(event, words, device, formToken));
  window.addEventListener("online", () => showPoints(words, badgeNames, device, formToken));
  return showPoints(words, badgeNames, device, formToken);
}
