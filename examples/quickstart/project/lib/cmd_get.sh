# kv get KEY: prints KEY's value; exits 1 when KEY is not set.
kv_get() {
  [ $# -eq 1 ] || { echo "usage: kv get KEY" >&2; return 2; }
  kv_has "$1" || { echo "kv: no key '$1'" >&2; return 1; }
  grep "^$1$TAB" "$KV_FILE" | cut -f2-
}
