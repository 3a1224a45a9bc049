#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (or find in the cache) the okvm test kernel from Debian's linux-source-6.12.
# Usage: build-kernel.sh [debug|kasan|bench|guest|vmx]
# Prints the build directory (usable as KDIR) on stdout. The cache key is the source
# version plus the content of the config fragments, so a rebuild happens only when
# one of them changes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

variant=${1:-debug}
frags=("$OKVM_TOP/tests/vm/kernel.config")
case "$variant" in
debug) ;;
kasan) frags+=("$OKVM_TOP/tests/vm/kasan.config") ;;
bench) frags=("$OKVM_TOP/tests/vm/bench.config") ;;
guest) frags=("$OKVM_TOP/tests/vm/bench.config" "$OKVM_TOP/tests/vm/guest.config") ;;
# The bench kernel with kvm_intel, for the Bochs machine (run-bochs.sh).
vmx) frags=("$OKVM_TOP/tests/vm/bench.config" "$OKVM_TOP/tests/vm/vmx.config") ;;
*) die "unknown kernel variant '$variant'" ;;
esac

src=$(okvm_source_tree)
version=$(cat "$src/.okvm-version")
key=$( { echo "$version $variant"; cat "${frags[@]}"; } | sha256sum | cut -c1-12)
out="$OKVM_CACHE/kernel-$variant-$key"

if [ -f "$out/.okvm-done" ]; then
	touch "$out/.okvm-done"	# recently used: see the eviction below
	echo "$out"
	exit 0
fi

okvm_take_machine_lock
# Another checkout may have built it while this one waited for the lock.
if [ -f "$out/.okvm-done" ]; then
	echo "$out"
	exit 0
fi
log "building the $variant test kernel into $out (about 12 minutes from cold, 1 with ccache)"
start=$SECONDS
rm -rf "$out"
mkdir -p "$out"
export CCACHE_DIR=${CCACHE_DIR:-$OKVM_CACHE/ccache}
kmake() { make -C "$src" O="$out" CC="ccache gcc" HOSTCC="ccache gcc" -j"$(nproc)" -s "$@"; }
kmake tinyconfig >/dev/null
cat "${frags[@]}" >> "$out/.config"
kmake olddefconfig >/dev/null

# Fail loudly if olddefconfig dropped anything we asked for.
missing=0
while read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" || { log "config lost: $line"; missing=1; } ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		grep -q "^$sym=" "$out/.config" && { log "config still set: $sym"; missing=1; } ;;
	esac
done < <(cat "${frags[@]}")
[ "$missing" = 0 ] || die "the kernel config does not hold what tests/vm/*.config asks for"

kmake bzImage modules >"$out/build.log" 2>&1 || { tail -40 "$out/build.log" >&2; die "kernel build failed"; }
kmake modules_install INSTALL_MOD_PATH="$out/modroot" INSTALL_MOD_STRIP=1 >/dev/null
touch "$out/.okvm-done"
# Builds of this variant are a few GB each: keep the three used last, so
# that worktrees with different config fragments do not evict each other.
ls -1dt "$OKVM_CACHE/kernel-$variant-"*/.okvm-done 2>/dev/null | tail -n +4 |
while read -r done_file; do
	rm -rf "$(dirname "$done_file")"
done
log "$variant test kernel built in $((SECONDS - start)) s"
echo "$out"
