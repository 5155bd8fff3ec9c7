"""LHÉO reader, mapper and mapping rules (app.imports.lheo: reader, formation, action, sessions, rules).

Fixtures in tests/fixtures/lheo: the 7 real (non-FLE) LHÉO 2.2 samples, handwritten FLE feeds
(fle-2.3.xml, fle-2.2.xml, valid against the XSDs in xsd/) and hostile documents.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from app.catalogue.schemas import LocationIn, OfferIn
from app.imports.items import ParsedOffer, Rejected, Skipped, Unchanged
from app.imports.lheo import rules as R
from app.imports.lheo.formation import parse_lheo
from app.imports.lheo.reader import NS_22, NS_23, LheoDocumentError
from app.reference.catalogue_codes import DatePrecision, Kind, Modality, SessionStatus
from app.reference.funders import Funder
from app.reference.levels import Level, Literacy
from app.reference.publics import Public
from app.reference.sectors import Sector

FIX = Path(__file__).resolve().parent.parent / "fixtures" / "lheo"
ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2026, 9, 1)
SAMPLES = sorted(p.name for p in FIX.glob("*.xml") if p.name.startswith(("intercarif", "lheo-2.2")))
HAS_ROME_TABLE = (ROOT / "app" / "reference" / "data" / "sectors_rome.csv").exists()
needs_rome = pytest.mark.skipif(not HAS_ROME_TABLE, reason="app/reference/data/sectors_rome.csv not built yet")


def parse(source, **kw) -> dict[str, ParsedOffer | Skipped | Rejected]:
    items = list(parse_lheo(source, today=kw.pop("today", TODAY), **kw))
    out = {it.ref: it for it in items}
    assert len(out) == len(items), "refs must be unique"
    return out


def offer(items, ref) -> OfferIn:
    it = items[ref]
    assert isinstance(it, ParsedOffer), it
    return it.offer


# -- a minimal 2.3 formation, for targeted tests -----------------------------------------------

def formation_xml(*, numero="F1", title="Français langue étrangère", formacode="15235", objective="-",
                  content="-", actions: str | None = None, siret="77512345600011", raison="Asso Test",
                  nom="Asso", rome: str = "") -> str:
    actions = actions if actions is not None else action_xml()
    return f"""<formation numero="{numero}"><domaine-formation>
      <code-FORMACODE ref="V13">{formacode}</code-FORMACODE>{rome}</domaine-formation>
      <intitule-formation>{title}</intitule-formation><objectif-formation>{objective}</objectif-formation>
      <resultats-attendus>-</resultats-attendus><contenu-formation>{content}</contenu-formation>
      <certifiante>0</certifiante><contact-formation><coordonnees><courriel>a@b.example</courriel></coordonnees>
      </contact-formation><parcours-de-formation>1</parcours-de-formation><code-niveau-entree>1</code-niveau-entree>
      {actions}
      <organisme-formation-responsable numero="OF1"><numero-activite>11000000000</numero-activite>
      <SIRET-organisme-formation><SIRET>{siret}</SIRET></SIRET-organisme-formation>
      <nom-organisme>{nom}</nom-organisme><raison-sociale>{raison}</raison-sociale>
      <coordonnees-organisme><coordonnees><ligne>x</ligne></coordonnees></coordonnees-organisme>
      <contact-organisme><coordonnees><ligne>x</ligne></coordonnees></contact-organisme>
      </organisme-formation-responsable></formation>"""


def action_xml(*, numero='numero="A1"', rythme="Temps plein", conditions="-", modalite="0", sessions=None,
               funders="", extra="", lieu=None) -> str:
    sessions = sessions if sessions is not None else session_xml()
    lieu = lieu if lieu is not None else (
        "<lieu-de-formation><coordonnees><adresse><ligne>1 rue</ligne><codepostal>75011</codepostal>"
        "<ville>Paris</ville><code-INSEE-commune>75111</code-INSEE-commune></adresse></coordonnees>"
        "</lieu-de-formation>")
    return f"""<action {numero}><rythme-formation>{rythme}</rythme-formation>
      <code-public-vise ref="V13">83056</code-public-vise><niveau-entree-obligatoire>0</niveau-entree-obligatoire>
      <modalites-alternance>-</modalites-alternance><modalites-enseignement>{modalite}</modalites-enseignement>
      <conditions-specifiques>{conditions}</conditions-specifiques>
      <prise-en-charge-frais-possible>1</prise-en-charge-frais-possible>{lieu}
      <modalites-entrees-sorties>0</modalites-entrees-sorties>{sessions}{funders}{extra}</action>"""


def session_xml(numero="S1", debut="20261001", fin="20270301", inner="") -> str:
    return (f'<session numero="{numero}"><periode><debut>{debut}</debut><fin>{fin}</fin></periode>'
            "<adresse-inscription><adresse><ligne>1 rue</ligne><codepostal>75011</codepostal><ville>Paris</ville>"
            f"</adresse></adresse-inscription>{inner}</session>")


def doc(*formations: str, ns: str = NS_23, root: str = "lheo") -> bytes:
    body = "".join(formations)
    return f'<?xml version="1.0" encoding="UTF-8"?><{root} xmlns="{ns}"><offres>{body}</offres></{root}>'.encode()


# =============================================================================================
# Schemas of the handwritten fixtures
# =============================================================================================

@pytest.fixture(scope="module")
def xsd() -> dict[str, etree.XMLSchema]:
    return {v: etree.XMLSchema(etree.parse(str(FIX / "xsd" / f"lheo-{v}.xsd"))) for v in ("2.2", "2.3")}


@pytest.mark.parametrize(("name", "version"), [("fle-2.3.xml", "2.3"), ("fle-2.2.xml", "2.2")]
                         + [(s, "2.2") for s in SAMPLES])
def test_fixture_is_valid_against_its_xsd(xsd, name, version):
    schema = xsd[version]
    assert schema.validate(etree.parse(str(FIX / name))), schema.error_log


def test_minimal_test_formation_is_valid(xsd):
    assert xsd["2.3"].validate(etree.fromstring(doc(formation_xml()))), xsd["2.3"].error_log


# =============================================================================================
# Real samples: none is FLE
# =============================================================================================

@pytest.mark.parametrize("name", SAMPLES)
def test_real_samples_parse_and_are_all_skipped(name):
    items = list(parse_lheo(FIX / name, today=TODAY))
    assert items
    assert all(isinstance(it, Skipped) for it in items), items


def test_real_sample_counts():
    assert len(parse(FIX / "intercarif-2.2-trefle-formation.xml")) == 2  # 2 actions
    index = parse(FIX / "intercarif-lheo-index-2.2-bob-emploi-carif.xml")
    assert len(index) == 10 and all("lheo-index" in it.reason for it in index.values())
    skipped = parse(FIX / "intercarif-2.2-trefle-daeu.xml")["15_927411"]
    assert "hors FLE" in skipped.reason and "15093" in skipped.reason


def test_real_intercarif_structure_maps_when_forced_to_fle():
    """The Trèfle/Intercarif formation (07_10) with its Formacode swapped for 15235."""
    raw = (FIX / "intercarif-2.2-trefle-formation.xml").read_bytes().replace(
        b'tag="principal">22403<', b'tag="principal">15235<')
    items = parse(raw)
    first, second = items["07_114782"], items["07_123324"]
    assert isinstance(first, ParsedOffer) and isinstance(second, ParsedOffer)
    assert first.version == "2.2" and first.formation_id == "07_10"
    o1, o2 = first.offer, second.offer
    assert o1.title == "Titre professionnel plaquiste"
    assert o1.organisation.name == "Direction régionale Centre de l'agence nationale pour la formation des adultes"
    assert o1.organisation.siret == "82422814200660"
    assert o1.funders == [Funder.LEARNER, Funder.EMPLOYER]
    assert first.programmes == ["Formation adulte financée par l'entreprise ou le particulier"] * 2
    assert o2.funders == [Funder.REGION] and second.programmes == ["Programme régional 2017 : Parcours métiers"]
    assert o1.audience == [Public.ALL] and o2.audience == [Public.JOBSEEKER]
    assert o1.rome_codes == ["F1604"] and o1.formacodes == ["15235", "22402"]
    assert o2.hours_total == 697 and o2.hours_per_week == 35
    assert o1.modality is Modality.IN_PERSON
    s1 = o1.sessions[0]
    assert s1.external_id == "114782"
    assert (s1.start_date, s1.end_date) == (date(2017, 12, 4), date(2018, 6, 1))
    assert s1.status is SessionStatus.CLOSED  # ended long before TODAY
    assert s1.funded_places == 8  # 4 + 4, not a live count
    assert s1.places_available is None
    assert (s1.location.lat, s1.location.lon, s1.location.insee) == (47.286057, 0.737711, "37266")
    assert o2.sessions[0].funded_places == 5
    assert first.source_updated_at == datetime(2017, 12, 12, 23, 0, tzinfo=UTC)  # datemaj, Paris midnight
    # raw source: the formation with only this action, staff names / mobiles / e-mails removed
    assert "07_114782" in first.raw_source and "07_123324" not in first.raw_source
    assert "07_123324" in second.raw_source and "07_114782" not in second.raw_source
    for raw_source in (first.raw_source, second.raw_source):
        etree.fromstring(raw_source)
        assert "DUPONT" not in raw_source and "06 00 00 00 00" not in raw_source and "contact@afpa.fr" not in raw_source
        assert "Le Passoir" in raw_source and NS_22 in raw_source


def test_real_onisep_html_is_unescaped_when_forced_to_fle():
    raw = (FIX / "lheo-2.2-official-exemple-bts-onisep.xml").read_bytes().replace(b">34582<", b">15235<")
    o = offer(parse(raw), "9436_18706")
    assert o.summary.startswith("A la fois vendeur, manager et commercial")
    assert "<p>" not in o.summary and "&lt;" not in o.summary
    assert o.organisation.name == "Lycée Kerneuzec"  # raison-sociale is "-"
    assert o.sessions[0].location.lat == 47.882108


# =============================================================================================
# Handwritten LHÉO 2.3 feed
# =============================================================================================

@pytest.fixture(scope="module")
def feed23():
    return parse(FIX / "fle-2.3.xml")


def test_feed23_items(feed23):
    assert {k: type(v).__name__ for k, v in feed23.items()} == {
        "11_AF_0001": "ParsedOffer", "84_AF_0002": "ParsedOffer", "11_AF_0003": "ParsedOffer",
        "93_AF_0004": "ParsedOffer", "53_AF_0005": "ParsedOffer", "32_AF_0006": "ParsedOffer",
        "76_AF_0007": "Skipped", "11_AF_0091": "ParsedOffer", "11_AF_0092": "ParsedOffer",
        "11_AF_0093": "Rejected",
    }
    assert "15040" in feed23["76_AF_0007"].reason
    assert feed23["11_AF_0093"].errors == ["session AF0093-S1 : la date de fin est avant la date de début"]
    assert all(it.version == "2.3" for it in feed23.values() if isinstance(it, ParsedOffer))


@needs_rome
def test_feed23_fle_pro(feed23):
    it = feed23["11_AF_0001"]
    o = it.offer
    assert it.formation_id == "11_FLEPRO_001"
    assert o.title == "Français à visée professionnelle : aide à domicile et restauration"
    assert o.summary.startswith("Atteindre le niveau B1 à l'oral pour travailler dans l'aide à domicile")
    assert o.kind is Kind.FLE_PRO
    assert o.funders == [Funder.FRANCE_TRAVAIL, Funder.REGION]
    assert it.programmes == ["PRIC 2026 - Compétences clés et FLE"]
    assert (o.entry_level.min, o.entry_level.max, o.target_level) == (Level.A2, None, Level.B1)
    assert o.rome_codes == ["K1302", "G1602"] and o.formacodes == ["15226", "15235"]
    assert o.sectors == [Sector.SERVICES_A_LA_PERSONNE, Sector.HOTELLERIE_RESTAURATION]
    assert o.modality is Modality.HYBRID
    assert (o.hours_total, o.hours_per_week) == (350, 10.5)  # centre 280 + entreprise 70; duree-hebdo 10,5
    assert o.audience == [Public.JOBSEEKER, Public.IMMIGRANT] and o.publics == []
    assert o.cost_to_learner == 0 and o.childcare is None and o.literacy_accepted == []
    assert o.organisation.model_dump() == {"name": "Association Langues et Cité", "siret": "77512345600011"}
    s1, s2 = o.sessions
    assert [x.model_dump(mode="json") for x in s1.schedule] == [
        {"day": d, "start": "09:00", "end": "12:30"} for d in ("mon", "tue", "thu")]
    assert s1.status is SessionStatus.OPEN and s1.places_available == 6 and s1.funded_places == 12
    assert s1.location.model_dump(exclude_none=True) == {
        "postcode": "93200", "insee": "93066", "lat": 48.9362, "lon": 2.3574}
    assert (s2.start_date, s2.start_precision) == (date(2027, 1, 1), DatePrecision.MONTH)
    assert (s2.end_date, s2.end_precision) == (date(2027, 6, 30), DatePrecision.MONTH)
    assert s2.status is SessionStatus.FULL and s2.places_available is None
    assert it.source_updated_at == datetime(2026, 8, 26, 8, 0, tzinfo=UTC)  # latest of formation/action/session
    assert it.warnings == []
    assert "claire.martin" not in it.raw_source and "06 00 00 00 01" not in it.raw_source


def test_feed23_alpha(feed23):
    it = feed23["84_AF_0002"]
    o = it.offer
    assert o.kind is Kind.ALPHA
    assert o.funders == [Funder.BOP104, Funder.COMMUNE]  # 19 (+ programme text kept)
    assert it.programmes == ["BOP 104 - Intégration et accès à la nationalité"]
    assert (o.entry_level.min, o.entry_level.max) == (Level.A0, Level.A1_1)
    assert o.target_level is Level.A1_1
    assert o.literacy_accepted == [Literacy.NONE, Literacy.PARTIAL]
    assert o.audience == [Public.IMMIGRANT]  # 81021 is a literacy fact, not a public
    assert o.sectors == [Sector.TOUS_SECTEURS]
    assert o.childcare is True and o.cost_to_learner == 0
    assert o.organisation.name == "Alpha Rhône"  # raison-sociale "-" → nom-organisme
    s1, s2 = o.sessions
    assert s1.rolling_entry and s2.rolling_entry
    assert (s1.start_date, s1.end_date, s1.status) == (None, None, SessionStatus.OPEN)
    assert s2.status is SessionStatus.CLOSED  # session-perimee = 1
    assert s1.location.model_dump(exclude_none=True) == {"postcode": "69008", "insee": "69388"}
    assert len(s1.schedule) == 4 and {x.day.value for x in s1.schedule} == {"mon", "tue", "wed", "thu"}
    assert (o.hours_total, o.hours_per_week) == (300, 8)
    assert s1.funded_places == 12


def test_feed23_delf_remote_suspended(feed23):
    o = offer(feed23, "11_AF_0003")
    assert o.kind is Kind.CERTIFICATION and o.certification == "DELF A2" and o.target_level is Level.A2
    assert o.entry_level.min is Level.A1
    assert o.modality is Modality.REMOTE and o.sessions[0].location is None
    assert o.funders == [Funder.LEARNER] and o.cost_to_learner == 350  # learner-only funder, prix-total-TTC
    assert o.sessions[0].status is SessionStatus.SUSPENDED
    assert [(x.day.value, x.start, x.end) for x in o.sessions[0].schedule] == [
        ("tue", "18:00", "20:00"), ("thu", "18:00", "20:00")]
    assert o.audience == [Public.ALL]
    assert feed23["11_AF_0003"].warnings == []


def test_feed23_cir(feed23):
    o = offer(feed23, "93_AF_0004")
    assert o.kind is Kind.CIR and o.funders == [Funder.OFII]
    assert (o.entry_level.min, o.entry_level.max, o.target_level) == (Level.A0, Level.A1_1, Level.A1)
    assert o.audience == [Public.IMMIGRANT, Public.CIR_SIGNATORY]
    assert o.publics == []  # "orientés par l'OFII" describes the public; it is not a "réservé" restriction
    ended, coming = o.sessions
    assert ended.status is SessionStatus.CLOSED and coming.status is SessionStatus.OPEN
    assert ended.location.model_dump(exclude_none=True) == {"postcode": "13001"}
    assert o.sessions[0].schedule == []  # "Temps partiel, 4 demi-journées par semaine"


def test_feed23_restricted_to_bpi(feed23):
    it = feed23["53_AF_0005"]
    o = it.offer
    assert o.publics == [Public.BPI] and o.audience == [Public.BPI]
    assert o.funders == [Funder.BOP104, Funder.EU]  # 13 + "Programme 104", 3 FSE
    assert (o.entry_level.min, o.entry_level.max, o.target_level) == (Level.A1, Level.A2, Level.A2)
    assert o.childcare is False and o.cost_to_learner == 0
    assert o.kind is Kind.FLE_GENERAL and o.sectors == [Sector.TOUS_SECTEURS]


def test_feed23_asl_keyword_and_warnings(feed23):
    it = feed23["32_AF_0006"]
    o = it.offer
    assert o.kind is Kind.ASL and o.formacodes == ["15041"]
    assert o.funders == [Funder.DEPARTEMENT, Funder.COMMUNE]
    assert o.organisation.siret is None
    assert it.warnings == ["SIRET invalide ignoré : « 12345678901234 »",
                           "niveau d'entrée (CECRL) non précisé : laissé inconnu",
                           "niveau visé (CECRL) non précisé : laissé inconnu"]
    assert (o.entry_level.min, o.entry_level.max, o.target_level) == (None, None, None)
    assert o.sessions[0].rolling_entry
    assert it.source_updated_at == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # no offset → Paris time


def test_feed23_multi_action_formation(feed23):
    a, b = feed23["11_AF_0091"], feed23["11_AF_0092"]
    assert a.formation_id == b.formation_id == "11_FLE_009"
    oa, ob = a.offer, b.offer
    assert oa.title == ob.title == "Français langue étrangère – objectif B1"
    assert oa.target_level is ob.target_level is Level.B1  # from the title
    assert oa.entry_level.min is Level.A1 and ob.entry_level.min is Level.A2
    assert oa.literacy_accepted == [Literacy.FULL]  # "scolarisé dans son pays d'origine"
    assert len(oa.sessions[0].schedule) == 5 and ob.sessions[0].schedule == []  # "Samedi matin": no hours
    s1, s2 = oa.sessions
    assert (s1.start_date, s1.end_date, s1.start_precision) == (date(2026, 10, 1), date(2027, 3, 31),
                                                                DatePrecision.MONTH)
    assert s1.places_available == 3  # extras nb-places
    assert (s2.start_date, s2.end_date, s2.end_precision) == (date(2027, 1, 1), date(2027, 12, 31),
                                                              DatePrecision.YEAR)
    assert ob.modality is Modality.HYBRID
    assert ob.sessions[0].location.model_dump(exclude_none=True) == {"postcode": "94000", "insee": "94028"}
    for it, own, others in ((a, "11_AF_0091", ("11_AF_0092", "11_AF_0093")),
                            (b, "11_AF_0092", ("11_AF_0091", "11_AF_0093"))):
        root = etree.fromstring(it.raw_source)
        assert [x.get("numero") for x in root.iter(f"{{{NS_23}}}action")] == [own]
        assert all(o not in it.raw_source for o in others)
        assert "DURAND" not in it.raw_source and "Karim" not in it.raw_source
        assert "École du Faubourg" in it.raw_source


# =============================================================================================
# Handwritten LHÉO 2.2 feed
# =============================================================================================

@pytest.fixture(scope="module")
def feed22():
    return parse(FIX / "fle-2.2.xml")


def test_feed22(feed22):
    assert set(feed22) == {"32_AF_1011", "32_AF_1021", "44_AF_1031", "11_AF_1041"}
    g1 = feed22["32_AF_1011"]
    assert g1.version == "2.2"
    assert g1.offer.funders == [Funder.BOP104, Funder.OPCO]  # 13 + "BOP 104"; 16 = OPCA in 2.2
    assert g1.programmes == ["BOP 104 - DDETS du Nord"]
    assert g1.offer.audience == [Public.IMMIGRANT, Public.BPI]  # + the funder's own public code
    assert g1.offer.entry_level.min is Level.A1 and g1.offer.target_level is Level.A2
    assert g1.offer.hours_per_week == 6
    assert [(s.day.value, s.start) for s in g1.offer.sessions[0].schedule] == [("wed", "14:00"), ("fri", "14:00")]
    assert g1.offer.sessions[0].funded_places == 10
    assert g1.source_updated_at == datetime(2026, 8, 19, 22, 0, tzinfo=UTC)
    assert any("recrutement limité au département (Métropole lilloise)" in w for w in g1.warnings)
    assert "LEROY" not in g1.raw_source and "amina.leroy" not in g1.raw_source

    g2 = feed22["32_AF_1021"].offer
    assert g2.funders == [Funder.OPCO, Funder.EMPLOYER]  # 17 = OPACIF in 2.2
    assert g2.kind is Kind.FLE_PRO and g2.entry_level.min is Level.A1_1
    if HAS_ROME_TABLE:
        assert g2.sectors == [Sector.LOGISTIQUE]
    s = g2.sessions[0]
    assert (s.start_date, s.end_date) == (date(2026, 11, 1), date(2027, 2, 28))

    g3 = feed22["44_AF_1031"].offer
    assert g3.funders == [Funder.OFII] and g3.kind is Kind.CIR  # 13 + "OFII (CIR)"
    assert g3.target_level is Level.A2

    g4 = feed22["11_AF_1041"]
    assert g4.offer.kind is Kind.CERTIFICATION and g4.offer.certification == "TCF IRN"
    assert g4.offer.formacodes == ["15254"]  # FLE by keyword
    assert g4.offer.target_level is None and "niveau visé (CECRL) non précisé : laissé inconnu" in g4.warnings
    assert g4.offer.cost_to_learner == 120
    assert g4.offer.sessions[0].status is SessionStatus.CLOSED  # action-perimee = 1


# =============================================================================================
# Hostile, broken and odd documents
# =============================================================================================

@pytest.mark.parametrize(("name", "code"), [
    ("billion-laughs.xml", "hostile"), ("xxe.xml", "hostile"), ("truncated.xml", "truncated"),
    ("not-lheo.xml", "not_lheo"), ("malformed.xml", "not_well_formed"),
])
def test_bad_documents_raise(name, code):
    with pytest.raises(LheoDocumentError) as err:
        list(parse_lheo(FIX / name, today=TODAY))
    assert err.value.code == code
    assert " — " in str(err.value) and err.value.message_fr and err.value.message_en


def test_truncated_yields_then_raises():
    gen = parse_lheo(FIX / "truncated.xml", today=TODAY)
    assert isinstance(next(gen), ParsedOffer)  # the caller must stage, not apply, until the end
    with pytest.raises(LheoDocumentError, match="tronqué"):
        list(gen)


def test_xxe_never_reads_the_file():
    with pytest.raises(LheoDocumentError) as err:
        list(parse_lheo(FIX / "xxe.xml"))
    assert "root:" not in str(err.value)


@pytest.mark.parametrize(("data", "code"), [
    (b"", "empty"),
    (b"   \n", "empty"),
    (b'<?xml version="1.0"?><lheo><offres/></lheo>', "not_lheo"),  # no namespace
    (b'<lheo xmlns="http://www.lheo.org/2.1"><offres/></lheo>', "not_lheo"),
    (b'<!DOCTYPE lheo [<!ENTITY % pe SYSTEM "file:///etc/passwd"> %pe;]><lheo xmlns="http://lheo.gouv.fr/2.3"/>',
     "hostile"),
    (b'<!DOCTYPE lheo [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
     b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><lheo xmlns="http://lheo.gouv.fr/2.3" x="&c;"/>',
     "hostile"),
    (b"not xml at all", "not_well_formed"),
])
def test_odd_documents(data, code):
    with pytest.raises(LheoDocumentError) as err:
        list(parse_lheo(data))
    assert err.value.code == code


def test_too_large():
    data = doc(formation_xml())
    with pytest.raises(LheoDocumentError) as err:
        list(parse_lheo(data, max_bytes=len(data) - 1))
    assert err.value.code == "too_large"
    assert len(list(parse_lheo(data, max_bytes=len(data)))) == 1


def test_doctype_without_entities_is_tolerated():
    data = doc(formation_xml()).replace(
        b"<lheo ", b'<!DOCTYPE lheo SYSTEM "http://lheo.gouv.fr/2.3/lheo.dtd"><lheo ', 1)
    assert isinstance(parse(data)["A1"], ParsedOffer)


def test_sources_path_bytes_file_gzip_and_lheo_plus():
    data = doc(formation_xml())
    assert list(parse(data)) == ["A1"]
    assert list(parse(io.BytesIO(data))) == ["A1"]
    assert list(parse(str(FIX / "fle-2.2.xml"))) == ["32_AF_1011", "32_AF_1021", "44_AF_1031", "11_AF_1041"]
    assert list(parse(gzip.compress(data))) == ["A1"]
    plus = f'<lheo-plus xmlns="{NS_23}">'.encode() + data.split(b"?>", 1)[1] + b"</lheo-plus>"
    assert list(parse(plus)) == ["A1"]


def test_invalid_action_is_rejected_alone():
    actions = (action_xml(numero='numero="OK"')
               + action_xml(numero="", sessions=session_xml("S9"))
               + action_xml(numero='numero="BAD"', sessions=session_xml("S1") + session_xml("S1")))
    items = parse(doc(formation_xml(actions=actions), formation_xml(numero="F2", title="-")))
    assert isinstance(items["OK"], ParsedOffer)
    assert items["F1/action[2]"].errors == ["action sans numéro (attribut numero) : identifiant externe impossible"]
    assert isinstance(items["BAD"], ParsedOffer)  # duplicate session: first kept, warning
    assert "session S1 en double : seule la première est gardée" in items["BAD"].warnings
    assert items["A1"].errors == ["intitulé de formation absent"]  # formation F2 has no title


def test_unknown_funder_code_is_a_warning():
    funders = ("<organisme-financeur><code-financeur>21</code-financeur></organisme-financeur>"
               "<organisme-financeur><code-financeur>4</code-financeur></organisme-financeur>")
    it = parse(doc(formation_xml(actions=action_xml(funders=funders))))["A1"]
    assert it.offer.funders == [Funder.FRANCE_TRAVAIL]
    assert "code financeur inconnu en LHÉO 2.3 : « 21 » (ignoré)" in it.warnings


def test_organisation_without_name_is_rejected():
    items = parse(doc(formation_xml(raison="-", nom="-")))
    assert items["A1"].errors == ["organisme responsable sans raison sociale ni nom"]


def test_lieu_absent_in_person_warns_and_remote_has_no_location():
    it = parse(doc(formation_xml(actions=action_xml(lieu=""))))["A1"]
    assert it.offer.sessions[0].location is None
    assert "lieu de formation absent ou inexploitable : sessions sans lieu" in it.warnings
    remote = parse(doc(formation_xml(actions=action_xml(modalite="2"))))["A1"]
    assert remote.offer.modality is Modality.REMOTE and remote.offer.sessions[0].location is None
    assert remote.warnings == ["niveau d'entrée (CECRL) non précisé : laissé inconnu",
                               "niveau visé (CECRL) non précisé : laissé inconnu"]


# =============================================================================================
# Rules, one table per rule
# =============================================================================================

@pytest.mark.parametrize(("raw", "expected"), [
    (None, None), ("-", None), ("  ", None), ("Titre\n   sur   deux lignes ", "Titre sur deux lignes"),
    ("&lt;p&gt;Bonjour &amp;eacute;t&eacute;&lt;/p&gt;", "Bonjour été"), ("<b>FLE</b> A2", "FLE A2"),
    ("niveau < A2 et > A1", "niveau < A2 et > A1"),
])
def test_clean_text(raw, expected):
    assert R.clean_text(raw) == expected


@pytest.mark.parametrize(("formacodes", "title", "objective", "content", "fle"), [
    (["15235"], "Cours", None, None, True),
    (["15043"], "Lire et écrire", None, None, True),
    (["15226"], "Français appliqué", None, None, True),
    (["15217"], "Français commercial", None, None, True),
    (["15040"], "Remise à niveau en français", "Orthographe et grammaire", None, False),
    (["15041"], "Mise à niveau", None, "Parcours flexible, réflexion", False),
    (["22403"], "Cours de FLE", None, None, True),
    (["22403"], "Français Langue Étrangère", None, None, True),
    (["15254"], "Anglais", "Préparer le TOEIC", None, False),
    ([], "Préparation au DELF B1", None, None, True),
    ([], "Atelier", None, "Entraînement au TCF IRN", True),
    ([], "ASL parentalité", None, None, True),
    ([], "asl parentalité", None, None, False),  # only the capitalised acronym
    ([], "Ateliers sociolinguistiques", None, None, True),
    ([], "Post-alpha", None, None, True),
    ([], "Français à visée professionnelle", None, None, True),
    ([], "Entreprise Alpha Conseil", None, None, False),  # "alpha" alone is not FLE
    ([], "Soudure", "Fleuriste et flexibilité", None, False),
    ([], "Délégué", "DELFT", None, False),
])
def test_fle_evidence(formacodes, title, objective, content, fle):
    assert (R.fle_evidence(formacodes, title, objective, content) is not None) is fle


@pytest.mark.parametrize(("title", "formacodes", "public", "funders", "romes", "kind"), [
    ("FLE", ["15235"], [], [Funder.OFII], [], Kind.CIR),
    ("Formation linguistique CIR", ["15235"], [], [], [], Kind.CIR),
    ("Alphabétisation", ["15235"], [], [], [], Kind.ALPHA),
    ("Cours", ["15043"], [], [], [], Kind.ALPHA),
    ("Cours", ["15235"], ["81021"], [], [], Kind.ALPHA),
    ("Atelier sociolinguistique", ["15235"], [], [], [], Kind.ASL),
    ("Préparation au DELF B1", ["15235"], [], [], [], Kind.CERTIFICATION),
    ("FLE pro", ["15235"], [], [], [], Kind.FLE_PRO),
    ("Cours", ["15226"], [], [], [], Kind.FLE_PRO),
    ("FLE", ["15235"], [], [], ["K1302"], Kind.FLE_PRO),
    ("FLE", ["15235"], [], [Funder.BOP104], [], Kind.FLE_GENERAL),
    ("Cours de français (CIRCUIT)", ["15235"], [], [], [], Kind.FLE_GENERAL),
])
def test_offer_kind(title, formacodes, public, funders, romes, kind):
    assert R.offer_kind(title=title, objective=None, formacodes=formacodes, public_codes=public, funders=funders,
                        rome_codes=romes) is kind


@pytest.mark.parametrize(("code", "version", "programme", "expected", "warns"), [
    ("19", "2.3", None, Funder.BOP104, False), ("20", "2.3", None, Funder.OFII, False),
    ("2", "2.3", None, Funder.REGION, False), ("4", "2.3", "AIF", Funder.FRANCE_TRAVAIL, False),
    ("13", "2.2", "BOP 104 - DDETS", Funder.BOP104, False), ("13", "2.2", "OFII - CIR", Funder.OFII, False),
    ("13", "2.2", None, Funder.STATE_OTHER, False), ("13", "2.3", "Programme 104", Funder.BOP104, False),
    ("16", "2.2", None, Funder.OPCO, False), ("17", "2.2", None, Funder.OPCO, False),
    ("16", "2.3", None, Funder.OPCO, False), ("17", "2.3", None, Funder.CPF, False),
    ("18", "2.3", None, Funder.STATE_OTHER, False), ("0", "2.3", "BOP 104 préfecture", Funder.BOP104, False),
    ("0", "2.3", "Divers", Funder.OTHER, False), ("0", "2.3", None, Funder.OTHER, False),
    ("19", "2.2", None, None, True), ("21", "2.3", None, None, True), ("x", "2.3", None, None, True),
    ("", "2.3", None, None, True),
])
def test_funders_from_lheo(code, version, programme, expected, warns):
    funders, warnings = R.funders_from_lheo([R.FunderLine(code, programme)], version)
    assert funders == ([expected] if expected else [])
    assert bool(warnings) is warns


def test_funders_dedupe_and_funded_places():
    lines = [R.FunderLine("4", None, 3), R.FunderLine("4", "AFC", None), R.FunderLine("2", None, 5)]
    assert R.funders_from_lheo(lines, "2.3") == ([Funder.FRANCE_TRAVAIL, Funder.REGION], [])
    assert R.funded_places(lines) == 8
    assert R.funded_places([R.FunderLine("4")]) is None


L = Level


@pytest.mark.parametrize(("text", "expected"), [
    ("Niveau A1 acquis", (L.A1, None)),
    ("niveau A1.1 acquis à l'oral", (L.A1_1, None)),
    ("À partir du niveau A2", (L.A2, None)),
    ("A2 minimum à l'oral", (L.A2, None)),
    ("Avoir le niveau B1", (L.B1, None)),
    ("Prérequis : niveau A2", (L.A2, None)),
    ("de A1 à A2", (L.A1, L.A2)),
    ("Du niveau A2 au niveau B1", (L.A2, L.B1)),
    ("Niveaux A1-A2", (L.A1, L.A2)),
    ("Niveau A2 maximum", (None, L.A2)),
    ("jusqu'à A2", (None, L.A2)),
    ("Public n'ayant pas le niveau B1", (None, L.A2)),
    ("Niveau inférieur à A2", (None, L.A1)),
    ("infra A1", (L.A0, L.A1_1)),
    ("Public infra-A1", (L.A0, L.A1_1)),
    ("Grand débutant", (L.A0, L.A1_1)),
    ("Débutants complets acceptés", (L.A0, L.A1_1)),
    ("Faux débutant", (L.A1_1, L.A1)),
    ("Niveau A2", (L.A2, None)),
    ("Non lecteur, non scripteur", (L.A0, None)),
    ("Aucune", None), ("-", None), (None, None), ("Avoir 18 ans", None),
    ("Réservé aux jeunes de moins de 26 ans", None),
    ("Niveau B2 acquis, niveau A2 maximum", (L.B2, None)),  # contradictory max dropped
])
def test_entry_level_from_text(text, expected):
    got = R.entry_level_from_text(text)
    assert (None if got is None else (got.min, got.max)) == expected


def test_entry_level_priority_merge_and_warning():
    bounds, w = R.entry_level("Niveau A1 acquis", "Public de niveau A2 maximum")
    assert (bounds.min, bounds.max, w) == (L.A1, L.A2, [])
    bounds, w = R.entry_level("Niveau A2 acquis", "Niveau A1 acquis")  # conditions first
    assert bounds.min is L.A2
    bounds, w = R.entry_level("Aucune", None, "FLE", "Passer de A1 à A2")  # progression in the objective
    assert (bounds.min, bounds.max) == (L.A1, None)
    bounds, w = R.entry_level("-", None)
    assert bounds.empty and w == ["niveau d'entrée (CECRL) non précisé : laissé inconnu"]


@pytest.mark.parametrize(("texts", "cert"), [
    (("Préparation au DELF A2",), "DELF A2"), (("Préparer le delf b1 tout public",), "DELF B1"),
    (("DELF Pro B1",), "DELF PRO B1"), (("Préparation au TCF IRN",), "TCF IRN"),
    (("Préparation DALF C1",), "DALF C1"), (("Passer le DILF",), "DILF"),
    ((None, "Objectif : DCL FLE niveau B1"), "DCL FLE B1"), (("Cours de FLE",), None),
    (("Délégué",), None),
])
def test_certification_from_text(texts, cert):
    assert R.certification_from_text(*texts) == cert


@pytest.mark.parametrize(("cert", "objective", "title", "expected"), [
    ("DELF A2", None, None, L.A2), ("DILF", None, None, L.A1_1), ("TCF IRN", None, None, None),
    (None, "Atteindre le niveau A2", None, L.A2), (None, "Passer du niveau A1 au niveau A2", None, L.A2),
    (None, "Viser le niveau B1 à l'écrit", None, L.B1), (None, "Niveau visé : B2", None, L.B2),
    (None, None, "FLE niveau B1", L.B1), (None, None, "FLE A1 vers A2", L.A2), (None, None, "FLE A1-A2", L.A2),
    (None, None, "Alphabétisation infra A1", None), (None, "Progresser", "Cours de FLE", None),
    ("DELF B1", "Atteindre le niveau A2", None, L.B1),
])
def test_target_level(cert, objective, title, expected):
    level, warnings = R.target_level(cert, objective, title)
    assert level is expected
    assert bool(warnings) is (expected is None)


@pytest.mark.parametrize(("formacodes", "public", "texts", "kind", "expected"), [
    (["15043"], [], [], Kind.ALPHA, [Literacy.NONE]),
    (["15235"], ["81021"], [], Kind.FLE_GENERAL, [Literacy.NONE]),
    (["15235"], [], ["Adultes non scolarisés"], Kind.FLE_GENERAL, [Literacy.NONE]),
    (["15235"], [], ["Public peu scolarisé"], Kind.FLE_GENERAL, [Literacy.PARTIAL]),
    (["15235"], [], ["Post-alphabétisation"], Kind.FLE_GENERAL, [Literacy.PARTIAL]),
    (["15235"], [], ["Scolarisé dans son pays d'origine"], Kind.FLE_GENERAL, [Literacy.FULL]),
    (["15235"], [], ["Non scolarisé dans son pays"], Kind.FLE_GENERAL, [Literacy.NONE]),
    (["15235"], [], ["Lecteurs-scripteurs dans leur langue"], Kind.FLE_GENERAL, [Literacy.FULL]),
    (["15235"], [], ["Jamais ou peu scolarisés"], Kind.FLE_GENERAL, [Literacy.NONE, Literacy.PARTIAL]),
    (["15235"], [], ["Cours de FLE"], Kind.FLE_GENERAL, []),
    (["15235"], [], ["Atelier alpha"], Kind.ALPHA, [Literacy.NONE]),
])
def test_literacy_accepted(formacodes, public, texts, kind, expected):
    assert R.literacy_accepted(formacodes=formacodes, public_codes=public, texts=texts, kind=kind) == expected


S = Sector


@needs_rome
@pytest.mark.parametrize(("romes", "title", "kind", "formacodes", "expected"), [
    (["K1302", "G1602"], "FLE", Kind.FLE_PRO, [], [S.SERVICES_A_LA_PERSONNE, S.HOTELLERIE_RESTAURATION]),
    (["N1103"], "FLE", Kind.FLE_PRO, [], [S.LOGISTIQUE]),
    (["J1501"], "FLE", Kind.FLE_PRO, [], [S.SANTE, S.SERVICES_A_LA_PERSONNE]),
    ([], "Français à visée professionnelle : BTP et propreté", Kind.FLE_PRO, [], [S.BTP, S.PROPRETE]),
    ([], "Français à visée professionnelle", Kind.FLE_PRO, [], []),
    ([], "ASL : la santé", Kind.ASL, [], [S.TOUS_SECTEURS]),
    ([], "FLE", Kind.FLE_GENERAL, [], [S.TOUS_SECTEURS]),
    ([], "Français commercial : vente", Kind.CERTIFICATION, ["15217"], [S.COMMERCE]),
])
def test_sectors(romes, title, kind, formacodes, expected):
    assert R.sectors(rome_codes=romes, title=title, objective=None, kind=kind, formacodes=formacodes) == expected


def test_valid_codes():
    assert R.valid_codes(["k1302", "K1302", "X9999", "", None, "G1602"], "rome") == (
        ["K1302", "G1602"], ["code ROME invalide ignoré : « X9999 »"])
    assert R.valid_codes(["15235", "1523", "15235 "], "formacode") == (
        ["15235"], ["code Formacode invalide ignoré : « 1523 »"])


@pytest.mark.parametrize(("codes", "kind", "expected"), [
    (["81022", "81042", "80006", "83056"], Kind.FLE_GENERAL,
     [Public.IMMIGRANT, Public.BPI, Public.JOBSEEKER, Public.ALL]),
    (["81021", "99999"], Kind.ALPHA, []),
    (["81022"], Kind.CIR, [Public.IMMIGRANT, Public.CIR_SIGNATORY]),
])
def test_audience(codes, kind, expected):
    assert R.audience(codes, kind) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Formation réservée aux bénéficiaires de la protection internationale.", [Public.BPI]),
    ("Réservé aux réfugiés statutaires", [Public.BPI]),
    ("Uniquement pour les signataires du CIR", [Public.CIR_SIGNATORY]),
    ("Action réservée aux femmes.", [Public.WOMEN]),
    ("Réservé aux demandeurs d'emploi et aux allocataires du RSA", [Public.JOBSEEKER, Public.RSA]),
    ("Exclusivement des jeunes de moins de 26 ans", [Public.UNDER_26]),
    ("Réservé aux salariés", [Public.EMPLOYEE]),
    ("Réservé aux personnes de nationalité étrangère", [Public.IMMIGRANT]),
    ("Public : réfugiés, demandeurs d'emploi", []),  # describes, does not restrict
    ("Non réservé aux demandeurs d'emploi", []),
    ("Cours uniquement le matin. Demandeurs d'emploi bienvenus", []),
    ("Dans la limite des places disponibles", []),
    (None, []),
])
def test_publics_from_text(text, expected):
    assert R.publics_from_text(text) == expected


@pytest.mark.parametrize(("raw", "end", "expected"), [
    ("20261005", False, (date(2026, 10, 5), DatePrecision.DAY)),
    ("20261000", False, (date(2026, 10, 1), DatePrecision.MONTH)),
    ("20261000", True, (date(2026, 10, 31), DatePrecision.MONTH)),
    ("20280200", True, (date(2028, 2, 29), DatePrecision.MONTH)),
    ("20270000", False, (date(2027, 1, 1), DatePrecision.YEAR)),
    ("20270000", True, (date(2027, 12, 31), DatePrecision.YEAR)),
    ("00000000", False, (None, DatePrecision.DAY)),
    ("99999999", True, (None, DatePrecision.DAY)),
    ("2026-10-05", False, (date(2026, 10, 5), DatePrecision.DAY)),
    ("05/10/2026", False, (date(2026, 10, 5), DatePrecision.DAY)),
    (None, False, (None, DatePrecision.DAY)),
])
def test_parse_lheo_date(raw, end, expected):
    d = R.parse_lheo_date(raw, end=end)
    assert (d.value, d.precision) == expected and d.warning is None


@pytest.mark.parametrize("raw", ["20260231", "2026-13-01", "demain", "2026101"])
def test_parse_lheo_date_garbage_warns(raw):
    d = R.parse_lheo_date(raw)
    assert d.value is None and d.warning


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-08-20T14:30:00+02:00", datetime(2026, 8, 20, 12, 30, tzinfo=UTC)),
    ("2026-08-20T14:30:00Z", datetime(2026, 8, 20, 14, 30, tzinfo=UTC)),
    ("2026-01-20T14:30:00", datetime(2026, 1, 20, 13, 30, tzinfo=UTC)),  # Paris winter time
    ("20171213", datetime(2017, 12, 12, 23, 0, tzinfo=UTC)),
    ("20170000", None), ("n'importe quoi", None), (None, None),
])
def test_parse_timestamp(raw, expected):
    assert R.parse_timestamp(raw) == expected


@pytest.mark.parametrize(("etat", "perimee", "end", "expected", "warns"), [
    ("1", False, None, SessionStatus.OPEN, False), ("2", False, None, SessionStatus.FULL, False),
    ("3", False, None, SessionStatus.SUSPENDED, False), (None, False, None, SessionStatus.OPEN, False),
    ("1", True, None, SessionStatus.CLOSED, False), ("2", False, date(2026, 8, 31), SessionStatus.CLOSED, False),
    ("1", False, TODAY, SessionStatus.OPEN, False), ("7", False, None, SessionStatus.OPEN, True),
])
def test_session_status(etat, perimee, end, expected, warns):
    status, warnings = R.session_status(etat_recrutement=etat, perimee=perimee, end=end, today=TODAY)
    assert status is expected and bool(warnings) is warns


@pytest.mark.parametrize(("kw", "expected"), [
    ({"total": "697", "centre": "585", "entreprise": "112"}, (697, None)),
    ({"centre": "280", "entreprise": "70"}, (350, None)),
    ({"centre": "40"}, (40, None)),
    ({"duree_hebdo": "35"}, (None, 35)), ({"duree_hebdo": "10,5"}, (None, 10.5)),
    ({"rythme": "12 h par semaine"}, (None, 12)), ({"rythme": "9 heures hebdomadaires"}, (None, 9)),
    ({"duree_hebdo": "120"}, (None, None)),  # implausible → warning
    ({}, (None, None)),
])
def test_hours(kw, expected):
    args = {"total": None, "centre": None, "entreprise": None, "duree_hebdo": None, "rythme": None, **kw}
    total, weekly, _w = R.hours(**args)
    assert (total, weekly) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("lundi et jeudi de 9h à 12h30", [("mon", "09:00", "12:30"), ("thu", "09:00", "12:30")]),
    ("du lundi au vendredi 9h-12h", [(d, "09:00", "12:00") for d in ("mon", "tue", "wed", "thu", "fri")]),
    ("mardi, jeudi 14h00-17h00", [("tue", "14:00", "17:00"), ("thu", "14:00", "17:00")]),
    ("Lundi 9h-12h, mercredi 14h-16h30", [("mon", "09:00", "12:00"), ("wed", "14:00", "16:30")]),
    ("Les lundis et mercredis de 9h à 12h et de 14h à 16h",
     [("mon", "09:00", "12:00"), ("mon", "14:00", "16:00"), ("wed", "09:00", "12:00"), ("wed", "14:00", "16:00")]),
    ("Du lundi au jeudi de 13h30 à 16h30 sauf le mercredi",
     [("mon", "13:30", "16:30"), ("tue", "13:30", "16:30"), ("thu", "13:30", "16:30")]),
    ("Samedi 9:30 - 11:30", [("sat", "09:30", "11:30")]),
    ("Lundi-vendredi 9 h 30 à 12 h", [(d, "09:30", "12:00") for d in ("mon", "tue", "wed", "thu", "fri")]),
    ("Temps plein", []), ("Samedi matin", []), ("du lundi au vendredi", []), ("de 9h à 12h", []),
    (None, []),
])
def test_parse_schedule(text, expected):
    slots, _w = R.parse_schedule(text)
    assert [(s["day"], s["start"], s["end"]) for s in slots] == expected


def test_parse_schedule_half_stated_warns():
    slots, warnings = R.parse_schedule("Lundi 9h-12h et jeudi matin")
    assert slots == [] and warnings == ["horaires partiellement indiqués dans le rythme : emploi du temps laissé inconnu"]
    assert R.parse_schedule("Lundi de 14h à 9h")[0] == []


@pytest.mark.parametrize(("code", "expected"), [
    ("0", Modality.IN_PERSON), ("1", Modality.HYBRID), ("2", Modality.REMOTE), ("9", Modality.IN_PERSON),
])
def test_modality(code, expected):
    assert R.modality(code)[0] is expected


@pytest.mark.parametrize(("kw", "expected"), [
    ({"lat": "48.86", "lon": "2.37", "insee": "75111", "postcode": "75011"},
     {"lat": 48.86, "lon": 2.37, "insee": "75111", "postcode": "75011"}),
    ({"lat": "48,86", "lon": "2,37"}, {"lat": 48.86, "lon": 2.37}),
    ({"lat": "0", "lon": "0", "insee": "2a004"}, {"insee": "2A004"}),
    ({"insee": "00000", "postcode": "13001"}, {"postcode": "13001"}),
    ({"lat": "abc", "lon": "2.3", "postcode": "1300"}, None),
    ({}, None),
])
def test_location(kw, expected):
    args = {"lat": None, "lon": None, "insee": None, "postcode": None, **kw}
    loc, _w = R.location(**args)
    assert loc == expected
    if expected is not None:
        LocationIn(**loc)  # what the rule returns is a valid LocationIn


@pytest.mark.parametrize(("raw", "expected"), [
    ("82422814200660", "82422814200660"), ("824 228 142 00660", "82422814200660"),
    ("4421987650003", "04421987650003"), ("082422814200660", "82422814200660"),
    ("35600000000048", "35600000000048"), ("35600000000001", "35600000000001"),  # La Poste: digit sum % 5
    ("12345678901234", None), ("00000000000000", None), ("ABC", None), (None, None),
])
def test_normalise_siret(raw, expected):
    siret, warnings = R.normalise_siret(raw)
    assert siret == expected and bool(warnings) is (expected is None)


def test_organisation():
    assert R.organisation(raison_sociale="ASSO X", nom="X", siret="82422814200660")[0] == {
        "name": "ASSO X", "siret": "82422814200660"}
    assert R.organisation(raison_sociale="-", nom="Lycée", siret="bad")[0] == {"name": "Lycée", "siret": None}
    assert R.organisation(raison_sociale=None, nom=" - ", siret=None)[0] is None


@pytest.mark.parametrize(("frais", "prix", "detail", "funders", "expected"), [
    ("0", None, None, [], 0), ("Aucun", None, None, [], 0), ("Néant", None, None, [], 0),
    ("Gratuit pour le stagiaire", None, None, [], 0), ("Aucun frais", None, None, [], 0),
    ("120 €", None, None, [], 120), ("Adhésion 15,50 euros", None, None, [], 15.5),
    (None, "0", None, [Funder.REGION], 0), (None, "350", None, [Funder.LEARNER], 350),
    (None, "350", None, [Funder.REGION, Funder.LEARNER], None),
    (None, None, "Formation gratuite, financée par la Région", [], 0),
    (None, None, "Aucune condition", [], None), (None, None, None, [], None), ("-", None, None, [], None),
])
def test_cost_to_learner(frais, prix, detail, funders, expected):
    assert R.cost_to_learner(frais_restants=frais, prix_total=prix, detail_prise_en_charge=detail,
                             funders=funders) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Garde d'enfants possible", True), ("Halte-garderie sur place", True), ("Crèche partenaire", True),
    ("Pas de garde d'enfants", False), ("Sans halte-garderie", False), ("Cours du soir", None), (None, None),
])
def test_childcare(text, expected):
    assert R.childcare(text) is expected


# =============================================================================================
# Synthetic generator (bench/gen_lheo.py): valid, deterministic, round-trips through the parser
# =============================================================================================

@pytest.fixture(scope="module")
def gen():
    spec = importlib.util.spec_from_file_location("gen_lheo", ROOT / "bench" / "gen_lheo.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_lheo", module)
    spec.loader.exec_module(module)
    return module


def _feed(gen, n, seed):
    buf = io.StringIO()
    stats = gen.write_feed(buf, n, seed=seed, anchor=TODAY)
    return buf.getvalue().encode(), stats


def test_generator_is_valid_and_deterministic(gen, xsd):
    data, stats = _feed(gen, 150, 3)
    assert stats["actions"] == 150 and 300 <= stats["sessions"] <= 600
    assert xsd["2.3"].validate(etree.fromstring(data)), xsd["2.3"].error_log
    assert _feed(gen, 150, 3)[0] == data
    assert _feed(gen, 150, 4)[0] != data


@needs_rome
def test_generator_round_trip(gen):
    """Every generated action maps to exactly the offer the generator says it should."""
    n = 400
    data, _ = _feed(gen, n, 11)
    expected = {a["external_id"]: a for a in gen.iter_actions(n, seed=11, anchor=TODAY)}
    items = parse(data)
    assert set(items) == set(expected)
    kinds = set()
    for ref, it in items.items():
        a = expected[ref]
        if not a["fle"]:
            assert isinstance(it, Skipped), it
            continue
        assert isinstance(it, ParsedOffer), it
        want = OfferIn.model_validate(a["offer"]).model_dump()
        got = it.offer.model_dump()
        assert {k: got[k] for k in want if got[k] != want[k]} == {}, ref
        kinds.add(it.offer.kind)
    assert kinds == set(Kind)


# =============================================================================================
# Re-imports: source_hash and the `known` skip path
# =============================================================================================

def test_source_hash_is_per_formation_and_stable():
    a, b = parse(FIX / "fle-2.3.xml"), parse(FIX / "fle-2.3.xml")
    hashes = {ref: it.source_hash for ref, it in a.items() if isinstance(it, ParsedOffer)}
    assert all(len(h) == 64 for h in hashes.values())
    assert hashes == {ref: it.source_hash for ref, it in b.items() if isinstance(it, ParsedOffer)}
    assert hashes["11_AF_0091"] == hashes["11_AF_0092"]  # two actions of one formation
    assert len(set(hashes.values())) == len(hashes) - 1
    changed = parse((FIX / "fle-2.3.xml").read_bytes().replace(b"Alpha Rh", b"Alpha-Rh"))
    assert changed["84_AF_0002"].source_hash != hashes["84_AF_0002"]
    assert changed["11_AF_0001"].source_hash == hashes["11_AF_0001"]


def test_known_actions_are_not_mapped_again():
    first = parse(FIX / "fle-2.3.xml")
    hashes = {ref: it.source_hash for ref, it in first.items() if isinstance(it, ParsedOffer)}
    asked: list[tuple[str, str]] = []

    def known(ref: str, digest: str) -> bool:
        asked.append((ref, digest))
        return ref != "11_AF_0092" and hashes.get(ref) == digest

    items = {it.ref: it for it in parse_lheo(FIX / "fle-2.3.xml", today=TODAY, known=known)}
    assert {ref for ref, it in items.items() if isinstance(it, Unchanged)} == set(hashes) - {"11_AF_0092"}
    assert isinstance(items["11_AF_0092"], ParsedOffer)  # its formation-mate is skipped, not it
    assert items["11_AF_0092"].offer == first["11_AF_0092"].offer
    assert isinstance(items["76_AF_0007"], Skipped) and isinstance(items["11_AF_0093"], Rejected)
    assert all(items[ref].source_hash == hashes[ref] for ref in hashes if isinstance(items[ref], Unchanged))
    assert {ref for ref, _ in asked} >= set(hashes)


def test_info_tells_version_and_root():
    info: dict = {}
    list(parse_lheo(FIX / "fle-2.2.xml", today=TODAY, info=info))
    assert info == {"version": "2.2", "root": "lheo", "formations": 4}
    info = {}
    list(parse_lheo(FIX / "intercarif-lheo-index-2.2-bob-emploi-carif.xml", today=TODAY, info=info))
    assert info["root"] == "lheo-index" and info["formations"] == 10  # one per resume-offre


def test_mapper_fingerprint_covers_rules_and_reference_data():
    from app.imports.lheo.sources import mapper_fingerprint

    assert len(mapper_fingerprint()) == 32 and mapper_fingerprint() == mapper_fingerprint()


def test_mapper_fingerprint_covers_every_module_of_the_format():
    from app.imports.lheo.sources import fingerprinted_files

    files = {Path(f).resolve() for f in fingerprinted_files()}
    lheo = ROOT / "app" / "imports" / "lheo"
    assert set(lheo.rglob("*.py")) <= files and (lheo / "rules" / "levels.py") in files
    assert set((ROOT / "app" / "reference").glob("*.py")) <= files
    # The reference lists' words and LHÉO funder codes live in data files: a change there must remap.
    data = ROOT / "app" / "reference" / "data"
    assert set(data.glob("*.toml")) | set(data.glob("*.csv")) <= files and (data / "lists.toml") in files
    assert (ROOT / "app" / "catalogue" / "schemas.py") in files
