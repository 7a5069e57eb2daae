. "$ROOT/tests/assert.sh"
expect "count of an empty store" "0" "$($KV count 2>&1)"
$KV set a 1
$KV set b 2
$KV set a 3
expect "count of two keys" "2" "$($KV count)"
