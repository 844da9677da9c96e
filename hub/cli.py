"""The `kiosk-hub` command: a thin shell over the hub's core."""

from __future__ import annotations

import functools
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from hub import __version__
from hub.content.signing import SigningKeyError
from hub.context import Hub, init_data
from hub.db import metadata
from hub.errors import HubError
from hub.schema import SchemaError, new_revision
from hub.settings import ConfigError, Settings

ENV_DATA = "KIOSK_HUB_DATA"
ENV_DATABASE = "KIOSK_HUB_DATABASE"
ENV_TIMEZONE = "KIOSK_HUB_TIMEZONE"
DEFAULT_TIMEZONE = Settings.timezone


@click.group()
@click.version_option(__version__, prog_name="kiosk-hub")
def main() -> None:
    """The kiosk hub: content publishing, report intake, statistics and fleet status."""


def data_options(func):
    """--data and --database, shared by every command that works on a data directory."""

    @click.option(
        "--data",
        "data_dir",
        required=True,
        envvar=ENV_DATA,
        type=click.Path(path_type=Path, file_okay=False),
        help=f"The hub's data directory (or ${ENV_DATA}).",
    )
    @click.option(
        "--database",
        envvar=ENV_DATABASE,
        metavar="URL",
        help=f"SQLAlchemy database URL (or ${ENV_DATABASE}); default: SQLite DATA/hub.db.",
    )
    @click.option(
        "--timezone",
        envvar=ENV_TIMEZONE,
        help=(
            f"The municipality's time zone, for local days in statistics (or ${ENV_TIMEZONE}, "
            f"or timezone in DATA/hub.toml; default {DEFAULT_TIMEZONE})."
        ),
    )
    @functools.wraps(func)
    def wrapper(data_dir: Path, database: str | None, timezone: str | None, **kwargs):
        try:
            settings = Settings.load(data_dir, database_url=database, timezone=timezone)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
        try:
            ZoneInfo(settings.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise click.BadParameter(f"unknown time zone {settings.timezone!r}") from exc
        return func(settings=settings, **kwargs)

    return wrapper


def _operator() -> str:
    """Who changes something from the command line, for the hub's records."""
    import getpass

    try:
        name = getpass.getuser()
    except (KeyError, OSError):  # no user name for this uid (a container)
        name = "?"
    return f"command line ({name})"


def _open(settings: Settings) -> Hub:
    try:
        return Hub.open(settings)
    except (SigningKeyError, SchemaError) as exc:
        raise click.ClickException(str(exc)) from exc


def _run(settings: Settings, action):
    """Run `action(hub, conn)` in one transaction; a refusal becomes a clean error."""
    hub = _open(settings)
    try:
        with hub.transaction() as conn:
            return action(hub, conn)
    except HubError as exc:
        raise click.ClickException(exc.detail) from exc
    finally:
        hub.close()


@main.command()
@data_options
def init(settings: Settings) -> None:
    """Create the data directory, the signing key and the database."""
    try:
        created = init_data(settings)
    except SchemaError as exc:
        raise click.ClickException(str(exc)) from exc
    hub = _open(settings)
    click.echo(f"{'Created' if created else 'Kept the existing'} signing key {settings.key_path}")
    click.echo(f"Public key (kiosks pin it when enrolled): {hub.signer.public_key}")
    hub.close()


@main.command()
@data_options
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
@click.option("--access-log/--no-access-log", default=True, show_default=True)
def serve(settings: Settings, host: str, port: int, access_log: bool) -> None:
    """Run the hub's HTTP API (put HTTPS in front of it in production)."""
    from hub import serving
    from hub.app import create_app

    hub = _open(settings)
    # Everything this process spools to disk (form uploads over 1 MiB included) goes in its
    # scratch folder, which the next start empties if this process is killed.
    tempfile.tempdir = str(hub.scratch.path)
    app = create_app(settings, hub)
    serving.run(app, settings, host, port, access_log)


@main.group()
def kiosk() -> None:
    """Register kiosks, list and retire them."""


@kiosk.command("add")
@click.argument("kiosk_id")
@click.option("--name", required=True, help="Where it stands, as staff call it.")
@click.option("--lat", required=True, type=float)
@click.option("--long", "long_", required=True, type=float)
@click.option("--group", "groups", multiple=True, help="A group for content targeting.")
@data_options
def kiosk_add(
    settings: Settings, kiosk_id: str, name: str, lat: float, long_: float, groups: tuple
) -> None:
    """Register kiosk KIOSK_ID and print its one-time enrolment token."""
    from hub.fleet.kiosks import Kiosk, add_kiosk

    kiosk = Kiosk(kiosk_id, name, lat, long_, list(groups))
    token = _run(settings, lambda hub, c: add_kiosk(c, kiosk, hub.now(), settings.enrolment_ttl))
    _print_enrolment(kiosk_id, token, settings)


@kiosk.command("enrol")
@click.argument("kiosk_id")
@data_options
def kiosk_enrol(settings: Settings, kiosk_id: str) -> None:
    """A new one-time enrolment token for an existing kiosk (e.g. replaced hardware). The
    kiosk's current token stops working now; a retired kiosk returns once it enrols."""
    from hub.fleet.kiosks import reenrol

    token = _run(settings, lambda hub, c: reenrol(c, kiosk_id, hub.now(), settings.enrolment_ttl))
    _print_enrolment(kiosk_id, token, settings)


def _print_enrolment(kiosk_id: str, token: str, settings: Settings) -> None:
    days = settings.enrolment_ttl.days
    click.echo(f"One-time enrolment token for {kiosk_id} (valid {days} days, shown only now):")
    click.echo(token)


@kiosk.command("list")
@data_options
def kiosk_list(settings: Settings) -> None:
    """List the registered kiosks, retired ones marked."""
    from hub.fleet.kiosks import list_kiosks

    for k in _run(settings, lambda hub, c: list_kiosks(c)):
        groups = ",".join(k.groups) or "-"
        state = f"retired {_when(k.retired)}" if k.retired else "in service"
        click.echo(f"{k.id}\t{k.name}\t{k.lat}, {k.long}\t{groups}\t{state}")


@kiosk.command("retire")
@click.argument("kiosk_id")
@data_options
def kiosk_retire(settings: Settings, kiosk_id: str) -> None:
    """Take KIOSK_ID out of service: its token stops working now, it leaves the fleet and
    its alarms; its reports and statistics stay. `kiosk enrol` brings it back."""
    from hub.fleet.kiosks import retire_kiosk

    kiosk = _run(settings, lambda hub, c: retire_kiosk(c, kiosk_id, hub.now()))
    click.echo(f"Retired {kiosk.id} ({kiosk.name}); its token no longer works")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@main.group()
def token() -> None:
    """Issue, list and revoke tokens for editors, administrators and Open311 clients."""


@token.command("add")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["editor", "admin", "open311"]),
    help="editor: publish content (not change where reports go); admin: everything; "
    "open311: an Open311 client's api_key.",
)
@click.option("--name", help="Whose token this is (shown in logs and releases).")
@data_options
def token_add(settings: Settings, role: str, name: str | None) -> None:
    """Create a token and print it (the hub keeps only its hash: copy it now)."""
    from hub.accounts.tokens import add_token

    secret = _run(settings, lambda hub, c: add_token(c, role, hub.now(), name=name))
    click.echo(secret)


