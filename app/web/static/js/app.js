// Entry point: views (#recherche, #trouver, #prescriptions), the API key panel, module start-up.

import { getKey, onKeyChange, setKey } from "./api.js";
import { $, $$ } from "./dom.js";
import { loadReferences } from "./labels.js";
import { initMatch } from "./match.js";
import { initPrescribe, onPrescribed } from "./prescribe.js";
import { initPrescriptions, loadPrescriptions } from "./prescriptions.js";
import { initSearch, refreshSearch } from "./search.js";

const VIEWS = ["recherche", "trouver", "prescriptions"];
let firstRoute = true;

function currentView() {
  const name = location.hash.replace("#", "");
  return VIEWS.includes(name) ? name : "recherche";
}

function route() {
  const view = currentView();
  for (const section of $$(".pf-view")) section.hidden = section.dataset.view !== view;
  for (const link of $$(".pf-views__link")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  const heading = $(`#h-${view}`);
  document.title = `${heading.textContent} — Parcours FLE`;
  if (view === "prescriptions") loadReferences().catch(() => {}).finally(() => loadPrescriptions());
  if (!firstRoute) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  }
  firstRoute = false;
}

function showKeyState() {
  const key = getKey();
  $("#key-state").textContent = key ? "Clé d'API enregistrée" : "Clé d'API : aucune";
  $("#key-toggle").classList.toggle("pf-key-toggle--set", Boolean(key));
}

function initKeyPanel() {
  const panel = $("#key-panel");
  const toggle = $("#key-toggle");
  const setOpen = (open) => {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    if (open) $("#key-input").focus();
  };
  toggle.addEventListener("click", () => setOpen(panel.hidden));
  $("#key-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const value = $("#key-input").value.trim();
    if (!value) {
      $("#key-message").textContent = "Collez votre clé d'API avant d'enregistrer.";
      $("#key-input").focus();
      return;
    }
    setKey(value);
    $("#key-input").value = "";
    $("#key-message").textContent = "Clé enregistrée pour cet onglet.";
    $("#key-announce").textContent = "Clé d'API enregistrée pour cet onglet.";
    setOpen(false);
    toggle.focus();
  });
  $("#key-clear").addEventListener("click", () => {
    setKey("");
    $("#key-input").value = "";
    $("#key-message").textContent = "Clé effacée.";
  });
  // Any message that points at the key opens the panel on demand.
  document.addEventListener("click", (ev) => {
    if (ev.target.closest("[data-open-key]")) {
      ev.preventDefault();
      setOpen(true);
    }
  });
  onKeyChange(() => {
    showKeyState();
    if (currentView() === "prescriptions") loadPrescriptions();
    refreshSearch(); // a private catalogue answers only once a key is there
  });
  showKeyState();
}

let started = false;

/** Everything that needs the reference lists; with a private catalogue they need the key first. */
async function start() {
  const alert = $("#global-alert");
  try {
    await loadReferences();
  } catch (err) {
    alert.replaceChildren(err.status === 401 ? err.message : `Les listes de référence n'ont pas pu être chargées. ${err.message}`);
    if (err.status === 401 && $("#key-panel").hidden) $("#key-toggle").click();
    return false;
  }
  alert.replaceChildren();
  initSearch();
  initPrescriptions();
  await Promise.all([initMatch(), initPrescribe()]);
  onPrescribed(() => {
    if (currentView() === "prescriptions") loadPrescriptions();
  });
  started = true;
  return true;
}

async function main() {
  initKeyPanel();
  window.addEventListener("hashchange", route);
  route();
  await start();
  // A private catalogue: start once the adviser has entered a key.
  onKeyChange(() => {
    if (!started) start();
  });
  document.documentElement.dataset.ready = "true";
}

main();
