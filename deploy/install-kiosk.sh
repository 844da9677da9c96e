#!/usr/bin/env bash
# Install (or upgrade in place) a kiosk on Raspberry Pi OS Bookworm 64-bit Lite.
#
#   sudo deploy/install-kiosk.sh --hub https://kiosk.example.pl --token ONE-TIME-TOKEN
#
# Run it from a copy of this repository on the Pi. It:
#   - installs the Debian packages the kiosk needs (libVLC, fonts, mtdev, Mesa's GL/EGL/GBM,
#     espeak-ng and aplay for read-aloud);
#   - creates the `kiosk` user in the input, video, render, audio (read-aloud) and dialout
#     (printer) groups;
#   - copies the code to /opt/kiosk/src and installs it with the kiosk's pinned dependencies
#     (`.[kiosk]`) into the virtual environment /opt/kiosk/venv;
#   - writes /etc/kiosk/kiosk.toml from deploy/kiosk.toml.example (first run only), with the
#     kiosk id, hub, rotation and a hashed staff PIN;
#   - lets the video group switch a DSI panel's backlight (the display schedule), keeps the
#     console quiet under the app, and caps the journal (SD cards wear out);
#   - enrols the kiosk with the hub (once), installs and enables the units, and (re)starts them.
#
# Running it again upgrades in place: new code and packages, the configuration and the data
# (/var/lib/kiosk) kept, the services restarted.
#
# Options:
#   --hub URL            the hub's address (https://...), for enrolment and kiosk.toml
#   --token TOKEN        the one-time enrolment token from `kiosk-hub kiosk add`
#   --kiosk-id ID        written to a new kiosk.toml (enrolment tells it too)
#   --rotation DEG       0, 90, 180 or 270, written to a new kiosk.toml
#   --pin                ask for a staff PIN (also when kiosk.toml already has one)
#   --no-start           install and enable, but do not start or restart the services
#   --root DIR           install under DIR instead of / (for tests and image builds)
#   --skip-system        no apt-get, users, udev or systemctl (with --root: for tests)
#   --venv DIR           use this existing virtual environment as it is (tests)
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=deploy/apt.sh
source "$SRC/deploy/apt.sh"
# shellcheck source=deploy/source.sh
source "$SRC/deploy/source.sh"
HUB="" TOKEN="" KIOSK_ID="" ROTATION="" ASK_PIN=0 START=1 ROOT="" SKIP_SYSTEM=0 VENV_GIVEN=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --hub) HUB=$2; shift 2 ;;
    --token) TOKEN=$2; shift 2 ;;
    --kiosk-id) KIOSK_ID=$2; shift 2 ;;
    --rotation) ROTATION=$2; shift 2 ;;
    --pin) ASK_PIN=1; shift ;;
    --no-start) START=0; shift ;;
    --root) ROOT=${2%/}; shift 2 ;;
    --skip-system) SKIP_SYSTEM=1; shift ;;
    --venv) VENV_GIVEN=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
done

PREFIX=$ROOT/opt/kiosk
ETC=$ROOT/etc/kiosk
DATA=$ROOT/var/lib/kiosk
UNITS=$ROOT/etc/systemd/system
BOOT=$ROOT/boot/firmware
VENV=${VENV_GIVEN:-$PREFIX/venv}
CONFIG=$ETC/kiosk.toml
APT_PACKAGES=(
  python3 python3-venv ca-certificates
  libgl1 libegl1 libgles2 libgbm1 libdrm2 libmtdev1   # SDL2 on KMS/DRM, multitouch
  fonts-dejavu-core                                   # every letter of pl, de, cs, uk
  libvlc5 vlc-plugin-base                             # the attract loop's videos
  espeak-ng alsa-utils                                # read-aloud: the voice, aplay
  v4l-utils                                           # cec-ctl: HDMI displays off and on
)
CMDLINE_TOKENS=(consoleblank=0 vt.global_cursor_default=0 logo.nologo)

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
system() { [[ $SKIP_SYSTEM -eq 0 ]]; }

