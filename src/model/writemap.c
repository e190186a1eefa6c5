/*-------------------------------------------------------------------------
 *
 * writemap.c
 *		  A row to the write request Snowflake gets: path, query and body
 *
 * First, what a kind lets a write do at all (stage files are read-only,
 * only schemas have a PUT), refused with a hint at what would work.  The
 * path and query of a row's call (createMode, copyGrants, ifExists,
 * restrict) are built here, over objects.c's path builder, for the call
 * and for EXPLAIN alike.
 *
 * A write sends the model fields that columns map to: INSERT the non-null
 * columns of the new row, UPDATE (a PUT of the full definition) the SET
 * columns merged into the object as fetched.  Each value is sent as its
 * field's JSON type, checked first, so that a bad value is refused here
 * with the column's name rather than by Snowflake with a field's.
 * Columns that map to no field of the model, or to one that Snowflake sets
 * itself, are refused too, as a column's error, and so are UPDATEs of the
 * name and scope columns (Snowflake renames are not REST calls).  The write
 * map also tells which columns hold the name and scope that address the
 * object, and a new object's scope comes from them here.
 *
 * Reading an object back (RETURNING) is the scan's conversion, in
 * mapping.c; modify.c makes the calls.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/writemap.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "model/mapping.h"
#include "model/objects.h"
#include "model/options.h"
#include "model/writemap.h"
#include "transport/json.h"

static char *snowfdw_column_name(Relation rel, AttrNumber attnum);

static void snowfdw_check_writable(Relation rel, const SnowfdwObjectInfo *info,
								   const SnowfdwFieldInfo *field,
								   AttrNumber attnum, const char *json_name,
								   CmdType operation);

/*
 * snowfdw_operation_verb
 *		"insert into", "update" or "delete from", for messages
 */
const char *
snowfdw_operation_verb(CmdType operation)
{
	switch (operation)
	{
		case CMD_INSERT:
			return "insert into";
		case CMD_UPDATE:
			return "update";
		default:
			return "delete from";
	}
}

/*
 * snowfdw_check_modify_allowed
 *		Raise a helpful error for modifications the REST API cannot do
 */
void
snowfdw_check_modify_allowed(Relation rel, const SnowfdwObjectInfo *info,
							 CmdType operation)
{
	const char *relname = RelationGetRelationName(rel);

	if (info->kind == SNOWFDW_OBJECT_STAGE_FILES)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot %s foreign table \"%s\"",
						snowfdw_operation_verb(operation), relname),
				 errdetail("Stage files are read-only: the Snowflake REST API lists them but cannot upload, change or remove them."),
				 errhint("Use snowfdw_presign() for a download URL of a file; upload and remove files with a Snowflake client (PUT, REMOVE).")));
	if (operation == CMD_UPDATE && !info->has_put)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot update foreign table \"%s\"", relname),
				 errdetail("The Snowflake REST API has no create-or-alter (PUT) endpoint for %ss.",
						   info->noun),
				 errhint("Replace the %s instead: INSERT its full definition with SET snowfdw.create_mode = 'orReplace' (or the table option create_mode), or DELETE it and INSERT it again.",
						 info->noun)));
	if ((operation == CMD_INSERT && !info->has_create) ||
		(operation == CMD_DELETE && !info->has_delete))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot %s foreign table \"%s\"",
						snowfdw_operation_verb(operation), relname),
				 errdetail("The Snowflake REST API offers no such call for %ss.",
						   info->noun)));
}

/*
 * snowfdw_insert_create_mode
 *		createMode of an INSERT: ON CONFLICT DO NOTHING means ifNotExists
 */
const char *
snowfdw_insert_create_mode(SnowfdwOptions *options, bool do_nothing)
{
	return do_nothing ? "ifNotExists" : options->create_mode;
}

/*
 * snowfdw_write_path
 *		Path and query of an action on one row's object
 *
 * Rows and EXPLAIN both build it here; EXPLAIN passes NULL for the scope
 * values and name a row gives, which show as {column}.
 */
char *
snowfdw_write_path(const SnowfdwObjectInfo *info, SnowfdwOptions *options,
				   SnowfdwAction action, const char *const *scope,
				   const char *name, const char *create_mode)
{
	StringInfoData buf;

	initStringInfo(&buf);
	snowfdw_append_request_path(&buf, info, action, scope, name);
	if (action == SNOWFDW_ACTION_CREATE)
	{
		snowfdw_append_query(&buf, "createMode", create_mode);
		if (info->kind == SNOWFDW_OBJECT_STREAMS && options->copy_grants)
			snowfdw_append_query(&buf, "copyGrants", "true");
	}
	else if (action == SNOWFDW_ACTION_DROP)
	{
		snowfdw_append_query(&buf, "ifExists", "true");
		if (info->kind == SNOWFDW_OBJECT_SCHEMAS && options->restrict_drop)
			snowfdw_append_query(&buf, "restrict", "true");
	}
	return buf.data;
}

