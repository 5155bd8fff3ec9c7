"""The adviser page in real headless Chromium (Debian's, through Playwright) against the real
server (uvicorn) on the demo catalogue. Screenshots go to test-artifacts/web/.

Every page records its requests: none may leave the test server (CSP and "no third party"),
no response may fail and no CSP violation may be reported. The CSP also forbids eval, so waits use
Playwright's `expect` on locators, never `wait_for_function` with a string."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect

from app.auth.keys import create_key
from app.catalogue.demo import load_demo
from app.core.db import Database
from app.core.migrate import upgrade_to_head
from app.reference.roles import Role
from bench.live_server import LiveServer

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "web"
CODE = re.compile(r"^[A-Z2-9]{4}-[A-Z2-9]{4}$")
TIMEOUT_MS = 10_000


class Site:
    def __init__(self, url: str, adviser_key: str, admin_key: str, database_url: str) -> None:
        self.url = url
        self.adviser_key = adviser_key
        self.admin_key = admin_key
        self.database_url = database_url


@pytest.fixture(scope="module")
def site(tmp_path_factory, chromium_path):
    # chromium_path first: without Chromium the module is skipped (locally) before any set-up.
    url = f"sqlite:///{tmp_path_factory.mktemp('web')}/browser.db"
    upgrade_to_head(url)
    database = Database(url)
    load_demo(database)
    with database.session(write=True) as db:
        _, adviser = create_key(db, role=Role.ADVISER, name="Conseillère test", organisation="France Travail Saint-Denis",
                                contact="conseil.saint-denis@example.org")
        _, admin = create_key(db, role=Role.ADMIN, name="admin test")
    database.dispose()
    with LiveServer(url, workers=1) as server:
        yield Site(server.url, adviser, admin, url)


@pytest.fixture(scope="module")
def private_site(site):
    """The same database served with PUBLIC_CATALOGUE=false."""
    with LiveServer(site.database_url, workers=1, env={"PUBLIC_CATALOGUE": "false"}) as server:
        yield Site(server.url, site.adviser_key, site.admin_key, site.database_url)


class Watch:
    """What a page did: requests, failed responses, console errors (CSP violations show there)."""

    def __init__(self, page, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.failures: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("response", lambda r: r.status >= 400 and not self._expected(r) and self.failures.append(f"{r.status} {r.url}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.expected_statuses: set[int] = set()

    def _expected(self, response) -> bool:
        return response.status in self.expected_statuses and "/v1/" in response.url

    def check(self) -> None:
        foreign = [u for u in self.requests if not (u.startswith(self.origin + "/") or u.startswith("data:"))]
        assert not foreign, f"requests outside the test server: {foreign}"
        assert not self.failures, self.failures
        errors = [e for e in self.errors if not re.search(r"status of (401|409|422)", e)]
        assert not errors, errors


@pytest.fixture
def open_page(browser, site):
    contexts = []
    watches = []

    def make(path: str = "/", *, width: int = 1280, height: int = 900, on: Site | None = None,
             expected: tuple[int, ...] = ()):
        base = (on or site).url
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR",
                                      timezone_id="Europe/Paris")
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        watch = Watch(page, base)
        watch.expected_statuses.update(expected)  # API answers a test provokes on purpose
        watches.append(watch)
        page.goto(base + path)
        page.wait_for_selector("html[data-ready=true]")
        return page, watch

    yield make
    try:
        for w in watches:
            w.check()
    finally:
        for c in contexts:
            c.close()


def shot(page, name: str, **kw) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), **kw)


def total_of(page) -> int:
    text = page.locator("#search-status").inner_text()
    m = re.match(r"([\d\u202f\u00a0 ]+) formation", text)
    assert m, text
    return int(re.sub(r"\D", "", m.group(1)))


def enter_key(page, key: str) -> None:
    if not page.is_visible("#key-input"):
        page.click("#key-toggle")
    page.fill("#key-input", key)
    page.click("#key-form button[type=submit]")
    assert page.locator("#key-state").inner_text() == "Clé d'API enregistrée"
    assert page.evaluate("Object.keys(localStorage).length") == 0


def run_match(page) -> None:
    page.click("a[href='#trouver']")
    page.select_option("#m-level", "A1")
    page.fill("#m-home", "93066")  # Saint-Denis (INSEE)
    page.click("button[data-fill=matin]")
    page.click("label[for=m-sector-services_a_la_personne]")
    page.click(".pf-match-submit")
    page.wait_for_selector("#match-results > li")


# --------------------------------------------------------------------------------------------


def test_typing_shows_suggestions(open_page):
    page, _ = open_page()
    assert page.evaluate("document.documentElement.lang") == "fr"
    page.wait_for_selector("#search-results > li")
    page.locator("#q").press_sequentially("fransais", delay=30)
    page.wait_for_selector("#suggestions > li")
    texts = page.locator("#suggestions > li").all_inner_texts()
    assert texts and any("Français" in t or "français" in t for t in texts), texts
    assert page.get_attribute("#q", "aria-expanded") == "true"
    shot(page, "01-suggestions")


def test_facet_click_narrows_the_list_and_updates_counts(open_page):
    page, _ = open_page()
    page.wait_for_selector("#search-results > li")
    before = total_of(page)
    alpha = page.locator("button[data-facet=kind][data-value=alpha]")
    alpha_count = int(re.search(r"\((\d+)\)", alpha.inner_text()).group(1))
    levels_before = page.locator("button[data-facet=level]").all_inner_texts()
    assert 0 < alpha_count < before
    alpha.click()
    expect(page.locator("#search-status")).to_have_text(re.compile(rf"^{alpha_count} formations? trouvée"))
    assert total_of(page) == alpha_count
    assert page.locator("#search-results > li").count() == min(alpha_count, 20)
    assert page.get_attribute("button[data-facet=kind][data-value=alpha]", "aria-pressed") == "true"
    assert page.locator("button[data-facet=level]").all_inner_texts() != levels_before
    assert page.locator("#active-filters .fr-tag--dismiss").count() == 1
    # Focus stays on the facet just pressed (keyboard users keep their place).
    assert page.evaluate("document.activeElement.dataset.value") == "alpha"
    shot(page, "02-facet-alpha")
    alpha = page.locator("button[data-facet=kind][data-value=alpha]")
    alpha.click()
    expect(page.locator("#search-status")).to_have_text(re.compile(rf"^{before} formations trouvées"))

    # Around a commune: fewer offers, each with its distance.
    page.fill("#near", "93066")
    page.select_option("#radius", "5")
    page.press("#near", "Enter")
    expect(page.locator("#search-status")).not_to_have_text(re.compile(rf"^{before} formations"))
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^\d+ formations? trouvée"))
    near_total = total_of(page)
    assert 0 < near_total < before
    distances = page.locator("#search-results .pf-distance").all_text_contents()
    assert distances and all(float(re.search(r"à ([\d,]+) km", d).group(1).replace(",", ".")) <= 5 for d in distances), distances
    shot(page, "02b-near-saint-denis")


def test_match_form_shows_reasons_and_exclusions(open_page, site):
    page, _ = open_page()
    enter_key(page, site.adviser_key)
    run_match(page)
    status = page.locator("#match-status").inner_text()
    assert re.search(r"\d+ sessions? correspond", status), status
    excluded = page.locator("#match-excluded").inner_text()
    assert re.search(r"^\d+ écartées? pour la distance", excluded), excluded
    assert "pour les horaires" in excluded
    first = page.locator("#match-results > li").first
    assert re.search(r"Pertinence \d+/100", first.inner_text())
    reasons = first.locator(".pf-reasons").first.locator("li").all_text_contents()
    assert len(reasons) >= 8
    joined = "\n".join(reasons)
    for criterion in ("Niveau :", "Trajet :", "Horaires :", "Places :"):
        assert criterion in joined, joined
    assert re.search(r"environ \d+ min en transports en commun \(estimation\)", joined), joined
    # Each status is said in words (and DSFR adds an icon), not by colour alone.
    assert all(r.startswith(("Oui", "Non", "En partie", "À vérifier")) for r in reasons), reasons
    page.locator("#match-status").scroll_into_view_if_needed()
    shot(page, "03-match-results")
    first.screenshot(path=str(ARTIFACTS / "03-match-first-card.png"))


def test_match_errors_show_next_to_the_field(open_page, site):
    page, watch = open_page("/#trouver")
    watch.expected_statuses.add(422)
    enter_key(page, site.adviser_key)
    page.select_option("#m-level", "A1")
    page.fill("#m-home", "99999")  # neither a known INSEE code nor a postcode
    page.click(".pf-match-submit")
    page.wait_for_selector("#m-home-error:not([hidden])")
    assert "99999" in page.locator("#m-home-error").inner_text()
    assert page.get_attribute("#m-home", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "match-form-errors"


def test_adviser_functions_ask_for_the_key_in_french(open_page):
    page, watch = open_page("/#prescriptions")
    expect(page.locator("#presc-status-line")).to_contain_text("clé d'API")
    page.click("a[href='#trouver']")
    page.select_option("#m-level", "A1")
    page.fill("#m-home", "93066")
    page.click(".pf-match-submit")
    expect(page.locator("#match-form-errors")).to_contain_text("clé d'API")
    assert not [u for u in watch.requests if "/v1/match" in u or "/v1/prescriptions" in u], "sent without a key"
    # A wrong key: the service answers 401, the page says so.
    watch.expected_statuses.add(401)
    enter_key(page, "pfle_deadbeef_" + "x" * 43)
    page.click(".pf-match-submit")
    expect(page.locator("#match-form-errors")).to_contain_text("refusée")


def test_prescribe_shows_a_code_and_my_prescriptions_list_it(open_page, site):
    page, watch = open_page()
    watch.expected_statuses.add(409)
    enter_key(page, site.adviser_key)
    run_match(page)
    page.click("label[for=m-public-cir_signatory]")  # becomes the dialog's default
    first = page.locator("#match-results > li").first
    session_id = first.get_attribute("data-session-id")
    first.locator("button.pf-prescribe").click()
    dialog = page.locator("#prescribe-dialog")
    assert dialog.is_visible()
    assert page.evaluate("document.activeElement.id") == "p-ref"
    page.fill("#p-ref", "FT-WEB001")
    page.fill("#p-note", "Disponible le matin.")
    page.click("#p-submit")
    page.wait_for_selector("#presc-done:not([hidden])")
    code = page.locator("#presc-code").inner_text()
    assert CODE.match(code), code
    assert "Code à présenter à l'organisme" in page.locator("#presc-done").inner_text()
    shot(page, "04-prescription-code")

    # The same person on the same session again: 409, a French message in the dialog.
    page.click("#presc-done button[data-close]")
    first.locator("button.pf-prescribe").click()
    page.fill("#p-ref", "FT-WEB001")
    page.click("#p-submit")
    page.wait_for_selector("#presc-form-errors:not([hidden])")
    assert page.locator("#presc-form-errors").inner_text().strip()
    page.keyboard.press("Escape")

    # The session fills up while the dialog is open: session_full, said in French.
    page.locator("#match-results > li").nth(1).locator("button.pf-prescribe").click()
    other = page.locator("#match-results > li").nth(1).get_attribute("data-session-id")
    r = httpx.put(f"{site.url}/v1/sessions/{other}/places", json={"places_available": 0},
                  headers={"Authorization": f"Bearer {site.admin_key}"}, trust_env=False)
    assert r.status_code == 200, r.text
    page.fill("#p-ref", "FT-WEB002")
    page.click("#p-submit")
    page.wait_for_selector("#presc-form-errors:not([hidden])")
    assert "complète" in page.locator("#presc-form-errors").inner_text()
    page.keyboard.press("Escape")

    page.click("a[href='#prescriptions']")
    item = page.locator(f"#presc-list > li[data-code='{code}']")
    item.wait_for()
    text = item.text_content()  # DOM text: badges are upper-cased by CSS only
    assert "En attente" in text and "FT-WEB001" in text and "Signataire du CIR" in text, text
    assert item.get_attribute("data-prescription-id")
    expect(item.locator("h2")).not_to_have_text("Formation")  # the offer's title, fetched afterwards
    shot(page, "05-mes-prescriptions", full_page=True)

    # Cancel it: the list shows "Annulée".
    item.locator("button", has_text="Annuler la prescription").click()
    page.locator("button", has_text="Confirmer l'annulation").click()
    page.wait_for_selector(f"#presc-list > li[data-code='{code}'] [data-status=cancelled]")
    assert "Annulée" in page.locator(f"#presc-list > li[data-code='{code}']").text_content()
    assert session_id


def test_keyboard_only(open_page):
    page, _ = open_page()
    page.wait_for_selector("#search-results > li")
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q", "the search box is not reachable with Tab"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none", "no visible focus on the search box"
    shot(page, "06-keyboard-focus")
    page.keyboard.type("fransais", delay=30)
    page.wait_for_selector("#suggestions > li")
    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#q", "aria-activedescendant") == "suggestion-0"
    chosen = page.locator("#suggestion-0").inner_text()
    page.keyboard.press("Enter")
    expect(page.locator("#suggestions")).to_be_hidden()
    assert page.input_value("#q") == chosen
    expect(page.locator("#search-status")).to_have_text(re.compile(r"formations? trouvée"))
    assert page.locator("#search-results > li").count() >= 1
    # A facet with the keyboard: Tab to it, Space presses it.
    page.focus("button[data-facet=level]")
    page.keyboard.press("Space")
    page.wait_for_selector("button[data-facet=level][aria-pressed=true]")
    # The dialog traps focus and Escape closes it, giving focus back.
    page.focus("#search-results button.pf-prescribe")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "p-ref"
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.classList.contains('pf-prescribe')")
    shot(page, "07-keyboard-search")


def test_usable_at_320px_without_horizontal_scroll(open_page, site):
    page, _ = open_page(width=320, height=720)
    page.wait_for_selector("#search-results > li")

    def no_hscroll(label: str) -> None:
        sw, cw = page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        assert sw <= cw, f"{label}: {sw}px of content in a {cw}px window"

    no_hscroll("search")
    shot(page, "08-320-search")
    enter_key(page, site.adviser_key)
    run_match(page)
    no_hscroll("match")
    page.locator("#match-results > li").first.scroll_into_view_if_needed()
    shot(page, "09-320-match")
    page.click("a[href='#prescriptions']")
    page.wait_for_selector("#presc-status-line:not(:empty)")
    no_hscroll("prescriptions")


def test_private_catalogue_asks_for_the_key_then_works(open_page, private_site):
    page, _ = open_page(on=private_site, expected=(401,))
    expect(page.locator("#global-alert")).to_contain_text("saisissez votre clé d'API")
    assert page.is_visible("#key-input"), "the key form opens by itself"
    shot(page, "10-private-catalogue")
    enter_key(page, private_site.adviser_key)
    expect(page.locator("#search-status")).to_have_text(re.compile(r"^\d+ formations trouvées"))
    expect(page.locator("#global-alert")).to_be_empty()
    assert page.locator("#m-level option").count() > 1  # the match form got its reference lists
