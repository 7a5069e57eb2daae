. "$ROOT/tests/assert.sh"
# every environment file under infra/ must apply cleanly; the ticket names the one it needs
for env in ${INFRA_ENVS:-staging production}; do
  out=$(sh "$ROOT/infra/apply.sh" "$env") || { echo "$out"; exit 1; }
  case "$out" in
    "applied $env: "*) ;;
    *) echo "apply $env printed '$out'"; exit 1 ;;
  esac
done