/*
 * snowfdw_write_map
 *		The field and role of each column of a foreign table, for writes
 */
SnowfdwWriteMap *
snowfdw_write_map(Relation rel, const SnowfdwObjectInfo *info)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	SnowfdwWriteMap *map = palloc0(sizeof(SnowfdwWriteMap));
	int			i;

	map->rel = rel;
	map->relname = pstrdup(RelationGetRelationName(rel));
	map->info = info;
	map->natts = tupdesc->natts;
	map->json_names = palloc0(sizeof(char *) * tupdesc->natts);
	map->scope_level = palloc(sizeof(int) * tupdesc->natts);
	map->fields = palloc0(sizeof(SnowfdwFieldInfo *) * tupdesc->natts);
	for (i = 0; i < tupdesc->natts; i++)
	{
		map->scope_level[i] = -1;
		if (TupleDescAttr(tupdesc, i)->attisdropped)
			continue;
		map->json_names[i] = snowfdw_column_json_name(RelationGetRelid(rel),
													  i + 1);
		map->scope_level[i] = snowfdw_scope_level(info, map->json_names[i]);
		map->fields[i] = snowfdw_find_field(info, map->json_names[i]);
		if (map->scope_level[i] >= 0)
		{
			if (map->scope_attnums[map->scope_level[i]] == 0)
				map->scope_attnums[map->scope_level[i]] = i + 1;
		}
		else if (strcmp(map->json_names[i], "name") == 0 &&
				 map->name_attnum == 0)
			map->name_attnum = i + 1;
		else if (strcmp(map->json_names[i], "dropped_on") == 0 &&
				 map->fields[i] != NULL && map->dropped_attnum == 0)
			map->dropped_attnum = i + 1;
	}
	return map;
}

/*
 * snowfdw_column_name
 *		Name of a column of the table, for messages
 */
static char *
snowfdw_column_name(Relation rel, AttrNumber attnum)
{
	return NameStr(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attname);
}

/*
 * snowfdw_column_text
 *		Text form of a column value
 */
char *
snowfdw_column_text(Relation rel, AttrNumber attnum, Datum value)
{
	Oid			output;
	bool		varlena;

	getTypeOutputInfo(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid,
					  &output, &varlena);
	return OidOutputFunctionCall(output, value);
}

/*
 * report_read_only
 *		Raise the error for a value given to a read-only column
 */
static void
report_read_only(Relation rel, AttrNumber attnum, const char *json_name,
				 CmdType operation)
{
	ereport(ERROR,
			(errcode(ERRCODE_GENERATED_ALWAYS),
			 errmsg("cannot set read-only column \"%s\" of foreign table \"%s\"",
					snowfdw_column_name(rel, attnum), RelationGetRelationName(rel)),
			 errdetail("Snowflake sets \"%s\" itself; snowfdw never sends it.",
					   json_name),
			 operation == CMD_INSERT ?
			 errhint("Leave the column out of the INSERT, or give it NULL.") :
			 errhint("Leave the column out of the SET list.")));
}

/*
 * report_unknown_field
 *		Raise the error for a column that maps to no field of the model
 */
static void
report_unknown_field(Relation rel, AttrNumber attnum, const char *json_name,
					 const SnowfdwObjectInfo *info)
{
	ereport(ERROR,
			(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
			 errmsg("column \"%s\" of foreign table \"%s\" maps to no field of a Snowflake %s",
					snowfdw_column_name(rel, attnum), RelationGetRelationName(rel),
					info->noun),
			 errdetail("The column stands for the JSON field \"%s\".", json_name),
			 errhint("Set the column option column_name to a field of the %s model, or leave the column NULL.",
					 info->noun)));
}

/*
 * snowfdw_check_writable
 *		Refuse a value for a column whose field (NULL: none) is not sent
 */
static void
snowfdw_check_writable(Relation rel, const SnowfdwObjectInfo *info,
					   const SnowfdwFieldInfo *field, AttrNumber attnum,
					   const char *json_name, CmdType operation)
{
	if (field == NULL)
		report_unknown_field(rel, attnum, json_name, info);
	if (field->read_only)
		report_read_only(rel, attnum, json_name, operation);
}

/*
 * snowfdw_check_update_column
 *		Refuse an UPDATE of a column that renames, moves or is not sent
 */