@token.command("list")
@click.option("--all", "everything", is_flag=True, help="Revoked tokens too.")
@data_options
def token_list(settings: Settings, everything: bool) -> None:
    """List the tokens in use (id, role, name, kiosk, created): never the tokens."""
    from hub.accounts.tokens import list_tokens

    rows = _run(settings, lambda hub, c: list_tokens(c, revoked=everything))
    for t in rows:
        state = f"revoked {_when(t.revoked)}" if t.revoked else "active"
        click.echo(
            f"{t.id}\t{t.role}\t{t.name or '-'}\t{t.kiosk_id or '-'}\t"
            f"created {_when(t.created)}\t{state}"
        )
    if not rows:
        click.echo("No tokens.")


@token.command("revoke")
@click.argument("token_id", metavar="ID")
@data_options
def token_revoke(settings: Settings, token_id: str) -> None:
    """Revoke the token ID (as `token list` shows it): it stops working at once."""
    from hub.accounts.tokens import revoke_token

    done = _run(settings, lambda hub, c: revoke_token(c, token_id, hub.now()))
    who = done.name or done.kiosk_id or done.role
    click.echo(f"Revoked {done.id} ({done.role}, {who})")


@main.group()
def user() -> None:
    """Accounts for the web pages: department staff, editors and administrators."""


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@user.command("add")
@click.argument("username")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["staff", "editor", "admin"]),
    help="staff: reports of their categories; editor: content and alerts; admin: everything, "
    "including where reports go.",
)
@click.option("--name", "display_name", help="Full name, shown in the inbox and the history.")
@click.option("--email", help="Where this person gets notices (optional).")
@click.option(
    "--department",
    "departments",
    multiple=True,
    metavar="SERVICE_CODE",
    help="Only reports of this category (repeat; default: all).",
)
@click.option("--lang", type=click.Choice(["pl", "uk", "en"]), default="pl", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@data_options
def user_add(
    settings: Settings,
    username: str,
    role: str,
    display_name: str | None,
    email: str | None,
    departments: tuple[str, ...],
    lang: str,
    password_stdin: bool,
) -> None:
    """Create the account USERNAME (asks for its password)."""
    from hub.accounts.users import add_user

    password = _password(password_stdin)
    created = _run(
        settings,
        lambda hub, c: add_user(
            c, username, password, role, hub.now(), display_name, email, departments, lang
        ),
    )
    click.echo(f"Created {created.role} {created.username} ({created.display_name})")


@user.command("list")
@data_options
def user_list(settings: Settings) -> None:
    """List the accounts."""
    from hub.accounts.users import list_users

    for u in _run(settings, lambda hub, c: list_users(c)):
        state = "disabled" if u.disabled else "active"
        departments = ",".join(u.departments) or "all"
        click.echo(f"{u.username}\t{u.role}\t{state}\t{u.display_name}\t{departments}")


@user.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@data_options
def user_password(settings: Settings, username: str, password_stdin: bool) -> None:
    """Set a new password for USERNAME (their open sessions end)."""
    from hub.accounts.users import set_password

    password = _password(password_stdin)
    _run(settings, lambda hub, c: set_password(c, username, password))
    click.echo(f"New password set for {username}")


@user.command("disable")
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable the account again.")
@data_options
def user_disable(settings: Settings, username: str, enable: bool) -> None:
    """Disable USERNAME (signs them out everywhere), or enable it again with --enable."""
    from hub.accounts.users import set_disabled

    _run(settings, lambda hub, c: set_disabled(c, username, not enable, hub.now()))
    click.echo(f"{username} {'enabled' if enable else 'disabled'}")


@main.command()
@click.argument("src", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--hub", "hub_url", required=True, envvar="KIOSK_HUB_URL", help="The hub's URL.")
@click.option(
    "--token",
    "staff_token",
    required=True,
    envvar="KIOSK_HUB_TOKEN",
    help="An editor's token (an administrator's to change where reports go).",
)
def publish(src: Path, hub_url: str, staff_token: str) -> None:
    """Build the content in SRC and publish it to every kiosk. A release that changes a
    report category's department or e-mail, or adds a category, needs an administrator's
    token."""
    from hub.content.publish import HubClient, PublishError, blobs_to_upload
    from kiosk_core.content.build import build_release
    from kiosk_core.content.problems import ContentError

    with tempfile.TemporaryDirectory(prefix="kiosk-hub-publish-") as tmp:
        out = Path(tmp) / "release"
        try:
            manifest = build_release(src, out)
        except ContentError as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            click.echo(f"{len(exc.problems)} problem(s) found; nothing was published.", err=True)
            sys.exit(1)
        client = HubClient(hub_url, staff_token)
        try:
            todo = blobs_to_upload(manifest.files, client.missing(manifest.files))
            total = sum(f.size for f in todo)
            click.echo(f"Uploading {len(todo)} of {len(manifest.files)} files ({total:,} bytes)")
            with click.progressbar(length=total, label="Uploading", file=sys.stderr) as bar:
                for entry in todo:
                    client.upload(out / entry.path, entry, bar.update)
            version = client.create_release(manifest.files)
        except PublishError as exc:
            for problem in exc.problems:
                click.echo(problem, err=True)
            click.echo(f"Not published: {exc}", err=True)
            sys.exit(1)
    click.echo(f"Published release {version}")


@main.group()
def stats() -> None:
    """Touch statistics."""


@stats.command("export")
@data_options
@click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))
@click.option("--by", type=click.Choice(["hour", "day", "month"]), default="day", show_default=True)
@click.option("--kiosk", "kiosk_id", help="Only this kiosk.")
@click.option("--group", help="Only the kiosks of this group.")
@click.option("--metric", help="Only this metric: touch, session, view or search_miss.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True
)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Default: stdout.")
def stats_export(
    settings: Settings,
    start: datetime,
    end: datetime,
    by: str,
    kiosk_id: str | None,
    group: str | None,
    metric: str | None,
    fmt: str,
    out: Path | None,
) -> None:
    """Export totals per kiosk, period and screen for local dates FROM..TO (inclusive)."""
    from hub.statistics.export import render
    from hub.statistics.stats import aggregate

    data = _run(
        settings,
        lambda hub, c: render(
            aggregate(c, start.date(), end.date(), by, kiosk_id, group, metric), fmt
        ),
    )
    if out is None:
        click.echo(data, nl=False)
    else:
        out.write_bytes(data)
        click.echo(f"Wrote {out} ({len(data):,} bytes)", err=True)


