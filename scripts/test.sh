#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine of this kind
# (Python packages, PostgreSQL started, Chromium, nginx, Varnish, the client
# tools and bandersnatch in venvs of their own) and runs the whole suite.
# Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

missing=()
command -v pg_ctlcluster >/dev/null || missing+=(postgresql-15)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
command -v npm >/dev/null || missing+=(npm)
# tests/system/test_varnish.py and test_nginx.py run them as processes of
# their own (their own config, port and work folder); the packages' services
# are not needed.
[ -x /usr/sbin/varnishd ] || missing+=(varnish)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== apt-get install ${missing[*]}"
  apt-get update -q >/dev/null
  apt-get install -y -q "${missing[@]}" >/dev/null
fi

echo "== PostgreSQL"
bash scripts/postgres.sh

echo "== Python packages"
python3 -m pip install -q -e '.[s3,postgresql]' -r requirements/test.txt

clients_venv="${CHEESESHOP_CLIENTS_VENV:-$PWD/.venv-clients}"
echo "== client tools in $clients_venv"
[ -x "$clients_venv/bin/python" ] || python3 -m venv "$clients_venv"
"$clients_venv/bin/python" -m pip install -q -r requirements/clients.txt
export CHEESESHOP_CLIENTS_VENV="$clients_venv"

bandersnatch_venv="${CHEESESHOP_BANDERSNATCH_VENV:-$PWD/.venv-bandersnatch}"
echo "== bandersnatch (the mirroring client) in $bandersnatch_venv"
[ -x "$bandersnatch_venv/bin/python" ] || python3 -m venv "$bandersnatch_venv"
"$bandersnatch_venv/bin/python" -m pip install -q -r requirements/bandersnatch.txt
export CHEESESHOP_BANDERSNATCH_VENV="$bandersnatch_venv"

axe_dir="${CHEESESHOP_AXE_DIR:-$PWD/.cache/axe}"
echo "== axe-core (the browser tests' accessibility checks) in $axe_dir"
if [ ! -f "$axe_dir/node_modules/axe-core/axe.min.js" ]; then
  mkdir -p "$axe_dir"
  axe_version=$(cat requirements/axe-core.txt)
  (cd "$axe_dir" && npm install --no-audit --no-fund --silent "axe-core@$axe_version")
fi
export CHEESESHOP_AXE_JS="$axe_dir/node_modules/axe-core/axe.min.js"

echo "== ruff"
python3 -m ruff check .
python3 -m ruff format --check .

echo "== pytest"
exec python3 -m pytest "$@"