void
snowfdw_check_update_column(Relation rel, const SnowfdwObjectInfo *info,
							AttrNumber attnum)
{
	char	   *json_name = snowfdw_column_json_name(RelationGetRelid(rel),
													 attnum);

	if (strcmp(json_name, "name") == 0 ||
		snowfdw_scope_level(info, json_name) >= 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("cannot change column \"%s\" of foreign table \"%s\"",
						snowfdw_column_name(rel, attnum),
						RelationGetRelationName(rel)),
				 errdetail("Snowflake renames are not supported through the REST API: UPDATE cannot rename a %s or move it to another %s.",
						   info->noun,
						   info->nscopes == 1 ? "database" : "database or schema"),
				 errhint("Rename the %s in Snowflake with ALTER %s ... RENAME TO.",
						 info->noun, info->kind == SNOWFDW_OBJECT_SCHEMAS ?
						 "SCHEMA" : info->kind == SNOWFDW_OBJECT_STAGES ?
						 "STAGE" : "STREAM")));
	snowfdw_check_writable(rel, info, snowfdw_find_field(info, json_name),
						   attnum, json_name, CMD_UPDATE);
}

/*
 * snowfdw_new_object_scope
 *		One scope level of a new object: its column, else the table option
 *
 * option is the table option that fixes the level, or NULL; a column value
 * must agree with it.
 */
char *
snowfdw_new_object_scope(SnowfdwWriteMap *map, TupleTableSlot *slot,
						 int level, const char *option)
{
	AttrNumber	attnum = map->scope_attnums[level];
	const char *option_name = snowfdw_scope_option_name(level);
	const char *noun = snowfdw_scope_object(level)->noun;
	char	   *value;

	if (attnum != 0 && !slot->tts_isnull[attnum - 1])
	{
		value = snowfdw_column_text(map->rel, attnum,
									slot->tts_values[attnum - 1]);
		if (option && strcmp(option, value) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("value \"%s\" of column \"%s\" does not match option \"%s\" of foreign table \"%s\"",
							value, snowfdw_column_name(map->rel, attnum),
							option_name, map->relname),
					 errdetail("The table option fixes the %s to \"%s\".",
							   noun, option)));
		return value;
	}
	if (option == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("null value in column \"%s\" of foreign table \"%s\"",
						snowfdw_scope_columns[level], map->relname),
				 errdetail("A new Snowflake %s needs the %s it belongs to.",
						   map->info->noun, noun),
				 errhint("Give column \"%s\" a value, or set the table option \"%s\".",
						 snowfdw_scope_columns[level], option_name)));
	return pstrdup(option);
}

/*
 * is_identifier_field
 *		Whether a model field is a Snowflake identifier (quoted when sent)
 *
 * Columns hold stored names, as the scan returns them; a request needs the
 * identifier that resolves to exactly that name.
 */
static bool
is_identifier_field(const SnowfdwFieldInfo *field)
{
	return strcmp(field->name, "name") == 0 ||
		strcmp(field->name, "storage_integration") == 0;
}

/*
 * report_bad_value
 *		Raise the error for a column value its field cannot take
 */
static void
report_bad_value(SnowfdwWriteMap *map, AttrNumber attnum,
				 const char *text, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid value for column \"%s\" of foreign table \"%s\": \"%s\"",
					snowfdw_column_name(map->rel, attnum), map->relname, text),
			 errdetail("Snowflake field \"%s\" takes %s.",
					   map->json_names[attnum - 1], expected)));
}

/*
 * is_integer_text
 *		Whether text is an optionally signed run of decimal digits
 */
