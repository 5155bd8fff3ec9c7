"""Copy the few compiled DSFR files the adviser page uses into `app/web/static/dsfr/`.

Run after changing the pinned `@gouvfr/dsfr` version in package.json (`npm ci` first):

    .venv/bin/python -m app.web.vendor_dsfr

Only the core stylesheet, the component stylesheets listed below, the Marianne fonts and the
icons those stylesheets reference are copied (the whole `dist/` is 86 MB). The copy is committed,
so serving the page never needs node or npm. No DSFR JavaScript is used: the few interactive
parts (type-ahead, facets, dialog) are the page's own code, so the CSP stays `script-src 'self'`
with nothing else to audit.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "node_modules" / "@gouvfr" / "dsfr" / "dist"
OUT = Path(__file__).resolve().parent / "static" / "dsfr"

# `*.main.min.css`: the modern build without the legacy (IE) rules.
STYLESHEETS = ["core/core.main.min.css"] + [
    f"component/{c}/{c}.main.min.css"
    for c in ("link", "button", "form", "input", "select", "checkbox", "radio", "tag", "badge", "alert",
              "skiplink", "logo", "header")
]
FONTS = [f"fonts/Marianne-{w}.woff2" for w in ("Regular", "Regular_Italic", "Medium", "Bold", "Bold_Italic")]
URL = re.compile(r"url\((['\"]?)(\.\./[^)'\"]+)\1\)")


README = """# DSFR {version} — the few compiled files the adviser page uses

Copied from the npm package `@gouvfr/dsfr@{version}` (pinned in package.json / package-lock.json) by
`python -m app.web.vendor_dsfr`; do not edit by hand. Not the whole `dist/`: the core stylesheet,
{components} component stylesheets (`*.main.min.css`, without the legacy IE rules), the icons they
reference and five Marianne faces (woff2). No DSFR JavaScript.

Licence (LICENSE.md here): MIT for the code and stylesheets, **except the Marianne font** and the
State's identity elements (logo « République française », Marianne), whose use is reserved to
State services and operators (the "Entités Autorisées" of the DSFR terms of use: administrations,
préfectures, and operators of the State such as France Travail and OFII). A deployment by anyone
else must drop `fonts/` and the `fr-logo` block of the page. Terms:
`node_modules/@gouvfr/dsfr/doc/legal/cgu.md` after `npm ci`.
"""


def installed_version() -> str:
    return json.loads((DIST.parent / "package.json").read_text())["version"]


def main() -> int:
    if not DIST.is_dir():
        print("node_modules/@gouvfr/dsfr is missing: run `npm ci` first", file=sys.stderr)
        return 1
    if OUT.exists():
        shutil.rmtree(OUT)
    copied: set[str] = set()
    for rel in STYLESHEETS:
        src = DIST / rel
        text = src.read_text(encoding="utf-8")
        for _, ref in URL.findall(text):
            asset = (src.parent / ref).resolve().relative_to(DIST.resolve()).as_posix()
            if asset.startswith("fonts/"):
                continue  # only the faces in FONTS are shipped; the others fall back to Marianne Regular
            copied.add(asset)
        copied.add(rel)
    copied.update(FONTS)
    for rel in sorted(copied):
        target = OUT / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DIST / rel, target)
    shutil.copyfile(DIST.parent / "LICENSE.md", OUT / "LICENSE.md")
    (OUT / "VERSION").write_text(installed_version() + "\n")
    (OUT / "README.md").write_text(README.format(version=installed_version(), components=len(STYLESHEETS) - 1))
    print(f"DSFR {installed_version()}: {len(copied)} files copied to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
