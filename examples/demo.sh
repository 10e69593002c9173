#!/usr/bin/env bash
# The main job in embedded mode (no registry, no dfdaemon): snapshot a VM-checkpoint-like tree, restore
# it elsewhere, check every byte and every hole, change the disk image, snapshot again, and show what the
# store holds. Usage: examples/demo.sh PATH/TO/snapshotctl
set -euo pipefail

CTL=${1:?usage: demo.sh PATH/TO/snapshotctl}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/snapshotter-demo.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root SRC=$WORK/vm OUT=$WORK/restored
MiB=$((1024 * 1024))

step() { printf '\n\033[1m%s\033[0m\n' "$*"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f s", b - a }'; }
# put FILE OFFSET_MiB SIZE_KiB: random data at an offset, leaving the rest of the file as it is.
put() { dd if=/dev/urandom of="$1" bs=1K count="$3" seek=$(($2 * 1024)) conv=notrunc status=none; }
allocated() { stat -c %b "$1"; }

step "1. Generating a VM checkpoint in $SRC"
t=$(now)
mkdir -p "$SRC"
truncate -s $((256 * MiB)) "$SRC/memory.bin"          # guest memory: sparse, read-only
for off in 0 8 9 10 64 65 100 128 129 130 131 200 255; do put "$SRC/memory.bin" "$off" 1024; done
truncate -s $((1024 * MiB)) "$SRC/disk.img"           # disk image: sparse, writable
for i in $(seq 0 47); do put "$SRC/disk.img" $(((i * 21 + 3) % 1023)) 64; done
printf '{"vcpus":2,"memory_mib":256,"state":"paused"}\n' > "$SRC/state.json"
printf '{"image":"disk.img","format":"raw","created":"%s"}\n' "$(date -u +%FT%TZ)" > "$SRC/metadata.json"
echo "   memory.bin 256 MiB ($(du -h "$SRC/memory.bin" | cut -f1) allocated), disk.img 1 GiB ($(du -h "$SRC/disk.img" | cut -f1) allocated), 2 small files; $(took "$t")"

step "2. Snapshot vm-checkpoint:v1 into the store at $ROOT"
"$CTL" --root "$ROOT" snapshot --name vm-checkpoint --version v1 --base-dir "$SRC" \
    --ro memory.bin --ro state.json --rw disk.img --rw metadata.json

step "3. Restore vm-checkpoint:v1 into $OUT"
"$CTL" --root "$ROOT" restore --name vm-checkpoint --version v1 --output-dir "$OUT"

step "4. Verify the restored tree"
for f in memory.bin state.json disk.img metadata.json; do
    cmp "$SRC/$f" "$OUT/$f" || { echo "   $f differs" >&2; exit 1; }
    [ "$(allocated "$SRC/$f")" = "$(allocated "$OUT/$f")" ] || { echo "   $f: holes not preserved" >&2; exit 1; }
    [ "$(stat -c '%a %Y' "$SRC/$f")" = "$(stat -c '%a %Y' "$OUT/$f")" ] || { echo "   $f: mode or mtime differs" >&2; exit 1; }
    how=$([ "$(stat -c %i "$OUT/$f")" = "$(stat -c %i "$SRC/$f")" ] && echo "hardlink of the stored inode" || echo "private copy")
    printf '   %-14s identical bytes, %6s blocks allocated as in the source, %s\n' "$f" "$(allocated "$OUT/$f")" "$how"
done

step "5. The guest writes to its disk; snapshot vm-checkpoint:v2"
put "$SRC/disk.img" 512 1024
"$CTL" --root "$ROOT" snapshot --name vm-checkpoint --version v2 --base-dir "$SRC" \
    --ro memory.bin --ro state.json --rw disk.img --rw metadata.json

step "6. What the store holds"
echo "   content objects: $(find "$ROOT/storage/content/xxh3" -type f | wc -l) (v1 and v2 share all but the disk image)"
echo "   store size on disk: $(du -sh "$ROOT/storage" | cut -f1) for 2 snapshots of $(du -sh --apparent-size "$SRC" | cut -f1) of files each"
echo "   metadata: $(du -h "$ROOT/metadata/snapshotter.db" | cut -f1) SQLite database"
printf '\nDemo finished: both snapshots stored, v1 restored byte for byte with its holes.\n'
