# The finish line of H-1: bin/greet follows the project's script convention and greets by name.
f=bin/greet
if [ ! -f "$f" ]; then
  echo "$f is missing: expected the greet script"
  exit 1
fi
first=$(sed -n 1p "$f")
second=$(sed -n 2p "$f")
if [ "$first" != "#!/bin/sh" ]; then
  echo "$f: line 1 is '$first': the project's convention is that every script starts with #!/bin/sh"
  exit 1
fi
if [ "$second" != "set -eu" ]; then
  echo "$f: line 2 is '$second': the project's convention is that line 2 of every script is set -eu"
  exit 1
fi
out=$(sh "$f" World)
if [ "$out" != "Hello, World!" ]; then
  echo "sh $f World printed '$out': expected Hello, World!"
  exit 1
fi
echo "check ok"
