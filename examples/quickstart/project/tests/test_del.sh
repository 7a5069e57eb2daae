. "$ROOT/tests/assert.sh"
$KV set a 1
$KV set b 2
$KV del a
$KV get a 2>/dev/null && { echo "a was deleted but get still finds it"; exit 1; }
expect "other keys survive a delete" "2" "$($KV get b)"
$KV del missing 2>/dev/null && { echo "del of a missing key must exit non-zero"; exit 1; }
true
