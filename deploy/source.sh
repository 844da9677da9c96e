# shellcheck shell=bash
# Sourced by deploy/install-kiosk.sh and deploy/install-hub.sh:
#   install_source SRC PREFIX   copy the code in SRC to PREFIX/src (no virtual environment, git,
#                               data or caches); an older copy there is replaced only once the
#                               new one is complete

install_source() {
  local src=$1 prefix=$2
  say "Installing the code in $prefix/src"
  mkdir -p "$prefix"
  rm -rf "$prefix/src.new"
  mkdir "$prefix/src.new"
  tar -C "$src" --exclude=./.venv --exclude=./.git --exclude=./var --exclude='*.pyc' \
    --exclude=__pycache__ --exclude=./tests/screenshots --exclude='*.egg-info' -cf - . \
    | tar -C "$prefix/src.new" -xf -
  if [[ -d $prefix/src ]]; then
    rm -rf "$prefix/src.old"
    mv "$prefix/src" "$prefix/src.old"
  fi
  mv "$prefix/src.new" "$prefix/src"
  rm -rf "$prefix/src.old"
}
