// "Rechercher": the search box with type-ahead, facets with counts, distance from a commune.

import { ApiError, api, rememberOffer } from "./api.js";
import { $, debounce, formatNumber, h, plural } from "./dom.js";
import { label } from "./labels.js";
import {
  canPrescribe, facts, fundersText, hoursText, levelRange, nextSession, offerHeader, placeName, placeText,
  scheduleText, sessionLine, startText,
} from "./offers.js";
import { openPrescribe } from "./prescribe.js";

const PAGE_SIZE = 20;
const SUGGEST_DELAY_MS = 200;
const FACETS = [
  // [facet key in the answer, filter parameter, reference list, heading]
  ["levels", "level", "levels", "Niveau admis à l'entrée"],
  ["kinds", "kind", "kinds", "Type de formation"],
  ["sectors", "sector", "sectors", "Secteur"],
  ["funders", "funder", "funders", "Financeur"],
  ["departements", "departement", null, "Département"],
];
const FACET_VISIBLE = 8;

const state = { q: "", filters: {}, near: "", radius: "20", hasPlaces: false, cursor: null, expanded: new Set() };
let searchAbort = null;
let suggestAbort = null;
let suggestions = [];
let active = -1;
let started = false;

export function initSearch() {
  const form = $("#search-form");
  const input = $("#q");
  const suggest = debounce(() => loadSuggestions(input.value), SUGGEST_DELAY_MS);

  input.addEventListener("input", () => suggest());
  input.addEventListener("keydown", (ev) => onComboKey(ev, suggest));
  input.addEventListener("blur", () => setTimeout(closeSuggestions, 150));
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    suggest.cancel();
    closeSuggestions();
    runFromForm();
  });
  $("#radius").addEventListener("change", () => state.near && runFromForm());
  $("#has-places").addEventListener("change", () => runFromForm());
  $("#near").addEventListener("change", () => runFromForm());
  $("#search-more").addEventListener("click", () => run({ append: true }));
  started = true;
  run();
}

/** Run the current search again (e.g. after the key changed). */
export function refreshSearch() {
  if (started) run();
}

// ------------------------------------------------------------------ type-ahead (ARIA combobox)

async function loadSuggestions(text) {
  if (suggestAbort) suggestAbort.abort();
  if (text.trim().length < 2) {
    closeSuggestions();
    return;
  }
  suggestAbort = new AbortController();
  try {
    const data = await api("/v1/suggest", { params: { q: text, limit: 8 }, signal: suggestAbort.signal });
    if ($("#q").value !== text) return; // typed on meanwhile
    showSuggestions(data.suggestions || []);
  } catch (err) {
    if (err.name !== "AbortError") closeSuggestions();
  }
}

function showSuggestions(items) {
  const list = $("#suggestions");
  const input = $("#q");
  suggestions = items;
  active = -1;
  list.replaceChildren(...items.map((s, i) => h("li", {
    id: `suggestion-${i}`, role: "option", class: "pf-suggestions__item", "aria-selected": "false",
    onmousedown: (ev) => ev.preventDefault(), // keep focus in the input
    onclick: () => choose(i),
  }, s.text)));
  const open = items.length > 0;
  list.hidden = !open;
  input.setAttribute("aria-expanded", String(open));
  input.removeAttribute("aria-activedescendant");
  $("#suggest-status").textContent = open ? `${plural(items.length, "suggestion", "suggestions")} : flèche bas pour les parcourir.` : "Aucune suggestion.";
}

function closeSuggestions() {
  const list = $("#suggestions");
  list.hidden = true;
  list.replaceChildren();
  suggestions = [];
  active = -1;
  $("#q").setAttribute("aria-expanded", "false");
  $("#q").removeAttribute("aria-activedescendant");
}

function highlight(i) {
  const items = Array.from($("#suggestions").children);
  active = i;
  items.forEach((li, j) => li.setAttribute("aria-selected", String(j === i)));
  if (i >= 0 && items[i]) {
    $("#q").setAttribute("aria-activedescendant", items[i].id);
    items[i].scrollIntoView({ block: "nearest" });
  } else {
    $("#q").removeAttribute("aria-activedescendant");
  }
}

