# Shared by the lab benchmarks (sourced, not run): the root check and the Debian packages a
# script needs, installed when missing.

# Exits unless running as root; $1 is the script's name for the message.
require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$1: run as root (the lab creates network namespaces and raw sockets)" >&2
    exit 1
  fi
}

# Installs every named Debian package that is not installed yet.
install_missing() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}
