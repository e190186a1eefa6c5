/*-------------------------------------------------------------------------
 *
 * optsyntax.c
 *		  The syntax of option values
 *
 * Backend-free: no postgres.h, no palloc, no ereport.  model/options.c says
 * which option has which syntax and words the errors; the checks here only
 * answer whether a value has it, so that the sanitizer unit tests of
 * test/fuzz link the same code.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/optsyntax.c
 *
 *-------------------------------------------------------------------------
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "text/optsyntax.h"

/*
 * snowfdw_syntax_whole_long
 *		Read a value that must be a decimal integer, nothing before or after
 */
bool
snowfdw_syntax_whole_long(const char *value, long *n)
{
	char	   *end;

	errno = 0;
	*n = strtol(value, &end, 10);
	return errno == 0 && end != value && *end == '\0';
}

/*
 * snowfdw_syntax_whole_double
 *		Read a value that must be a number as strtod reads it, nothing
 *		before or after
 */
bool
snowfdw_syntax_whole_double(const char *value, double *d)
{
	char	   *end;

	errno = 0;
	*d = strtod(value, &end);
	return errno == 0 && end != value && *end == '\0';
}

/*
 * snowfdw_syntax_visible_token
 *		Whether a value is non-empty and of visible ASCII characters only
 */
bool
snowfdw_syntax_visible_token(const char *value)
{
	bool		ok = value[0] != '\0';
	const char *p;

	for (p = value; ok && *p; p++)
		ok = (unsigned char) *p > ' ' && (unsigned char) *p < 0x7f;
	return ok;
}

/*
 * snowfdw_syntax_account
 *		Whether a value is an account identifier: at most 255 letters,
 *		digits, '-', '_' and '.'
 */
bool
snowfdw_syntax_account(const char *value)
{
	bool		ok = value[0] != '\0' && strlen(value) <= 255;
	const char *p;

	for (p = value; ok && *p; p++)
		ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
			*p == '.';
	return ok;
}

/*
 * snowfdw_syntax_endpoint_url
 *		Whether a value is an http or https URL with a host and nothing else
 *		(at most a "/" after it); *plain_http says which scheme
 */
bool
snowfdw_syntax_endpoint_url(const char *value, bool *plain_http)
{
	bool		http = strncmp(value, "http://", 7) == 0;
	bool		https = strncmp(value, "https://", 8) == 0;
	const char *rest;

	*plain_http = http;
	if (!http && !https)
		return false;
	rest = value + (http ? 7 : 8);
	return rest[0] != '\0' &&
		strpbrk(rest, "?#@ \t\r\n") == NULL &&
		(strchr(rest, '/') == NULL ||
		 strcmp(strchr(rest, '/'), "/") == 0);
}

/*
 * snowfdw_syntax_wire_value
 *		Whether a value sent as given could break a header line: no C0
 *		control character or DEL (CR and LF would start a new header line)
 *		and no space at either end (HTTP drops it; Snowflake would see
 *		another name)
 */
SnowfdwWireValue
snowfdw_syntax_wire_value(const char *value)
{
	const unsigned char *p;
	size_t		len = strlen(value);

	for (p = (const unsigned char *) value; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return SNOWFDW_WIRE_CONTROL_CHAR;
	if (len > 0 && (value[0] == ' ' || value[len - 1] == ' '))
		return SNOWFDW_WIRE_EDGE_SPACE;
	return SNOWFDW_WIRE_OK;
}

/*
 * snowfdw_syntax_identifier
 *		Whether a value is a Snowflake identifier, as in Identifier of the
 *		REST API: [A-Za-z_][A-Za-z0-9_$]* or "..." with "" for each "
 */
bool
snowfdw_syntax_identifier(const char *value)
{
	const char *p = value;

	if (*p == '"')
	{
		int			nchars = 0;

		for (p++; *p; p++, nchars++)
		{
			if (*p != '"')
				continue;
			if (p[1] != '"')
				return nchars > 0 && p[1] == '\0';	/* the closing quote */
			p++;				/* a doubled quote stands for one */
		}
		return false;			/* no closing quote */
	}

	if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || *p == '_'))
		return false;
	for (p++; *p; p++)
	{
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			  (*p >= '0' && *p <= '9') || *p == '_' || *p == '$'))
			return false;
	}
	return true;
}
