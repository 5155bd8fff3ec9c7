"""The `parcours-fle` command line (CONTRACT § Command line)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from app.core.settings import Settings

cli = typer.Typer(help="Parcours FLE — catalogue, matching et prescription des formations de français.",
                  no_args_is_help=True, add_completion=False)
keys_cli = typer.Typer(help="Clés d'API : créer, lister, révoquer.", no_args_is_help=True)
cli.add_typer(keys_cli, name="keys")
err = Console(stderr=True)


def _database():
    from app.core.db import Database

    return Database(Settings().database_url)


@cli.command()
def migrate() -> None:
    """Migre la base configurée (DATABASE_URL) à la dernière version."""
    from app.core.migrate import upgrade_to_head

    upgrade_to_head(Settings().database_url)
    err.print("[green]Base à jour.[/green]")


@cli.command()
def reindex() -> None:
    """Reconstruit l'index de recherche depuis la base (Meilisearch : index temporaire puis échange, sans coupure)."""
    import time

    from app.core.migrate import upgrade_to_head
    from app.search.meili import MeiliError
    from app.search.port import EngineUnavailable
    from app.search.service import SearchService

    settings = Settings()
    upgrade_to_head(settings.database_url)
    service = SearchService(settings, _database())
    t0 = time.perf_counter()
    try:
        n = service.reindex()
    except (MeiliError, EngineUnavailable, RuntimeError) as exc:
        err.print(f"[red]Réindexation impossible : {exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        service.stop()
    where = ("Meilisearch, index « " + settings.meili_index + " »" if settings.meili_url
             else "moteur intégré : chaque serveur le reconstruit en mémoire au démarrage")
    err.print(f"Index de recherche reconstruit ({where}) : {n} offres en {time.perf_counter() - t0:.1f} s.")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Adresse d'écoute")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port")] = 8000,
    workers: Annotated[int, typer.Option(help="Processus uvicorn")] = 1,
) -> None:
    """Migre la base puis sert l'API et la page conseiller."""
    import uvicorn

    from app.core.migrate import upgrade_to_head

    upgrade_to_head(Settings().database_url)
    # Forwarded headers are believed only from TRUSTED_PROXIES, by the app itself (app/main.py).
    # uvicorn's supervisor kills a worker that misses a 5 s health ping; a worker building its
    # snapshot and index at start (GIL-bound) can miss it and would be killed in a loop. 30 s.
    uvicorn.run("app.asgi:app", host=host, port=port, workers=workers, log_level="warning",
                access_log=False, proxy_headers=False, timeout_worker_healthcheck=30)


@cli.command()
def demo() -> None:
    """Charge le catalogue de démonstration livré dans seed/ (idempotent)."""
    from app.catalogue.demo import load_demo
    from app.core.migrate import upgrade_to_head

    upgrade_to_head(Settings().database_url)
    report = load_demo(_database())
    err.print(f"Catalogue de démonstration : {report.offers} offres, {report.sessions} sessions "
              f"({report.created} créées, {report.updated} mises à jour, {report.unchanged} inchangées).")


@cli.command()
def expire() -> None:
    """Fait expirer les prescriptions en attente au-delà de PRESCRIPTION_TTL_DAYS (rend leurs places)."""
    from app.prescriptions.expiry import expire_due

    n = expire_due(_database())
    err.print(f"{n} prescription(s) expirée(s).")


@cli.command()
def anonymise(
    older_than_months: Annotated[int, typer.Option("--older-than-months", min=1,
                                                   help="Prescriptions closes et entrées plus anciennes que N mois")],
) -> None:
    """Remplace jobseeker_ref par un jeton irréversible sur les prescriptions closes (rétention)."""
    from app.prescriptions.retention import anonymise as run

    report = run(_database(), older_than_months)
    err.print(f"Avant le {report.cutoff:%Y-%m-%d} : {report.prescriptions} prescription(s) et {report.entries} "
              f"entrée(s) anonymisées, {report.idempotency_records} réponse(s) d'idempotence effacées.")


