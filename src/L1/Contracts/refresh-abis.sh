#!/usr/bin/env bash
# Copies the "abi" member of forge's build output for each bound contract into Abi/<Name>.json, the
# files src/L1 embeds. Run after changing infra/l1; AbiSnapshotTests fails while they differ.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
(cd "$root/infra/l1" && "$root/node_modules/.bin/forge" build --out "$out" >/dev/null)
for name in StakingToken SequencerRegistry FernetRollup; do
  artifact="$out/$name.sol/$name.json"
  if [[ -f "$artifact" ]]; then
    node -e 'const fs=require("fs");const a=JSON.parse(fs.readFileSync(process.argv[1]));fs.writeFileSync(process.argv[2],JSON.stringify(a.abi,null,2)+"\n")' "$artifact" "$here/Abi/$name.json"
    echo "updated Abi/$name.json"
  else
    echo "no $name in infra/l1 yet; skipped"
  fi
done