static bool
is_integer_text(const char *text)
{
	const char *p = text;

	if (*p == '-' || *p == '+')
		p++;
	if (*p == '\0')
		return false;
	for (; *p; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/*
 * add_field_value
 *		Add a column value to a request body as its field's JSON type
 */
static void
add_field_value(SnowfdwWriteMap *map, SnowfdwJsonBuilder *body,
				AttrNumber attnum, Datum value)
{
	const SnowfdwFieldInfo *field = map->fields[attnum - 1];
	Oid			typid = TupleDescAttr(RelationGetDescr(map->rel), attnum - 1)->atttypid;
	bool		is_text;
	char	   *text = snowfdw_datum_to_json(value, typid, &is_text);

	if (is_identifier_field(field))
		snowfdw_json_builder_add_string(body, field->name,
										snowfdw_quote_identifier(is_text ? text :
																 snowfdw_column_text(map->rel, attnum, value)));
	else if (field->type == SNOWFDW_FIELD_JSONB)
	{
		char	   *error = NULL;

		/* text columns must hold JSON; json and jsonb always do */
		if (is_text && snowfdw_json_parse(text, strlen(text), &error) == NULL)
			report_bad_value(map, attnum, text, "JSON");
		snowfdw_json_builder_add_raw(body, field->name, text);
	}
	else if (field->type == SNOWFDW_FIELD_INTEGER ||
			 field->type == SNOWFDW_FIELD_BIGINT)
	{
		if (!is_integer_text(text))
			report_bad_value(map, attnum, text, "an integer");
		snowfdw_json_builder_add_number(body, field->name,
										text[0] == '+' ? text + 1 : text);
	}
	else if (field->type == SNOWFDW_FIELD_BOOLEAN)
	{
		bool		b;

		if (!parse_bool(text, &b))
			report_bad_value(map, attnum, text, "a Boolean value");
		snowfdw_json_builder_add_bool(body, field->name, b);
	}
	else
		snowfdw_json_builder_add_string(body, field->name,
										is_text ? text : snowfdw_column_text(map->rel, attnum, value));
}

/*
 * check_required
 *		Raise the error for a required field that no non-null column gives
 *
 * Run before the body is built, so that a missing field is named rather
 * than some other column's problem.
 */
static void
check_required(SnowfdwWriteMap *map, TupleTableSlot *slot)
{
	const SnowfdwFieldInfo *field;
	int			i;

	for (field = map->info->fields; field->name; field++)
	{
		bool		given = false;

		if (!field->required)
			continue;
		for (i = 0; i < map->natts; i++)
			if (map->fields[i] == field && map->scope_level[i] < 0 &&
				!slot->tts_isnull[i])
				given = true;
		if (!given)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("null value in column \"%s\" of foreign table \"%s\"",
							field->name, map->relname),
					 errdetail("Snowflake needs \"%s\" to create a %s.",
							   field->name, map->info->noun)));
	}
}

/*
 * snowfdw_create_body
 *		Body of a create call: every non-null column but the scope columns
 *
 * The slot's values must be deformed (slot_getallattrs).
 */
char *
snowfdw_create_body(SnowfdwWriteMap *map, TupleTableSlot *slot)
{
	SnowfdwJsonBuilder *body = snowfdw_json_builder_create();
	int			i;

	check_required(map, slot);
	for (i = 0; i < map->natts; i++)
	{
		if (map->json_names[i] == NULL || slot->tts_isnull[i] ||
			map->scope_level[i] >= 0)
			continue;
		snowfdw_check_writable(map->rel, map->info, map->fields[i], i + 1,
							   map->json_names[i], CMD_INSERT);
		add_field_value(map, body, i + 1, slot->tts_values[i]);
	}
	return snowfdw_json_builder_finish(body);
}

/*
 * add_current_value
 *		Add a field of the object as fetched, unless it is null
 */
static void
add_current_value(SnowfdwJsonBuilder *body, const SnowfdwFieldInfo *field,
				  SnowfdwJson *current)
{
	SnowfdwJson *value = snowfdw_json_object_field(current, field->name);

	if (snowfdw_json_type(value) == SNOWFDW_JSON_NULL)
		return;
	if (is_identifier_field(field) &&
		snowfdw_json_type(value) == SNOWFDW_JSON_STRING)
		snowfdw_json_builder_add_string(body, field->name,
										snowfdw_quote_identifier(snowfdw_json_scalar_text(value)));
	else
		snowfdw_json_builder_add_raw(body, field->name,
									 snowfdw_json_to_text(value));
}

/*
 * snowfdw_replace_body
 *		Full definition for a PUT: the object as fetched, with the SET columns
 *
 * updated tells, per attribute, whether UPDATE sets the column; the slot's
 * values must be deformed.  SET col = NULL leaves the field out, so that it
 * returns to its default.
 */
char *
snowfdw_replace_body(SnowfdwWriteMap *map, TupleTableSlot *slot,
					 const bool *updated, const char *name,
					 SnowfdwJson *current)
{
	const SnowfdwObjectInfo *info = map->info;
	SnowfdwJsonBuilder *body = snowfdw_json_builder_create();
	const SnowfdwFieldInfo *field;
	int			i;

	snowfdw_json_builder_add_string(body, "name",
									snowfdw_quote_identifier(name));
	for (field = info->fields; field->name; field++)
	{
		bool		set = false;

		if (field->read_only || strcmp(field->name, "name") == 0 ||
			snowfdw_scope_level(info, field->name) >= 0)
			continue;
		for (i = 0; i < map->natts; i++)
		{
			if (updated[i] && map->fields[i] == field)
			{
				if (!slot->tts_isnull[i])
					add_field_value(map, body, i + 1, slot->tts_values[i]);
				set = true;
				break;
			}
		}
		if (!set)
			add_current_value(body, field, current);
	}
	return snowfdw_json_builder_finish(body);
}
