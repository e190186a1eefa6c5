# snowfdw: PostgreSQL foreign data wrapper for Snowflake REST API v2 catalog objects
#
# Supported PostgreSQL majors: 15 (the only one Debian 12 ships); src/compat.h
# holds every version test so that 13 to 17 can be added there.

MODULE_big = snowfdw
OBJS = \
	src/auth.o \
	src/cache.o \
	src/connection.o \
	src/deparse.o \
	src/functions.o \
	src/http.o \
	src/json.o \
	src/mapping.o \
	src/modify.o \
	src/objects.o \
	src/options.o \
	src/rest.o \
	src/scan.o \
	src/snowfdw.o \
	src/stats.o

EXTENSION = snowfdw
DATA = snowfdw--1.0.sql snowfdw--1.0--1.1.sql
PGFILEDESC = "snowfdw - foreign data wrapper for Snowflake"

REGRESS = select import pushdown protocol join auth connection errors cancel dml functions cache
REGRESS_OPTS = --inputdir=. --load-extension=snowfdw

PG_CONFIG ?= /usr/lib/postgresql/15/bin/pg_config
PG_CPPFLAGS = $(shell pkg-config --cflags libcurl libcjson 2>/dev/null)
SHLIB_LINK = $(shell pkg-config --libs libcurl libcjson 2>/dev/null) -lcrypto
PG_CFLAGS += -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers

PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(wildcard $(PGXS)),)
include $(PGXS)
endif

# Set-up and test entry points: each installs what it needs first (Debian 12,
# root), so they work from a fresh clone.
.PHONY: deps demo demo-stop test bench
deps:
	bash test/deps.sh

test: deps
	bash test/run-tests.sh

demo: deps
	bash test/demo.sh start

demo-stop:
	bash test/demo.sh stop

bench: deps
	bash bench/run.sh
