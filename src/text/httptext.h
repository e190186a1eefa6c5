/*-------------------------------------------------------------------------
 *
 * httptext.h
 *		  Parsing and building of HTTP header and URL text (backend-free)
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/httptext.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_HTTPTEXT_H
#define SNOWFDW_HTTPTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Which of the three HTTP-date forms of RFC 9110 a date was written in */
typedef enum SnowfdwHttpDateFormat
{
	SNOWFDW_HTTP_DATE_INVALID = 0,
	SNOWFDW_HTTP_DATE_IMF,		/* Sun, 06 Nov 1994 08:49:37 GMT */
	SNOWFDW_HTTP_DATE_RFC850,	/* Sunday, 06-Nov-94 08:49:37 GMT */
	SNOWFDW_HTTP_DATE_ASCTIME	/* Sun Nov  6 08:49:37 1994 */
} SnowfdwHttpDateFormat;

extern size_t snowfdw_percent_encode(char *out, size_t outsize,
									 const char *data, size_t len);
extern bool snowfdw_percent_decode(char *out, const char *text, size_t len,
								   size_t *outlen);
extern const char *snowfdw_find_link_target(const char *link, const char *rel,
											size_t *len);
extern bool snowfdw_valid_relative_path(const char *path);
extern SnowfdwHttpDateFormat snowfdw_parse_http_date(const char *value,
													 time_t now,
													 time_t *when);
extern double snowfdw_retry_after_seconds(const char *value, time_t now);

#endif							/* SNOWFDW_HTTPTEXT_H */
