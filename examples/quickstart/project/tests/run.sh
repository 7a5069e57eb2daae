#!/bin/sh
# Runs the named test suites (tests/test_<name>.sh), or every suite when none is named.
# Prints "ok <name>" or "FAIL <name>:" with the suite's output, then "PASS <n> suite(s)" or exits 1.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
if [ $# -eq 0 ]; then
  set -- $(cd "$here" && ls test_*.sh | sed 's/^test_//; s/\.sh$//')
fi
passed=0
failed=0
for name in "$@"; do
  suite="$here/test_$name.sh"
  if [ ! -f "$suite" ]; then
    echo "FAIL $name: there is no suite tests/test_$name.sh"
    failed=$((failed + 1))
    continue
  fi
  scratch=$(mktemp -d)
  if out=$(cd "$scratch" && KV="sh $root/bin/kv" KV_FILE="$scratch/kv.db" ROOT="$root" sh "$suite" 2>&1); then
    echo "ok $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name:"
    printf '%s\n' "$out" | sed 's/^/  /'
    failed=$((failed + 1))
  fi
  rm -rf "$scratch"
done
if [ "$failed" -eq 0 ]; then
  echo "PASS $passed suite(s)"
else
  echo "FAILED $failed of $((passed + failed)) suite(s)"
  exit 1
fi
