/*-------------------------------------------------------------------------
 *
 * optsyntax.h
 *		  The syntax of option values (backend-free)
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/optsyntax.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_OPTSYNTAX_H
#define SNOWFDW_OPTSYNTAX_H

#include <stdbool.h>

/* Outcome of snowfdw_syntax_wire_value */
typedef enum SnowfdwWireValue
{
	SNOWFDW_WIRE_OK = 0,
	SNOWFDW_WIRE_CONTROL_CHAR,	/* a C0 control character or DEL */
	SNOWFDW_WIRE_EDGE_SPACE		/* a space at either end */
} SnowfdwWireValue;

extern bool snowfdw_syntax_whole_long(const char *value, long *n);
extern bool snowfdw_syntax_whole_double(const char *value, double *d);
extern bool snowfdw_syntax_visible_token(const char *value);
extern bool snowfdw_syntax_account(const char *value);
extern bool snowfdw_syntax_endpoint_url(const char *value, bool *plain_http);
extern bool snowfdw_syntax_identifier(const char *value);
extern SnowfdwWireValue snowfdw_syntax_wire_value(const char *value);

#endif							/* SNOWFDW_OPTSYNTAX_H */
