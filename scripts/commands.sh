# Sourced by scripts/ensure-*.sh: reading scripts/commands.tsv (the table of every program the
# tests, scripts and Makefile run, and the package each comes from).

COMMANDS_TSV="$(dirname "${BASH_SOURCE[0]}")/commands.tsv"

# The table's rows from FROM (apt, cargo…) needed for any of NEED…, as "command<TAB>package".
commands_rows() {
  local from="$1"
  shift
  awk -F '\t' -v from="$from" -v needs=" $* " \
    '!/^#/ && NF >= 4 && $3 == from && index(needs, " " $4 " ") { print $1 "\t" $2 }' "$COMMANDS_TSV"
}

# The Debian packages the table lists for NEED… that are not there yet, one per line: a row with
# a command counts as present when the command is on PATH, a library row (`-`) when dpkg says
# its package is installed.
missing_apt_packages() {
  local cmd pkg
  commands_rows apt "$@" | while IFS=$'\t' read -r cmd pkg; do
    if [ "$cmd" != "-" ]; then
      command -v "$cmd" >/dev/null 2>&1 && continue
    else
      dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" && continue
    fi
    echo "$pkg"
  done | sort -u
}

# Install the missing Debian packages for NEED… (as root), or say which and how (otherwise).
install_apt_packages() {
  local missing
  mapfile -t missing < <(missing_apt_packages "$@")
  [ ${#missing[@]} -gt 0 ] || return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing system packages: ${missing[*]}" >&2
    # Wait for another apt/dpkg (an unattended upgrade, a parallel install) instead of failing.
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]} (install them with: sudo apt-get install --no-install-recommends ${missing[*]})" >&2
    return 1
  fi
}
