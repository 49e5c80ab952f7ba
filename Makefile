# SPDX-License-Identifier: MIT
# cxtape: one hand-written Makefile for the whole tree.
#
#   make            build the libraries, programs and benchmarks (needs the build packages only)
#   make test       build and run the unit + integration tests, normal build and ASan+UBSan
#                   build, fuzz smoke (adds the test packages)
#   make bench      benchmarks, printing figures
#   make fuzz       libFuzzer harnesses (clang) under build-fuzz/
#   make demo       the simulator, the recorder and a report, end to end
#   make check-arch the layering and library-owner rules (make test runs it)
#   make deps       install every Debian 12 package the project needs (build and tests)
#
# A goal finds the Debian packages it needs missing: as root it installs them (apt-get,
# no recommends), otherwise it names them and the apt-get line to run.
#
# Sources are found by convention, so adding a module needs no edit here:
#   libcommon/*.c                      -> libcxcommon.a
#   analyzer/*.c  but cxanalyze.c      -> libcxanalyzer.a   (+ program cxanalyze)
#   analyzer/source/*.c                -> libcxsource.a     (tape -> analyzer; above libcxanalyzer)
#   recorder/*.c  but cxrecord.c       -> libcxrecorder.a   (+ program cxrecord)
#   replayer/*.c  but cxreplay.c       -> libcxreplayer.a   (+ program cxreplay)
#   fixtures/cxsim/*.c but cxsim.c    -> libcxsim.a        (+ program cxsim)
#   tests/test_*.c                     -> one Criterion binary each
#   tests/bench/bench_*.c              -> one benchmark binary each
#   tests/fuzz/fuzz_*.c                -> one libFuzzer harness each

VERSION    := 0.1.0
PREFIX     ?= /usr/local
CC         ?= cc
SANITIZE   ?=
ifeq ($(SANITIZE),)
BUILD      ?= build
else
BUILD      ?= build-san
endif

PKGS       := libwebsockets libcurl openssl lmdb libcjson
TEST_PKGS  := criterion
# Debian packages: what the build needs, and what the tests add (make deps installs both).
# openssl (the command) makes the simulator's test certificate during the build.
BUILD_DEB  := build-essential pkg-config libwebsockets-dev libcurl4-openssl-dev libssl-dev \
              liblmdb-dev libcjson-dev openssl
TEST_DEB   := libcriterion-dev lmdb-utils clang libclang-rt-14-dev python3 python3-msgpack \
              python3-websockets python3-requests chromium
APT_GET    := apt-get install -y --no-install-recommends

.DEFAULT_GOAL := all
BUILD_GOALS   := all programs bench demo install
TEST_GOALS    := test check fuzz fuzz-smoke

ifndef CXTAPE_INNER
# ---------------------------------------------------------------------------
# Outer make: check that the Debian packages the goals need are there
# (installing them when run as root), then run the real build.
# ---------------------------------------------------------------------------
.PHONY: $(BUILD_GOALS) $(TEST_GOALS) deps deps-check clean check-arch

GOALS   := $(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))
NEED    := $(BUILD_DEB) $(if $(filter $(TEST_GOALS) deps-check,$(GOALS)),$(TEST_DEB))
# Named by package, so a missing piece says what to install. Off Debian (no dpkg-query) the
# compiler says what is missing instead.
MISSING := $(shell command -v dpkg-query >/dev/null 2>&1 && for p in $(NEED); do \
             dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed$$' || echo $$p; \
           done)
ifneq ($(MISSING),)
ifneq ($(filter-out clean deps check-arch,$(GOALS)),)
ifneq ($(shell id -u),0)
$(info cxtape: these Debian packages are missing: $(strip $(MISSING)))
$(info cxtape: install them as root, then run 'make $(GOALS)' again:)
$(info $(empty)    sudo apt-get update && sudo $(APT_GET) $(strip $(MISSING)))
$(error cxtape: missing packages)
endif
endif
endif

$(BUILD_GOALS) $(TEST_GOALS): deps-check
	@$(MAKE) --no-print-directory CXTAPE_INNER=1 $@

deps-check:
	@if [ -n "$(strip $(MISSING))" ]; then \
		echo "cxtape: installing the missing Debian packages: $(strip $(MISSING))"; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive $(APT_GET) $(MISSING); \
	fi

# Everything, for the build and the tests.
deps:
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive $(APT_GET) $(BUILD_DEB) $(TEST_DEB); \
	else \
		echo "cxtape needs Debian packages; run as root:"; \
		echo "    apt-get update && $(APT_GET) $(BUILD_DEB) $(TEST_DEB)"; \
	fi

clean:
	rm -rf build build-san build-fuzz demo

# The layers and the library owners of docs/architecture.md, checked on the sources.
check-arch:
	@sh tests/check_arch.sh

else
# ---------------------------------------------------------------------------
# Inner make: the build itself.
# ---------------------------------------------------------------------------
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))
# Criterion is a test dependency: asked for only when a test is built.
TEST_CFLAGS = $(shell pkg-config --cflags $(TEST_PKGS))
TEST_LIBS   = $(shell pkg-config --libs $(TEST_PKGS))

