# README.md must show every command of lib/cmd_*.sh as "kv <command>"
for f in "$ROOT"/lib/cmd_*.sh; do
  cmd=$(basename "$f" .sh | sed 's/^cmd_//')
  grep -q "kv $cmd" "$ROOT/README.md" || { echo "README.md does not mention 'kv $cmd'"; exit 1; }
done
