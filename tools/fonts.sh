#!/usr/bin/env bash
# Install the self-hosted web fonts (Noto Sans for Latin, Thai, Myanmar and Lao; OFL-1.1) from the
# npm registry into border_referral/static/fonts/. The binaries are build products, not in git.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=border_referral/static/fonts
want=(noto-sans-latin noto-sans-latin-ext noto-sans-thai-thai noto-sans-myanmar-myanmar noto-sans-lao-lao)
missing=0
for f in "${want[@]}"; do for w in 400 700; do [ -s "$dest/$f-$w-normal.woff2" ] || missing=1; done; done
[ "$missing" = 0 ] && [ -s "$dest/OFL.txt" ] && exit 0
build=build/fonts
mkdir -p "$build"
cp fonts/package.json "$build/package.json"
(cd "$build" && npm install --no-audit --no-fund --silent --no-package-lock 2>&1 | grep -v 'Unknown user config' || true)
for pkg in noto-sans noto-sans-thai noto-sans-myanmar noto-sans-lao; do
  cp "$build/node_modules/@fontsource/$pkg/files/"*-{400,700}-normal.woff2 "$dest/" 2>/dev/null || true
done
# Keep only the subsets the stylesheet names.
find "$dest" -name '*.woff2' | while read -r f; do
  keep=0; for w in "${want[@]}"; do case "$(basename "$f")" in "$w"-400-normal.woff2|"$w"-700-normal.woff2) keep=1;; esac; done
  [ "$keep" = 1 ] || rm -f "$f"
done
cp "$build/node_modules/@fontsource/noto-sans-thai/LICENSE" "$dest/OFL.txt"
for f in "${want[@]}"; do for w in 400 700; do
  [ -s "$dest/$f-$w-normal.woff2" ] || { echo "fonts: $f-$w missing after install" >&2; exit 1; }
done; done
echo "fonts: installed into $dest"
