/*-------------------------------------------------------------------------
 *
 * pattern.h
 *		  LIKE and regular expressions as Snowflake LIST patterns
 *		  (backend-free)
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/pattern.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_PATTERN_H
#define SNOWFDW_PATTERN_H

#include <stdbool.h>
#include <stddef.h>

/* what the translators return when no exact translation exists */
#define SNOWFDW_PATTERN_NONE ((size_t) -1)

extern size_t snowfdw_like_prefix_length(const char *like);
extern size_t snowfdw_like_to_pattern(char *out, size_t outsize,
									  const char *like, bool utf8);
extern size_t snowfdw_regex_to_pattern(char *out, size_t outsize,
									   const char *regex, bool utf8);

#endif							/* SNOWFDW_PATTERN_H */
