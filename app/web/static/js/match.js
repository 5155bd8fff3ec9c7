// "Trouver pour une personne": the profile form → POST /v1/match → ranked sessions with reasons.

import { ApiError, api, rememberOffer } from "./api.js";
import { $, $$, formatNumber, h, plural } from "./dom.js";
import { clearFieldErrors, showFieldErrors } from "./forms.js";
import { ACCESS_CRITERIA, CRITERIA, DAYS, EXCLUSIONS, HALF_DAYS, REASON_STATUS, loadReferences } from "./labels.js";
import { canPrescribe, facts, fundersText, hoursText, levelRange, offerHeader, placeName, scheduleText, startText } from "./offers.js";
import { openPrescribe, setDefaultPublics } from "./prescribe.js";

const LIMIT = 20;
// Which form field a profile key of a 422 belongs to.
const FIELD_OF = {
  level: "level", literacy: "literacy", permit_goal: "permit_goal", home: "home", transport: "transport",
  max_distance_km: "max_distance_km", max_travel_minutes: "max_travel_minutes", availability: "availability",
  sectors: "sectors", publics: "publics", needs_childcare: "needs_childcare",
};

export async function initMatch() {
  const refs = await loadReferences();
  const option = (it) => h("option", { value: it.code }, it.label);
  $("#m-level").append(...refs.items.levels.map(option));
  $("#m-literacy").append(...refs.items.literacy.map(option));
  $("#m-goal").append(...refs.items.permit_goals.map(option));
  const checks = (prefix, items) => items.map((it) =>
    h("div", { class: "fr-checkbox-group fr-checkbox-group--sm" },
      h("input", { type: "checkbox", id: `${prefix}-${it.code}`, name: prefix, value: it.code }),
      h("label", { class: "fr-label", for: `${prefix}-${it.code}` }, it.label)));
  $("#m-sectors").replaceChildren(...checks("m-sector", refs.items.sectors.filter((s) => s.code !== "tous_secteurs")));
  $("#m-publics").replaceChildren(...checks("m-public", refs.items.publics.filter((p) => p.code !== "all")));
  buildAvailability();
  setDefaultPublics(() => $$("#m-publics input:checked").map((el) => el.value));

  const syncLimit = () => {
    const byTime = $("#m-limit-min").checked;
    $("#grp-km").hidden = byTime;
    $("#grp-min").hidden = !byTime;
    $("#limit-hint").textContent = byTime
      ? "Seul le temps de trajet estimé compte alors (la distance n'est plus limitée)."
      : "Par défaut : 20 km.";
  };
  $$("input[name=limit_kind]").forEach((el) => el.addEventListener("change", syncLimit));
  syncLimit();
  $("#match-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit();
  });
}

function buildAvailability() {
  const body = $("#availability tbody");
  body.replaceChildren(...DAYS.map(([code, name]) => h("tr", {},
    h("th", { scope: "row" }, name),
    HALF_DAYS.map((hd) => h("td", {},
      h("input", {
        type: "checkbox", class: "pf-avail__box", id: `av-${code}-${hd.id}`, dataset: { day: code, start: hd.start, end: hd.end, half: hd.id },
      }),
      h("label", { class: "fr-sr-only", for: `av-${code}-${hd.id}` }, `${name} ${hd.label.toLowerCase()}`))))));
  for (const button of $$(".pf-avail-quick button")) {
    button.addEventListener("click", () => {
      const half = button.dataset.fill;
      $$("#availability input").forEach((el) => {
        if (!half) el.checked = false;
        else if (el.dataset.half === half) el.checked = true;
      });
    });
  }
}

/** The profile as the API wants it: optional fields left out when not given (absent ≠ empty). */
export function buildProfile() {
  const profile = { level: $("#m-level").value };
  const home = $("#m-home").value.trim().toUpperCase();
  // Read as an INSEE code first, as the search box's `near` does; submit() retries as a postcode.
  profile.home = { insee: home };
  const literacy = $("#m-literacy").value;
  if (literacy) profile.literacy = literacy;
  const goal = $("#m-goal").value;
  if (goal) profile.permit_goal = goal;
  profile.transport = $("#m-transport").value;
  if ($("#m-limit-min").checked) profile.max_travel_minutes = Number($("#m-min").value);
  else profile.max_distance_km = Number($("#m-km").value);
  if ($("#m-remote").checked) profile.remote_ok = true;
  const slots = $$("#availability input:checked").map((el) => ({ day: el.dataset.day, start: el.dataset.start, end: el.dataset.end }));
  if (slots.length) profile.availability = slots;
  const sectors = $$("#m-sectors input:checked").map((el) => el.value);
  if (sectors.length) profile.sectors = sectors;
  const publics = $$("#m-publics input:checked").map((el) => el.value);
  if (publics.length) profile.publics = publics;
  if ($("#m-childcare").checked) profile.needs_childcare = true;
  return profile;
}

function clientErrors(profile) {
  const errors = [];
  if (!profile.level) errors.push({ field: "level", msg: "Choisissez le niveau actuel de la personne." });
  const home = $("#m-home");
  if (!home.value.trim()) errors.push({ field: "home", msg: "Indiquez la commune : code postal ou code INSEE." });
  else if (!home.checkValidity()) errors.push({ field: "home", msg: "5 caractères attendus, ex. 93200 (code postal) ou 93066 (code INSEE)." });
  if (profile.max_distance_km !== undefined && !(profile.max_distance_km > 0)) {
    errors.push({ field: "max_distance_km", msg: "Indiquez une distance en kilomètres, supérieure à 0." });
  }
  if (profile.max_travel_minutes !== undefined && !(profile.max_travel_minutes > 0)) {
    errors.push({ field: "max_travel_minutes", msg: "Indiquez un temps de trajet en minutes, supérieur à 0." });
  }
  return errors;
}

