// Field errors next to the right field (DSFR error states), plus a summary box for the rest.

import { h } from "./dom.js";

/** Remove every error shown in `form` and empty the summary box. */
export function clearFieldErrors(form, summary) {
  for (const group of form.querySelectorAll("[data-field]")) {
    group.classList.remove("fr-input-group--error", "fr-select-group--error", "fr-fieldset--error", "pf-field--error");
    const msg = group.querySelector(".fr-error-text");
    if (msg) {
      msg.hidden = true;
      msg.textContent = "";
    }
    for (const el of group.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }
  if (summary) {
    summary.hidden = true;
    summary.replaceChildren();
  }
}

/** The visible name of a field: its label's or legend's own text, without the hint. */
function fieldName(group) {
  const el = group.querySelector("legend, label");
  if (!el) return "";
  const own = Array.from(el.childNodes).filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join(" ");
  return own.replace(/\s+/g, " ").trim();
}

/**
 * errors: [{field, msg}] where field names a `data-field` group of the form (or is null).
 * Errors with a matching group are shown there; all are listed in the summary, which gets focus.
 */
export function showFieldErrors(form, summary, errors) {
  const items = [];
  let firstInvalid = null;
  for (const { field, msg } of errors) {
    const group = field ? form.querySelector(`[data-field="${CSS.escape(field)}"]`) : null;
    if (group) {
      const kind = group.classList.contains("fr-select-group") ? "fr-select-group--error"
        : group.classList.contains("fr-input-group") ? "fr-input-group--error" : "pf-field--error";
      group.classList.add(kind);
      const text = group.querySelector(".fr-error-text");
      if (text) {
        text.textContent = text.textContent ? `${text.textContent} ${msg}` : msg;
        text.hidden = false;
      }
      const control = group.querySelector("input, select, textarea");
      if (control) {
        control.setAttribute("aria-invalid", "true");
        firstInvalid = firstInvalid || control;
      }
      const name = fieldName(group) || field;
      items.push(h("li", {}, control
        ? h("a", { href: `#${control.id}`, onclick: (ev) => { ev.preventDefault(); control.focus(); } }, `${name} : ${msg}`)
        : `${name} : ${msg}`));
    } else {
      items.push(h("li", {}, field ? `${field} : ${msg}` : msg));
    }
  }
  if (summary) {
    summary.replaceChildren(
      h("div", { class: "fr-alert fr-alert--error fr-alert--sm" },
        h("p", {}, errors.length > 1 ? "Corrigez les points suivants :" : "À corriger :"),
        h("ul", {}, items)));
    summary.hidden = false;
    summary.focus();
  } else if (firstInvalid) {
    firstInvalid.focus();
  }
}
