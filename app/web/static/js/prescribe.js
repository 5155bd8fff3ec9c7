// The "Prescrire" dialog: jobseeker reference, publics, note → POST /v1/prescriptions → the code.

import { ApiError, api } from "./api.js";
import { $, $$, formatDateTime, h } from "./dom.js";
import { loadReferences } from "./labels.js";
import { placeName, startText } from "./offers.js";
import { showFieldErrors, clearFieldErrors } from "./forms.js";

let current = null; // {offer, session, idempotencyKey, opener}
let defaultPublics = () => [];
const listeners = new Set();

/** Publics ticked in the match form, offered as defaults in the dialog. */
export function setDefaultPublics(fn) {
  defaultPublics = fn;
}

/** Called with the new prescription after each success. */
export function onPrescribed(fn) {
  listeners.add(fn);
}

export async function initPrescribe() {
  const dialog = $("#prescribe-dialog");
  const refs = await loadReferences();
  $("#p-publics").replaceChildren(...refs.items.publics.filter((p) => p.code !== "all").map((p) =>
    h("div", { class: "fr-checkbox-group fr-checkbox-group--sm" },
      h("input", { type: "checkbox", id: `p-public-${p.code}`, name: "publics", value: p.code }),
      h("label", { class: "fr-label", for: `p-public-${p.code}` }, p.label))));
  $("#prescribe-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    submit();
  });
  dialog.addEventListener("click", (ev) => {
    if (ev.target.closest("[data-close]")) dialog.close();
  });
  dialog.addEventListener("close", () => {
    const opener = current && current.opener;
    current = null;
    if (opener && opener.isConnected && !location.hash.startsWith("#prescriptions")) opener.focus();
  });
}

function newIdempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

export function openPrescribe(offer, session) {
  const dialog = $("#prescribe-dialog");
  current = { offer, session, idempotencyKey: newIdempotencyKey(), opener: document.activeElement };
  $("#presc-session").replaceChildren(
    h("p", { class: "pf-presc-session__title" }, offer.title),
    h("p", { class: "fr-text--sm" }, [offer.organisation && offer.organisation.name, placeName(session, offer), startText(session)]
      .filter(Boolean).join(" · ")));
  const form = $("#prescribe-form");
  form.reset();
  form.hidden = false;
  clearFieldErrors(form, $("#presc-form-errors"));
  const ticked = new Set(defaultPublics());
  $$("#p-publics input").forEach((el) => { el.checked = ticked.has(el.value); });
  $("#presc-done").hidden = true;
  $("#p-submit").disabled = false;
  dialog.showModal();
  $("#p-ref").focus();
}

async function submit() {
  const form = $("#prescribe-form");
  const errorsBox = $("#presc-form-errors");
  clearFieldErrors(form, errorsBox);
  const ref = $("#p-ref");
  ref.value = ref.value.trim();
  if (!ref.value || !ref.checkValidity()) {
    showFieldErrors(form, errorsBox, [{ field: "jobseeker_ref", msg: ref.value
      ? "Lettres, chiffres et . _ : / - seulement, sans espace ni @ : un identifiant, pas un nom ni une adresse e-mail."
      : "Indiquez la référence de la personne dans votre outil." }]);
    return;
  }
  const body = { session_id: current.session.id, jobseeker_ref: ref.value };
  const publics = $$("#p-publics input:checked").map((el) => el.value);
  if (publics.length) body.publics = publics;
  const note = $("#p-note").value.trim();
  if (note) body.note = note;
  const button = $("#p-submit");
  button.disabled = true;
  try {
    const p = await api("/v1/prescriptions", {
      method: "POST", body, needsKey: true, headers: { "Idempotency-Key": current.idempotencyKey },
    });
    showDone(p);
    for (const fn of listeners) fn(p, current && current.offer);
  } catch (err) {
    button.disabled = false;
    showFieldErrors(form, errorsBox, problemToFieldErrors(err));
  }
}

function problemToFieldErrors(err) {
  if (!(err instanceof ApiError)) return [{ msg: "La prescription n'a pas pu être envoyée." }];
  if (err.status === 409) {
    const messages = {
      session_full: "Cette session est complète : plus aucune place. Choisissez une autre session.",
      "session-full": "Cette session est complète : plus aucune place. Choisissez une autre session.",
      session_not_open: "Les inscriptions à cette session ne sont pas ouvertes (suspendue, close ou annulée).",
      "session-not-open": "Les inscriptions à cette session ne sont pas ouvertes (suspendue, close ou annulée).",
    };
    const known = messages[err.slug] || messages[(err.problem && err.problem.code) || ""];
    return [{ msg: known || (err.problem && err.problem.detail) || "Cette prescription existe déjà ou n'est plus possible." }];
  }
  if (err.status === 422 && err.errors.length) {
    return err.errors.map((e) => {
      const loc = (e.loc || []).filter((x) => x !== "body");
      return { field: loc[0] || null, msg: e.msg };
    });
  }
  return [{ msg: err.message }];
}

function showDone(p) {
  $("#prescribe-form").hidden = true;
  $("#presc-code").textContent = p.code;
  const held = p.place_held ? "Une place est retenue pour la personne." : "Places non suivies pour cette session : appelez l'organisme pour confirmer.";
  $("#presc-done-detail").textContent = `${held} Sans réponse de l'organisme, la prescription expire le ${formatDateTime(p.expires_at)}.`;
  $("#presc-done").hidden = false;
  $("#presc-done .fr-alert__title").setAttribute("tabindex", "-1");
  $("#presc-done .fr-alert__title").focus();
}
