"""The `kiosk` command: a thin shell over the plain-Python core."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from kiosk import __version__
from kiosk.infra.config import (
    SYSTEM_CONFIG,
    ConfigError,
    KioskConfig,
    check_config,
    data_dir_of,
    read_config,
)

if TYPE_CHECKING:
    from kiosk_core.content.problems import ContentError

# Each command imports what only it needs: `kiosk run` starts the screen, and a kiosk's start
# waits for every module imported before its first frame.

REPO_CONTENT = Path(__file__).resolve().parent.parent / "content"
DEV_DATA = Path(__file__).resolve().parent.parent / "var" / "kiosk"
NO_DISPLAY_EXIT = os.EX_TEMPFAIL
"""`kiosk run`'s exit status when no display could be opened (75, "try again later"):
systemd/kiosk.service does not count it as a crash (no reboot) and starts the app again
slowly (systemd/kiosk-display-wait.service)."""


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
    from kiosk_core.content.problems import ContentError
    from kiosk_core.content.source import load_source

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
    """Compile the content in SRC into a release folder OUT.

    The bundled sample (a tree with sample.yaml) has its events moved to the weeks around
    the day the release is created; a town's content is built as written."""
    from kiosk_core.content.build import build_release
    from kiosk_core.content.problems import ContentError
    from kiosk_core.content.sampledates import weeks_to, written_for

    try:
        manifest = build_release(src, out, release_version, created, expires, sample_dates=True)
        written = written_for(src)
    except ContentError as exc:
        _report_problems(exc)
        sys.exit(1)
    if written is not None:
        weeks = weeks_to(written, manifest.created.date())
        moved_to = written + timedelta(weeks=weeks)
        click.echo(
            f"Sample content: its events moved {weeks} weeks on "
            f"(those of {written.isoformat()} are on {moved_to.isoformat()})"
        )
    total = sum(f.size for f in manifest.files)
    click.echo(
        f"Built release {manifest.version} in {out}: {len(manifest.files)} files, {total:,} bytes"
    )


def _kiosk_config(config_path: Path | None, updates: dict[str, Any]) -> KioskConfig:
    """The configuration `kiosk run` works with: the file's settings (the sample content in a
    window where there is no file), the command line's over them, and what enrolment told the
    kiosk where the file leaves it out."""
    path = config_path or (SYSTEM_CONFIG if SYSTEM_CONFIG.exists() else None)
    try:
        data = read_config(path) if path else dict(DEV_CONFIG)
        data |= updates
        data |= _from_enrolment(data)
        return check_config(data, str(path or "the command line"), remember=True)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


DEV_CONFIG = {
    "fullscreen": False,
    "data_dir": str(DEV_DATA),
    "content": str(REPO_CONTENT),
    "size": "1280x800",
}


def _from_enrolment(data: dict[str, Any]) -> dict[str, Any]:
    """What enrolment told the kiosk (its id, groups, hub, place) and the settings leave out."""
    from kiosk.sync.enrolment import EnrolmentError, load_enrolment

    data_dir = data_dir_of(data)
    if data_dir is None:
        return {}
    try:
        enrolment = load_enrolment(data_dir)
    except EnrolmentError:
        return {}
    known = {
        "kiosk_id": enrolment.kiosk_id,
        "groups": enrolment.groups,
        "hub_url": enrolment.hub_url,
        "location": enrolment.location,
    }
    return {k: v for k, v in known.items() if v and not data.get(k)}


@main.command("run")
@click.option(
    "--content",
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="A release or content source folder to show.",
)
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="The kiosk's data directory (database, installed releases).",
)
@click.option("--windowed", is_flag=True, help="Run in a window instead of fullscreen.")
@click.option("--size", metavar="WxH", help="Window size, e.g. 1920x1080 or 1080x1920.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"Configuration file (default: {SYSTEM_CONFIG} if it exists).",
)
def run(
    content: Path | None,
    data_dir: Path | None,
    windowed: bool,
    size: str | None,
    config_path: Path | None,
) -> None:
    """Start the kiosk app.

    With no configuration file (a development machine) it shows the bundled sample content
    in a window; on a kiosk it runs fullscreen from the installed release.
    """
    updates: dict[str, Any] = {}
    if windowed:
        updates["fullscreen"] = False
    if content:
        updates["content"] = str(content)
    if data_dir:
        updates["data_dir"] = str(data_dir)
    if size:
        updates["size"] = size
    config = _kiosk_config(config_path, updates)
    window = tuple(int(n) for n in config.size.split("x")) if config.size else None
    from kiosk.content.release import ReleaseError
    from kiosk.ui.app import KioskApp
    from kiosk.ui.window import NoDisplay

    app = KioskApp(kiosk=config, size=window)
    try:
        app.run()
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from exc
    except NoDisplay as exc:
        _no_display(config.data_dir, str(exc))
    appliance = getattr(app, "appliance", None)
    if appliance is not None and appliance.restart_requested and "INVOCATION_ID" not in os.environ:
        from kiosk.appliance.appliance import restart_process

        restart_process()  # no systemd here to start us again (it sets INVOCATION_ID)