@stats.command("rebuild")
@data_options
def stats_rebuild(settings: Settings) -> None:
    """Recompute local hours and day totals (after changing --timezone)."""
    from hub.statistics.stats import rebuild

    _run(settings, lambda hub, c: rebuild(c, settings.timezone))
    click.echo(f"Statistics recomputed for {settings.timezone}")


@main.command()
@data_options
@click.option(
    "--offline-after",
    type=click.IntRange(min=1),
    default=15,
    show_default=True,
    metavar="MINUTES",
    help="A kiosk silent for longer is offline.",
)
def status(settings: Settings, offline_after: int) -> None:
    """Every kiosk: last seen, content version, outbox depth, reports needing attention (the
    hub refused them, the kiosk keeps them), errors; offline ones first."""
    from hub.fleet.heartbeats import status as fleet_status

    rows = _run(
        settings, lambda hub, c: fleet_status(c, hub.now(), timedelta(minutes=offline_after))
    )
    rows.sort(key=lambda s: (not s.offline, s.kiosk_id))
    for s in rows:
        seen = s.last_seen.strftime("%Y-%m-%d %H:%M UTC") if s.last_seen else "never"
        state = "OFFLINE" if s.offline else "ok"
        skew = f"{s.skew:+.0f}s" if s.skew is not None else "-"
        attention = f"  ATTENTION {s.attention} report(s)" if s.attention else ""
        click.echo(
            f"{state:7} {s.kiosk_id:20} seen {seen:20} content v{s.content_version or '-'}  "
            f"outbox {s.outbox_depth if s.outbox_depth is not None else '-'}  clock {skew}"
            f"{attention}"
        )
        for report in s.attention_reports:
            click.echo(f"        ! report {report['ref_code']} needs attention: {report['reason']}")
        for error in s.errors:
            click.echo(f"        ! {error}")
    offline = sum(s.offline for s in rows)
    attention = sum(s.attention or 0 for s in rows)
    click.echo(
        f"{len(rows)} kiosk(s), {offline} offline (silent > {offline_after} min), "
        f"{attention} report(s) refused by the hub kept on kiosks"
    )


