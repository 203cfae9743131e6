#!/usr/bin/env bash
# Install what is missing (Debian packages, the virtual environment, the Grid jar); idempotent
# and quick when everything is already there. Run as root on Debian 12 (or with the packages
# already installed).
set -euo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
have() { command -v "$1" >/dev/null 2>&1; }
ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 || need_pkgs+=(postgresql postgresql-client)
have chromium || need_pkgs+=(chromium)
have chromedriver || need_pkgs+=(chromium-driver)
have java || need_pkgs+=(default-jre-headless)
have npm || need_pkgs+=(npm)
have curl || need_pkgs+=(curl)  # scripts/grid.sh reads the Grid's /status
have make || need_pkgs+=(make)
[ -x /usr/sbin/nginx ] || need_pkgs+=(nginx-light)  # deploy/nginx.conf.template run by the tests
have python3 || need_pkgs+=(python3)
python3 -c 'import venv, ensurepip' 2>/dev/null || need_pkgs+=(python3-venv)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "missing Debian packages: ${need_pkgs[*]} (run make setup as root, or install them)" >&2
    exit 1
  fi
  echo "installing Debian packages: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

# The packaged PostgreSQL service is not used: the project runs its own cluster under .data/.
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha256
want="$(sha256sum requirements.txt | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -r requirements.txt
  echo "$want" >"$stamp"
fi

if [ -x scripts/install_browser.sh ]; then
  scripts/install_browser.sh
fi
echo "setup complete"
