#!/bin/sh
# Syntax-checks every script and checks that each lib/cmd_<name>.sh defines kv_<name>.
# Prints "lint ok: <n> files" or the problems and exits 1.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
n=0
bad=0
for f in "$root"/bin/kv "$root"/lib/*.sh "$root"/infra/*.sh; do
  [ -f "$f" ] || continue
  n=$((n + 1))
  sh -n "$f" || { echo "syntax error in ${f#$root/}"; bad=1; }
done
for f in "$root"/lib/cmd_*.sh; do
  name=$(basename "$f" .sh | sed 's/^cmd_//')
  grep -q "^kv_$name()" "$f" || { echo "${f#$root/} does not define kv_$name()"; bad=1; }
done
[ "$bad" -eq 0 ] || exit 1
echo "lint ok: $n files"
