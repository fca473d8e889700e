// The track page: when this phone filed the case, fill in its citizen token from the phone's
// own store, so Confirm, Reopen and Withdraw need no typing. Without it, the citizen types
// the token shown when they filed.

import { openStore } from "./outbox.js";

async function fill() {
  const match = location.pathname.match(/^\/track\/([^/]+)/);
  if (!match || !document.querySelector(".citizen-token")) return;
  const store = await openStore();
  const filed = await store.get("filed", decodeURIComponent(match[1]).toUpperCase());
  if (!filed || !filed.token) return;
  for (const input of document.querySelectorAll(".citizen-token")) {
    input.value = filed.token;
    input.type = "password";
  }
}

fill().catch((error) => console.warn("CivicOps: no stored token", error));
