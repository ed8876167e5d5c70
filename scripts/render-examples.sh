#!/bin/sh
# Checks each example register and publishes its documents (the Art. 30 register and the
# privacy notice, in every format and in each language of the organisation) into
# OUT/<example>/.
# Usage: render-examples.sh KLUIS OUT EXAMPLE...
set -eu
kluis=$1; out=$2; shift 2
for example in "$@"; do
  name=$(basename "$example")
  echo "== $name: kluis register lint $example"
  # Some examples keep the defects of the document they were written from: lint reports
  # them (exit 1) and publishing goes on.
  "$kluis" register lint "$example" || true
  "$kluis" register publish "$example" -o "$out/$name"
done
