# SPDX-License-Identifier: GPL-2.0
# AF_PACKET conformance suite.
#   make          build every psock/*.c into build/psock/NAME (and the bats fixtures)
#   make run      install what is missing, build, run the suite on this kernel (TAP)
#   make test     the project's own tests: build, run the suite, run tests/*.bats
#   make matrix   the suite on this kernel, on Debian's 6.1 and 6.12 (QEMU), and
#                 results/matrix.md + results/matrix.html across them, each run
#                 checked against results/expected/SERIES.json (its deviations)
#   make kselftest-export KSRC=/path/to/linux [SUBDIR=net/packet]
#                 the tests as a kselftest collection in that kernel tree
#   make kbuild   a gcov kernel for vm-run in build/kernel/ (scripts/kbuild)
#   make coverage the suite's gcov coverage of net/packet on it (scripts/coverage)
#   make catalog  docs/CATALOG.md, every case from the sources (scripts/catalog)
#   make bench    psock-bench (bench/run): capture and forwarding methods measured,
#                 results/bench/RUN_ID/ (bench.json, SVG charts); QUICK=1 a smoke run
#   make bench-build  only build build/bench/psock-bench (also part of make)
#   make clean    remove build/
#   JOBS=N        binaries run at once by run/test (default 4); RUNFLAGS=... more
#                 scripts/run options, e.g. RUNFLAGS='-t fanout_*'
#
# The kselftest harness header is never committed. With KSRC=/path/to/linux it is
# used from $(KSRC)/tools/testing/selftests; otherwise it is extracted once from
# Debian's linux-source-6.12 tarball into build/kselftest/.

KSRC        ?=
KSRC_TARBALL ?= /usr/src/linux-source-6.12.tar.xz
BUILD       := build

ifneq ($(strip $(KSRC)),)
HARNESS_DIR := $(KSRC)/tools/testing/selftests
HARNESS_HDR := $(HARNESS_DIR)/kselftest_harness.h
else
HARNESS_DIR := $(BUILD)/kselftest
HARNESS_HDR := $(HARNESS_DIR)/kselftest_harness.h
endif

CC      ?= gcc
CFLAGS  ?= -O2 -g
# The harness header is included as a system header: its own code and macro
# expansions are not ours to warn about; everything under psock/, harness/ and
# netns/ is built with -Wall -Wextra -Werror.
CFLAGS  += -Wall -Wextra -Werror -D_GNU_SOURCE -Iharness -Inetns -isystem $(HARNESS_DIR)
LDLIBS  += -lpthread

