/*-------------------------------------------------------------------------
 *
 * ident.h
 *		  Snowflake identifier quoting and resolution (backend-free)
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/ident.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_IDENT_H
#define SNOWFDW_IDENT_H

#include <stdbool.h>
#include <stddef.h>

/* Outcome of snowfdw_ident_resolve */
typedef enum SnowfdwIdentStatus
{
	SNOWFDW_IDENT_OK = 0,
	SNOWFDW_IDENT_EMPTY,		/* no identifier at all */
	SNOWFDW_IDENT_UNTERMINATED, /* opening double quote never closed */
	SNOWFDW_IDENT_TRAILING,		/* characters after the closing quote */
	SNOWFDW_IDENT_INVALID_CHAR, /* character not allowed unquoted */
	SNOWFDW_IDENT_RESERVED		/* unquoted reserved word */
} SnowfdwIdentStatus;

extern bool snowfdw_ident_needs_quotes(const char *name);
extern size_t snowfdw_ident_quote(char *out, size_t outsize,
								  const char *name);
extern SnowfdwIdentStatus snowfdw_ident_resolve(char *out, const char *text);

#endif							/* SNOWFDW_IDENT_H */
