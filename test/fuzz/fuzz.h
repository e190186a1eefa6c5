/*
 * fuzz.h
 *		Shared pieces of the libFuzzer targets
 *
 * A target defines LLVMFuzzerTestOneInput and checks properties of the
 * code under test with FUZZ_CHECK: a violated property prints what failed
 * and aborts, which libFuzzer reports as a crash and saves the input.
 */
#ifndef SNOWFDW_FUZZ_H
#define SNOWFDW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond) \
	do { \
		if (!(cond)) \
		{ \
			fprintf(stderr, "%s:%d: property violated: %s\n", \
					__FILE__, __LINE__, #cond); \
			abort(); \
		} \
	} while (0)

/* malloc'd NUL-terminated copy of the input, cut at its first NUL */
static inline char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	size_t		len = strnlen((const char *) data, size);
	char	   *s = malloc(len + 1);

	memcpy(s, data, len);
	s[len] = '\0';
	return s;
}

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif							/* SNOWFDW_FUZZ_H */
