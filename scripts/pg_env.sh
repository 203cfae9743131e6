# Sourced by backup.sh / restore.sh: DATABASE_URL -> PG_CONNINFO (password removed, passed as
# PGPASSWORD), PG_DISPLAY (safe to print) and PG_BIN_DIR (client tools matching the server major).
root=${root:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
if [ -z "${DATABASE_URL:-}" ] && [ -f "${PROCUREMENT_ENV_FILE:-$root/.env}" ]; then
  DATABASE_URL=$(sed -n 's/^[[:space:]]*DATABASE_URL[[:space:]]*=[[:space:]]*//p' "${PROCUREMENT_ENV_FILE:-$root/.env}" \
    | tail -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/")
fi
[ -n "${DATABASE_URL:-}" ] || { echo "DATABASE_URL is not set" >&2; exit 2; }

_re='^(postgres(ql)?://[^:/@]+):([^@]*)@(.*)$'
if [[ "$DATABASE_URL" =~ $_re ]]; then
  _pw=${BASH_REMATCH[3]}
  PGPASSWORD=$(printf '%b' "${_pw//%/\\x}")  # percent-decoded
  export PGPASSWORD
  PG_CONNINFO="${BASH_REMATCH[1]}@${BASH_REMATCH[4]}"
else
  PG_CONNINFO=$DATABASE_URL
fi
PG_DISPLAY=${PG_CONNINFO%%\?*}
unset _pw _re

if [ -z "${PG_BIN_DIR:-}" ]; then
  PG_BIN_DIR=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$PG_BIN_DIR" ] || PG_BIN_DIR=$(dirname "$(command -v pg_dump)")
fi
