/*-------------------------------------------------------------------------
 *
 * mapping.c
 *		  Conversion between JSON fields and column values
 *
 * A JSON value becomes a Datum through the column type's input function,
 * from its text form: numbers keep their exact text (see json.c), nested
 * objects and arrays become JSON text (for json/jsonb columns, or text).
 * The reverse direction builds request bodies from column values.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/mapping.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "snowfdw.h"

/*
 * snowfdw_json_to_datum
 *		Column value of a JSON field (absent or null: SQL NULL)
 */
Datum
snowfdw_json_to_datum(const SnowfdwJson *value, Oid typid, int32 typmod,
					  FmgrInfo *input, Oid ioparam, bool *isnull)
{
	char	   *text;

	*isnull = false;
	if (snowfdw_json_type(value) == SNOWFDW_JSON_NULL)
	{
		*isnull = true;
		return (Datum) 0;
	}
	if (typid == JSONOID || typid == JSONBOID)
		text = snowfdw_json_to_text(value);
	else
		text = snowfdw_json_scalar_text(value);
	return InputFunctionCall(input, text, ioparam, typmod);
}

/*
 * snowfdw_datum_to_json
 *		JSON text of a column value for a request body
 *
 * Booleans and numbers become JSON literals, json/jsonb pass as they are,
 * anything else is sent as a string (*is_text tells the caller to quote).
 */
char *
snowfdw_datum_to_json(Datum value, Oid typid, bool *is_text)
{
	Oid			output;
	bool		varlena;
	char	   *text;

	getTypeOutputInfo(typid, &output, &varlena);
	text = OidOutputFunctionCall(output, value);
	*is_text = false;
	switch (typid)
	{
		case BOOLOID:
			return pstrdup(strcmp(text, "t") == 0 ? "true" : "false");
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case OIDOID:
		case JSONOID:
		case JSONBOID:
			return text;
		default:
			*is_text = true;
			return text;
	}
}