@main.command()
@data_options
@click.option("--once", is_flag=True, help="Send what is due now, then stop.")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    metavar="SECONDS",
    help="Between rounds (default: deliveries_interval in DATA/hub.toml, or 30).",
)
def deliver(settings: Settings, once: bool, interval: float | None) -> None:
    """E-mail and forward reports due to be sent (retries included), and bring back the city's
    answers to forwarded reports; until stopped, unless --once. Safe next to a running `serve`:
    a delivery is never taken by both."""
    import time

    from hub.sending.deliveries import list_deliveries, summary
    from hub.sending.forwarding import pull_status
    from hub.sending.sender import PULL_INTERVAL, run_due

    hub = _open(settings)
    pause = interval or settings.deliveries_interval or 30.0
    next_pull = 0.0
    try:
        while True:
            attempted = run_due(hub)
            if time.monotonic() >= next_pull:
                next_pull = time.monotonic() + PULL_INTERVAL.total_seconds()
                pulled = pull_status(hub)
                if once or pulled.changed or pulled.errors:
                    click.echo(
                        f"asked the city about {pulled.asked} forwarded report(s): "
                        f"{pulled.changed} changed"
                    )
                for error in pulled.errors:
                    click.echo(f"  could not ask {error}", err=True)
            with hub.transaction(write=False) as conn:
                counts = summary(conn)
                failed = list_deliveries(conn, state="failed")
            states = ", ".join(f"{state} {n}" for state, n in counts.items())
            if once or attempted:
                click.echo(f"{attempted} delivery attempt(s); now {states}")
            if once:
                for row in failed:
                    click.echo(
                        f"  failed: report {row.report_id} {row.channel} to {row.target}: "
                        f"{row.last_error}",
                        err=True,
                    )
                break
            time.sleep(pause)
    except KeyboardInterrupt:
        pass
    finally:
        hub.close()