function onComboKey(ev, suggest) {
  const open = suggestions.length > 0 && !$("#suggestions").hidden;
  if (ev.key === "ArrowDown") {
    ev.preventDefault();
    if (!open) {
      suggest.cancel();
      loadSuggestions($("#q").value);
      return;
    }
    highlight((active + 1) % suggestions.length);
  } else if (ev.key === "ArrowUp" && open) {
    ev.preventDefault();
    highlight(active <= 0 ? suggestions.length - 1 : active - 1);
  } else if (ev.key === "Enter" && open && active >= 0) {
    ev.preventDefault();
    suggest.cancel();
    choose(active);
  } else if (ev.key === "Escape" && open) {
    ev.preventDefault();
    closeSuggestions();
  }
}

function choose(i) {
  const s = suggestions[i];
  if (!s) return;
  $("#q").value = s.text;
  closeSuggestions();
  runFromForm();
}

// ------------------------------------------------------------------ search + facets

function runFromForm() {
  state.q = $("#q").value.trim();
  state.hasPlaces = $("#has-places").checked;
  state.radius = $("#radius").value;
  const near = $("#near");
  const err = $("#near-error");
  const value = near.value.trim();
  if (value && !near.checkValidity()) {
    err.textContent = "Saisissez un code postal ou un code INSEE à 5 caractères, ex. 93200.";
    err.hidden = false;
    near.setAttribute("aria-invalid", "true");
    near.closest(".fr-input-group").classList.add("fr-input-group--error");
    return;
  }
  clearNearError();
  state.near = value;
  run();
}

function clearNearError() {
  const near = $("#near");
  $("#near-error").hidden = true;
  near.removeAttribute("aria-invalid");
  near.closest(".fr-input-group").classList.remove("fr-input-group--error");
}

async function run({ append = false } = {}) {
  if (searchAbort) searchAbort.abort();
  searchAbort = new AbortController();
  const status = $("#search-status");
  const params = { q: state.q, ...state.filters, limit: PAGE_SIZE };
  if (state.near) Object.assign(params, { near: state.near, radius_km: state.radius });
  if (state.hasPlaces) params.has_places = "true";
  if (append && state.cursor) params.cursor = state.cursor;
  status.textContent = "Recherche en cours…";
  $("#search-results").setAttribute("aria-busy", "true");
  try {
    const data = await api("/v1/search", { params, signal: searchAbort.signal });
    state.cursor = data.next_cursor;
    renderResults(data, append);
    if (!append) renderFacets(data.facets);
    status.textContent = data.total === 0
      ? "Aucune formation ne correspond. Retirez un filtre ou élargissez la distance."
      : `${plural(data.total, "formation trouvée", "formations trouvées")}`;
  } catch (err) {
    if (err.name === "AbortError") return;
    if (err instanceof ApiError && err.status === 422 && err.errors.some((e) => (e.loc || []).includes("near"))) {
      const e = $("#near-error");
      e.textContent = err.errors.find((x) => (x.loc || []).includes("near")).msg;
      e.hidden = false;
      $("#near").setAttribute("aria-invalid", "true");
      $("#near").closest(".fr-input-group").classList.add("fr-input-group--error");
    }
    status.textContent = err.message || "La recherche a échoué.";
  } finally {
    $("#search-results").removeAttribute("aria-busy");
  }
}

function renderResults(data, append) {
  const list = $("#search-results");
  const cards = data.items.map(resultCard);
  if (append) list.append(...cards);
  else list.replaceChildren(...cards);
  $("#search-more").hidden = !data.next_cursor;
}

