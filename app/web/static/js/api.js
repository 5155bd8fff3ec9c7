// The API client: same origin only, the adviser's key from sessionStorage as a Bearer token.

const KEY_STORAGE = "parcours-fle.api-key";
const listeners = new Set();

export function getKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

export function setKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage refused (private mode with quota 0): the key lives until the page is closed.
  }
  for (const fn of listeners) fn(getKey());
}

export function onKeyChange(fn) {
  listeners.add(fn);
}

/** A failed call: `status` (0 = network), a French `message`, the problem body, field errors. */
export class ApiError extends Error {
  constructor(status, message, problem = null) {
    super(message);
    this.status = status;
    this.problem = problem;
    this.errors = (problem && Array.isArray(problem.errors)) ? problem.errors : [];
    this.slug = problem && typeof problem.type === "string" ? problem.type.split("/").pop() : "";
  }
}

function messageFor(status, problem, needsKey) {
  if (status === 401) {
    return getKey()
      ? "Votre clé d'API a été refusée (inconnue, révoquée ou mal copiée). Vérifiez-la dans « Clé d'API »."
      : needsKey
        ? "Cette fonction demande votre clé d'API de conseiller : saisissez-la dans « Clé d'API »."
        : "Le catalogue n'est pas public ici : saisissez votre clé d'API dans « Clé d'API ».";
  }
  if (status === 403) return "Votre clé d'API ne donne pas accès à cette fonction (il faut une clé de conseiller).";
  if (status === 404) return (problem && problem.detail) || "Introuvable.";
  if (status === 429) return "Trop de demandes : réessayez dans un instant.";
  if (status >= 500) return (problem && problem.detail) || "Le service ne répond pas correctement : réessayez dans un instant.";
  return (problem && (problem.detail || problem.title)) || `Erreur ${status}.`;
}

/**
 * fetch() wrapper. `needsKey`: the call is for advisers (match, prescriptions) — it is refused
 * here without a key, without a round trip. Returns the parsed JSON body.
 */
export async function api(path, { method = "GET", body, params, signal, needsKey = false, headers = {} } = {}) {
  const key = getKey();
  if (needsKey && !key) throw new ApiError(401, messageFor(401, null, true));
  let url = path;
  if (params) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null && v !== "") qs.set(k, String(v));
    }
    const s = qs.toString();
    if (s) url += `?${s}`;
  }
  const init = { method, signal, headers: { Accept: "application/json", ...headers }, credentials: "omit", cache: "no-store" };
  if (key) init.headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, "Le service est injoignable : vérifiez la connexion puis réessayez.");
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, messageFor(response.status, data, needsKey), data);
  return data;
}

const referenceCache = new Map();

/** A reference list as {code: label}, in the service's order; cached for the page's life. */
export function reference(name) {
  if (!referenceCache.has(name)) {
    const p = api(`/v1/reference/${name}`).then((d) => d.items);
    p.catch(() => referenceCache.delete(name));
    referenceCache.set(name, p);
  }
  return referenceCache.get(name);
}

const offerCache = new Map();

export function rememberOffer(offer) {
  if (offer && offer.id) offerCache.set(offer.id, Promise.resolve(offer));
}

export function offer(id) {
  if (!offerCache.has(id)) {
    const p = api(`/v1/offers/${id}`);
    p.catch(() => offerCache.delete(id));
    offerCache.set(id, p);
  }
  return offerCache.get(id);
}
