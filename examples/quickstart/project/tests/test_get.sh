. "$ROOT/tests/assert.sh"
$KV set colour blue
expect "get after set" "blue" "$($KV get colour)"
$KV set colour green
expect "set replaces" "green" "$($KV get colour)"
$KV get size 2>/dev/null && { echo "get of a missing key must exit non-zero"; exit 1; }
true
