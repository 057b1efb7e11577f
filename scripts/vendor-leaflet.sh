#!/usr/bin/env bash
# Copies Leaflet (BSD-2-Clause) from its npm package into public/leaflet/, where Trunk copies it
# as is (index.html, rel="copy-dir"). The app loads it only on the map pages. Run `make leaflet`.
set -euo pipefail
VERSION=1.9.4
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "leaflet@$VERSION" >/dev/null && tar xzf "leaflet-$VERSION.tgz")
rm -rf public/leaflet
mkdir -p public/leaflet/images
cp "$tmp/package/dist/leaflet.js" "$tmp/package/dist/leaflet.css" "$tmp/package/LICENSE" public/leaflet/
cp "$tmp/package/dist/images/"*.png public/leaflet/images/
# The source map is not shipped: drop the comment that points to it.
sed -i '/^\/\/# sourceMappingURL=/d' public/leaflet/leaflet.js
echo "$VERSION" > public/leaflet/VERSION
echo "Leaflet $VERSION copié dans public/leaflet/"