@cli.command("import-lheo")
def import_lheo(
    file: Annotated[Path, typer.Argument(help="Flux LHÉO 2.2 ou 2.3 (XML, ou XML compressé en gzip)", exists=True,
                                         dir_okay=False, readable=True)],
    source: Annotated[str, typer.Option(help="Source écrite, ex. carif-idf")],
    full: Annotated[bool, typer.Option("--full", help="Flux complet : retire les offres de la source absentes du flux")]
    = False,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Rapport sans rien écrire")] = False,
    recheck: Annotated[bool, typer.Option("--recheck", help="Réanalyser aussi les actions inchangées")] = False,
    workers: Annotated[int | None, typer.Option(
        min=0, max=32, help="Processus d'analyse du flux (0 : dans ce processus ; par défaut IMPORT_WORKERS, "
                            "sinon un par CPU, 4 au plus, pour un flux de 8 Mo ou plus)")] = None,
) -> None:
    """Importe un flux LHÉO (tout ou rien) ; affiche le rapport JSON de l'API HTTP sur la sortie standard."""
    from app.imports.cli import run_import_cli

    raise typer.Exit(run_import_cli(file, source=source, full=full, dry_run=dry_run, recheck=recheck, console=err,
                                    workers=workers))


@keys_cli.command("create")
def keys_create(
    role: Annotated[str, typer.Option(help="adviser | sync | provider | admin")],
    name: Annotated[str, typer.Option(help="Nom affiché (personne ou service)")],
    source: Annotated[str | None, typer.Option(help="Source (clé sync), ex. carif-idf")] = None,
    siret: Annotated[str | None, typer.Option(help="SIRET (clé provider)")] = None,
    organisation: Annotated[str | None, typer.Option(help="Structure, montrée aux organismes")] = None,
    contact: Annotated[str | None, typer.Option(help="Contact, montré aux organismes")] = None,
) -> None:
    """Crée une clé ; la clé est affichée une seule fois, seule sur la dernière ligne."""
    from app.auth.keys import create_key
    from app.reference.roles import Role

    try:
        role_e = Role(role)
    except ValueError:
        err.print(f"[red]Rôle inconnu : {role}[/red] (adviser, sync, provider, admin)")
        raise typer.Exit(2) from None
    try:
        with _database().session(write=True) as db:
            row, key = create_key(db, role=role_e, name=name, source=source, siret=siret,
                                  organisation=organisation, contact=contact)
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    err.print(f"Clé n°{row.id} ({role_e.value}, préfixe {row.prefix}) créée. Conservez-la : elle ne sera plus affichée.")
    print(key)


@keys_cli.command("list")
def keys_list() -> None:
    """Liste les clés (jamais leur valeur)."""
    from app.auth.keys import list_keys

    with _database().session() as db:
        rows = list_keys(db)
    table = Table("id", "préfixe", "rôle", "nom", "structure", "source", "siret", "créée", "révoquée")
    for r in rows:
        table.add_row(str(r.id), r.prefix, r.role, r.name, r.organisation or "", r.source or "", r.siret or "",
                      r.created_at.strftime("%Y-%m-%d"), r.revoked_at.strftime("%Y-%m-%d") if r.revoked_at else "")
    Console(width=max(160, Console().width)).print(table)


@keys_cli.command("revoke")
def keys_revoke(key_id: Annotated[str, typer.Argument(help="id ou préfixe de la clé")]) -> None:
    """Révoque une clé : effet immédiat."""
    from app.auth.keys import revoke_key

    with _database().session(write=True) as db:
        row = revoke_key(db, key_id)
    if row is None:
        err.print(f"[red]Aucune clé {key_id}.[/red]")
        raise typer.Exit(1)
    err.print(f"Clé n°{row.id} révoquée.")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
