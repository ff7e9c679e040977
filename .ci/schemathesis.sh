#!/usr/bin/env bash
# Fuzz the JSON API with schemathesis against a live server on a fresh demo database.
#
# Run from the repository root with the package installed:  bash .ci/schemathesis.sh
# It fails when any request gives a 5xx or a response that does not match the OpenAPI
# document. Knobs (environment): ST_MAX_EXAMPLES (default 40 per operation and phase),
# ST_MAX_TIME (seconds of fuzzing, default 150), ST_PORT (5055), ST_DATABASE_URL (default:
# a fresh SQLite file in a temporary directory; give a PostgreSQL URL to fuzz that).
set -euo pipefail

work=$(mktemp -d)
port=${ST_PORT:-5055}
base="http://127.0.0.1:${port}"
export DATABASE_URL=${ST_DATABASE_URL:-"sqlite:///${work}/expolead.sqlite3"}
export SECRET_KEY="schemathesis-$$-${RANDOM}"
export CRM_UPLOAD_FOLDER="${work}/uploads"
server_pid=""

cleanup() {
  if [[ -n "$server_pid" ]]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "database: ${DATABASE_URL}"
if python -c "import crm.services.demo" 2>/dev/null; then
  crm demo --exhibitors "${ST_DEMO_EXHIBITORS:-80}" >/dev/null
else
  # No demo loader in this tree: an empty schema and one administrator.
  crm db upgrade
  crm users create admin --name Admin --role admin --password "admin-${RANDOM}${RANDOM}"
fi
token=$(crm users token admin --name schemathesis | tail -n 1)

crm run --host 127.0.0.1 --port "$port" >"${work}/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 120); do
  if python -c "import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=1)" \
       "${base}/healthz" 2>/dev/null; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server did not start:"; cat "${work}/server.log"; exit 1
  fi
  sleep 0.5
done

set +e
schemathesis run "${base}/api/v1/openapi.json" \
  --header "Authorization: Bearer ${token}" \
  --checks not_a_server_error,response_schema_conformance \
  --max-examples "${ST_MAX_EXAMPLES:-40}" \
  --max-time "${ST_MAX_TIME:-150}" \
  --request-timeout 20 \
  --generation-database none \
  --no-color
code=$?
set -e

if [[ $code -ne 0 ]]; then
  echo "--- server log (last 60 lines) ---"
  tail -n 60 "${work}/server.log"
fi
exit "$code"
