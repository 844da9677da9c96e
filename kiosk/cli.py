"""The `kiosk` command: a thin shell over the plain-Python core."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click

from kiosk import __version__
from kiosk.content.build import build_release
from kiosk.content.problems import ContentError
from kiosk.content.source import load_source


@click.group()
@click.version_option(__version__, prog_name="kiosk")
def main() -> None:
    """Municipal information kiosk: content tools, the app and its sync agent."""


@main.group()
def content() -> None:
    """Check and build content releases."""


def _report_problems(exc: ContentError) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    click.echo(f"{len(exc.problems)} problem(s) found; nothing was built.", err=True)


@content.command("check")
@click.argument("src", type=click.Path(path_type=Path))
def content_check(src: Path) -> None:
    """Validate the content source tree SRC and list every problem in it."""
    try:
        source = load_source(src)
    except ContentError as exc:
        _report_problems(exc)
        sys.exit(1)
    click.echo(source.summary())


@content.command("build")
@click.argument("src", type=click.Path(path_type=Path))
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--version",
    "release_version",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Release version (a monotonic integer).",
)
@click.option(
    "--created",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"]),
    help="Creation time to record (default: now, or SOURCE_DATE_EPOCH).",
)
@click.option(
    "--expires",
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d"]),
    help="After this time kiosks refuse the release as stale.",
)
def content_build(
    src: Path, out: Path, release_version: int, created: datetime | None, expires: datetime | None
) -> None:
    """Compile the content in SRC into a release folder OUT."""
    try:
        manifest = build_release(src, out, release_version, created, expires)
    except ContentError as exc:
        _report_problems(exc)
        sys.exit(1)
    total = sum(f.size for f in manifest.files)
    click.echo(
        f"Built release {manifest.version} in {out}: {len(manifest.files)} files, {total:,} bytes"
    )