def _no_display(data_dir: Path, reason: str) -> NoReturn:
    """One clear line for the journal, the error left for the sync agent's next heartbeat
    (the fleet page shows it), the same for `systemctl status`, and the exit status systemd
    answers with a slow retry instead of counting a crash."""
    from datetime import UTC
    from functools import partial

    from kiosk.appliance.watchdog import Notifier
    from kiosk.infra.store import open_store
    from kiosk.sync.errors import record_error

    message = f"cannot open the display ({reason})"
    # the process's own stderr: Kivy has put a logging stream of its own in sys.stderr
    say = partial(print, file=sys.__stderr__, flush=True)
    say(f"kiosk: {message}; is a screen connected and switched on?")
    try:
        db = open_store(data_dir)
        try:
            record_error(db, "display", message, datetime.now(UTC))
        finally:
            db.close()
    except Exception as exc:  # a full disk must not turn this into a crash
        say(f"kiosk: could not keep the error for the hub: {exc}")
    notifier = Notifier()
    notifier.status(message)
    notifier.close()
    sys.exit(NO_DISPLAY_EXIT)


@main.command("staff-pin")
@click.option("--stdin", "from_stdin", is_flag=True, help="Read the PIN from standard input.")
def staff_pin(from_stdin: bool) -> None:
    """Hash a staff PIN for kiosk.toml ([staff] pin_hash = "...").

    The PIN (4 to 12 digits) opens the staff screen after the hidden gesture: five taps in
    the top-left corner within three seconds.
    """
    from kiosk.appliance.pin import PinError, hash_pin

    if from_stdin:
        pin = sys.stdin.readline().strip()
    else:
        pin = click.prompt("Staff PIN", hide_input=True, confirmation_prompt=True)
    try:
        click.echo(hash_pin(pin))
    except PinError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command("speak")
@click.argument("text")
@click.option(
    "--lang",
    type=click.Choice(["pl", "en", "de", "cs", "uk"]),
    default="pl",
    show_default=True,
    help="The visitor's language: the voice and the text's rules.",
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the sound to this WAV file instead of playing it.",
)
@click.option("--spell", is_flag=True, help="Say TEXT letter by letter (a reference code).")
@click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"Configuration file: its [speech] voice settings (default: {SYSTEM_CONFIG} if it "
    "exists).",
)
def speak(text: str, lang: str, out: Path | None, spell: bool, config_path: Path | None) -> None:
    """Say TEXT as the kiosk's read-aloud would (same voice, same text cleaning).

    Prints what the voice is given ("ul." said as "ulica", times and phone numbers in words)
    and plays it on the kiosk's audio device, or writes it to a WAV file with --out. TEXT "-"
    is read from standard input.
    """
    from kiosk.speech.engine import SpeechEngine, SpeechUnavailable
    from kiosk_core.speech.utterance import Spell, speakable

    path = config_path or (SYSTEM_CONFIG if SYSTEM_CONFIG.exists() else None)
    try:
        settings = (check_config(read_config(path), str(path)) if path else KioskConfig()).speech
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if text == "-":
        text = sys.stdin.read()
    pieces = [Spell(text) if spell else text]
    engine = SpeechEngine(settings.device, settings.rate, settings.volume)
    click.echo(speakable(pieces, lang))
    try:
        if out is not None:
            said = engine.render(pieces, lang, out)
            click.echo(f"Wrote {out}: {said.seconds:.1f} s", err=True)
            return
        if not engine.available:
            raise SpeechUnavailable(engine.problem)
        said = engine.say(pieces, lang)
        if said is not None:
            said.done.wait()
            if said.error:
                raise SpeechUnavailable(f"audio device {settings.device!r}: {said.error}")
    except (SpeechUnavailable, OSError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.close()


data_option = click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="The kiosk's data directory.",
)


@main.command("stats")
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def stats(data_dir: Path, as_json: bool) -> None:
    """Touch statistics: touches per screen and hour, sessions, top items, failed searches."""
    import json

    from kiosk.infra.store import open_store
    from kiosk.visit.touchstats import summary

    result = summary(open_store(data_dir))
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=1))
        return
    click.echo("Touches per screen:")
    for screen, count in result["touches_per_screen"].items():
        click.echo(f"  {screen:<16} {count:>8}")
    click.echo("Touches per hour (UTC) and screen:")
    for row in result["touches"]:
        click.echo(f"  {row['hour']}:00  {row['screen']:<16} {row['count']:>6}")
    click.echo("Sessions per hour (UTC):")
    for hour, count in result["sessions"].items():
        click.echo(f"  {hour}:00  {count:>6}")
    click.echo("Most viewed:")
    for row in result["top_items"]:
        click.echo(f"  {row['item']:<40} {row['views']:>6}")
    click.echo("Searches that found nothing:")
    for row in result["failed_searches"]:
        click.echo(f"  {row['query']:<40} {row['count']:>6}")


