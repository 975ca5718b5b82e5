#!/usr/bin/env bash
# schema.sh - check `coredb schema` with yaml-language-server itself, the
# engine behind VS Code's YAML extension and most editors' YAML support.
#
# Installs yaml-language-server@$YAMLLS_VERSION from the npm registry into a
# temporary directory (nothing is added to the repo), writes the schema with
# `coredb schema`, and runs yamlls-check.js: every example and conformance
# sample must validate with no diagnostics, and a typo, a wrong enum value and
# a malformed quantity must be flagged; hover, completion of stack names and
# the `# yaml-language-server: $schema=` modeline must work.
#
# Usage: e2e/gitops/schema.sh        Needs node and npm.
# Env:   YAMLLS_VERSION (default 1.25.0), KEEP=1 to keep the work directory.
set -Eeuo pipefail

YAMLLS_VERSION=${YAMLLS_VERSION:-1.25.0}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/coredb-schema.XXXXXX")
if [[ -z ${KEEP:-} ]]; then trap 'rm -rf "$work"' EXIT; else echo "work dir: $work"; fi

say() { printf 'schema.sh: %s\n' "$*" >&2; }

say "installing yaml-language-server@$YAMLLS_VERSION"
(cd "$work" && npm init -y >/dev/null &&
	npm install --no-audit --no-fund --silent "yaml-language-server@$YAMLLS_VERSION" vscode-languageserver-textdocument@1.0.12 >&2)
cp "$root/e2e/gitops/yamlls-check.js" "$work/"
(cd "$root" && go run ./cmd/coredb schema) >"$work/coredb.schema.json"

files=("$root"/examples/*.yaml)
conformance="$root/../shared/conformance"
if [[ -d $conformance ]]; then
	while IFS= read -r f; do files+=("$f"); done < <(find "$conformance" -name '*.yaml' | sort)
else
	say "no conformance samples at $conformance; checking examples/ only"
fi
(cd "$work" && node yamlls-check.js coredb.schema.json "${files[@]}")
