# SPDX-License-Identifier: GPL-2.0
# Read after the kselftest Makefile: the tests it would run, one a line,
# relative to its directory.
okvm-list:
	@for t in $(patsubst $(OUTPUT)/%,%,$(TEST_GEN_PROGS)) $(TEST_PROGS); do echo $$t; done
