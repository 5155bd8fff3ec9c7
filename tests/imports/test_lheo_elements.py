"""`Finder` walks children itself (not ElementPath): its answers must be those of lxml's
find / findall / findtext on every path shape the mapper uses."""

from __future__ import annotations

import pytest
from lxml import etree

from app.imports.lheo.elements import Finder
from app.imports.lheo.reader import NS_22, NS_23

DOC = """<formation xmlns="{ns}" xmlns:o="urn:other">
  <intitule-formation>  Français  </intitule-formation>
  <vide/>
  <!-- a comment between elements -->
  <domaine-formation><code-ROME>A1</code-ROME><code-ROME/><o:code-ROME>X</o:code-ROME></domaine-formation>
  <domaine-formation><code-ROME>B2</code-ROME></domaine-formation>
  <o:intitule-formation>other namespace</o:intitule-formation>
  <action numero="1"><session numero="s1"/></action>
  <action numero="2"/>
</formation>"""

PATHS = ["intitule-formation", "vide", "absent", "domaine-formation", "domaine-formation/code-ROME",
         "domaine-formation/absent", "action", "action/session", "absent/code-ROME"]


@pytest.mark.parametrize("ns", [NS_22, NS_23])
@pytest.mark.parametrize("path", PATHS)
def test_finder_answers_like_elementpath(ns, path):
    root = etree.fromstring(DOC.format(ns=ns))
    finder = Finder(ns)
    qualified = finder.tag(path)
    assert finder.text(root, path) == root.findtext(qualified)
    assert finder.find(root, path) is root.find(qualified)
    assert finder.findall(root, path) == root.findall(qualified)
    assert finder.texts(root, path) == [(x.text or "").strip() for x in root.iterfind(qualified)]


def test_finder_on_a_missing_element_finds_nothing():
    finder = Finder(NS_23)
    assert finder.text(None, "a/b") is None
    assert finder.find(None, "a") is None
    assert finder.findall(None, "a") == []
    assert finder.texts(None, "a") == []
