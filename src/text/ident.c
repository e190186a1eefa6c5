/*-------------------------------------------------------------------------
 *
 * ident.c
 *		  Snowflake identifier quoting and resolution
 *
 * Backend-free: no postgres.h, no palloc, no ereport.  Results go into
 * buffers the caller provides, with snprintf-style lengths, so that the FDW
 * (snowfdw_quote_identifier in objects.c wraps these with palloc) and the
 * standalone sanitizer tests and fuzz targets of test/fuzz link the same
 * code.
 *
 * Snowflake resolves an unquoted identifier (a letter or underscore, then
 * letters, digits, underscores and dollar signs) to its upper-case form; a
 * double-quoted identifier resolves to its text with each doubled quote
 * standing for one.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/ident.c
 *
 *-------------------------------------------------------------------------
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "text/ident.h"
#include "text/outbuf.h"

/* Words an unquoted identifier cannot be (Snowflake reserved keywords) */
static const char *const reserved_words[] = {
	"ALL", "ALTER", "AND", "ANY", "AS", "BETWEEN", "BY", "CASE", "CAST",
	"CHECK", "COLUMN", "CONNECT", "CONSTRAINT", "CREATE", "CROSS",
	"CURRENT", "DELETE", "DISTINCT", "DROP", "ELSE", "EXISTS", "FALSE",
	"FOLLOWING", "FOR", "FROM", "FULL", "GRANT", "GROUP", "HAVING",
	"ILIKE", "IN", "INCREMENT", "INNER", "INSERT", "INTERSECT", "INTO",
	"IS", "JOIN", "LATERAL", "LEFT", "LIKE", "LOCALTIME",
	"LOCALTIMESTAMP", "MINUS", "NATURAL", "NOT", "NULL", "OF", "ON",
	"OR", "ORDER", "QUALIFY", "REGEXP", "REVOKE", "RIGHT", "RLIKE",
	"ROW", "ROWS", "SAMPLE", "SELECT", "SET", "SOME", "START", "TABLE",
	"TABLESAMPLE", "THEN", "TO", "TRIGGER", "TRUE", "TRY_CAST", "UNION",
	"UNIQUE", "UPDATE", "USING", "VALUES", "VIEW", "WHEN", "WHENEVER",
	"WHERE", "WITH", NULL
};

/*
 * is_reserved
 *		Whether an upper-case word is a reserved keyword
 */
static bool
is_reserved(const char *word)
{
	int			i;

	for (i = 0; reserved_words[i]; i++)
		if (strcmp(reserved_words[i], word) == 0)
			return true;
	return false;
}

/*
 * snowfdw_ident_needs_quotes
 *		Whether a stored name must be double-quoted to resolve to itself
 *
 * Unquoted identifiers resolve upper-case, so only an upper-case name of
 * identifier characters that is no reserved word may go bare.
 */
bool
snowfdw_ident_needs_quotes(const char *name)
{
	const char *p;

	if (!((name[0] >= 'A' && name[0] <= 'Z') || name[0] == '_'))
		return true;
	for (p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			  *p == '_' || *p == '$'))
			return true;
	return is_reserved(name);
}

/*
 * snowfdw_ident_quote
 *		Snowflake identifier that resolves exactly to the stored name
 *
 * Like snprintf: writes at most outsize bytes including a terminating NUL
 * (nothing when outsize is 0) and returns the length of the whole result,
 * so snowfdw_ident_quote(NULL, 0, name) + 1 is the size to allocate.
 */
size_t
snowfdw_ident_quote(char *out, size_t outsize, const char *name)
{
	size_t		n = 0;
	const char *p;

	if (!snowfdw_ident_needs_quotes(name))
	{
		for (p = name; *p; p++)
			snowfdw_out_byte(out, outsize, &n, *p);
	}
	else
	{
		snowfdw_out_byte(out, outsize, &n, '"');
		for (p = name; *p; p++)
		{
			if (*p == '"')
				snowfdw_out_byte(out, outsize, &n, '"');
			snowfdw_out_byte(out, outsize, &n, *p);
		}
		snowfdw_out_byte(out, outsize, &n, '"');
	}
	return snowfdw_out_finish(out, outsize, n);
}

/*
 * snowfdw_ident_resolve
 *		Stored name an identifier as written stands for
 *
 * out must have room for strlen(text) + 1 bytes; the resolved name is never
 * longer than the identifier.  On error out holds what was resolved before
 * the error.
 */
SnowfdwIdentStatus
snowfdw_ident_resolve(char *out, const char *text)
{
	const char *p = text;
	char	   *o = out;

	*out = '\0';
	if (*p == '\0')
		return SNOWFDW_IDENT_EMPTY;
	if (*p == '"')
	{
		for (p++;; p++)
		{
			if (*p == '\0')
			{
				*o = '\0';
				return SNOWFDW_IDENT_UNTERMINATED;
			}
			if (*p == '"')
			{
				if (p[1] != '"')
					break;
				p++;
			}
			*o++ = *p;
		}
		*o = '\0';
		return p[1] == '\0' ? SNOWFDW_IDENT_OK : SNOWFDW_IDENT_TRAILING;
	}

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'))
		return SNOWFDW_IDENT_INVALID_CHAR;
	for (; *p; p++)
	{
		if (*p >= 'a' && *p <= 'z')
			*o++ = *p - 'a' + 'A';
		else if ((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
				 *p == '_' || *p == '$')
			*o++ = *p;
		else
		{
			*o = '\0';
			return SNOWFDW_IDENT_INVALID_CHAR;
		}
	}
	*o = '\0';
	return is_reserved(out) ? SNOWFDW_IDENT_RESERVED : SNOWFDW_IDENT_OK;
}