check_machine() {
  if system && [[ $(id -u) -ne 0 ]]; then
    echo "run me as root (sudo $0 ...)" >&2
    exit 1
  fi
  local codename="" arch
  # shellcheck source=/dev/null
  codename=$(. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") || true
  arch=$(uname -m)
  [[ $codename == bookworm ]] || warn "made for Raspberry Pi OS Bookworm; this is ${codename:-unknown}"
  [[ $arch == aarch64 ]] || warn "made for 64-bit Raspberry Pi OS (aarch64); this is $arch"
  case "$ROTATION" in ""|0|90|180|270) ;; *) echo "--rotation: 0, 90, 180 or 270" >&2; exit 2 ;; esac
  if [[ -n $TOKEN && -z $HUB ]]; then echo "--token needs --hub" >&2; exit 2; fi
}

install_packages() {
  system || return 0
  apt_install "${APT_PACKAGES[@]}"
}

create_user() {
  system || return 0
  if ! id kiosk >/dev/null 2>&1; then
    say "Creating the kiosk user"
    useradd --system --home-dir /var/lib/kiosk --no-create-home --shell /usr/sbin/nologin kiosk
  fi
  local group
  for group in input video render audio dialout; do
    if getent group "$group" >/dev/null; then
      usermod -a -G "$group" kiosk
    else
      warn "no group $group on this system"
    fi
  done
}

install_code() {
  install_source "$SRC" "$PREFIX"
  if [[ -n $VENV_GIVEN ]]; then
    say "Using the virtual environment $VENV as it is"
    return 0
  fi
  if [[ ! -x $VENV/bin/python ]]; then
    say "Creating the virtual environment $VENV"
    python3 -m venv "$VENV"
  fi
  say "Installing the kiosk and its pinned dependencies"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-cache-dir \
    --upgrade "$PREFIX/src[kiosk]"
}

# shellcheck disable=SC2001  # sed edits whole lines of the example, anchored at ^
write_config() {
  mkdir -p "$ETC"
  if [[ ! -f $CONFIG ]]; then
    say "Writing $CONFIG"
    local text
    text=$(cat "$SRC/deploy/kiosk.toml.example")
    [[ -n $KIOSK_ID ]] && text=$(sed "s|^kiosk_id = .*|kiosk_id = \"$KIOSK_ID\"|" <<<"$text")
    [[ -z $KIOSK_ID ]] && text=$(sed 's|^kiosk_id = |# kiosk_id = |' <<<"$text")
    [[ -n $HUB ]] && text=$(sed "s|^hub_url = \"[^\"]*\"|hub_url = \"${HUB%/}/\"|" <<<"$text")
    [[ -z $HUB ]] && text=$(sed 's|^hub_url = |# hub_url = |' <<<"$text")
    [[ -n $ROTATION ]] && text=$(sed "s|^rotation = [0-9]*|rotation = $ROTATION|" <<<"$text")
    printf '%s\n' "$text" >"$CONFIG.new"
    mv "$CONFIG.new" "$CONFIG"
    [[ -t 0 ]] && ASK_PIN=1
  else
    say "Keeping $CONFIG"
  fi
  if [[ $ASK_PIN -eq 1 ]]; then
    local hash
    if [[ -t 0 ]]; then
      hash=$("$VENV/bin/kiosk" staff-pin)
    else
      hash=$("$VENV/bin/kiosk" staff-pin --stdin)
    fi
    sed -i "s|^pin_hash = .*|pin_hash = \"$hash\"|" "$CONFIG"
    say "Staff PIN set"
  fi
  if system; then
    chown root:kiosk "$ETC" "$CONFIG"
  fi
  chmod 0750 "$ETC"
  chmod 0640 "$CONFIG"  # the PIN's hash
  "$VENV/bin/python" - "$CONFIG" <<'PY'
import sys
from kiosk.infra.config import ConfigError, load_config

try:
    config = load_config(sys.argv[1])
except ConfigError as exc:
    sys.exit(f"the configuration has a problem; fix it and run me again:\n  {exc}")
if not config.staff.pin_hash:
    print("warning: no staff PIN yet: the staff screen stays closed (run me with --pin)")
PY
}