WARN     := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes -Wwrite-strings
ifdef CI
WARN     += -Werror
endif
OPT      ?= -O2
CPPFLAGS += -D_GNU_SOURCE -DCXTAPE_VERSION='"$(VERSION)"'
# Each folder sees its own headers and those of the layers below it (docs/architecture.md);
# tests/check_arch.sh checks the same rule on the sources, and tests see everything.
INC_LC   := -Ilibcommon
INC_AN   := -Ianalyzer $(INC_LC)
INC_SRC  := -Ianalyzer/source $(INC_AN)
INC_ALL  := -Irecorder -Ireplayer -Ifixtures/cxsim $(INC_SRC)
$(BUILD)/obj/libcommon/%.o:      CPPFLAGS += $(INC_LC)
$(BUILD)/obj/analyzer/%.o:       CPPFLAGS += $(INC_AN)
$(BUILD)/obj/analyzer/source/%.o: CPPFLAGS += $(INC_SRC)
$(BUILD)/obj/recorder/%.o:       CPPFLAGS += -Irecorder $(INC_SRC)
$(BUILD)/obj/replayer/%.o:       CPPFLAGS += -Ireplayer $(INC_SRC)
$(BUILD)/obj/fixtures/cxsim/%.o: CPPFLAGS += -Ifixtures/cxsim $(INC_LC)
$(BUILD)/obj/tests/%.o:          CPPFLAGS += $(INC_ALL)
$(BUILD)/obj/analyzer/cxanalyze.o: CPPFLAGS += -Ianalyzer/source
CFLAGS   += -std=c11 -g $(OPT) $(WARN) -pthread $(PKG_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lpthread -lm
ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=$(SANITIZE)
endif
ifdef FUZZ
CFLAGS   += -fsanitize=fuzzer-no-link -DCXTAPE_FUZZING=1
endif

# Scoring a message (sentiment, escalations) is the analyzer's hot path, in replay and report
# alike: it builds at -O3 when the rest is at the default -O2 (4% on bench_analyze_text).
HOT_OPT  := $(if $(filter -O2,$(OPT)),-O3,$(OPT))
$(BUILD)/obj/analyzer/an_sentiment.o $(BUILD)/obj/analyzer/an_escalate.o: OPT = $(HOT_OPT)

MAINS    := analyzer/cxanalyze.c recorder/cxrecord.c replayer/cxreplay.c fixtures/cxsim/cxsim.c
LC_SRC   := $(wildcard libcommon/*.c)
AN_SRC   := $(filter-out $(MAINS),$(wildcard analyzer/*.c))
SRC_SRC  := $(wildcard analyzer/source/*.c)
REC_SRC  := $(filter-out $(MAINS),$(wildcard recorder/*.c))
RPL_SRC  := $(filter-out $(MAINS),$(wildcard replayer/*.c))
SIM_SRC  := $(filter-out $(MAINS),$(wildcard fixtures/cxsim/*.c))
TEST_SRC := $(wildcard tests/test_*.c)
BENCH_SRC:= $(wildcard tests/bench/bench_*.c)
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))

# make V=1 shows every command; by default one short line per step.
ifeq ($(V),1)
Q :=
say = @true
else
Q := @
say = @printf '  %-7s %s\n'
endif
LIB_LC   := $(BUILD)/lib/libcxcommon.a
LIB_AN   := $(BUILD)/lib/libcxanalyzer.a
LIB_SRC  := $(BUILD)/lib/libcxsource.a
LIB_REC  := $(BUILD)/lib/libcxrecorder.a
LIB_RPL  := $(BUILD)/lib/libcxreplayer.a
LIB_SIM  := $(BUILD)/lib/libcxsim.a
# Link order: a library comes before the ones it uses.
ALL_LIBS := $(LIB_REC) $(LIB_RPL) $(LIB_SIM) $(LIB_SRC) $(LIB_AN) $(LIB_LC)

PROGRAMS := $(patsubst %.c,$(BUILD)/bin/%,$(notdir $(wildcard $(MAINS))))
TESTS    := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRC))
BENCHES  := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
FUZZERS  := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))

.PHONY: all programs check test bench fuzz fuzz-bins fuzz-smoke demo install
.SECONDARY:
all: programs $(BENCHES)
programs: $(PROGRAMS) $(BUILD)/certs/sim-cert.pem

$(BUILD)/obj/tests/test_%.o: CFLAGS += $(TEST_CFLAGS)
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

define mklib
$(1): $(call obj,$(2))
	@mkdir -p $$(@D)
	$$(say) AR $$@
	$$(Q)rm -f $$@ && ar rcs $$@ $$^
endef
$(eval $(call mklib,$(LIB_LC),$(LC_SRC)))
$(eval $(call mklib,$(LIB_AN),$(AN_SRC)))
$(eval $(call mklib,$(LIB_SRC),$(SRC_SRC)))
$(eval $(call mklib,$(LIB_REC),$(REC_SRC)))
$(eval $(call mklib,$(LIB_RPL),$(RPL_SRC)))
$(eval $(call mklib,$(LIB_SIM),$(SIM_SRC)))

# Each program links its own layer and those below it; no product program links the simulator.
$(BUILD)/bin/cxanalyze: LIBS = $(LIB_SRC) $(LIB_AN) $(LIB_LC)
$(BUILD)/bin/cxrecord:  LIBS = $(LIB_REC) $(LIB_SRC) $(LIB_AN) $(LIB_LC)
$(BUILD)/bin/cxreplay:  LIBS = $(LIB_RPL) $(LIB_SRC) $(LIB_AN) $(LIB_LC)
$(BUILD)/bin/cxsim:     LIBS = $(LIB_SIM) $(LIB_LC)
$(BUILD)/bin/cxanalyze: $(BUILD)/obj/analyzer/cxanalyze.o $(LIB_SRC) $(LIB_AN) $(LIB_LC)
$(BUILD)/bin/cxrecord:  $(BUILD)/obj/recorder/cxrecord.o $(LIB_REC) $(LIB_SRC) $(LIB_AN) $(LIB_LC)
$(BUILD)/bin/cxreplay:  $(BUILD)/obj/replayer/cxreplay.o $(LIB_RPL) $(LIB_SRC) $(LIB_AN) $(LIB_LC)
$(BUILD)/bin/cxsim:     $(BUILD)/obj/fixtures/cxsim/cxsim.o $(LIB_SIM) $(LIB_LC)
$(PROGRAMS):
	@mkdir -p $(@D)
	$(say) LINK $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(ALL_LIBS)
	@mkdir -p $(@D)
	$(say) LINK $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LDLIBS) $(TEST_LIBS)

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(ALL_LIBS)
	@mkdir -p $(@D)
	$(say) LINK $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LDLIBS)

$(BUILD)/fuzz/%: $(BUILD)/obj/tests/fuzz/%.o $(ALL_LIBS)
	@mkdir -p $(@D)
	$(say) LINK $@
	$(Q)$(CC) $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(LDLIBS)

# A self-signed certificate for the simulator's TLS mode; made by the build, never committed.
$(BUILD)/certs/sim-cert.pem:
	@mkdir -p $(@D)
	openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
	    -keyout $(BUILD)/certs/sim-key.pem -out $@ 2>/dev/null

# make check: run the Criterion suites of this build. make test: both builds and the fuzz smoke.
check: programs $(TESTS)
	@CXTAPE_BUILD=$(BUILD) sh tests/run.sh $(BUILD)

test:
	@sh tests/check_arch.sh
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory SANITIZE=address,undefined check
	@$(MAKE) --no-print-directory fuzz-smoke
	@sh tests/summary.sh build build-san build-fuzz

bench: all
	@CXTAPE_BUILD=$(BUILD) sh tests/bench/run.sh $(BUILD)

fuzz:
	@$(MAKE) --no-print-directory CC=clang FUZZ=1 SANITIZE=address,undefined BUILD=build-fuzz fuzz-bins
	@echo "fuzzers in build-fuzz/fuzz/: run one as build-fuzz/fuzz/NAME tests/fuzz/corpus/NAME"

fuzz-bins: $(FUZZERS)

fuzz-smoke: fuzz
	@sh tests/fuzz/smoke.sh build-fuzz $${CXTAPE_FUZZ_SECONDS:-10}

demo: programs
	@sh fixtures/demo.sh $(BUILD)

install: programs
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(PROGRAMS) $(DESTDIR)$(PREFIX)/bin/

# The sentiment lexicons are embedded with .incbin (analyzer/an_vader_data.c): rebuild on data edits.
$(BUILD)/obj/analyzer/an_vader_data.o: analyzer/data/vader_lexicon.txt analyzer/data/emoji_utf8_lexicon.txt
# The default escalation rules are embedded with .incbin too (analyzer/an_escalate.c).
$(BUILD)/obj/analyzer/an_escalate.o: analyzer/rules/default.rules

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
endif
