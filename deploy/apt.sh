# shellcheck shell=bash
# Sourced by ./dev, deploy/install-kiosk.sh and deploy/install-hub.sh:
#   apt_install PKG...   install whichever of these Debian packages are missing (sudo unless root)

apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
      || missing+=("$pkg")
  done
  # python3-venv is only needed where this Python has no ensurepip (Debian's own python3).
  if [[ " ${missing[*]-} " == *" python3-venv "* ]] && python3 -c "import ensurepip" 2>/dev/null; then
    missing=("${missing[@]/python3-venv}")
  fi
  local wanted=()
  for pkg in "${missing[@]-}"; do [[ -n "$pkg" ]] && wanted+=("$pkg"); done
  [[ ${#wanted[@]} -eq 0 ]] && return 0
  if ! command -v apt-get >/dev/null; then
    echo "Please install these system packages: ${wanted[*]}" >&2
    return 0
  fi
  local sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  printf '\033[1m==> %s\033[0m\n' "Installing Debian packages: ${wanted[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    "${wanted[@]}" >/dev/null
}
