#!/usr/bin/env bash
# Install (or upgrade in place) the hub on Debian 12.
#
#   sudo deploy/install-hub.sh --domain kiosk.example.pl [--email it@example.pl]
#
# Run it from a copy of this repository on the server. It:
#   - installs python3-venv (and nginx with --domain);
#   - creates the `kiosk-hub` user, the data directory /srv/kiosk-hub (database, signing key,
#     blobs in /srv/kiosk-hub/blobs/<sha256>) and runs `kiosk-hub init` there (keeps an
#     existing key and database);
#   - copies the code to /opt/kiosk-hub/src and installs it with the hub's pinned dependencies
#     (`.[hub]`: no Kivy, libVLC, printer or serial line) into /opt/kiosk-hub/venv;
#   - installs and enables kiosk-hub.service (127.0.0.1:8080) and (re)starts it;
#   - with --domain: installs deploy/nginx/kiosk-hub.conf for that name (TLS, blobs served
#     from disk); with --email also asks Let's Encrypt for the certificate (certbot).
#
# Running it again upgrades in place and keeps the data. Then, for each kiosk:
#   sudo -u kiosk-hub /opt/kiosk-hub/venv/bin/kiosk-hub kiosk add ID --name ... --data /srv/kiosk-hub
#
# Options: --domain NAME, --email ADDRESS, --no-start, --root DIR and --skip-system (tests).
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=deploy/apt.sh
source "$SRC/deploy/apt.sh"
# shellcheck source=deploy/source.sh
source "$SRC/deploy/source.sh"
DOMAIN="" EMAIL="" START=1 ROOT="" SKIP_SYSTEM=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --domain) DOMAIN=$2; shift 2 ;;
    --email) EMAIL=$2; shift 2 ;;
    --no-start) START=0; shift ;;
    --root) ROOT=${2%/}; shift 2 ;;
    --skip-system) SKIP_SYSTEM=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

PREFIX=$ROOT/opt/kiosk-hub
DATA=$ROOT/srv/kiosk-hub
UNITS=$ROOT/etc/systemd/system
NGINX=$ROOT/etc/nginx
VENV=$PREFIX/venv

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
system() { [[ $SKIP_SYSTEM -eq 0 ]]; }
as_hub() { if system; then runuser -u kiosk-hub -- "$@"; else "$@"; fi; }

if system && [[ $(id -u) -ne 0 ]]; then
  echo "run me as root (sudo $0 ...)" >&2
  exit 1
fi
if [[ -n $DOMAIN && ! $DOMAIN =~ ^[A-Za-z0-9.-]+$ ]]; then
  echo "--domain: a host name such as kiosk.example.pl" >&2
  exit 2
fi

if system; then
  packages=(python3 python3-venv ca-certificates)
  [[ -n $DOMAIN ]] && packages+=(nginx)
  [[ -n $EMAIL ]] && packages+=(certbot python3-certbot-nginx)
  apt_install "${packages[@]}"
  if ! id kiosk-hub >/dev/null 2>&1; then
    say "Creating the kiosk-hub user"
    useradd --system --home-dir /srv/kiosk-hub --no-create-home --shell /usr/sbin/nologin kiosk-hub
  fi
fi

install_source "$SRC" "$PREFIX"
if [[ ! -x $VENV/bin/python ]]; then
  say "Creating the virtual environment $VENV"
  python3 -m venv "$VENV"
fi
say "Installing the hub and its pinned dependencies"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-cache-dir \
  --upgrade "$PREFIX/src[hub]"

say "Preparing $DATA"
mkdir -p "$DATA"
system && chown kiosk-hub:kiosk-hub "$DATA"
chmod 0750 "$DATA"
as_hub "$VENV/bin/kiosk-hub" init --data "$DATA"

say "Installing kiosk-hub.service"
mkdir -p "$UNITS"
install -m 0644 "$SRC/systemd/kiosk-hub.service" "$UNITS/"
if system; then
  systemctl daemon-reload
  systemctl enable kiosk-hub.service
  [[ $START -eq 1 ]] && systemctl restart kiosk-hub.service
fi

if [[ -n $DOMAIN ]]; then
  say "Configuring nginx for $DOMAIN"
  mkdir -p "$NGINX/sites-available" "$NGINX/sites-enabled"
  site=$NGINX/sites-available/kiosk-hub
  if [[ -f $site ]] && ! grep -q "server_name kiosk.example.pl" "$site"; then
    say "Keeping $site (already set up; compare with deploy/nginx/kiosk-hub.conf)"
  else
    sed "s/kiosk\.example\.pl/$DOMAIN/g" "$SRC/deploy/nginx/kiosk-hub.conf" >"$site"
  fi
  ln -sf ../sites-available/kiosk-hub "$NGINX/sites-enabled/kiosk-hub"
  # nginx (www-data) reads the blobs; nothing else in the data directory.
  if system; then
    usermod -a -G kiosk-hub www-data
    chmod 0750 "$DATA"
    if [[ -n $EMAIL && ! -d /etc/letsencrypt/live/$DOMAIN ]]; then
      certbot certonly --nginx --non-interactive --agree-tos -m "$EMAIL" -d "$DOMAIN"
    fi
    if [[ -d /etc/letsencrypt/live/$DOMAIN ]]; then
      nginx -t && systemctl reload nginx
    else
      warn "no certificate for $DOMAIN yet: run me with --email, or edit $site, then nginx -t"
    fi
  fi
fi
say "Done: $("$VENV/bin/kiosk-hub" --version 2>/dev/null || echo installed)"
