#!/bin/sh
# Fills a demonstration vault in OUT/vault: a recruitment agency's register from the sector
# template, a recruiter, the candidates of examples/candidates.csv (made-up people), a
# lookup as the recruiter, the audit chain verified and a backup.
# Usage: vault-demo.sh KLUIS OUT CSV
set -eu
kluis=$1; out=$2; csv=$(cd "$(dirname "$3")" && pwd)/$(basename "$3")
vault="$out/vault"
rm -rf "$vault"
echo "== vault: kluis init $vault"
"$kluis" init "$vault" --user demo
cd "$vault"
export KLUIS_HOME="$PWD" KLUIS_USER=demo
"$kluis" register new --template recruitment_agency register.yaml
"$kluis" register apply register.yaml --yes
"$kluis" user add rik --role recruiter
# Two rows of the file are refused on purpose (no identifier; a malformed e-mail address).
"$kluis" import "$csv" --activity candidates --map "einde selectie=selection_end"
echo "== vault: the same file again matches every person and doubles no one"
"$kluis" import "$csv" --activity candidates --map "einde selectie=selection_end"
echo "== vault: kluis subject find, as the recruiter"
KLUIS_USER=rik "$kluis" subject find --email kobe.mertens0@example.org
echo "== vault: what retention will erase, and when"
"$kluis" retention plan
"$kluis" retention run
echo "== vault: an access request, its deadline, and its answer (made-up person)"
"$kluis" request new --kind access --channel email --email kobe.mertens0@example.org --reference "demo mailbox 1"
"$kluis" request list
"$kluis" request answer 1 -o answers --format html
"$kluis" audit verify
"$kluis" backup
