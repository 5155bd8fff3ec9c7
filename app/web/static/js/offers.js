// How an offer and its sessions read on a result card (search and match share it).

import { formatDate, formatNumber, h, plural, todayIso } from "./dom.js";
import { MODALITY, SESSION_STATUS, label } from "./labels.js";

const ACTIVE = new Set(["open", "full", "suspended"]);

/** The session an adviser would look at first: open, not ended, soonest start. */
export function nextSession(offer) {
  const today = todayIso();
  const alive = (offer.sessions || []).filter((s) => ACTIVE.has(s.status) && (!s.end_date || s.end_date >= today));
  const rank = (s) => [s.status === "open" ? 0 : 1, s.rolling_entry || !s.start_date || s.start_date < today ? today : s.start_date];
  alive.sort((a, b) => {
    const [ra, rb] = [rank(a), rank(b)];
    return ra[0] - rb[0] || (ra[1] < rb[1] ? -1 : ra[1] > rb[1] ? 1 : 0);
  });
  return alive[0] || (offer.sessions || [])[0] || null;
}

export function placeText(session) {
  if (!session) return "Places non communiquées";
  if (session.status === "full" || session.places_available === 0) return "Complet";
  if (session.places_available === null || session.places_available === undefined) return "Places non communiquées";
  return plural(session.places_available, "place disponible", "places disponibles");
}

export function startText(session) {
  if (!session) return "Date à confirmer";
  const today = todayIso();
  const until = session.end_date ? ` jusqu'au ${formatDate(session.end_date, session.end_precision)}` : "";
  if (session.rolling_entry && (!session.start_date || session.start_date <= today)) return `Entrée permanente${until}`;
  if (!session.start_date) return "Date de début à confirmer";
  const start = formatDate(session.start_date, session.start_precision);
  const prefix = session.start_precision === "day" ? "Début le " : "Début en ";
  return `${prefix}${start}${session.rolling_entry ? " (entrées permanentes ensuite)" : ""}`;
}

export function placeName(session, offer) {
  if (session && session.location && session.location.city) {
    const l = session.location;
    return `${l.city}${l.departement ? ` (${l.departement})` : ""}`;
  }
  return offer && offer.modality === "remote" ? "À distance" : "Lieu à confirmer";
}

export function levelRange(offer) {
  const r = offer.entry_level || {};
  let entry;
  if (r.min && r.max) entry = r.min === r.max ? `niveau ${r.min}` : `de ${r.min} à ${r.max}`;
  else if (r.min) entry = `à partir de ${r.min}`;
  else if (r.max) entry = `jusqu'à ${r.max}`;
  else entry = "non précisée";
  const target = offer.target_level ? ` ; vise ${offer.target_level}` : "";
  return `Entrée : ${entry}${target}`;
}

export function hoursText(offer) {
  const parts = [];
  if (offer.hours_per_week) parts.push(`${formatNumber(offer.hours_per_week)} h par semaine`);
  if (offer.hours_total) parts.push(`${formatNumber(offer.hours_total)} h au total`);
  return parts.length ? parts.join(", ") : "Rythme non communiqué";
}

export function fundersText(offer) {
  return offer.funders && offer.funders.length ? offer.funders.map((f) => label("funders", f)).join(", ") : "Non communiqué";
}

export function scheduleText(session) {
  if (!session || !session.schedule || !session.schedule.length) return null;
  const days = { mon: "lun.", tue: "mar.", wed: "mer.", thu: "jeu.", fri: "ven.", sat: "sam.", sun: "dim." };
  return session.schedule.map((s) => `${days[s.day] || s.day} ${s.start}–${s.end}`).join(", ");
}

/** A definition list of facts ("dt: dd" pairs), readable one per line on a phone. */
export function facts(pairs) {
  return h("dl", { class: "pf-facts" },
    pairs.filter(([, v]) => v).map(([k, v]) => h("div", { class: "pf-facts__row" }, h("dt", {}, k), h("dd", {}, v))));
}

/** Title + organisation + kind badge, shared by every card. */
export function offerHeader(offer, headingLevel = "h2", extra = null) {
  const badges = h("p", { class: "pf-card__badges" },
    h("span", { class: "fr-badge fr-badge--sm fr-badge--blue-ecume" }, label("kinds", offer.kind)),
    offer.modality && offer.modality !== "in_person" ? h("span", { class: "fr-badge fr-badge--sm" }, MODALITY[offer.modality]) : null,
    offer.certification ? h("span", { class: "fr-badge fr-badge--sm fr-badge--purple-glycine" }, offer.certification) : null,
    extra);
  return [
    badges,
    h(headingLevel, { class: "pf-card__title fr-h6" }, offer.title),
    h("p", { class: "pf-card__org" }, offer.organisation ? offer.organisation.name : ""),
  ];
}

export function sessionLine(session, offer) {
  return [placeName(session, offer), startText(session), placeText(session),
    session && session.status !== "open" ? SESSION_STATUS[session.status] : null].filter(Boolean).join(" · ");
}

export function canPrescribe(session) {
  return session && session.status === "open" && session.places_available !== 0;
}
