"""`parcours-fle import-lheo`: the import service with a progress bar and the HTTP report on stdout."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from app.core.settings import Settings
from app.imports.lheo.reader import LheoDocumentError
from app.imports.report import Actor, ImportReport
from app.imports.report import Progress as ImportProgress
from app.imports.runs import ImportInProgress
from app.imports.service import run_import

CLI_MAX_BYTES = 64 * 1024**3  # the operator's own file: only a guard against a runaway gzip


def run_import_cli(file: Path, *, source: str, full: bool, dry_run: bool, recheck: bool, console: Console,
                   workers: int | None = None) -> int:
    """Run one import; returns the exit code (0 done, 1 refused or failed, 2 bad source name)."""
    from app.catalogue.schemas import SOURCE_PATTERN
    from app.core.db import Database
    from app.core.migrate import upgrade_to_head

    if not re.fullmatch(SOURCE_PATTERN.strip("^$"), source):
        console.print(f"[red]Source invalide : « {source} »[/red] (minuscules, chiffres et tirets, ex. carif-idf).")
        return 2

    settings = Settings()
    upgrade_to_head(settings.database_url)
    database = Database(settings.database_url)
    mode = "full" if full else "delta"
    bar: Progress | None = None
    task = None
    if console.is_terminal:
        bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn(),
                       TextColumn("{task.fields[actions]} actions"), TimeRemainingColumn(), console=console,
                       transient=True)
        task = bar.add_task("Lecture du flux", total=file.stat().st_size, actions=0)
        bar.start()

    def progress(p: ImportProgress) -> None:
        if bar is not None and task is not None:
            label = "Lecture du flux" if p.phase == "stage" else "Publication"
            bar.update(task, completed=p.bytes_read, actions=p.actions, description=label)

    try:
        report = run_import(database, file, source=source, actor=Actor.cli(), mode=mode, dry_run=dry_run,
                            max_bytes=CLI_MAX_BYTES, progress=progress, recheck=recheck,
                            workers=settings.import_workers if workers is None else workers)
    except LheoDocumentError as exc:
        _stop(bar)
        console.print(f"[red]Document refusé[/red] ({exc.code}) : {exc.message_fr}\nLe catalogue n'a pas été modifié.")
        return 1
    except ImportInProgress as exc:
        _stop(bar)
        console.print(f"[red]{exc.detail}[/red]")
        return 1
    finally:
        database.dispose()
    _stop(bar)
    sys.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n")
    console.print(summary(report))
    return 0


def _stop(bar: Progress | None) -> None:
    if bar is not None:
        bar.stop()


def summary(r: ImportReport) -> str:
    """One French paragraph for the operator (stderr)."""
    what = "Simulation (rien n'a été écrit)" if r.dry_run else f"Import n°{r.import_id}"
    lines = [
        f"{what} — source {r.source}, mode {r.mode}, LHÉO {r.version or '?'} : "
        f"{r.created} créée(s), {r.updated} mise(s) à jour, {r.unchanged} inchangée(s), {r.withdrawn} retirée(s), "
        f"{r.skipped} ignorée(s) (hors FLE), {r.rejected_total} rejetée(s), {r.warnings_total} avertissement(s) ; "
        f"{r.duration_ms / 1000:.1f} s" + (f" dont {r.publish_ms} ms de publication." if r.publish_ms is not None else ".")
    ]
    for item in r.rejected[:5]:
        lines.append(f"  rejetée {item['ref']} : {' ; '.join(item['errors'])}")
    if r.rejected_total > 5:
        lines.append(f"  … et {r.rejected_total - 5} autre(s) rejet(s) : voir le rapport JSON.")
    return "\n".join(lines)
