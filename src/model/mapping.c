/*-------------------------------------------------------------------------
 *
 * mapping.c
 *		  Conversion between JSON fields and column values
 *
 * A JSON value becomes a Datum through the column type's input function,
 * from its text form: numbers keep their exact text (see json.c), nested
 * objects and arrays become JSON text (for json/jsonb columns, or text).
 * snowfdw_datum_to_json gives the reverse for one value; writemap.c builds
 * request bodies from rows with it.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/mapping.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "model/mapping.h"
#include "model/objects.h"
#include "model/options.h"
#include "text/httptext.h"
#include "transport/json.h"

static Datum snowfdw_json_to_datum(const SnowfdwJson *value, Oid typid,
								   int32 typmod, FmgrInfo *input,
								   Oid ioparam, bool *isnull);

/*
 * http_date_value
 *		A timestamptz from an HTTP date in its canonical form, or false
 *
 * Stage files carry last_modified as "Tue, 12 Mar 2024 10:00:00 GMT";
 * timestamptz's general input is a fifth of a million-file listing's time.
 * Only text that is exactly the canonical form of the time it stands for
 * (weekday and date consistent, no leap second) takes this path; anything
 * else goes through timestamptz input as before.
 */
static bool
http_date_value(const char *text, Datum *result)
{
	static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	time_t		when;
	struct tm	tm;
	char		canonical[40];

	if (strlen(text) != 29 ||
		snowfdw_parse_http_date(text, 0, &when) != SNOWFDW_HTTP_DATE_IMF ||
		gmtime_r(&when, &tm) == NULL)
		return false;
	snprintf(canonical, sizeof(canonical), "%s, %02d %s %04d %02d:%02d:%02d GMT",
			 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
			 tm.tm_hour, tm.tm_min, tm.tm_sec);
	if (strcmp(canonical, text) != 0)
		return false;
	*result = TimestampTzGetDatum(time_t_to_timestamptz(when));
	return true;
}

/*
 * snowfdw_json_to_datum
 *		Column value of a JSON field (absent or null: SQL NULL)
 */
static Datum
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
	if (typid == TIMESTAMPTZOID && snowfdw_json_type(value) == SNOWFDW_JSON_STRING)
	{
		Datum		result;

		if (http_date_value(text, &result))
			return result;
	}
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

/*
 * snowfdw_row_converter
 *		Conversion state for the columns of a foreign table
 *
 * retrieved lists the attribute numbers to convert (0 stands for none);
 * NIL means all.
 */
SnowfdwRowConverter *
snowfdw_row_converter(Relation rel, const SnowfdwObjectInfo *info,
					  List *retrieved)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	SnowfdwRowConverter *conv = palloc0(sizeof(SnowfdwRowConverter));
	ListCell   *lc;
	int			i;

	conv->natts = tupdesc->natts;
	conv->relname = pstrdup(RelationGetRelationName(rel));
	conv->needed = palloc0(sizeof(bool) * tupdesc->natts);
	conv->json_names = palloc0(sizeof(char *) * tupdesc->natts);
	conv->column_names = palloc0(sizeof(char *) * tupdesc->natts);
	conv->scope_level = palloc(sizeof(int) * tupdesc->natts);
	conv->in_functions = palloc0(sizeof(FmgrInfo) * tupdesc->natts);
	conv->typioparams = palloc0(sizeof(Oid) * tupdesc->natts);
	foreach(lc, retrieved)
	{
		int			attnum = lfirst_int(lc);

		if (attnum >= 1 && attnum <= tupdesc->natts)
			conv->needed[attnum - 1] = true;
	}
	for (i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i);
		Oid			infunc;

		conv->scope_level[i] = -1;
		if ((retrieved != NIL && !conv->needed[i]) || attr->attisdropped)
		{
			conv->needed[i] = false;
			continue;
		}
		conv->needed[i] = true;
		conv->json_names[i] = snowfdw_column_json_name(RelationGetRelid(rel), i + 1);
		conv->column_names[i] = pstrdup(NameStr(attr->attname));
		conv->scope_level[i] = snowfdw_scope_level(info, conv->json_names[i]);
		getTypeInputInfo(attr->atttypid, &infunc, &conv->typioparams[i]);
		fmgr_info(infunc, &conv->in_functions[i]);
	}
	return conv;
}

/*
 * conversion_error_callback
 *		Error context naming the column being converted
 */
static void
conversion_error_callback(void *arg)
{
	SnowfdwRowConverter *conv = (SnowfdwRowConverter *) arg;

	if (conv->current_attnum > 0)
		errcontext("column \"%s\" of foreign table \"%s\"",
				   conv->column_names[conv->current_attnum - 1],
				   conv->relname);
}

/*
 * snowfdw_convert_row
 *		Column values of one listed object, in the current memory context
 *
 * Scope columns come from the path the object was listed under, which is
 * authoritative; other columns from the object's fields.
 */
void
snowfdw_convert_row(SnowfdwRowConverter *conv, TupleDesc tupdesc,
					SnowfdwJson *row, char **scope, Datum *values, bool *nulls)
{
	ErrorContextCallback errcallback;
	int			i;

	errcallback.callback = conversion_error_callback;
	errcallback.arg = conv;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	for (i = 0; i < conv->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(tupdesc, i);

		nulls[i] = true;
		values[i] = (Datum) 0;
		if (!conv->needed[i])
			continue;
		/* a field lookup is linear in the object's members: millions may come */
		CHECK_FOR_INTERRUPTS();
		conv->current_attnum = i + 1;
		if (conv->scope_level[i] >= 0)
		{
			values[i] = InputFunctionCall(&conv->in_functions[i],
										  scope[conv->scope_level[i]],
										  conv->typioparams[i], attr->atttypmod);
			nulls[i] = false;
		}
		else
			values[i] = snowfdw_json_to_datum(snowfdw_json_object_field(row, conv->json_names[i]),
											  attr->atttypid, attr->atttypmod,
											  &conv->in_functions[i],
											  conv->typioparams[i], &nulls[i]);
	}
	conv->current_attnum = 0;
	error_context_stack = errcallback.previous;
}
