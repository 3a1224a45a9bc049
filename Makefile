# SPDX-License-Identifier: GPL-2.0
#
# okvm: `make` builds okvm.ko; `make demo` shows it working in an emulated
# machine; `make check` runs every test; `make bench` times okvm against
# kvm_amd (Documentation/performance.rst); `make fuzz` fuzzes both as long as
# asked (SECONDS=, SEED=, HV=, FAIL_SECONDS=, KASAN=1); `make check-upstream`
# runs upstream KVM's selftests on both test kernels; `make check-vmm` boots
# Linux under QEMU on okvm and on kvm_amd; `make check-bochs` runs the
# selftests in Bochs's VMX machine (T="name ..." picks some), on kvm_intel
# and on what okvm's VMX backend has so far. `make install` puts
# okvm.ko under /lib/modules/<release>/updates and runs depmod; `make
# uninstall` takes it out again (INSTALL_MOD_PATH= for a staging root).
# dkms.conf builds it through DKMS. See README.md.

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-6.12.*-amd64))))

KRELEASE = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
MODDIR = $(INSTALL_MOD_PATH)/lib/modules/$(KRELEASE)

.PHONY: all modules module-clean clean check check-upstream demo selftests install uninstall
.PHONY: bench fuzz check-vmm check-bochs

all: modules

modules:
	@test -n "$(KDIR)" || { echo "no kernel headers: install linux-headers-$$(uname -r) or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# depmod of our own: Kbuild's needs System.map, which Debian's headers lack.
install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=updates modules_install
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KRELEASE)

uninstall:
	@test -n "$(KRELEASE)" || { echo "no kernel headers: set KDIR" >&2; exit 1; }
	rm -f $(MODDIR)/updates/okvm.ko $(MODDIR)/updates/okvm.ko.*
	depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KRELEASE)

module-clean:
	$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)

selftests:
	$(MAKE) -C tests/selftests

check:
	tests/vm/check.sh $(if $(KASAN),--kasan)

# Upstream KVM's selftests alone, on both test kernels (make check runs them
# on the debug kernel only).
check-upstream:
	tests/vm/check.sh --upstream-only
	tests/vm/check.sh --upstream-only --kasan

# QEMU as the VMM, booting a Linux guest on okvm and on kvm_amd.
check-vmm:
	tests/vm/vmm.sh

# Bochs's VMX machine: not part of make check yet (Documentation/testing.rst).
check-bochs:
	tests/vm/check-bochs.sh $(T)

demo:
	tests/vm/demo.sh

bench:
	tests/vm/bench.sh

# SECONDS is also bash's own variable: hand it over under another name.
fuzz:
	OKVM_FUZZ_SECONDS=$(SECONDS) OKVM_FUZZ_SEED=$(SEED) OKVM_FUZZ_HV="$(HV)" \
	OKVM_FUZZ_FAIL_SECONDS=$(FAIL_SECONDS) OKVM_FUZZ_ARGS="$(FUZZ_ARGS)" \
	tests/vm/fuzz.sh $(if $(KASAN),--kasan)

clean: module-clean
	$(MAKE) -C tests/selftests clean
	$(MAKE) -C tools/bench clean
	$(MAKE) -C tests/fuzz clean
	$(MAKE) -C tests/upstream clean
