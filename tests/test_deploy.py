"""The install scripts and the nginx example, run for real where they can be here.

install-kiosk.sh runs twice into a throw-away root (`--root`, `--skip-system`: no apt-get,
users or systemctl) with this checkout's virtual environment, enrolling with a live hub on
127.0.0.1; the second run must upgrade in place and keep the configuration. nginx runs the
example configuration (TLS with a self-signed certificate) in front of a live hub.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from kiosk.appliance.pin import verify_pin
from kiosk.infra.config import load_config
from tests.hubtools import CountingApp, HubEnv, LiveServer, free_port

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"
VENV = Path(sys.executable).parent.parent
SCRIPTS = [
    DEPLOY / "install-kiosk.sh",
    DEPLOY / "install-hub.sh",
    DEPLOY / "apt.sh",
    DEPLOY / "source.sh",
    REPO / "dev",
]


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="apt-get install shellcheck")
def test_shellcheck_is_clean() -> None:
    done = subprocess.run(
        ["shellcheck", "-x", *map(str, SCRIPTS)], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 0, done.stdout


def test_the_example_configuration_is_valid() -> None:
    config = load_config(DEPLOY / "kiosk.toml.example")
    assert config.staff.pin_hash is None
    assert config.display.schedule().periods
    assert config.attract.sound is False


def install(root: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIVY")}
    done = subprocess.run(
        ["bash", str(DEPLOY / "install-kiosk.sh"), "--root", str(root), "--skip-system",
         "--venv", str(VENV), *args],
        input=stdin, capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_install_kiosk_twice_enrols_once_and_upgrades_in_place(tmp_path: Path) -> None:
    root = tmp_path / "root"
    (root / "boot/firmware").mkdir(parents=True)
    (root / "boot/firmware/cmdline.txt").write_text("console=tty1 root=PARTUUID=1234-02 rw\n")
    hub = HubEnv.create(tmp_path / "hub")
    token = hub.kiosk("rynek", groups=["centrum"])
    with LiveServer(hub.app) as server:
        first = install(
            root, "--hub", server.url, "--token", token, "--kiosk-id", "rynek",
            "--rotation", "90", "--pin", stdin="2468\n",
        )  # fmt: skip
    assert "Staff PIN set" in first.stdout
    config_path = root / "etc/kiosk/kiosk.toml"
    config = load_config(config_path)
    assert config.kiosk_id == "rynek"
    assert str(config.hub_url) == server.url + "/"
    assert config.display.rotation == 90
    assert verify_pin("2468", config.staff.pin_hash)
    assert oct(config_path.stat().st_mode & 0o777) == "0o640"
    assert (root / "var/lib/kiosk/enrolment.json").exists()
    assert (root / "var/lib/kiosk/kivy").is_dir()
    assert (root / "opt/kiosk/src/kiosk/ui/app.py").exists()
    assert not (root / "opt/kiosk/src/.venv").exists()
    for unit in ("kiosk.service", "kiosk-display-wait.service", "kiosk-sync.service"):
        assert (root / "etc/systemd/system" / unit).read_bytes() == (
            REPO / "systemd" / unit
        ).read_bytes()
    assert "backlight" in (root / "etc/udev/rules.d/90-kiosk-backlight.rules").read_text()
    assert "SystemMaxUse" in (root / "etc/systemd/journald.conf.d/90-kiosk.conf").read_text()
    cmdline = (root / "boot/firmware/cmdline.txt").read_text()
    assert cmdline.startswith("console=tty1 root=PARTUUID=1234-02 rw consoleblank=0")
    before = config_path.read_bytes()
    (root / "opt/kiosk/src/stale-file").write_text("from an older version")

    second = install(root)  # an upgrade: no hub, no token, no PIN asked
    assert "Keeping" in second.stdout and "Already enrolled" in second.stdout
    assert config_path.read_bytes() == before
    assert (root / "boot/firmware/cmdline.txt").read_text() == cmdline  # no token twice
    assert cmdline.count("consoleblank=0") == 1
    assert not (root / "opt/kiosk/src/stale-file").exists()  # the code is replaced whole


def test_install_kiosk_refuses_bad_options(tmp_path: Path) -> None:
    done = subprocess.run(
        ["bash", str(DEPLOY / "install-kiosk.sh"), "--root", str(tmp_path), "--skip-system",
         "--rotation", "45"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2 and "--rotation" in done.stderr


def self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


needs_nginx = pytest.mark.skipif(shutil.which("nginx") is None, reason="apt-get install nginx")


@dataclass
class Nginx:
    https: str
    http: str
    cert: Path


@contextmanager
def example_nginx(tmp_path: Path, app, changes: dict[str, str] | None = None) -> Iterator[Nginx]:
    """deploy/nginx/kiosk-hub.conf (with `changes` made to its text) on free ports of
    127.0.0.1 with a self-signed certificate, in front of `app` served by a live uvicorn."""
    cert, key = self_signed(tmp_path)
    https, http = free_port(), free_port()
    with LiveServer(app) as server:
        site = (DEPLOY / "nginx" / "kiosk-hub.conf").read_text()
        for old, new in (changes or {}).items():
            assert old in site
            site = site.replace(old, new)
        site = (
            site.replace("listen [::]:80;", "")
            .replace("listen [::]:443 ssl http2;", "")
            .replace("listen 80;", f"listen 127.0.0.1:{http};")
            .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https} ssl http2;")
            .replace("/etc/letsencrypt/live/kiosk.example.pl/fullchain.pem", str(cert))
            .replace("/etc/letsencrypt/live/kiosk.example.pl/privkey.pem", str(key))
            .replace("/srv/kiosk-hub/blobs/", f"{tmp_path / 'hub' / 'blobs'}/")
            .replace("http://127.0.0.1:8080", f"http://127.0.0.1:{server.port}")
        )
        (tmp_path / "site.conf").write_text(site)
        user = "user root;" if os.geteuid() == 0 else ""
        (tmp_path / "nginx.conf").write_text(
            f"""{user}
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    fastcgi_temp_path {tmp_path}/fastcgi;
    uwsgi_temp_path {tmp_path}/uwsgi;
    scgi_temp_path {tmp_path}/scgi;
    include {tmp_path}/site.conf;
}}
"""
        )
        conf = ["-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")]
        check = subprocess.run(["nginx", "-t", *conf], capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        nginx = subprocess.Popen(["nginx", *conf], stderr=subprocess.PIPE)
        try:
            base = f"https://localhost:{https}"
            deadline = time.monotonic() + 10
            while True:
                try:
                    requests.get(base + "/", verify=str(cert), timeout=2)
                    break
                except requests.ConnectionError:
                    assert time.monotonic() < deadline, "nginx did not start"
                    time.sleep(0.05)
            yield Nginx(base, f"http://127.0.0.1:{http}", cert)
        finally:
            nginx.terminate()
            nginx.wait(timeout=10)


@needs_nginx
def test_nginx_example_terminates_tls_and_serves_blobs_from_disk(tmp_path: Path) -> None:
    hub = HubEnv.create(tmp_path / "hub")
    blob = bytes(range(256)) * 40
    sha = hub.hub.blobs.put(blob)
    with example_nginx(tmp_path, hub.app) as nginx:
        base, cert = nginx.https, str(nginx.cert)
        got = requests.get(f"{base}/api/v1/blobs/{sha}", verify=cert, timeout=5)
        assert got.status_code == 200 and got.content == blob
        assert "immutable" in got.headers["Cache-Control"]
        assert "uvicorn" not in got.headers.get("server", "")  # nginx answered itself
        part = requests.get(
            f"{base}/api/v1/blobs/{sha}", headers={"Range": "bytes=1000-"}, verify=cert, timeout=5
        )
        assert part.status_code == 206 and part.content == blob[1000:]
        unknown = requests.get(f"{base}/api/v1/blobs/{'0' * 64}", verify=cert)
        assert unknown.status_code == 404
        # everything else, and uploads, reach the hub
        upload = requests.put(f"{base}/api/v1/blobs/{'1' * 64}", data=b"x", verify=cert)
        assert upload.status_code == 401 and "detail" in upload.json()
        manifest = requests.get(f"{base}/api/v1/manifest", verify=cert)
        assert manifest.headers["content-type"].startswith("application/json")
        plain = requests.get(f"{nginx.http}/x", allow_redirects=False)
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://")


def _tls_connection(nginx: Nginx) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=str(nginx.cert))
    port = int(nginx.https.rsplit(":", 1)[1])
    raw = socket.create_connection(("127.0.0.1", port), timeout=10)
    return context.wrap_socket(raw, server_hostname="localhost")


@needs_nginx
def test_nginx_example_keeps_slow_bodies_and_crowds_from_the_hub(tmp_path: Path) -> None:
    hub = HubEnv.create(tmp_path / "hub")
    seen = CountingApp(hub.app)
    # The example allows 100 requests at once from one address; 3 are quicker to show.
    fewer = {"limit_conn kiosk_hub_addresses 100;": "limit_conn kiosk_hub_addresses 3;"}
    with example_nginx(tmp_path, seen, fewer) as nginx:
        head = (
            b"POST /api/v1/heartbeat HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/json\r\nContent-Length: 40\r\n\r\n"
        )
        slow = [_tls_connection(nginx) for _ in range(3)]
        for conn in slow:
            conn.sendall(head + b'{"sent_at": ')  # and then nothing, for now
        time.sleep(1)
        assert seen.counts[("POST", "/api/v1/heartbeat")] == 0  # nginx holds the bodies
        crowded = requests.get(f"{nginx.https}/api/v1/health", verify=str(nginx.cert), timeout=5)
        assert crowded.status_code == 429  # a fourth request from the same address
        for conn in slow:
            conn.sendall(b'"2026-11-21T14:00:00+00:00"}')
            answer = conn.recv(4096)
            assert answer.startswith(b"HTTP/1.1 401 "), answer  # whole, then to the hub
            conn.close()
        assert seen.counts[("POST", "/api/v1/heartbeat")] == 3
        ok = requests.get(f"{nginx.https}/api/v1/health", verify=str(nginx.cert), timeout=5)
        assert ok.status_code == 200
