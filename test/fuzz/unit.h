/*
 * unit.h
 *		Minimal unit-test support for the standalone parser tests
 *
 * A test program is a set of groups (functions without arguments); each
 * group prints "ok - NAME" or "not ok - NAME" once it has run, and failed
 * checks print their file, line and expression first.  main() returns 1 if
 * any group failed.  Built with AddressSanitizer and UBSan (no recovery), a
 * memory error or undefined behaviour aborts the program instead, which
 * test/fuzz/run.sh counts as a failure too.
 */
#ifndef SNOWFDW_UNIT_H
#define SNOWFDW_UNIT_H

#include <stdio.h>
#include <string.h>

static int	unit_group_failures;
static int	unit_failed_groups;

#define CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: check failed: %s\n", \
					__FILE__, __LINE__, #cond); \
			unit_group_failures++; \
		} \
	} while (0)

/* compare two C strings (either may be NULL), printing both on mismatch */
#define CHECK_STR(got, want) \
	do { \
		const char *g_ = (got); \
		const char *w_ = (want); \
		if ((g_ == NULL) != (w_ == NULL) || (g_ && strcmp(g_, w_) != 0)) \
		{ \
			fprintf(stderr, "%s:%d: %s is \"%s\", expected \"%s\"\n", \
					__FILE__, __LINE__, #got, g_ ? g_ : "(null)", \
					w_ ? w_ : "(null)"); \
			unit_group_failures++; \
		} \
	} while (0)

#define CHECK_INT(got, want) \
	do { \
		long long g_ = (long long) (got); \
		long long w_ = (long long) (want); \
		if (g_ != w_) \
		{ \
			fprintf(stderr, "%s:%d: %s is %lld, expected %lld\n", \
					__FILE__, __LINE__, #got, g_, w_); \
			unit_group_failures++; \
		} \
	} while (0)

#define RUN_GROUP(fn) \
	do { \
		unit_group_failures = 0; \
		fn(); \
		printf("%s - %s\n", unit_group_failures ? "not ok" : "ok", #fn); \
		fflush(stdout); \
		if (unit_group_failures) \
			unit_failed_groups++; \
	} while (0)

#define UNIT_EXIT() return unit_failed_groups ? 1 : 0

#endif							/* SNOWFDW_UNIT_H */
