#!/bin/sh
# Serves a demonstration vault in OUT/demo: made once (a recruitment agency's register from
# the sector template, filled by `kluis demo` with a few hundred made-up people, records in
# several activities, consents, open requests and a legal hold), then kept between runs.
# `kluis serve` prints the address and, while nobody can sign in, the set-up link with its
# one-time code that creates the first administrator. E-mail the demo sends (the links that
# confirm a request made on the public form) is written to OUT/demo/outbox as .eml files.
# Usage: demo-serve.sh KLUIS OUT [PEOPLE]
set -eu
kluis=$1; vault=$2/demo; people=${3:-300}
if [ ! -f "$vault/kluis.key" ]; then
  echo "== demo: kluis init $vault"
  "$kluis" init "$vault" --user demo
  (
    cd "$vault"
    export KLUIS_HOME="$PWD" KLUIS_USER=demo
    # The recruitment agency register: examples/konnektus keeps two errors on purpose
    # (kluis register lint examples/konnektus), so the lint-clean sector template is applied.
    # No SMTP server here: e-mail (verification links, answers) is written to outbox/.
    printf '%s\n' '# A demonstration: e-mail is written to this folder as .eml files, not sent.' \
      'mail_outbox = "outbox"' >> kluis.toml
    "$kluis" register new --template recruitment_agency register.yaml
    "$kluis" register apply register.yaml --yes
    echo "== demo: kluis demo --people $people"
    "$kluis" demo --people "$people" --seed 1
  )
else
  echo "== demo: $vault exists; remove it for a new one"
fi
cd "$vault"
export KLUIS_HOME="$PWD" KLUIS_USER=demo
echo "== demo: kluis serve (stop it with Ctrl+C)"
exec "$kluis" serve --host "${KLUIS_DEMO_HOST:-127.0.0.1}" --port "${KLUIS_DEMO_PORT:-8000}"
