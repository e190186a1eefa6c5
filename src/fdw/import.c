/*-------------------------------------------------------------------------
 *
 * import.c
 *		  IMPORT FOREIGN SCHEMA: one foreign table per object kind
 *
 * The tables and their columns come from what model/objects.c knows of
 * each kind; LIMIT TO and EXCEPT name the tables, and the statement's
 * options become the tables' scope options.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/import.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "foreign/fdwapi.h"
#include "utils/builtins.h"

#include "fdw/fdw.h"
#include "model/objects.h"
#include "model/options.h"

static List *snowfdwImportForeignSchema(ImportForeignSchemaStmt *stmt,
										Oid serverOid);

/*
 * snowfdw_set_import_routines
 *		Fill the IMPORT FOREIGN SCHEMA member of the FdwRoutine
 */
void
snowfdw_set_import_routines(FdwRoutine *routine)
{
	routine->ImportForeignSchema = snowfdwImportForeignSchema;
}

/*
 * import_table_sql
 *		CREATE FOREIGN TABLE statement for one object kind
 */
static char *
import_table_sql(ImportForeignSchemaStmt *stmt, const SnowfdwObjectInfo *info,
				 const char *server, SnowfdwOptions *opts)
{
	StringInfoData buf;
	const SnowfdwFieldInfo *field;
	int			level;

	initStringInfo(&buf);
	appendStringInfo(&buf, "CREATE FOREIGN TABLE %s.%s (\n",
					 quote_identifier(stmt->local_schema),
					 quote_identifier(info->table_name));
	for (level = 0; level < info->nscopes; level++)
		appendStringInfo(&buf, "  %s text,\n", snowfdw_scope_columns[level]);
	for (field = info->fields; field->name; field++)
	{
		if (snowfdw_scope_level(info, field->name) >= 0)
			continue;
		appendStringInfo(&buf, "  %s %s,\n", quote_identifier(field->name),
						 snowfdw_field_type_name(field->type));
	}
	buf.len -= 2;				/* the last ",\n" */
	appendStringInfo(&buf, "\n) SERVER %s OPTIONS (object %s",
					 quote_identifier(server),
					 quote_literal_cstr(info->object_option));
	for (level = 0; level < info->nscopes; level++)
		if (snowfdw_scope_option(opts, level))
			appendStringInfo(&buf, ", %s %s", snowfdw_scope_option_name(level),
							 quote_literal_cstr(snowfdw_scope_option(opts, level)));
	appendStringInfoString(&buf, ")");
	return buf.data;
}

/*
 * snowfdwImportForeignSchema
 *		Create the four foreign tables of the remote schema "snowflake"
 *
 * IMPORT options database, schema and stage scope the tables they apply to.
 */
static List *
snowfdwImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	static const SnowfdwObjectKind kinds[] = {
		SNOWFDW_OBJECT_SCHEMAS, SNOWFDW_OBJECT_STAGES,
		SNOWFDW_OBJECT_STREAMS, SNOWFDW_OBJECT_STAGE_FILES
	};
	ForeignServer *server = GetForeignServer(serverOid);
	SnowfdwOptions opts;
	List	   *commands = NIL;
	ListCell   *lc;
	int			i;

	if (strcmp(stmt->remote_schema, "snowflake") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("remote schema \"%s\" does not exist on server \"%s\"",
						stmt->remote_schema, server->servername),
				 errhint("The only remote schema is \"snowflake\"; scope it with OPTIONS (database '...', schema '...').")));

	memset(&opts, 0, sizeof(opts));
	foreach(lc, stmt->options)
	{
		DefElem    *def = (DefElem *) lfirst(lc);
		int			level;

		for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
			if (strcmp(def->defname, snowfdw_scope_option_name(level)) == 0)
				break;
		if (level == SNOWFDW_MAX_SCOPES)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", def->defname),
					 errhint("Valid options in this context are: %s, %s, %s.",
							 snowfdw_scope_option_name(SNOWFDW_SCOPE_DATABASE),
							 snowfdw_scope_option_name(SNOWFDW_SCOPE_SCHEMA),
							 snowfdw_scope_option_name(SNOWFDW_SCOPE_STAGE))));
		snowfdw_set_scope_option(&opts, level, defGetString(def));
	}

	/* names in LIMIT TO or EXCEPT must be tables snowfdw offers */
	foreach(lc, stmt->table_list)
	{
		RangeVar   *rv = (RangeVar *) lfirst(lc);

		if (snowfdw_object_by_table_name(rv->relname) == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_TABLE_NOT_FOUND),
					 errmsg("remote table \"%s\" does not exist in remote schema \"snowflake\"",
							rv->relname),
					 errhint("The tables are remote_schemas, remote_stages, remote_streams and stage_files.")));
	}

	for (i = 0; i < (int) lengthof(kinds); i++)
	{
		const SnowfdwObjectInfo *info = snowfdw_object_info(kinds[i]);
		bool		listed = false;

		foreach(lc, stmt->table_list)
			if (strcmp(((RangeVar *) lfirst(lc))->relname, info->table_name) == 0)
				listed = true;
		if ((stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO && !listed) ||
			(stmt->list_type == FDW_IMPORT_SCHEMA_EXCEPT && listed))
			continue;
		commands = lappend(commands,
						   import_table_sql(stmt, info, server->servername, &opts));
	}
	return commands;
}