function resultCard(offer) {
  rememberOffer(offer);
  const next = nextSession(offer);
  const others = (offer.sessions || []).filter((s) => s !== next);
  const distance = offer.distance_km !== null && offer.distance_km !== undefined
    ? h("span", { class: "fr-badge fr-badge--sm fr-badge--green-menthe pf-distance" }, `à ${formatNumber(offer.distance_km)} km`) : null;
  return h("li", { class: "pf-card", dataset: { offerId: offer.id } },
    offerHeader(offer, "h2", distance),
    facts([
      ["Lieu", placeName(next, offer)],
      ["Prochaine session", startText(next)],
      ["Places", placeText(next)],
      ["Horaires", scheduleText(next)],
      ["Niveau", levelRange(offer)],
      ["Rythme", hoursText(offer)],
      ["Financement", fundersText(offer)],
    ]),
    h("div", { class: "pf-card__actions" },
      canPrescribe(next)
        ? h("button", { type: "button", class: "fr-btn fr-btn--sm pf-prescribe", onclick: () => openPrescribe(offer, next) },
          "Prescrire", h("span", { class: "fr-sr-only" }, ` : ${offer.title}, ${placeName(next, offer)}`))
        : null),
    others.length
      ? h("details", { class: "pf-sessions" },
        h("summary", {}, `Autres sessions (${others.length})`),
        h("ul", {}, others.map((s) => h("li", { class: "pf-sessions__item" },
          h("span", {}, sessionLine(s, offer)),
          canPrescribe(s)
            ? h("button", { type: "button", class: "fr-btn fr-btn--sm fr-btn--secondary pf-prescribe", onclick: () => openPrescribe(offer, s) },
              "Prescrire", h("span", { class: "fr-sr-only" }, ` : ${offer.title}, ${sessionLine(s, offer)}`))
            : null))))
      : null);
}

function facetLabel(list, code) {
  return list ? label(list, code) : `Département ${code}`;
}

function renderFacets(facets) {
  const box = $("#facets");
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.facetKey : null;
  const groups = FACETS.map(([key, param, list, heading]) => {
    const counts = Object.entries(facets[key] || {});
    const selected = state.filters[param];
    if (selected && !counts.some(([c]) => c === selected)) counts.unshift([selected, 0]);
    if (!counts.length) return null;
    const expanded = state.expanded.has(key);
    const shown = expanded ? counts : counts.slice(0, FACET_VISIBLE);
    const headingId = `facet-h-${key}`;
    return h("div", { class: "pf-facet", role: "group", "aria-labelledby": headingId },
      h("h3", { id: headingId, class: "pf-facet__title" }, heading),
      h("ul", { class: "fr-tags-group pf-facet__tags" }, shown.map(([code, n]) => {
        const pressed = selected === code;
        return h("li", {}, h("button", {
          type: "button", class: "fr-tag fr-tag--sm pf-facet__tag", "aria-pressed": String(pressed),
          dataset: { facet: param, value: code, facetKey: `${param}:${code}` },
          onclick: () => toggleFacet(param, code),
        }, facetLabel(list, code), h("span", { class: "pf-facet__count" }, `\u00a0(${n})`),
        h("span", { class: "fr-sr-only" }, n === 1 ? " formation" : " formations")));
      })),
      counts.length > FACET_VISIBLE
        ? h("button", {
          type: "button", class: "fr-btn fr-btn--sm fr-btn--tertiary-no-outline pf-facet__more", "aria-expanded": String(expanded),
          onclick: () => {
            if (expanded) state.expanded.delete(key); else state.expanded.add(key);
            renderFacets(facets);
            const again = box.querySelector(`[aria-labelledby="${headingId}"] .pf-facet__more`);
            if (again) again.focus();
          },
        }, expanded ? "Afficher moins" : `Afficher tout (${counts.length})`)
        : null);
  });
  box.replaceChildren(...groups.filter(Boolean));
  renderActiveFilters();
  if (focused) {
    const again = box.querySelector(`[data-facet-key="${CSS.escape(focused)}"]`);
    if (again) again.focus();
  }
}

function renderActiveFilters() {
  const box = $("#active-filters");
  const entries = Object.entries(state.filters);
  if (!entries.length) {
    box.replaceChildren();
    return;
  }
  const listFor = Object.fromEntries(FACETS.map(([, param, list]) => [param, list]));
  box.replaceChildren(
    h("p", { class: "fr-text--sm pf-active-filters__title" }, "Filtres actifs :"),
    h("ul", { class: "fr-tags-group" }, entries.map(([param, code]) => h("li", {},
      h("button", {
        type: "button", class: "fr-tag fr-tag--sm fr-tag--dismiss",
        "aria-label": `Retirer le filtre ${facetLabel(listFor[param], code)}`,
        dataset: { facetKey: `${param}:${code}` },
        onclick: () => toggleFacet(param, code),
      }, facetLabel(listFor[param], code))))));
}

function toggleFacet(param, code) {
  if (state.filters[param] === code) delete state.filters[param];
  else state.filters[param] = code;
  state.cursor = null;
  run();
}
