"""LHÉO imports (app.imports: service, runs, staging, publish) on SQLite and PostgreSQL: counts,
no-op re-imports, full mode, dry runs, refused documents and injected failures leaving the catalogue exactly as it was."""

from __future__ import annotations

import importlib.util
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from app.catalogue import repository as repo
from app.catalogue.models import Offer, TrainingSession
from app.catalogue.stamps import change_horizon
from app.core.db import Database
from app.imports import publish, staging
from app.imports.items import ParsedOffer
from app.imports.lheo.formation import parse_lheo
from app.imports.lheo.reader import LheoDocumentError
from app.imports.models import ImportRun, OfferSource
from app.imports.report import Actor
from app.imports.runs import ImportInProgress, Run
from app.imports.service import run_import
from app.imports.staging import HIDDEN_AT
from app.search.documents import changed_offer_ids
from tests.conftest import unique

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "lheo"
ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 9, 1)
ACTOR = Actor(name="test", role="admin", channel="cli")
SAMPLES = sorted(p.name for p in FIX.glob("*.xml") if p.name.startswith(("intercarif", "lheo-2.2")))
TABLES = ["organisation", "offer", "session", "offer_funder", "offer_sector", "offer_public", "offer_source",
          "catalogue_state"]


@pytest.fixture(scope="module")
def database(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


def run(database, data, source, **kw):
    kw.setdefault("today", TODAY)
    kw.setdefault("pause", 0)
    return run_import(database, data, source=source, actor=ACTOR, **kw)


def snapshot(database) -> dict[str, list[tuple]]:
    """Every catalogue row, in a stable order: two equal snapshots = the catalogue did not change."""
    out = {}
    with database.session() as db:
        for table in TABLES:
            rows = db.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608 - fixed names
            out[table] = sorted(tuple(str(v) for v in r) for r in rows)
    return out


def offers_of(database, source) -> dict[str, Offer]:
    with database.session() as db:
        return {o.external_id: o for o in db.exec(select(Offer).where(Offer.source == source)).scalars()}


def seq(database) -> int:
    with database.session() as db:
        return change_horizon(db).head


def gen_module():
    spec = importlib.util.spec_from_file_location("gen_lheo", ROOT / "bench" / "gen_lheo.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_lheo", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> Path:
    """A synthetic 2.3 feed of 240 actions (the benchmark's generator)."""
    path = tmp_path_factory.mktemp("feed") / "feed.xml"
    gen_module().main(["--offers", "240", "--out", str(path), "--anchor", TODAY.isoformat()])
    return path


# -- real samples, handwritten feeds ---------------------------------------------------------------

@pytest.mark.parametrize("name", SAMPLES)
def test_real_samples_import_without_error(database, name):
    source = unique("carif-real")
    before = snapshot(database)
    r = run(database, FIX / name, source)
    assert r.rejected == [] and r.created == r.updated == r.withdrawn == 0
    assert r.skipped > 0  # none of them is FLE
    assert snapshot(database)["offer"] == before["offer"]


@pytest.mark.parametrize("name", ["fle-2.3.xml", "fle-2.2.xml"])
def test_handwritten_feed_round_trip(database, name):
    """Every offer mapped by the parser is stored as mapped (every mapping rule, end to end)."""
    source = unique("carif-fle")
    parsed = {it.ref: it for it in parse_lheo(FIX / name, today=TODAY) if isinstance(it, ParsedOffer)}
    t0 = datetime.now(UTC)
    r = run(database, FIX / name, source, mode="full")
    assert r.created == len(parsed) and r.updated == r.unchanged == r.withdrawn == 0
    assert r.version == name[4:7]
    stored = offers_of(database, source)
    assert set(stored) == set(parsed)
    with database.session() as db:
        outs = {o.external_id: o for o in repo.load_offers_out(db, [o.id for o in stored.values()])}
    for ref, item in parsed.items():
        want, got = item.offer, outs[ref]
        assert not got.withdrawn and got.updated_at >= t0 - timedelta(seconds=1)
        assert got.source_updated_at == want.source_updated_at  # the feed's time, not the server's
        for f in ("title", "summary", "kind", "entry_level", "target_level", "modality", "hours_total",
                  "hours_per_week", "childcare", "cost_to_learner", "certification", "formation_id",
                  "rome_codes", "formacodes", "literacy_accepted"):
            assert getattr(got, f) == getattr(want, f), (ref, f)
        for f in ("funders", "sectors", "publics", "audience"):
            assert sorted(getattr(got, f)) == sorted(getattr(want, f)), (ref, f)
        assert got.organisation.model_dump() == want.organisation.model_dump()
        live = [x for x in want.sessions]
        assert sorted(x.external_id for x in got.sessions) == sorted(x.external_id for x in live), ref
        by_id = {x.external_id: x for x in got.sessions}
        for w in live:
            g = by_id[w.external_id]
            for f in ("start_date", "end_date", "start_precision", "end_precision", "rolling_entry", "schedule",
                      "capacity", "places_available", "funded_places", "status"):
                assert getattr(g, f) == getattr(w, f), (ref, w.external_id, f)
            if w.location is None:
                assert g.location is None
            else:  # the commune reference completes a code-only place
                assert g.location.insee == (w.location.insee or g.location.insee)
                assert g.location.city and g.location.departement and g.location.region
                assert g.location.lat is not None and g.location.lon is not None
        with database.session() as db:
            src = db.get(OfferSource, stored[ref].id)
        assert src.raw == item.raw_source and src.format == f"lheo-{item.version}"
        assert src.source_hash == item.source_hash and src.content_hash == stored[ref].content_hash
    assert {x["ref"] for x in r.rejected} == {ref for ref, it in _items(name).items() if type(it).__name__ == "Rejected"}
    assert r.skipped == sum(type(it).__name__ == "Skipped" for it in _items(name).values())
    assert r.warnings_total == len(r.warnings) == sum(len(it.warnings) for it in parsed.values())


def _items(name):
    return {it.ref: it for it in parse_lheo(FIX / name, today=TODAY)}


# -- re-imports, full mode, dry runs -------------------------------------------------------------

def test_reimport_is_a_no_op(database):
    source = unique("carif-re")
    first = run(database, FIX / "fle-2.3.xml", source, mode="full")
    before, stamp = snapshot(database), seq(database)
    again = run(database, FIX / "fle-2.3.xml", source, mode="full")
    assert (again.created, again.updated, again.withdrawn) == (0, 0, 0)
    assert again.unchanged == first.created and again.rejected_total == first.rejected_total
    assert seq(database) == stamp and snapshot(database) == before  # not one row written, updated_at kept
    rechecked = run(database, FIX / "fle-2.3.xml", source, mode="full", recheck=True)  # mapped again: same content
    assert rechecked.unchanged == first.created and rechecked.warnings_total == first.warnings_total
    assert seq(database) == stamp and snapshot(database) == before


def test_changed_action_is_updated_alone(database):
    source = unique("carif-chg")
    run(database, FIX / "fle-2.3.xml", source)
    before = offers_of(database, source)
    feed = (FIX / "fle-2.3.xml").read_bytes().replace(
        b"Atelier sociolinguistique : la sant", b"Atelier sociolinguistique (nouveau) : la sant")
    assert b"(nouveau)" in feed
    r = run(database, feed, source)
    assert (r.created, r.updated, r.unchanged) == (0, 1, len(before) - 1)
    after = offers_of(database, source)
    changed = [ext for ext in after if after[ext].updated_at != before[ext].updated_at]
    assert changed == ["32_AF_0006"] and "(nouveau)" in after["32_AF_0006"].title


def test_a_session_ending_is_noticed_although_the_fragment_did_not_change(database):
    source = unique("carif-end")
    run(database, FIX / "fle-2.3.xml", source)
    assert run(database, FIX / "fle-2.3.xml", source).updated == 0
    later = run(database, FIX / "fle-2.3.xml", source, today=date(2027, 8, 1))  # several sessions have ended since
    assert later.updated > 0
    assert run(database, FIX / "fle-2.3.xml", source, today=date(2027, 8, 1)).updated == 0


def test_full_mode_withdraws_what_the_feed_no_longer_has(database):
    source = unique("carif-full")
    run(database, FIX / "fle-2.3.xml", source, mode="full")
    feed = (FIX / "fle-2.3.xml").read_bytes().replace(b'numero="53_AF_0005"', b'numero="53_AF_0005-renamed"')
    delta = run(database, feed, source, mode="delta")
    assert (delta.created, delta.withdrawn) == (1, 0)
    assert offers_of(database, source)["53_AF_0005"].withdrawn_at is None
    full = run(database, feed, source, mode="full")
    assert (full.created, full.withdrawn) == (0, 1)
    gone = offers_of(database, source)["53_AF_0005"]
    assert gone.withdrawn_at is not None and gone.updated_at == gone.withdrawn_at
    back = run(database, FIX / "fle-2.3.xml", source, mode="delta")  # it comes back: re-published, not created
    assert (back.created, back.updated) == (0, 1)
    assert offers_of(database, source)["53_AF_0005"].withdrawn_at is None


def test_rejected_action_is_kept_not_withdrawn_by_a_full_feed(database):
    """An action present but invalid keeps its previous version (it is not « absent from the feed »)."""
    source = unique("carif-rej")
    run(database, FIX / "fle-2.3.xml", source, mode="full")
    kept = offers_of(database, source)["53_AF_0005"]
    broken = (FIX / "fle-2.3.xml").read_bytes().replace(  # 53_AF_0005's place (Rennes)
        b"<code-INSEE-commune>35238</code-INSEE-commune>", b"<code-INSEE-commune>99999</code-INSEE-commune>")
    r = run(database, broken, source, mode="full")
    assert r.withdrawn == 0 and "53_AF_0005" in {x["ref"] for x in r.rejected}
    assert offers_of(database, source)["53_AF_0005"].withdrawn_at is None
    assert offers_of(database, source)["53_AF_0005"].updated_at == kept.updated_at


def test_unknown_insee_code_rejects_that_action_only(database):
    source = unique("carif-insee")
    feed = (FIX / "fle-2.3.xml").read_bytes()
    assert feed.count(b"<code-INSEE-commune>93066</code-INSEE-commune>") >= 1
    feed = feed.replace(b"<code-INSEE-commune>93066</code-INSEE-commune>",
                        b"<code-INSEE-commune>99999</code-INSEE-commune>", 1)
    clean = run(database, FIX / "fle-2.3.xml", unique("carif-insee-ref"), dry_run=True)
    r = run(database, feed, source)
    assert r.created == clean.created - 1 and r.rejected_total == clean.rejected_total + 1
    bad = [x for x in r.rejected if any("99999" in e for e in x["errors"])]
    assert len(bad) == 1 and "lieu de formation : code INSEE inconnu : 99999" in bad[0]["errors"][0]
    assert bad[0]["ref"] not in offers_of(database, source)


def test_dry_run_reports_without_writing(database):
    source = unique("carif-dry")
    before, stamp = snapshot(database), seq(database)
    dry = run(database, FIX / "fle-2.3.xml", source, mode="full", dry_run=True)
    assert snapshot(database) == before and seq(database) == stamp
    real = run(database, FIX / "fle-2.3.xml", source, mode="full")
    assert dry.as_dict() | {"import_id": 0, "duration_ms": 0, "dry_run": True, "publish_ms": None} == \
        real.as_dict() | {"import_id": 0, "duration_ms": 0, "dry_run": True, "publish_ms": None}
    feed = (FIX / "fle-2.3.xml").read_bytes().replace(b'numero="53_AF_0005"', b'numero="53_AF_0005-renamed"')
    before = snapshot(database)
    dry = run(database, feed, source, mode="full", dry_run=True)
    assert (dry.created, dry.withdrawn, dry.unchanged) == (1, 1, real.created - 1)
    assert snapshot(database) == before
    with database.session() as db:
        recorded = db.get(ImportRun, dry.import_id)
        assert recorded.dry_run and recorded.status == "succeeded" and recorded.counts["withdrawn"] == 1


def test_repeated_action_last_occurrence_wins(database):
    source = unique("carif-dup")
    feed = (FIX / "fle-2.3.xml").read_text(encoding="utf-8")
    start = feed.rfind("<formation", 0, feed.index('numero="32_AF_0006"'))
    block = feed[start:feed.index("</formation>", start) + len("</formation>")]
    feed = feed.replace("</offres>", block.replace("la sant", "la sant (bis)") + "</offres>")
    r = run(database, feed.encode(), source)
    assert any(w["ref"] == "32_AF_0006" and "plusieurs fois" in w["msg"] for w in r.warnings)
    stored = offers_of(database, source)
    assert "(bis)" in stored["32_AF_0006"].title and stored["32_AF_0006"].withdrawn_at is None
    assert r.created == len(stored)


def test_re_import_keeps_live_places(database):
    """CONTRACT § Live places: a nightly re-import restating the same nb-places never undoes holds."""
    source = unique("carif-places")
    run(database, FIX / "fle-2.3.xml", source)
    offer = offers_of(database, source)["11_AF_0001"]
    with database.session(write=True) as db:
        sid = db.execute(select(TrainingSession.id).where(TrainingSession.offer_id == offer.id,
                                                         TrainingSession.places_available == 6)).scalar_one()
        db.execute(update(TrainingSession).where(TrainingSession.id == sid).values(places_available=4))
    run(database, FIX / "fle-2.3.xml", source, recheck=True)
    with database.session() as db:
        assert db.get(TrainingSession, sid).places_available == 4


def test_a_put_after_an_import_is_not_mistaken_for_the_feed(database):
    """The skip path checks that the offer still has the content its fragment produced: a PUT (or any
    other write) since the import makes the next import map the fragment again, and the feed wins."""
    from app.catalogue.service import upsert_offer

    source = unique("carif-put")
    run(database, FIX / "fle-2.3.xml", source)
    parsed = _items("fle-2.3.xml")["11_AF_0003"].offer
    with database.session(write=True) as db:
        upsert_offer(db, source, "11_AF_0003", parsed.model_copy(update={"title": "Titre changé par PUT"}))
    r = run(database, FIX / "fle-2.3.xml", source)
    assert r.updated == 1 and offers_of(database, source)["11_AF_0003"].title == parsed.title


# -- refused documents, failures: the catalogue is exactly as it was ---------------------------

@pytest.mark.parametrize(("name", "code"), [
    ("malformed.xml", "not_well_formed"), ("truncated.xml", "truncated"), ("not-lheo.xml", "not_lheo"),
    ("xxe.xml", "hostile"), ("billion-laughs.xml", "hostile"),
])
def test_bad_documents_change_nothing(database, monkeypatch, name, code):
    source = unique("carif-bad")
    run(database, FIX / "fle-2.3.xml", source, mode="full")
    monkeypatch.setattr(staging, "BATCH", 1)  # the truncated feed's offers are staged before its end is seen
    before, stamp = snapshot(database), seq(database)
    with pytest.raises(LheoDocumentError) as err:
        run(database, FIX / name, source, mode="full")
    assert err.value.code == code
    assert snapshot(database) == before and seq(database) >= stamp
    with database.session() as db:
        recorded = db.get(ImportRun, err.value.import_id)
        assert recorded.status == "refused" and recorded.error


def test_lheo_index_cannot_be_a_full_import(database):
    source = unique("carif-idx")
    run(database, FIX / "fle-2.3.xml", source, mode="full")
    before = snapshot(database)
    with pytest.raises(LheoDocumentError, match="lheo-index"):
        run(database, FIX / "intercarif-lheo-index-2.2-bob-emploi-carif.xml", source, mode="full")
    assert snapshot(database) == before


class Boom(RuntimeError):
    pass


def _fail_on_call(monkeypatch, n: int):
    calls = {"n": 0}
    real = staging.write_offers
    assert publish.write_offers is real  # staging and publish write through the same catalogue writer

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise Boom("injected failure")
        return real(*args, **kwargs)

    monkeypatch.setattr(staging, "write_offers", flaky)
    monkeypatch.setattr(publish, "write_offers", flaky)
    return calls


@pytest.mark.parametrize("fail_at", [2, 5])
def test_first_import_is_atomic_when_it_fails_midway(database, synthetic, monkeypatch, fail_at):
    """Fails while staging new offers (hidden rows already written): all of them are removed."""
    source = unique("carif-atomic")
    run(database, FIX / "fle-2.3.xml", source)  # the source already holds a few offers
    monkeypatch.setattr(staging, "BATCH", 40)
    before, kept = snapshot(database), offers_of(database, source)["11_AF_0001"]
    _fail_on_call(monkeypatch, fail_at)
    with pytest.raises(Boom):
        run(database, synthetic, source, mode="full")
    after = snapshot(database)
    assert after["offer"] == before["offer"] and after["session"] == before["session"]
    assert after["organisation"] == before["organisation"]
    assert after == before | {"catalogue_state": after["catalogue_state"]}  # only the counter moved on
    assert offers_of(database, source)["11_AF_0001"].title == kept.title
    with database.session() as db:
        assert db.execute(select(ImportRun.status, ImportRun.error).order_by(ImportRun.id.desc())).first() == (
            "failed", "Boom: injected failure")
    monkeypatch.undo()
    ok = run(database, synthetic, source)  # and the same feed then imports normally
    assert ok.created > 200


def test_update_phase_is_atomic_when_it_fails_midway(database, synthetic, monkeypatch):
    """Fails in the publishing transaction after a first batch of updates: it all rolls back."""
    source = unique("carif-atomic-upd")
    run(database, synthetic, source, today=TODAY)
    monkeypatch.setattr(publish, "BATCH", 30)
    later = TODAY + timedelta(days=400)  # every dated session has ended: most offers change
    before, stamp = snapshot(database), seq(database)
    _fail_on_call(monkeypatch, 3)
    with pytest.raises(Boom):
        run(database, synthetic, source, today=later, mode="full")
    assert snapshot(database) == before
    with database.session() as db:  # stamps drawn by the rolled-back publish are gaps (PostgreSQL): nothing to read
        assert changed_offer_ids(db, stamp) == []


def test_organisation_renamed_by_a_failed_import_is_restored(database, monkeypatch):
    source = unique("carif-org")
    run(database, FIX / "fle-2.3.xml", source)
    feed = (FIX / "fle-2.3.xml").read_bytes().replace(b'numero="53_AF_0005"', b'numero="53_AF_0005-new"')
    feed = feed.replace(b"<raison-sociale>Association Langues et Cit", b"<raison-sociale>ALC renomm\xc3\xa9e Cit")
    monkeypatch.setattr(staging, "BATCH", 1)
    before = snapshot(database)
    _fail_on_call(monkeypatch, 99)  # never: fail the publish another way
    monkeypatch.setattr(publish, "publish_run", lambda *_: (_ for _ in ()).throw(Boom("publish")))
    with pytest.raises(Boom):
        run(database, feed, source)
    assert snapshot(database)["organisation"] == before["organisation"]


def test_a_dead_import_is_cleaned_by_the_next_one(database, monkeypatch):
    source = unique("carif-dead")
    before = snapshot(database)
    monkeypatch.setattr(staging, "BATCH", 1)
    monkeypatch.setattr(Run, "abort", lambda *_, **__: None)  # as if killed
    monkeypatch.setattr(publish, "publish_run", lambda *_: (_ for _ in ()).throw(Boom("killed")))
    with pytest.raises(Boom):
        run(database, FIX / "fle-2.3.xml", source)
    monkeypatch.undo()
    with database.session() as db:
        hidden = db.execute(select(Offer.withdrawn_at, Offer.updated_at, Offer.change_seq).where(
            Offer.source == source)).all()
    assert hidden and all(w == HIDDEN_AT and u == HIDDEN_AT and c < 0 for w, u, c in hidden)
    # Its heartbeat is fresh, but no live process holds the source's import lock: it is dead, and
    # the next import cleans it at once (tests/faults/test_kill9.py does it with a real kill -9).
    r = run(database, FIX / "fle-2.3.xml", source)
    assert r.created == len(offers_of(database, source))
    with database.session() as db:
        statuses = db.execute(select(ImportRun.status).where(ImportRun.source == source).order_by(ImportRun.id)).scalars()
        assert list(statuses) == ["failed", "succeeded"]
    assert snapshot(database)["offer"] != before["offer"]


def test_a_live_import_holds_its_source(database):
    """A run whose process holds the source's lock is alive, however old its heartbeat."""
    from app.imports.lock import ImportLock

    source = unique("carif-live")
    other = ImportLock(database, source)
    assert other.acquire() is True
    try:
        with database.session(write=True) as db:
            db.add(ImportRun(source=source, mode="full", actor_name="other", actor_role="sync", status="running",
                            heartbeat_at=datetime.now(UTC) - timedelta(hours=1)))
        with pytest.raises(ImportInProgress):
            run(database, FIX / "fle-2.3.xml", source)
        assert ImportLock(database, source).acquire() is False
    finally:
        other.release()
    assert run(database, FIX / "fle-2.3.xml", source).created > 0


def test_hidden_rows_are_invisible_while_staged(database, monkeypatch):
    """While an import stages, its new offers are in no list, search, match or incremental sync."""
    source = unique("carif-hidden")
    stamp = seq(database)
    seen = {}

    def spy(*_):
        with database.session() as db:
            ids = [r[0] for r in db.execute(select(Offer.id).where(Offer.source == source))]
            seen["ids"] = ids
            seen["changed"] = set(changed_offer_ids(db, stamp)) & set(ids)
            seen["out"] = [o for o in repo.load_offers_out(db, ids) if not o.withdrawn]
            seen["page"] = repo.list_offer_page(db, repo.OfferFilters(), None, 10_000)
            seen["sync"] = repo.list_offer_page(db, repo.OfferFilters(modified_after=datetime(2000, 1, 1, tzinfo=UTC)),
                                                None, 100_000)
        raise Boom("stop")

    monkeypatch.setattr(staging, "BATCH", 2)
    monkeypatch.setattr(publish, "publish_run", spy)
    with pytest.raises(Boom):
        run(database, FIX / "fle-2.3.xml", source)
    assert seen["ids"] and not seen["changed"] and not seen["out"]
    assert not set(seen["ids"]) & {r[0] for r in seen["page"]}
    assert not set(seen["ids"]) & {r[0] for r in seen["sync"]}


def test_a_failure_after_the_publish_undoes_nothing(database, monkeypatch):
    source = unique("carif-after")
    monkeypatch.setattr(publish, "refresh_sources", lambda *_: (_ for _ in ()).throw(Boom("late")))
    r = run(database, FIX / "fle-2.3.xml", source)
    assert r.created == 8 and len(offers_of(database, source)) == 8
    assert all(o.withdrawn_at is None and o.change_seq > 0 for o in offers_of(database, source).values())
    with database.session() as db:
        assert db.get(ImportRun, r.import_id).status == "succeeded"
