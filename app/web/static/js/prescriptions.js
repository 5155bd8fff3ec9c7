// "Mes prescriptions": GET /v1/prescriptions with statuses in French; cancel a pending/accepted one.

import { ApiError, api, offer as loadOffer } from "./api.js";
import { $, formatDate, formatDateTime, h, plural } from "./dom.js";
import { PRESCRIPTION_STATUS, label } from "./labels.js";
import { placeName, startText } from "./offers.js";

let cursor = null;
let loading = null;

export function initPrescriptions() {
  $("#presc-filter").addEventListener("submit", (ev) => {
    ev.preventDefault();
    loadPrescriptions();
  });
  $("#presc-status").addEventListener("change", () => loadPrescriptions());
  $("#presc-more").addEventListener("click", () => loadPrescriptions({ append: true }));
}

export async function loadPrescriptions({ append = false } = {}) {
  if (loading) loading.abort();
  loading = new AbortController();
  const line = $("#presc-status-line");
  const list = $("#presc-list");
  line.textContent = "Chargement…";
  const params = { status: $("#presc-status").value, limit: 50 };
  if (append && cursor) params.cursor = cursor;
  try {
    const data = await api("/v1/prescriptions", { params, needsKey: true, signal: loading.signal });
    cursor = data.next_cursor;
    const cards = data.items.map(card);
    if (append) list.append(...cards);
    else list.replaceChildren(...cards);
    $("#presc-more").hidden = !cursor;
    const n = list.children.length;
    line.textContent = n === 0 ? "Aucune prescription pour ce filtre." : `${plural(n, "prescription", "prescriptions")}${cursor ? " (d'autres suivent)" : ""}`;
  } catch (err) {
    if (err.name === "AbortError") return;
    if (!append) list.replaceChildren();
    line.textContent = err.message;
  }
}

function statusBadge(status) {
  const st = PRESCRIPTION_STATUS[status] || { text: status, badge: "" };
  return h("span", { class: `fr-badge fr-badge--sm ${st.badge} pf-presc-status`, dataset: { status } }, st.text);
}

function card(p) {
  const where = h("p", { class: "fr-text--sm pf-presc__session" }, `Session n° ${p.session_id}`);
  const title = h("h2", { class: "pf-card__title fr-h6" }, "Formation");
  if (p.offer_id) {
    loadOffer(p.offer_id).then((offer) => {
      title.textContent = offer.title;
      const session = (offer.sessions || []).find((s) => s.id === p.session_id);
      where.textContent = [offer.organisation && offer.organisation.name, placeName(session, offer), session ? startText(session) : null]
        .filter(Boolean).join(" · ");
    }).catch(() => {});
  }
  const details = [
    ["Code", h("strong", { class: "pf-code pf-code--sm" }, p.code)],
    ["Personne", p.jobseeker_ref],
    ["Situation", p.publics && p.publics.length ? p.publics.map((x) => label("publics", x)).join(", ") : null],
    ["Prescrite le", formatDateTime(p.created_at)],
    ["Place", p.place_held ? "Retenue" : null],
    [p.status === "pending" ? "Expire le" : null, p.status === "pending" ? formatDateTime(p.expires_at) : null],
    ["Entrée le", p.entered_on ? formatDate(p.entered_on) : null],
    ["Motif", p.reason || (p.reason_code ? label("refusal_reasons", p.reason_code) : null)],
    ["Message", p.note],
  ].filter(([k, v]) => k && v);
  const actions = h("div", { class: "pf-card__actions" });
  if (p.status === "pending" || p.status === "accepted") actions.append(cancelButton(p, actions));
  return h("li", { class: "pf-card pf-card--presc", dataset: { prescriptionId: p.id, code: p.code } },
    h("p", { class: "pf-card__badges" }, statusBadge(p.status)),
    title,
    where,
    h("dl", { class: "pf-facts" }, details.map(([k, v]) => h("div", { class: "pf-facts__row" }, h("dt", {}, k), h("dd", {}, v)))),
    actions);
}

function cancelButton(p, actions) {
  return h("button", {
    type: "button", class: "fr-btn fr-btn--sm fr-btn--tertiary",
    onclick: () => {
      const msg = h("p", { class: "fr-text--sm pf-message", role: "status" });
      const confirm = h("button", {
        type: "button", class: "fr-btn fr-btn--sm",
        onclick: async () => {
          confirm.disabled = true;
          try {
            await api(`/v1/prescriptions/${p.id}`, { method: "PATCH", body: { status: "cancelled" }, needsKey: true });
            await loadPrescriptions();
            $("#presc-status-line").focus();
          } catch (err) {
            confirm.disabled = false;
            msg.textContent = err instanceof ApiError && err.status === 409
              ? "Cette prescription ne peut plus être annulée (son statut a changé) : actualisez la liste."
              : err.message;
          }
        },
      }, "Confirmer l'annulation");
      const keep = h("button", {
        type: "button", class: "fr-btn fr-btn--sm fr-btn--secondary",
        onclick: () => {
          actions.replaceChildren(cancelButton(p, actions));
          actions.firstChild.focus();
        },
      }, "Garder");
      actions.replaceChildren(h("p", { class: "fr-text--sm" }, `Annuler la prescription ${p.code} ? La place retenue sera rendue.`),
        h("div", { class: "pf-inline-actions" }, confirm, keep), msg);
      confirm.focus();
    },
  }, "Annuler la prescription", h("span", { class: "fr-sr-only" }, ` ${p.code}`));
}