TESTS     := $(patsubst psock/%.c,$(BUILD)/psock/%,$(wildcard psock/*.c))
FIXTURES  := $(patsubst tests/fixtures/%.c,$(BUILD)/tests/%,$(wildcard tests/fixtures/*.c))
LIB_SRCS  := $(wildcard harness/*.c netns/*.c)
LIB_OBJS  := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
LIB_HDRS  := $(wildcard harness/*.h netns/*.h)
# Binaries of an earlier build whose psock/NAME.c is gone (renamed or split,
# see scripts/lib/renames): scripts/run would still run them, so all
# removes them.
STALE     := $(filter-out $(TESTS),$(wildcard $(BUILD)/psock/*))
# psock-bench: a normal program (not a kselftest binary) in build/bench/, which
# scripts/run does not look into.
BENCH      := $(BUILD)/bench/psock-bench
BENCH_SRCS := $(wildcard bench/*.c)

.PHONY: all run test deps matrix kselftest-export clean kbuild coverage mutate catalog bench bench-build
# Keep the library objects: they are shared by every binary.
.SECONDARY:
all: $(TESTS) $(FIXTURES) $(BENCH)
	$(if $(STALE),rm -f -- $(STALE))

$(BUILD)/kselftest/kselftest_harness.h:
	@test -r $(KSRC_TARBALL) || { echo "error: $(KSRC_TARBALL) not found: run 'scripts/deps' (as root) or pass KSRC=/path/to/linux" >&2; exit 1; }
	@mkdir -p $(BUILD)/kselftest
	@echo "  EXTRACT kselftest_harness.h kselftest.h from $(KSRC_TARBALL)"
	@top=$$(tar -tJf $(KSRC_TARBALL) | head -n1 | cut -d/ -f1); \
	tar -xJf $(KSRC_TARBALL) -C $(BUILD)/kselftest --strip-components=4 \
		$$top/tools/testing/selftests/kselftest_harness.h \
		$$top/tools/testing/selftests/kselftest.h
	@touch $@

$(BUILD)/obj/%.o: %.c $(LIB_HDRS) | $(HARNESS_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/psock/%: psock/%.c $(LIB_OBJS) $(LIB_HDRS) | $(HARNESS_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

# Per-binary libraries.
$(BUILD)/psock/pcap_filter: LDLIBS += -lpcap
$(BUILD)/psock/pcap_capture: LDLIBS += -lpcap

$(BUILD)/tests/%: tests/fixtures/%.c $(LIB_OBJS) $(LIB_HDRS) | $(HARNESS_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(LIB_OBJS) $(LDLIBS)

$(BENCH): $(BENCH_SRCS) bench/bench.h $(LIB_OBJS) $(LIB_HDRS) | $(HARNESS_HDR)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Ibench -o $@ $(BENCH_SRCS) $(LIB_OBJS) $(LDLIBS)

bench-build: $(BENCH)

# The full set in under 2 minutes; QUICK=1: a ~5 s smoke run (every method
# and size, a short time per point). BENCHFLAGS=... more bench/run options.
bench: deps
	bench/run $(if $(filter-out 0,$(QUICK)),--quick) $(BENCHFLAGS)

deps:
	@scripts/deps

# Binaries run at once by `make run` / `make test`. The cases mostly wait for
# the kernel (RCU grace periods on every packet socket close and ring change),
# not for the CPU: 4 at once on 2 cores take ~5 s where one at a time takes ~21 s.
JOBS ?= 4

# --expected: where results/expected/ has this kernel's series, the verdict is
# the run checked against it (a declared known bug failing is no failure).
run: deps
	@$(MAKE) --no-print-directory all
	scripts/run -j $(JOBS) --expected $(RUNFLAGS)

test: deps
	@$(MAKE) --no-print-directory all
	scripts/run -j $(JOBS) --expected $(RUNFLAGS)
	bats tests

# Each run lands in results/RUN_ID (results/latest points at it); a run that
# leaves no new results/latest (a kernel that cannot run the suite) gets no
# column and fails the target. The report is written whatever failed. Then
# each run is checked against the expected results of its kernel series
# (results/expected/SERIES.json, scripts/compare --expected), its deviations
# printed: for a series with expectations they decide (a known bug failing
# as declared is no failure, a deviation is); a run of a series without them
# fails the target when it failed. MATRIX_EXPECT=generate first rewrites,
# before the report, the expected results of each series that has them from
# its fresh run (scripts/expect generate: reasons already written are kept,
# a new failure gets a placeholder the check refuses until a reviewer
# replaces it; a run of a -t subset drops the entries of the cases it left
# out).
MATRIX_KERNELS ?= 6.1 6.12
MATRIX_EXPECT  ?= check
MATRIX_JOBS    ?= 2
# A whole TCG run takes about 4 minutes here (907 cases): the timeout stops a hung guest.
MATRIX_VM_TIMEOUT ?= 900
matrix: deps
	@$(MAKE) --no-print-directory all
	@case "$(MATRIX_EXPECT)" in check|generate) ;; *) echo "MATRIX_EXPECT is check or generate, not '$(MATRIX_EXPECT)'" >&2; exit 2;; esac; \
	runs=; dirs=; failed=0; \
	latest() { readlink results/latest 2>/dev/null; }; \
	took() { \
		now=$$(latest); \
		if [ -n "$$now" ] && [ "$$now" != "$$before" ]; then \
			runs="$$runs $$now:$$1"; dirs="$$dirs results/$$now"; tail -n1 results/$$now/tap.txt; \
		else \
			failed=1; \
		fi; \
		before=$$now; \
	}; \
	before=$$(latest); \
	rc=0; scripts/run -j $(MATRIX_JOBS) $(RUNFLAGS) >/dev/null || rc=$$?; took $$rc; \
	for k in $(MATRIX_KERNELS); do \
		rc=0; \
		scripts/vm-run --kernel $$k --vm-timeout $(MATRIX_VM_TIMEOUT) -j $(MATRIX_JOBS) $(RUNFLAGS) >/dev/null || rc=$$?; \
		took $$rc; \
	done; \
	series_of() { scripts/expect series results/$${1%:*}; }; \
	if [ "$(MATRIX_EXPECT)" = generate ]; then \
		for r in $$runs; do \
			s=$$(series_of $$r) && [ -f results/expected/$$s.json ] || continue; \
			scripts/expect generate results/$${r%:*} || failed=1; \
		done; \
	fi; \
	[ -n "$$dirs" ] && scripts/report --expected $$dirs || failed=1; \
	for r in $$runs; do \
		d=results/$${r%:*}; rc=$${r##*:}; \
		s=$$(series_of $$r) || { failed=1; continue; }; \
		if [ -f results/expected/$$s.json ]; then \
			scripts/compare --expected $$s $$d || failed=1; \
		else \
			echo "# expected: no results/expected/$$s.json: $$d is not checked (exit status $$rc)"; \
			[ "$$rc" = 0 ] || failed=1; \
		fi; \
	done; \
	exit $$failed

# The collection in KSRC/tools/testing/selftests/$(SUBDIR), built there by the
# tree's own lib.mk (see README, "Inside a kernel tree").
SUBDIR ?= net/packet
kselftest-export:
	@test -n "$(strip $(KSRC))" || { echo "error: kselftest-export needs KSRC=/path/to/linux" >&2; exit 1; }
	scripts/kselftest-export $(KSRC) --subdir $(SUBDIR)

# A kernel for scripts/vm-run with gcov for net/packet and AF_PACKET as
# modules, in build/kernel/ (see scripts/kbuild --help; KSRC= a tree or tarball).
kbuild: deps
	scripts/kbuild

# The suite's gcov coverage of net/packet on that kernel, under QEMU
# (scripts/coverage; not part of make test): results/coverage/RUN_ID/
# (summary.json, html/), one line on stdout. RUNFLAGS='-t rx_ring* --uncovered'.
COVERAGE_JOBS ?= 2
coverage: deps
	@$(MAKE) --no-print-directory all
	scripts/coverage -j $(COVERAGE_JOBS) $(RUNFLAGS)
# Mutation testing of net/packet (README, "Mutation testing"): scripts/kbuild's
# kernel (built once, then reused), then every mutant or MUTATEFLAGS' slice,
# e.g. MUTATEFLAGS='-f tpacket_rcv' or '--run-id ID' to go on with a run.
mutate: deps
	@$(MAKE) --no-print-directory all
	scripts/kbuild
	scripts/mutate $(MUTATEFLAGS)

# docs/CATALOG.md from psock/*.c (scripts/catalog --help); needs no build.
# tests/catalog.bats fails when the committed one is not what this writes.
catalog:
	scripts/catalog

clean:
	rm -rf $(BUILD)
