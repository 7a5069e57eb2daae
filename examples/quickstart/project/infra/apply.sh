#!/bin/sh
# apply.sh ENV: "applies" infra/ENV.env (a stand-in for terraform apply: checks the file, records the apply).
# Only one apply may run at a time, which is why the tickets that run it need the infra-apply resource.
set -eu
env=${1:?usage: apply.sh ENV}
dir=$(cd "$(dirname "$0")" && pwd)
file="$dir/$env.env"
[ -f "$file" ] || { echo "no infra/$env.env"; exit 1; }
region=$(sed -n 's/^REGION=//p' "$file")
bucket=$(sed -n 's/^BUCKET=//p' "$file")
[ -n "$region" ] || { echo "infra/$env.env has no REGION="; exit 1; }
[ -n "$bucket" ] || { echo "infra/$env.env has no BUCKET="; exit 1; }
case "$bucket" in kv-$env-*) ;; *) echo "bucket '$bucket' must be named kv-$env-<suffix>"; exit 1 ;; esac
echo "applied $env: bucket $bucket in region $region"
