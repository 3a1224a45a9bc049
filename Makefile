# SPDX-License-Identifier: GPL-2.0
#
# okvm: `make` builds okvm.ko; `make demo` shows it working in an emulated
# machine; `make check` runs every test; `make bench` times okvm against
# kvm_amd (Documentation/performance.rst); `make fuzz` fuzzes both as long as
# asked (SECONDS=, SEED=, HV=, FAIL_SECONDS=, KASAN=1); `make check-upstream`
# runs upstream KVM's selftests on both test kernels. See README.md.

KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /usr/src/linux-headers-6.12.*-amd64))))

.PHONY: all modules clean check check-upstream demo selftests install bench fuzz

all: modules

modules:
	@test -n "$(KDIR)" || { echo "no kernel headers: install linux-headers-$$(uname -r) or set KDIR" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

selftests:
	$(MAKE) -C tests/selftests

check:
	tests/vm/check.sh $(if $(KASAN),--kasan)

# Upstream KVM's selftests alone, on both test kernels (make check runs them
# on the debug kernel only).
check-upstream:
	tests/vm/check.sh --upstream-only
	tests/vm/check.sh --upstream-only --kasan

demo:
	tests/vm/demo.sh

bench:
	tests/vm/bench.sh

# SECONDS is also bash's own variable: hand it over under another name.
fuzz:
	OKVM_FUZZ_SECONDS=$(SECONDS) OKVM_FUZZ_SEED=$(SEED) OKVM_FUZZ_HV="$(HV)" \
	OKVM_FUZZ_FAIL_SECONDS=$(FAIL_SECONDS) OKVM_FUZZ_ARGS="$(FUZZ_ARGS)" \
	tests/vm/fuzz.sh $(if $(KASAN),--kasan)

clean:
	$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(CURDIR) clean)
	$(MAKE) -C tests/selftests clean
	$(MAKE) -C tools/bench clean
	$(MAKE) -C tests/fuzz clean
	$(MAKE) -C tests/upstream clean