async function submit() {
  const form = $("#match-form");
  const summary = $("#match-form-errors");
  clearFieldErrors(form, summary);
  const profile = buildProfile();
  const errors = clientErrors(profile);
  if (errors.length) {
    showFieldErrors(form, summary, errors);
    return;
  }
  const status = $("#match-status");
  status.textContent = "Recherche des sessions adaptées…";
  $("#match-excluded").textContent = "";
  $("#match-results").replaceChildren();
  const button = $(".pf-match-submit");
  button.disabled = true;
  try {
    let data;
    try {
      data = await api("/v1/match", { method: "POST", body: { profile, limit: LIMIT }, needsKey: true });
    } catch (err) {
      // Not a known INSEE code: read it as a postcode (same order as the search box's `near`).
      const home = profile.home.insee;
      if (err instanceof ApiError && err.status === 422 && err.errors.length === 1 && isHomeError(err.errors[0]) && /^\d{5}$/.test(home)) {
        profile.home = { postcode: home };
        data = await api("/v1/match", { method: "POST", body: { profile, limit: LIMIT }, needsKey: true });
      } else {
        throw err;
      }
    }
    render(data);
  } catch (err) {
    status.textContent = "";
    if (err instanceof ApiError && err.status === 422 && err.errors.length) {
      showFieldErrors(form, summary, err.errors.map((e) => {
        const loc = (e.loc || []).filter((x) => x !== "body" && x !== "profile");
        return { field: FIELD_OF[loc[0]] || null, msg: frenchMessage(e.msg, loc) };
      }));
    } else {
      showFieldErrors(form, summary, [{ msg: err.message || "La recherche a échoué." }]);
    }
  } finally {
    button.disabled = false;
  }
}

function isHomeError(e) {
  return (e.loc || []).includes("home");
}

function frenchMessage(msg, loc) {
  if (loc[0] === "home" && /pattern/i.test(msg)) return "5 chiffres attendus (code postal ou code INSEE).";
  if (/greater than/i.test(msg)) return "La valeur doit être plus grande.";
  if (/less than/i.test(msg)) return "La valeur doit être plus petite.";
  return msg;
}

export function exclusionSentence(excluded) {
  const parts = EXCLUSIONS.filter(([k]) => excluded[k] > 0).map(([k, reason], i) =>
    `${formatNumber(excluded[k])}${i === 0 ? ` ${excluded[k] === 1 ? "écartée" : "écartées"}` : ""} ${reason}`);
  if (!parts.length) return "Aucune session écartée.";
  return `${parts.join(", ")}.`;
}

function render(data) {
  const total = data.total_results ?? data.results.length;
  const shown = data.results.length;
  $("#match-status").textContent = total === 0
    ? `Aucune session ne correspond sur ${plural(data.candidates, "session", "sessions")} du catalogue. Élargissez la distance, les horaires ou les dates.`
    : `${plural(total, "session correspond", "sessions correspondent")} sur ${formatNumber(data.candidates)}`
      + `${shown < total ? ` (les ${shown} plus pertinentes sont affichées)` : ""} — niveau visé : ${data.target_level}.`;
  $("#match-excluded").textContent = exclusionSentence(data.excluded);
  $("#match-results").replaceChildren(...data.results.map(resultCard));
  $("#match-status").focus();
}

function reasonItem(r) {
  const st = REASON_STATUS[r.status] || REASON_STATUS.unknown;
  return h("li", { class: `pf-reason pf-reason--${r.status}` },
    h("span", { class: "pf-reason__status" }, h("span", { class: `fr-badge fr-badge--sm ${st.badge}` }, st.text)),
    h("span", { class: "pf-reason__text" }, h("strong", {}, `${CRITERIA[r.criterion] || r.criterion} : `), r.detail));
}

function resultCard(result, index) {
  const { offer, session } = result;
  rememberOffer(offer);
  const access = result.reasons.filter((r) => ACCESS_CRITERIA.includes(r.criterion));
  const ranking = result.reasons.filter((r) => !ACCESS_CRITERIA.includes(r.criterion));
  const trip = [
    result.distance_km !== null && result.distance_km !== undefined ? `${formatNumber(result.distance_km)} km` : "À distance",
    result.travel_minutes ? `environ ${result.travel_minutes} min de trajet (estimation)` : null,
  ].filter(Boolean).join(", ");
  return h("li", { class: "pf-card pf-card--match", dataset: { sessionId: session.id } },
    h("p", { class: "pf-rank" }, h("span", { class: "pf-rank__n" }, `${index + 1}`),
      h("span", { class: "pf-score" }, `Pertinence ${result.score}/100`)),
    offerHeader(offer, "h2"),
    facts([
      ["Lieu", placeName(session, offer)],
      ["Trajet", trip],
      ["Début", startText(session)],
      ["Horaires", scheduleText(session)],
      ["Niveau", levelRange(offer)],
      ["Rythme", hoursText(offer)],
      ["Financement", fundersText(offer)],
    ]),
    h("h3", { class: "pf-reasons__title" }, "Pourquoi cette session"),
    h("ul", { class: "pf-reasons" }, access.map(reasonItem)),
    ranking.length
      ? h("details", { class: "pf-reasons-more" },
        h("summary", {}, "Critères de classement"),
        h("ul", { class: "pf-reasons" }, ranking.map(reasonItem)))
      : null,
    h("div", { class: "pf-card__actions" },
      canPrescribe(session)
        ? h("button", { type: "button", class: "fr-btn fr-btn--sm pf-prescribe", onclick: () => openPrescribe(offer, session) },
          "Prescrire", h("span", { class: "fr-sr-only" }, ` : ${offer.title}, ${placeName(session, offer)}`))
        : null));
}
