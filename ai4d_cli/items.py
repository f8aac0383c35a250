"""`ai4d items ...`: load, list, count, generate, retire, import and export bank items; calibration decisions."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, cast

import typer

from ai4d_cli.items_calibration import calibration
from ai4d_core.bootstrap import Container, bootstrap
from ai4d_core.settings import load_settings

items_app = typer.Typer(help="Operate the item bank.", no_args_is_help=True)
items_app.command("calibration")(calibration)


@contextmanager
def _container() -> Iterator[Container]:
    with bootstrap(load_settings()) as c:
        yield c


@items_app.command("load")
def load() -> None:
    """Store the curated bank shipped with AI4D (new items and versions only)."""
    from ai4d_core.services.bank import load_curated

    with _container() as c:
        typer.echo(f"{load_curated(c)} item version(s) added")


@items_app.command("list")
def list_(
    topic: Annotated[str | None, typer.Option(help="Only this topic.")] = None,
    level: Annotated[int | None, typer.Option(min=1, max=3, help="Only this level.")] = None,
    item_type: Annotated[str | None, typer.Option("--type", help="Only this item type.")] = None,
    status: Annotated[str | None, typer.Option(help="provisional, active, review or retired.")] = None,
) -> None:
    """One line per item (latest version): id, version, type, topic, level, status, stem."""
    from ai4d_core.services.bank import list_items

    with _container() as c:
        found = list_items(c, topic, level, item_type, status)
    for item in found:
        stem = " ".join(item.stem.split())
        typer.echo(
            f"{item.id:<18} v{item.version:<3} {item.type:<16} {item.topic:<24} L{item.level} "
            f"{item.status!s:<11} {stem[:70]}"
        )
    typer.echo(f"{len(found)} item(s)")


@items_app.command("stats")
def stats() -> None:
    """Counts per topic, level, type and status, and the topic x level grid."""
    from ai4d_core.services.bank import bank_stats

    with _container() as c:
        s = bank_stats(c)
    typer.echo(f"items: {s.total}")
    for title, counts in (("status", s.by_status), ("type", s.by_type), ("level", s.by_level)):
        typer.echo(f"by {title}: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    typer.echo(f"{'topic':<24} {'L1':>4} {'L2':>4} {'L3':>4} {'all':>5}")
    for topic, total in s.by_topic.items():
        cells = [s.by_topic_level.get((topic, level), 0) for level in (1, 2, 3)]
        typer.echo(f"{topic:<24} {cells[0]:>4} {cells[1]:>4} {cells[2]:>4} {total:>5}")


@items_app.command("retire")
def retire(item_ids: Annotated[list[str], typer.Argument(help="Item ids to retire.")]) -> None:
    """Retire items (a new version with status `retired`; past responses keep their version)."""
    from ai4d_core.services.bank import retire as retire_item

    with _container() as c:
        for item_id in item_ids:
            try:
                item = retire_item(c, item_id)
            except KeyError as exc:
                typer.echo(f"error: {exc.args[0]}", err=True)
                raise typer.Exit(1) from exc
            typer.echo(f"{item.id} is retired (version {item.version})")


@items_app.command("generate")
def generate(
    topic: Annotated[str, typer.Option(help="Topic id, e.g. sql.")],
    level: Annotated[int, typer.Option(min=1, max=3, help="1 basic, 2 intermediate, 3 advanced.")],
    item_type: Annotated[str, typer.Option("--type", help="One of the ten item types.")],
    count: Annotated[int, typer.Option(min=1, max=200, help="How many items.")] = 5,
) -> None:
    """Run the generate-question-bank flow: LLM items verified before use, else the curated fallback."""
    from ai4d_cli.prefect_ops import point_prefect_at

    settings = load_settings()
    point_prefect_at(settings)
    from flows.generate_question_bank import GenerateParams, generate_question_bank

    try:
        params = GenerateParams(topic=topic, level=level, item_type=item_type, count=count)  # type: ignore[arg-type]
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    for key, value in generate_question_bank(params).items():
        typer.echo(f"{key}: {value}")


@items_app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="The bank file.")],
    fmt: Annotated[str, typer.Option("--format", help="gift, moodle-xml or seed.")],
    topic: Annotated[str, typer.Option(help="Topic for questions without a category.")] = "imported",
    level: Annotated[int, typer.Option(min=1, max=3, help="Level of the imported items.")] = 1,
    activate: Annotated[bool, typer.Option(help="Store as active instead of provisional.")] = False,
    skip_unsupported: Annotated[
        bool, typer.Option(help="Leave out (and list) questions AI4D cannot carry instead of refusing the file.")
    ] = False,
    match_grades: Annotated[
        str, typer.Option(help="error: refuse grades Moodle does not know; nearest: round them as Moodle can.")
    ] = "error",
) -> None:
    """Import a bank file whole, or nothing of it (errors name the line or element)."""
    from ai4d_core.interop import InteropError, MatchGrades
    from ai4d_core.services.bank_files import FORMATS, import_file

    if fmt not in FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    if match_grades not in ("error", "nearest"):
        typer.echo("error: --match-grades must be error or nearest", err=True)
        raise typer.Exit(2)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:  # Moodle refuses such files too: its GIFT and XML files are UTF-8
        typer.echo(f"error: {path}: nothing imported: byte {exc.start} is not UTF-8 (save the file as UTF-8)", err=True)
        raise typer.Exit(1) from exc
    with _container() as c:
        try:
            report = import_file(
                c, text, fmt, topic, level, activate,
                skip_unsupported=skip_unsupported, match_grades=cast(MatchGrades, match_grades),
            )  # fmt: skip
        except (InteropError, ValueError) as exc:
            typer.echo(f"error: {path}: nothing imported:\n{exc}", err=True)
            raise typer.Exit(1) from exc
    typer.echo(str(report))


@items_app.command("export")
def export(
    fmt: Annotated[str, typer.Option("--format", help="gift, moodle-xml or seed.")],
    topic: Annotated[str | None, typer.Option(help="Only this topic.")] = None,
) -> None:
    """Write the active items in a bank format to standard output (types the format lacks are left out)."""
    from ai4d_core.services.bank_files import FORMATS, export_file

    if fmt not in FORMATS:
        typer.echo(f"error: --format must be one of {', '.join(FORMATS)}", err=True)
        raise typer.Exit(2)
    with _container() as c:
        typer.echo(export_file(c, fmt, topic), nl=False)
