. "$ROOT/tests/assert.sh"
tab=$(printf '\t')
$KV set b "two"
$KV set a "one${tab}uno"
expect "export sorted and escaped" 'a=one\tuno b=two' "$($KV export | tr '\n' ' ' | sed 's/ $//')"
