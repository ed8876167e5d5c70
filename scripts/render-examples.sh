#!/bin/sh
# Checks each example register and renders its Art. 30 register and privacy notice into
# OUT/<example>/, in every language the organisation writes in.
# Usage: render-examples.sh KLUIS OUT EXAMPLE...
set -eu
kluis=$1; out=$2; shift 2
for example in "$@"; do
  name=$(basename "$example")
  dir="$out/$name"
  mkdir -p "$dir"
  echo "== $name"
  # Some examples keep the defects of the document they were written from: lint reports
  # them (exit 1) and rendering goes on.
  "$kluis" register lint "$example" || true
  "$kluis" register lint "$example" --format sarif -o "$dir/findings.sarif" || true
  "$kluis" register render "$example" --format xlsx -o "$dir/register.xlsx"
  for lang in nl en fr; do
    "$kluis" register render "$example" --format pdf --lang "$lang" -o "$dir/register-$lang.pdf"
    "$kluis" register render "$example" --format html --lang "$lang" -o "$dir/register-$lang.html"
    "$kluis" notice "$example" --format pdf --lang "$lang" -o "$dir/notice-$lang.pdf"
    "$kluis" notice "$example" --format html --lang "$lang" -o "$dir/notice-$lang.html"
  done
done
echo
echo "Documents written to $(cd "$out" && pwd):"
ls -1 "$out"/*/register-nl.pdf "$out"/*/notice-nl.html 2>/dev/null | sed 's/^/  /'
