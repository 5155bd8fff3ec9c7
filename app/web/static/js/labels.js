// French labels the reference lists do not carry, and the reference lists as maps.

import { reference } from "./api.js";

export const DAYS = [
  ["mon", "lundi"], ["tue", "mardi"], ["wed", "mercredi"], ["thu", "jeudi"], ["fri", "vendredi"], ["sat", "samedi"],
];
export const DAY_LABEL = Object.fromEntries([...DAYS, ["sun", "dimanche"]]);

// Half-days of the availability grid (CONTRACT § Matching: availability slots).
export const HALF_DAYS = [
  { id: "matin", label: "Matin", start: "08:30", end: "12:30" },
  { id: "apres-midi", label: "Après-midi", start: "13:30", end: "18:00" },
  { id: "soir", label: "Soir", start: "18:00", end: "21:00" },
];

export const CRITERIA = {
  level: "Niveau",
  literacy: "Scolarisation",
  publics: "Public",
  distance: "Trajet",
  schedule: "Horaires",
  dates: "Dates",
  status: "Inscriptions",
  places: "Places",
  sector: "Secteur",
  tension: "Métiers en tension",
  target: "Niveau visé",
  cost: "Coût",
  childcare: "Garde d'enfants",
  audience: "Public visé",
  quality: "Fiche",
};
// Criteria that exclude a session when unmet; the others only rank.
export const ACCESS_CRITERIA = ["level", "literacy", "publics", "distance", "schedule", "dates", "status", "places"];

// Status of a reason: text + DSFR badge (which adds an icon), never colour alone.
export const REASON_STATUS = {
  met: { text: "Oui", badge: "fr-badge--success" },
  partial: { text: "En partie", badge: "fr-badge--info" },
  unknown: { text: "À vérifier", badge: "fr-badge--warning" },
  unmet: { text: "Non", badge: "fr-badge--error" },
};

// Exclusion counts, in the contract's order.
export const EXCLUSIONS = [
  ["distance", "pour la distance"],
  ["status", "pour le statut de la session"],
  ["dates", "pour les dates"],
  ["places", "faute de places"],
  ["level", "pour le niveau"],
  ["literacy", "pour la scolarisation"],
  ["publics", "pour le public"],
  ["schedule", "pour les horaires"],
];

export const PRESCRIPTION_STATUS = {
  pending: { text: "En attente", badge: "fr-badge--new" },
  accepted: { text: "Acceptée", badge: "fr-badge--success" },
  refused: { text: "Refusée", badge: "fr-badge--error" },
  cancelled: { text: "Annulée", badge: "fr-badge--info" },
  entered: { text: "Entrée en formation", badge: "fr-badge--success" },
  expired: { text: "Expirée", badge: "fr-badge--warning" },
};

export const SESSION_STATUS = {
  open: "Inscriptions ouvertes",
  full: "Complet",
  suspended: "Suspendue",
  closed: "Inscriptions closes",
  cancelled: "Annulée",
};

export const MODALITY = { in_person: "Sur place", remote: "À distance", hybrid: "Mixte (sur place et à distance)" };

let maps = null;

/** {levels, literacy, funders, sectors, publics, kinds, permit_goals}: arrays of items and code → label maps. */
export async function loadReferences() {
  if (maps) return maps;
  const names = ["levels", "literacy", "funders", "sectors", "publics", "kinds", "permit_goals", "refusal_reasons"];
  const lists = await Promise.all(names.map((n) => reference(n)));
  maps = { items: {}, label: {} };
  names.forEach((n, i) => {
    maps.items[n] = lists[i];
    maps.label[n] = Object.fromEntries(lists[i].map((it) => [it.code, it.label]));
  });
  return maps;
}

/** The label of `code` in list `name`, or the code itself when unknown. */
export function label(name, code) {
  return (maps && maps.label[name] && maps.label[name][code]) || code;
}
