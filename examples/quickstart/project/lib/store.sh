# Shared by every command: the store is $KV_FILE, one "key<TAB>value" line per key, in insertion order.
TAB=$(printf '\t')

# kv_has KEY: exit 0 when KEY is in the store.
kv_has() {
  [ -f "$KV_FILE" ] && grep -q "^$1$TAB" "$KV_FILE"
}

# kv_without KEY: prints the store without KEY's line.
kv_without() {
  if [ -f "$KV_FILE" ]; then
    grep -v "^$1$TAB" "$KV_FILE" || true
  fi
}
