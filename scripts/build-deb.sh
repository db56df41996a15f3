#!/usr/bin/env bash
# Build the headless server's Debian package: target/deb/scimlab_<version>_<arch>.deb with
# /usr/bin/scimlab, the systemd unit (scimlab.service), its configuration
# /etc/scimlab/scimlab.env (a conffile: upgrades keep the admin's edits), the admin UI in
# /usr/share/scimlab/ui and the deploy guide. See docs/deploy.md.
#
# Usage: scripts/build-deb.sh
#   SCIMLAB_BIN=path   package this binary instead of building a release one
#   UI_DIST=dir        package this built UI instead of ui/dist (built when missing)
#   DEB_OUT=dir        where the .deb goes (default target/deb)
# Needs dpkg-deb (Debian's dpkg, always installed) and, unless given, cargo and npm.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
arch=$(dpkg --print-architecture)
out=${DEB_OUT:-target/deb}

bin=${SCIMLAB_BIN:-}
if [ -z "$bin" ]; then
    cargo build --locked --release -p scimlab-cli --bin scimlab
    bin=${CARGO_TARGET_DIR:-target}/release/scimlab
fi
ui=${UI_DIST:-ui/dist}
if [ ! -f "$ui/index.html" ]; then
    if [ -n "${UI_DIST:-}" ]; then
        echo "build-deb: no index.html in UI_DIST=$ui: point it at a built ui/dist" >&2
        exit 2
    fi
    (cd ui && npm ci --no-audit --no-fund && npm run build)
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$bin" "$root/usr/bin/scimlab"
strip --strip-unneeded "$root/usr/bin/scimlab" 2>/dev/null || true
install -D -m 0644 packaging/deb/scimlab.service "$root/lib/systemd/system/scimlab.service"
install -D -m 0640 packaging/deb/scimlab.env "$root/etc/scimlab/scimlab.env"
mkdir -p "$root/usr/share/scimlab"
cp -r "$ui" "$root/usr/share/scimlab/ui"
chmod -R u=rwX,go=rX "$root/usr/share/scimlab/ui"
install -D -m 0644 docs/deploy.md "$root/usr/share/doc/scimlab/deploy.md"
cat > "$root/usr/share/doc/scimlab/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: scimlab
License: MIT OR Apache-2.0
COPYRIGHT
mkdir -p "$root/DEBIAN"
install -m 0755 packaging/deb/postinst packaging/deb/prerm packaging/deb/postrm "$root/DEBIAN/"
echo /etc/scimlab/scimlab.env > "$root/DEBIAN/conffiles"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: scimlab
Version: $version
Architecture: $arch
Maintainer: ScimLab <scimlab@localhost>
Installed-Size: $size
Depends: libc6, adduser
Section: net
Priority: optional
Description: local SCIM 2.0 endpoint to rehearse Entra ID and Okta provisioning
 ScimLab answers an identity provider's SCIM provisioning like the target app
 would, and shows every request, how its attributes map onto the app's users,
 each user's role and a setup checklist scored from the traffic. This package
 runs it as a headless server (systemd unit scimlab.service), configured in
 /etc/scimlab/scimlab.env.
CONTROL
mkdir -p "$out"
deb="$out/scimlab_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