@main.command("reports")
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--with-contact", is_flag=True, help="Include the reporters' contact details.")
@click.option("--retry", is_flag=True, help="Send every report needing attention to the hub again.")
@click.option(
    "--discard",
    "discards",
    multiple=True,
    metavar="REF",
    help="Discard a report needing attention (its contact details are erased); repeatable.",
)
@click.option("--yes", is_flag=True, help="Discard without asking for confirmation.")
def reports(
    data_dir: Path,
    as_json: bool,
    with_contact: bool,
    retry: bool,
    discards: tuple[str, ...],
    yes: bool,
) -> None:
    """Problem reports filed at this kiosk and their delivery state.

    A report the hub refused to store needs attention: it is kept, contact details and all,
    until someone sends it again (--retry, or the staff screen) or decides to discard it
    (--discard REF)."""
    import json
    from datetime import UTC, datetime

    from kiosk.appliance.staffstatus import request_sync
    from kiosk.infra.store import open_store
    from kiosk.visit.outbox import NotDiscardable, discard, list_reports, retry_attention

    db = open_store(data_dir)
    if retry or discards:
        now = datetime.now(UTC)
        for ref_code in discards:
            if not yes:
                click.confirm(
                    f"Discard report {ref_code}? It will never reach the hub.", abort=True
                )
            try:
                report = discard(db, ref_code, now, note="kiosk reports --discard")
            except NotDiscardable as exc:
                raise click.ClickException(str(exc)) from exc
            click.echo(f"Discarded {report.ref_code} (refused by the hub: {report.reason})")
        if retry:
            count = retry_attention(db, now)
            if count:
                request_sync(data_dir)
            click.echo(f"{count} report(s) will be sent to the hub again")
        return
    rows = list_reports(db, with_contact=with_contact)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    for r in rows:
        where = r["address_string"] or f"{r['lat']}, {r['long']}"
        line = (
            f"{r['ref_code']}  {r['created']}  {r['state']:<9} {r['service_code']:<16} "
            f"{where}  attempts={r['attempts']}"
        )
        if with_contact:
            contact = " ".join(
                filter(None, (r["first_name"], r["last_name"], r["email"], r["phone"]))
            )
            line += f"  {contact}"
        click.echo(line)
        click.echo(f"    {r['description'][:200]}")
        if r["state"] in ("attention", "discarded"):
            click.echo(f"    {r['state']}: {r['last_error']}")
    attention = sum(r["state"] == "attention" for r in rows)
    click.echo(f"{len(rows)} report(s), {attention} needing attention")


@main.command("enroll")
@click.option(
    "--hub", "hub_url", required=True, help="The hub's address, e.g. https://hub.example.pl"
)
@click.option("--token", required=True, help="The one-time token from `kiosk-hub kiosk add`.")
@data_option
def enroll(hub_url: str, token: str, data_dir: Path) -> None:
    """Enrol this kiosk with the hub: get its identity and token, pin the hub's key."""
    from urllib.parse import urlsplit

    from kiosk.sync.enrolment import ENROLMENT_FILE, EnrolmentError
    from kiosk.sync.enrolment import enroll as enroll_kiosk

    parts = urlsplit(hub_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise click.BadParameter(
            "give the hub's address as http(s)://host[:port]", param_hint="--hub"
        )
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        click.echo(
            "Warning: the hub is reached over plain HTTP; use HTTPS in production.", err=True
        )
    try:
        enrolment = enroll_kiosk(hub_url, token, data_dir)
    except EnrolmentError as exc:
        raise click.ClickException(str(exc)) from exc
    groups = ", ".join(enrolment.groups) or "none"
    click.echo(
        f"Enrolled as kiosk {enrolment.kiosk_id} (groups: {groups}) with {enrolment.hub_url}; "
        f"hub key pinned in {Path(data_dir) / ENROLMENT_FILE}"
    )


@main.command("sync")
@data_option
@click.option("--once", is_flag=True, help="Run one cycle and exit (status 1 if a step failed).")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    default=60.0,
    show_default=True,
    help="Seconds between cycles.",
)
def sync(data_dir: Path, once: bool, interval: float) -> None:
    """Run the sync agent: deliver reports, pull content, upload statistics, send heartbeats.

    Touch DATA/sync-now or send SIGUSR1 to start the next cycle at once.
    """
    import logging
    import signal

    from kiosk.sync.agent import Agent, AgentBusy
    from kiosk.sync.enrolment import EnrolmentError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        agent = Agent(data_dir)
    except (EnrolmentError, AgentBusy) as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        if once:
            results = agent.run_once()
            for result in results:
                click.echo(str(result))
            if not all(r.ok for r in results):
                sys.exit(1)
            return

        def stop(signum: int, _frame: object) -> None:
            if agent.stopping:
                raise SystemExit(128 + signum)  # asked twice: leave now, all is crash-safe
            agent.stop()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGUSR1, lambda _s, _f: agent.wake())
        agent.run_forever(interval)
    finally:
        agent.close()