@main.group()
def forward() -> None:
    """Forward report categories to the city's own Open311 system."""


@forward.command("add")
@click.argument("service_code")
@click.option("--endpoint", required=True, metavar="URL", help="The city's Open311 base URL.")
@click.option(
    "--api-key",
    required=True,
    help="The api_key the city issued to this hub (when replacing, '' keeps the current one).",
)
@click.option("--remote-code", required=True, help="The city's service_code for the category.")
@click.option("--jurisdiction", help="The city's jurisdiction_id, if its endpoint needs one.")
@data_options
def forward_add(
    settings: Settings,
    service_code: str,
    endpoint: str,
    api_key: str,
    remote_code: str,
    jurisdiction: str | None,
) -> None:
    """Forward new reports of SERVICE_CODE to the city (replaces an earlier endpoint)."""
    from hub.sending.forward_targets import add_target

    done = _run(
        settings,
        lambda hub, c: add_target(
            c,
            hub.blobs,
            service_code,
            endpoint,
            api_key,
            remote_code,
            jurisdiction,
            hub.now(),
            _operator(),
        ),
    )
    for warning in done.warnings:
        click.echo(f"Warning: {warning}", err=True)
    verb = "Replaced" if done.replaced else "Added"
    click.echo(f"{verb}: new reports of {done.service_code} go to {done.endpoint}")


@forward.command("list")
@data_options
def forward_list(settings: Settings) -> None:
    """List the forwarded categories (api keys masked)."""
    from hub.sending.forward_targets import list_targets, masked

    rows = _run(settings, lambda hub, c: list_targets(c))
    for t in rows:
        state = "enabled" if t.enabled else "disabled"
        click.echo(
            f"{t.service_code}\t{t.endpoint}\t{t.remote_service_code}\t"
            f"{t.jurisdiction_id or '-'}\tkey {masked(t.api_key)}\t{state}"
        )
    if not rows:
        click.echo("No category is forwarded.")


@forward.command("remove")
@click.argument("service_code")
@data_options
def forward_remove(settings: Settings, service_code: str) -> None:
    """Stop forwarding SERVICE_CODE (reports already forwarded keep their city status)."""
    from hub.sending.forward_targets import remove_target

    pending = _run(settings, lambda hub, c: remove_target(c, service_code, hub.now(), _operator()))
    if pending:
        click.echo(
            f"Warning: {pending} report(s) still queued for the city will fail: pass them on "
            "by hand",
            err=True,
        )
    click.echo(f"{service_code} is no longer forwarded")


@main.group()
def db() -> None:
    """The database schema, for developers: databases upgrade by themselves at start."""


@db.command("revision")
@click.option("-m", "--message", required=True, help="What the revision changes.")
@click.option(
    "--autogenerate",
    is_flag=True,
    help="Write the operations that bring the revisions so far to hub.db's Table definitions.",
)
def db_revision(message: str, autogenerate: bool) -> None:
    """Write the next schema revision into hub/migrations/versions/ (docs/hub-database.md)."""
    path = new_revision(message, metadata, autogenerate=autogenerate)
    click.echo(f"Wrote {path}: check it, then run the migration tests")


if __name__ == "__main__":
    main()
