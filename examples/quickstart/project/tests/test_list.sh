. "$ROOT/tests/assert.sh"
expect "list of an empty store" "" "$($KV list)"
$KV set pear 1
$KV set apple 2
$KV set fig 3
expect "keys sorted" "apple fig pear" "$($KV list | tr '\n' ' ' | sed 's/ $//')"
$KV del fig
expect "list after delete" "apple pear" "$($KV list | tr '\n' ' ' | sed 's/ $//')"
