# kv set KEY VALUE: stores VALUE under KEY, replacing an earlier value.
kv_set() {
  [ $# -eq 2 ] || { echo "usage: kv set KEY VALUE" >&2; return 2; }
  rest=$(kv_without "$1")
  { [ -n "$rest" ] && printf '%s\n' "$rest"; printf '%s\t%s\n' "$1" "$2"; } > "$KV_FILE.tmp"
  mv "$KV_FILE.tmp" "$KV_FILE"
}
