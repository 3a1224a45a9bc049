# SPDX-License-Identifier: GPL-2.0
# Shared settings of the okvm test rig; sourced by the other scripts.

OKVM_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OKVM_CACHE=${OKVM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/okvm}
OKVM_STOCK_FLAVOUR=amd64

log() { printf '[okvm-rig %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Version of Debian's linux-source-6.12 package, the key of everything built from it.
okvm_source_version() {
	dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null
}

# The newest installed stock 6.12 kernel release that also has its headers.
okvm_stock_release() {
	local rel best=
	for rel in $(ls /lib/modules 2>/dev/null | grep -E '^6\.12\..*-amd64$' | sort -V); do
		[ -f "/boot/vmlinuz-$rel" ] && [ -d "/usr/src/linux-headers-$rel" ] && best=$rel
	done
	printf '%s' "$best"
}

# Extract Debian's linux-source-6.12 into the cache once per package version;
# prints the tree's path.
okvm_source_tree() {
	local version src="$OKVM_CACHE/linux-source-6.12"

	version=$(okvm_source_version)
	[ -n "$version" ] || die "linux-source-6.12 is not installed (run tests/vm/deps.sh)"
	if [ "$(cat "$src/.okvm-version" 2>/dev/null)" != "$version" ]; then
		log "extracting linux-source-6.12 $version"
		rm -rf "$src"
		mkdir -p "$OKVM_CACHE"
		tar -C "$OKVM_CACHE" -xf /usr/src/linux-source-6.12.tar.xz
		echo "$version" > "$src/.okvm-version"
	fi
	printf '%s' "$src"
}

# The machine has two cores: one kernel build or one emulated machine at a
# time, across every checkout and helper. Holds the lock until the caller exits.
okvm_take_machine_lock() {
	mkdir -p "$OKVM_CACHE"
	exec {OKVM_LOCK_FD}>"$OKVM_CACHE/machine.lock"
	if ! flock -n "$OKVM_LOCK_FD"; then
		log "waiting for another okvm kernel build or test machine to finish"
		flock "$OKVM_LOCK_FD"
	fi
}

# okvm_copy_tree DIR: a fresh copy of the okvm tree in DIR, without git and
# build outputs, for an out-of-tree module build that leaves the tree clean.
okvm_copy_tree() {
	rm -rf "$1"
	mkdir -p "$1"
	tar -C "$OKVM_TOP" --exclude=./.git --exclude=./tests/vm/out \
	    --exclude=./tests/selftests/out --exclude=./tools/bench/out -cf - . | tar -C "$1" -xf -
}
