# snowfdw: PostgreSQL foreign data wrapper for Snowflake REST API v2 catalog objects
#
# Supported PostgreSQL majors: 15 and later (15 is the only one Debian 12
# ships, and the one tested); src/compat.h holds every version test.

MODULE_big = snowfdw
OBJS = \
	src/text/httptext.o \
	src/text/ident.o \
	src/text/jsontext.o \
	src/text/optsyntax.o \
	src/text/pattern.o \
	src/transport/auth.o \
	src/transport/http.o \
	src/transport/httpbody.o \
	src/transport/json.o \
	src/model/guc.o \
	src/model/mapping.o \
	src/model/objects.o \
	src/model/options.o \
	src/model/signer.o \
	src/model/waitevent.o \
	src/model/writemap.o \
	src/shmem/activity.o \
	src/shmem/cache.o \
	src/shmem/cachedata.o \
	src/shmem/cachelocal.o \
	src/shmem/cacheshared.o \
	src/shmem/fault.o \
	src/shmem/holdoff.o \
	src/shmem/inflight.o \
	src/shmem/measured.o \
	src/shmem/pacer.o \
	src/shmem/refresh.o \
	src/shmem/shmem.o \
	src/shmem/stats.o \
	src/calls/connection.o \
	src/calls/listing.o \
	src/calls/progress.o \
	src/calls/report.o \
	src/calls/rest.o \
	src/calls/schedule.o \
	src/calls/write.o \
	src/fdw/analyze.o \
	src/fdw/deparse.o \
	src/fdw/estimate.o \
	src/fdw/functions.o \
	src/fdw/import.o \
	src/fdw/modify.o \
	src/fdw/deferred.o \
	src/fdw/deferredcommit.o \
	src/fdw/modifyplan.o \
	src/fdw/pipeline.o \
	src/fdw/plan.o \
	src/fdw/scan.o \
	src/fdw/siblings.o \
	src/fdw/snowfdw.o \
	src/fdw/worker.o \
	src/fdw/writestmt.o

EXTENSION = snowfdw
DATA = snowfdw--1.0.sql snowfdw--1.0--1.1.sql snowfdw--1.1--1.2.sql snowfdw--1.2--1.3.sql
PGFILEDESC = "snowfdw - foreign data wrapper for Snowflake"

REGRESS = select import pushdown protocol join auth options_check connection https errors cancel dml functions cache streaming planner explain_request privileges subxact later_pages async generic_plans pipeline write_report defer_writes
REGRESS_OPTS = --inputdir=. --load-extension=snowfdw

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
SNOWFDW_VERSION := $(shell sed -n "s/^default_version = '\\(.*\\)'/\\1/p" snowfdw.control)
# includes name a file by its layer folder: "calls/rest.h" (see src/README.md)
PG_CPPFLAGS = -I$(srcdir)/src $(shell pkg-config --cflags libcurl libcjson 2>/dev/null) -DSNOWFDW_VERSION='"$(SNOWFDW_VERSION)"'
SHLIB_LINK = $(shell pkg-config --libs libcurl libcjson 2>/dev/null) -lcrypto
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter

# The test build (test/lib.sh passes SNOWFDW_FAULT_INJECTION=yes) adds the
# fault points of src/shmem/fault.c; packages and plain builds never have them.
# A stamp per kind of build recompiles everything when the kind changes.
ifeq ($(SNOWFDW_FAULT_INJECTION),yes)
PG_CPPFLAGS += -DSNOWFDW_FAULT_INJECTION
SNOWFDW_BUILD_KIND = test
else
SNOWFDW_BUILD_KIND = release
endif
SNOWFDW_BUILD_STAMP = src/.build-$(SNOWFDW_BUILD_KIND)

# The Debian package ships no JIT bitcode: an FDW's calls gain nothing from
# inlining, and the bitcode would make the package depend on LLVM.
ifeq ($(SNOWFDW_BITCODE),no)
override with_llvm = no
endif

EXTRA_CLEAN = test/fuzz/build src/.build-test src/.build-release

# PGXS has a "check" of its own (unsupported for extensions); make check is
# the test tier below, which builds through PGXS in its own make runs
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifeq ($(filter check,$(MAKECMDGOALS)),)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
endif
endif

# every object depends on every header: PGXS tracks no header dependencies
# (after PGXS, so that its "all" stays the default goal)
$(OBJS): $(wildcard src/*.h src/*/*.h) $(SNOWFDW_BUILD_STAMP)
$(SNOWFDW_BUILD_STAMP):
	rm -f src/.build-test src/.build-release
	touch $@

# Set-up and test entry points: each installs what it needs first (Debian 12,
# root), so they work from a fresh clone.
.PHONY: deps demo demo-stop check test test-full bench fuzz deb dist
deps:
	bash test/deps.sh

# The test tiers (test/run-tests.sh; each installs what it needs first):
# check is the host's build, regression, fault, property and static checks
# (for every edit); test is everything on every major, valgrind over the
# regression tests that cover its lines (before every push; CI); test-full
# is test with valgrind over every regression test and the long leak run.
# PostgreSQL majors test runs: 15 on the host, the others in chroots
PG_MAJORS ?= 15 17 18 19
ifneq ($(filter check,$(MAKECMDGOALS)),)
check:
	bash test/run-tests.sh check
endif

test:
	PG_MAJORS="$(PG_MAJORS)" bash test/run-tests.sh test

test-full:
	PG_MAJORS="$(PG_MAJORS)" bash test/run-tests.sh full

# libFuzzer targets of the backend-free parsers (test/fuzz), one at a time
FUZZ_SECONDS ?= 60
fuzz: deps
	bash test/fuzz/run.sh fuzz $(FUZZ_SECONDS)

demo: deps
	bash test/demo.sh start

demo-stop:
	bash test/demo.sh stop

bench: deps
	bash bench/run.sh

# Release artifacts in dist/: the Debian package and the PGXN archive
deb:
	bash test/build-debs.sh dist

dist:
	bash test/version.sh --check >/dev/null
	mkdir -p dist
	git archive --format=zip --prefix=snowfdw-$$(bash test/version.sh)/ \
	  -o dist/snowfdw-$$(bash test/version.sh).zip HEAD
	@echo dist/snowfdw-$$(bash test/version.sh).zip