prepare_data() {
  mkdir -p "$DATA/kivy"
  system && chown -R kiosk:kiosk "$DATA"
  chmod 0750 "$DATA"
}

tune_system() {
  say "Tuning the system for an unattended kiosk"
  # The backlight of a DSI panel, switched by the display schedule: writable for `video`.
  mkdir -p "$ROOT/etc/udev/rules.d"
  cat >"$ROOT/etc/udev/rules.d/90-kiosk-backlight.rules" <<'RULES'
# Installed by install-kiosk.sh: the kiosk (group video) switches the panel's backlight.
SUBSYSTEM=="backlight", RUN+="/bin/chgrp video /sys%p/bl_power /sys%p/brightness", RUN+="/bin/chmod g+w /sys%p/bl_power /sys%p/brightness"
RULES
  # Years on an SD card: a small journal.
  mkdir -p "$ROOT/etc/systemd/journald.conf.d"
  printf '[Journal]\nSystemMaxUse=64M\nRuntimeMaxUse=32M\n' \
    >"$ROOT/etc/systemd/journald.conf.d/90-kiosk.conf"
  # No console blanking and no blinking cursor under the app.
  local cmdline=$BOOT/cmdline.txt token
  if [[ -f $cmdline ]]; then
    for token in "${CMDLINE_TOKENS[@]}"; do
      grep -qw -- "$token" "$cmdline" || sed -i "1 s|\$| $token|" "$cmdline"
    done
  else
    warn "no $cmdline: console blanking left as it is"
  fi
  if [[ -f $BOOT/config.txt ]] && ! grep -q '^dtoverlay=vc4-kms-v3d' "$BOOT/config.txt"; then
    warn "$BOOT/config.txt has no dtoverlay=vc4-kms-v3d: the kiosk needs the KMS driver"
  fi
  if system; then
    udevadm control --reload || true
    udevadm trigger --subsystem-match=backlight || true
  fi
}

enrol() {
  if [[ -f $DATA/enrolment.json ]]; then
    say "Already enrolled ($DATA/enrolment.json)"
    return 0
  fi
  if [[ -z $TOKEN ]]; then
    warn "not enrolled yet: run me again with --hub URL --token TOKEN"
    return 0
  fi
  say "Enrolling with $HUB"
  if system; then
    runuser -u kiosk -- "$VENV/bin/kiosk" enroll --hub "$HUB" --token "$TOKEN" --data "$DATA"
  else
    "$VENV/bin/kiosk" enroll --hub "$HUB" --token "$TOKEN" --data "$DATA"
  fi
}

install_units() {
  say "Installing the systemd units"
  mkdir -p "$UNITS"
  # kiosk-display-wait.service is not enabled: kiosk.service starts it when no display was found
  install -m 0644 "$SRC/systemd/kiosk.service" "$SRC/systemd/kiosk-display-wait.service" \
    "$SRC/systemd/kiosk-sync.service" "$UNITS/"
  system || return 0
  systemctl daemon-reload
  systemctl enable kiosk.service kiosk-sync.service
  systemctl disable getty@tty1.service 2>/dev/null || true
  if [[ $START -eq 1 ]]; then
    systemctl restart kiosk-sync.service kiosk.service
    say "Started; see: systemctl status kiosk kiosk-sync; journalctl -u kiosk -f"
  fi
}

check_machine
install_packages
create_user
install_code
write_config
prepare_data
tune_system
enrol
install_units
say "Done: $("$VENV/bin/kiosk" --version)"
