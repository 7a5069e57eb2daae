# Sourced by the suites: expect DESCRIPTION EXPECTED ACTUAL fails the suite when they differ.
expect() {
  if [ "$2" != "$3" ]; then
    echo "$1: expected '$2' but got '$3'"
    exit 1
  fi
}
