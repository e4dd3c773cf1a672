#!/usr/bin/env bash
# Proves the README's first command on a fresh clone in a throw-away directory: the
# platform comes up on its embedded default and a registration posted with curl shows
# its confirmation in /dev/mail. (The second command is what .ci/run itself runs.)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
port=${SMOKE_PORT:-18000}
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

git clone --quiet "$repo" "$work/forum"
cd "$work/forum"
./scripts/run.sh --port "$port" > "$work/run.log" 2>&1 &
pid=$!

base="http://127.0.0.1:$port"
for _ in $(seq 1 180); do
  curl -sf "$base/health/ready" > /dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$work/run.log"; exit 1; }
  sleep 1
done
curl -sf "$base/health/ready" > /dev/null || { echo "platform not ready"; tail -50 "$work/run.log"; exit 1; }

# The registration service learns of the demo forum from the bus, a moment after start-up.
for _ in $(seq 1 20); do
  status=$(curl -s -o "$work/answer.json" -w '%{http_code}' -X POST \
    "$base/v1/forums/promenergovolga-2022/registrations" -H 'Content-Type: application/json' \
    -d '{"full_name":"Проверка Дымовая","email":"smoke@example.ru","organization":"CI",
         "region":"Волгоградская область","category":"guest","consents":{"personal_data":true}}')
  [ "$status" = 404 ] || break
  sleep 0.5
done
[ "$status" = 201 ] || { echo "registration answered $status: $(cat "$work/answer.json")"; exit 1; }

for _ in $(seq 1 30); do
  if curl -s "$base/dev/mail" | grep -q "Проверка Дымовая"; then
    echo "smoke: README run command works from a fresh clone (registration → /dev/mail)"
    exit 0
  fi
  sleep 1
done
echo "no confirmation in /dev/mail"; tail -50 "$work/run.log"; exit 1
