#!/usr/bin/env bash
# Seeds corpus/ from the shared vectors so the fuzzers start from real encodings:
# block: <fork index byte> ‖ SignedBeaconBlock SSZ (phase0 = 0 ... fulu = 6);
# response_chunk: <protocol index byte> ‖ <piece size byte> ‖ response stream.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
vectors="$here/../../../../shared/vectors"
mkdir -p "$here/corpus/block" "$here/corpus/response_chunk"
seed() { # seed <target> <name> <prefix hex> <file>
  { printf "$(printf '%s' "$3" | sed 's/../\\x&/g')"; cat "$4"; } > "$here/corpus/$1/$2"
}
for slot in 191 192 193 194; do seed block "capella_$slot" 03 "$vectors/lodestar-dev/block_$slot.ssz"; done
for fork in deneb:04 electra:05 fulu:06; do
  for file in "$vectors/pyspec/${fork%:*}/blocks/"*.ssz; do
    seed block "${fork%:*}_$(basename "$file" .ssz)" "${fork#*:}" "$file"
  done
done
# Protocol indices follow Protocol::ALL: 0 status/1, 6 blocks_by_range/2, 8 blob_sidecars_by_range/1.
seed response_chunk status_response 0007 "$vectors/lodestar-dev/status_response.wire"
seed response_chunk by_range_response 0640 "$vectors/lodestar-dev/by_range_response.wire"
seed response_chunk blob_multiframe 08ff "$vectors/blob_sidecar_multiframe_chunk.bin"
echo "seeded $(ls "$here/corpus/block" | wc -l) block and $(ls "$here/corpus/response_chunk" | wc -l) response_chunk inputs"
