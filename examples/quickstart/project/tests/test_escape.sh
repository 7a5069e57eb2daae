. "$ROOT/tests/assert.sh"
. "$ROOT/lib/escape.sh"
tab=$(printf '\t')
expect "plain text is unchanged" "hello" "$(kv_escape 'hello')"
expect "a tab becomes \\t" 'a\tb' "$(kv_escape "a${tab}b")"
expect "a backslash is doubled" 'c:\\dir' "$(kv_escape 'c:\dir')"
