#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# okvm as a package, on the host, against Debian's stock 6.12 headers:
#  - DKMS adds, builds and removes okvm/<version> in a temporary tree (no
#    signing key made, nothing left in /var/lib/dkms or /usr/src); the module
#    it builds has the kernel's vermagic and dkms.conf's version;
#  - make install and make uninstall under a staging INSTALL_MOD_PATH: the
#    module lands in updates/ and depmod lists it, then both are gone;
#  - modinfo describes every parameter.
# Prints "result pass|fail NAME" for each, then "done" (check.sh records them).
# Usage: packaging.sh KERNEL_RELEASE
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# = 1 ] || die "usage: $0 KERNEL_RELEASE"
rel=$1
kdir=/usr/src/linux-headers-$rel
[ -d "$kdir" ] || die "no headers for $rel in $kdir"
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$OKVM_TOP/dkms.conf")
[ -n "$ver" ] || die "dkms.conf has no PACKAGE_VERSION"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# result NAME STATUS: one line for check.sh, "result pass|fail NAME".
result() { echo "result $( [ "$2" = 0 ] && echo pass || echo fail) $1"; }

# copy_tree DIR: the source as a release tarball would hold it.
copy_tree() {
	mkdir -p "$1"
	tar -C "$OKVM_TOP" --exclude=./.git --exclude=./tests/vm/out \
	    --exclude=./tests/selftests/out -cf - . | tar -C "$1" -xf -
}

# vermagic_and_version KO: "RELEASE VERSION" of a built module.
vermagic_and_version() {
	echo "$(modinfo -F vermagic "$1" | awk '{ print $1 }') $(modinfo -F version "$1")"
}

# The system's DKMS state, to prove the run leaves it as it was.
system_state() {
	ls -la /var/lib/dkms /usr/src 2>&1
}

# 1. DKMS, as README.md gives it (dkms add copies the tree into its source
# tree), in trees of its own. sign_file names no program, so DKMS neither
# signs nor makes itself a key in /var/lib/dkms.
before=$(system_state)
copy_tree "$tmp/tree"
mkdir -p "$tmp/src" "$tmp/dkms" "$tmp/install"
dkms_opts=(--sourcetree "$tmp/src" --dkmstree "$tmp/dkms" --installtree "$tmp/install")
ok=0
{
	sign_file=/nonexistent dkms add "$tmp/tree" "${dkms_opts[@]}" &&
	sign_file=/nonexistent dkms build -m okvm -v "$ver" -k "$rel" \
		--kernelsourcedir "$kdir" "${dkms_opts[@]}"
} > "$tmp/dkms.log" 2>&1 || ok=1
ko=$(find "$tmp/dkms/okvm/$ver/$rel" -name 'okvm.ko*' -path '*/module/*' 2>/dev/null | head -n 1 || true)
if [ "$ok" = 0 ] && [ -n "$ko" ]; then
	got=$(vermagic_and_version "$ko")
	log "DKMS built $ko: vermagic and version $got"
	[ "$got" = "$rel $ver" ] || ok=1
else
	ok=1
fi
[ "$ok" = 0 ] || cat "$tmp/dkms.log" "$tmp/dkms/okvm/$ver/build/make.log" >&2 2>/dev/null || true
result "dkms build okvm/$ver for $rel: vermagic $rel, version $ver" "$ok"

ok=0
dkms remove -m okvm -v "$ver" --all "${dkms_opts[@]}" > "$tmp/dkms-remove.log" 2>&1 || ok=1
[ ! -e "$tmp/dkms/okvm" ] || ok=1
[ "$(system_state)" = "$before" ] || ok=1
[ "$ok" = 0 ] || cat "$tmp/dkms-remove.log" >&2
result "dkms remove leaves no okvm tree, /var/lib/dkms and /usr/src as they were" "$ok"

# 2. make install / uninstall into a staging root.
copy_tree "$tmp/build"
root=$tmp/root
moddir=$root/lib/modules/$rel
ok=0
make -C "$tmp/build" -s KDIR="$kdir" INSTALL_MOD_PATH="$root" install \
	> "$tmp/install.log" 2>&1 || ok=1
installed=$(find "$moddir/updates" -name 'okvm.ko*' 2>/dev/null | head -n 1 || true)
[ -n "$installed" ] || ok=1
grep -q '^updates/okvm\.ko[^:]*:' "$moddir/modules.dep" 2>/dev/null || ok=1
[ "$ok" = 0 ] || cat "$tmp/install.log" >&2
result "make install: okvm.ko in updates/, in modules.dep" "$ok"

ok=0
make -C "$tmp/build" -s KDIR="$kdir" INSTALL_MOD_PATH="$root" uninstall \
	> "$tmp/uninstall.log" 2>&1 || ok=1
[ -z "$(find "$moddir/updates" -name 'okvm.ko*' 2>/dev/null)" ] || ok=1
! grep -q 'okvm' "$moddir/modules.dep" 2>/dev/null || ok=1
[ "$ok" = 0 ] || cat "$tmp/uninstall.log" >&2
result "make uninstall: okvm.ko and its modules.dep line gone" "$ok"

# 3. Every parameter has a description ("name:text (type)" in modinfo).
ok=0
ko=$tmp/build/okvm.ko
params=$(modinfo -F parmtype "$ko" | cut -d: -f1)
[ -n "$params" ] || ok=1
for p in $params; do
	modinfo -F parm "$ko" | grep -Eq "^$p:[^(]" || { log "parameter $p has no description"; ok=1; }
done
result "modinfo describes every parameter ($(echo $params))" "$ok"
echo done
