/*-------------------------------------------------------------------------
 *
 * objects.c
 *		  The Snowflake object kinds snowfdw exposes, and their REST paths
 *
 * One table describes each kind: the fields of its REST model (from the
 * official OpenAPI spec) with their types and writability, which path
 * parameters scope it and which kinds those name, which list parameters its
 * list endpoint declares and which writes it has.  One builder turns a
 * kind, an action, a scope and a name into a request path; requests and
 * EXPLAIN both call it, EXPLAIN with {column} for what only a row or a join
 * gives, so that what EXPLAIN shows is what is sent.  Identifier quoting and
 * percent-encoding of path segments and query values are done here too
 * (wrapping the backend-free ident.c and httptext.c).
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/objects.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/rel.h"

#include "model/objects.h"
#include "model/options.h"
#include "text/httptext.h"
#include "text/ident.h"

static void snowfdw_append_path_segment(StringInfo buf, const char *segment);

const char *const snowfdw_scope_columns[SNOWFDW_MAX_SCOPES] = {
	"database_name", "schema_name", "stage_name"
};

/* Database model (database.yaml); used only to enumerate databases */
static const SnowfdwFieldInfo database_fields[] = {
	{"name", SNOWFDW_FIELD_TEXT, false, false, true},
	{"created_on", SNOWFDW_FIELD_TIMESTAMPTZ, true, false, false},
	{"kind", SNOWFDW_FIELD_TEXT, false, false, false},
	{"comment", SNOWFDW_FIELD_TEXT, false, false, false},
	{"owner", SNOWFDW_FIELD_TEXT, true, false, false},
	{"dropped_on", SNOWFDW_FIELD_TIMESTAMPTZ, true, false, false},
	{NULL}
};

/* Schema model (schema.yaml) */
static const SnowfdwFieldInfo schema_fields[] = {
	{"name", SNOWFDW_FIELD_TEXT, false, false, true},
	{"created_on", SNOWFDW_FIELD_TIMESTAMPTZ, true, false, false},
	{"kind", SNOWFDW_FIELD_TEXT, false, false, false},
	{"is_default", SNOWFDW_FIELD_BOOLEAN, true, false, false},
	{"is_current", SNOWFDW_FIELD_BOOLEAN, true, false, false},
	{"database_name", SNOWFDW_FIELD_TEXT, true, false, false},
	{"owner", SNOWFDW_FIELD_TEXT, true, false, false},
	{"comment", SNOWFDW_FIELD_TEXT, false, false, false},
	{"options", SNOWFDW_FIELD_TEXT, true, false, false},
	{"managed_access", SNOWFDW_FIELD_BOOLEAN, false, false, false},
	{"retention_time", SNOWFDW_FIELD_INTEGER, true, false, false},
	{"dropped_on", SNOWFDW_FIELD_TIMESTAMPTZ, true, false, false},
	{"owner_role_type", SNOWFDW_FIELD_TEXT, true, false, false},
	{"budget", SNOWFDW_FIELD_TEXT, true, false, false},
	{"data_retention_time_in_days", SNOWFDW_FIELD_INTEGER, false, false, false},
	{"default_ddl_collation", SNOWFDW_FIELD_TEXT, false, false, false},
	{"log_level", SNOWFDW_FIELD_TEXT, false, false, false},
	{"pipe_execution_paused", SNOWFDW_FIELD_BOOLEAN, false, false, false},
	{"max_data_extension_time_in_days", SNOWFDW_FIELD_INTEGER, false, false, false},
	{"suspend_task_after_num_failures", SNOWFDW_FIELD_INTEGER, false, false, false},
	{"trace_level", SNOWFDW_FIELD_TEXT, false, false, false},
	{"user_task_managed_initial_warehouse_size", SNOWFDW_FIELD_TEXT, false, false, false},
	{"user_task_timeout_ms", SNOWFDW_FIELD_BIGINT, false, false, false},
	{"serverless_task_min_statement_size", SNOWFDW_FIELD_TEXT, false, false, false},
	{"serverless_task_max_statement_size", SNOWFDW_FIELD_TEXT, false, false, false},
	{NULL}
};

/* Stage model (stage.yaml); credentials and encryption are write-only */
static const SnowfdwFieldInfo stage_fields[] = {
	{"name", SNOWFDW_FIELD_TEXT, false, false, true},
	{"kind", SNOWFDW_FIELD_TEXT, false, false, false},
	{"url", SNOWFDW_FIELD_TEXT, false, false, false},
	{"endpoint", SNOWFDW_FIELD_TEXT, false, false, false},
	{"storage_integration", SNOWFDW_FIELD_TEXT, false, false, false},
	{"comment", SNOWFDW_FIELD_TEXT, false, false, false},
	{"credentials", SNOWFDW_FIELD_JSONB, false, true, false},
	{"encryption", SNOWFDW_FIELD_JSONB, false, true, false},
	{"directory_table", SNOWFDW_FIELD_JSONB, false, false, false},
	{"created_on", SNOWFDW_FIELD_TIMESTAMPTZ, true, false, false},
	{"has_credentials", SNOWFDW_FIELD_BOOLEAN, true, false, false},
	{"has_encryption_key", SNOWFDW_FIELD_BOOLEAN, true, false, false},
	{"owner", SNOWFDW_FIELD_TEXT, true, false, false},
	{"owner_role_type", SNOWFDW_FIELD_TEXT, true, false, false},
	{"region", SNOWFDW_FIELD_TEXT, true, false, false},
	{"cloud", SNOWFDW_FIELD_TEXT, true, false, false},
	{NULL}
};

/* Stream model (stream.yaml) */
static const SnowfdwFieldInfo stream_fields[] = {
	{"name", SNOWFDW_FIELD_TEXT, false, false, true},
	{"created_on", SNOWFDW_FIELD_TIMESTAMPTZ, true, false, false},
	{"stream_source", SNOWFDW_FIELD_JSONB, false, false, true},
	{"comment", SNOWFDW_FIELD_TEXT, false, false, false},
	{"database_name", SNOWFDW_FIELD_TEXT, true, false, false},
	{"schema_name", SNOWFDW_FIELD_TEXT, true, false, false},
	{"owner", SNOWFDW_FIELD_TEXT, true, false, false},
	{"table_name", SNOWFDW_FIELD_TEXT, true, false, false},
	{"stale", SNOWFDW_FIELD_BOOLEAN, true, false, false},
	{"mode", SNOWFDW_FIELD_TEXT, true, false, false},
	{"stale_after", SNOWFDW_FIELD_TIMESTAMPTZ, true, false, false},
	{"invalid_reason", SNOWFDW_FIELD_TEXT, true, false, false},
	{"owner_role_type", SNOWFDW_FIELD_TEXT, true, false, false},
	{"type", SNOWFDW_FIELD_TEXT, true, false, false},
	{NULL}
};

/* StageFile model (stage.yaml); size is a string there, bigint here */
static const SnowfdwFieldInfo stage_file_fields[] = {
	{"name", SNOWFDW_FIELD_TEXT, false, false, false},
	{"size", SNOWFDW_FIELD_BIGINT, true, false, false},
	{"md5", SNOWFDW_FIELD_TEXT, true, false, false},
	{"last_modified", SNOWFDW_FIELD_TIMESTAMPTZ, true, false, false},
	{NULL}
};

#define LIST_FULL (SNOWFDW_PARAM_LIKE | SNOWFDW_PARAM_STARTS_WITH | \
				   SNOWFDW_PARAM_SHOW_LIMIT | SNOWFDW_PARAM_FROM_NAME)

static const SnowfdwObjectInfo objects[] = {
	{SNOWFDW_OBJECT_DATABASES, "databases", "remote_databases", "databases",
	 "database", 0, LIST_FULL | SNOWFDW_PARAM_HISTORY,
	 true, false, false, false, database_fields},
	{SNOWFDW_OBJECT_SCHEMAS, "schemas", "remote_schemas", "schemas",
	 "schema", 1, LIST_FULL | SNOWFDW_PARAM_HISTORY,
	 true, true, true, true, schema_fields},
	{SNOWFDW_OBJECT_STAGES, "stages", "remote_stages", "stages",
	 "stage", 2, SNOWFDW_PARAM_LIKE,
	 true, true, true, false, stage_fields},
	{SNOWFDW_OBJECT_STREAMS, "streams", "remote_streams", "streams",
	 "stream", 2, LIST_FULL,
	 true, true, true, false, stream_fields},
	{SNOWFDW_OBJECT_STAGE_FILES, "stage_files", "stage_files", "files",
	 "stage file", 3, SNOWFDW_PARAM_PATTERN,
	 false, false, false, false, stage_file_fields},
};

/*
 * snowfdw_object_info
 *		Description of an object kind
 */
const SnowfdwObjectInfo *
snowfdw_object_info(SnowfdwObjectKind kind)
{
	int			i;

	for (i = 0; i < (int) lengthof(objects); i++)
		if (objects[i].kind == kind)
			return &objects[i];
	elog(ERROR, "unrecognized snowfdw object kind: %d", (int) kind);
	return NULL;				/* keep compiler quiet */
}

/*
 * snowfdw_object_by_option
 *		Object kind named by the "object" table option, or NULL
 *
 * Databases are not offered: they serve only enumeration.
 */
const SnowfdwObjectInfo *
snowfdw_object_by_option(const char *value)
{
	int			i;

	for (i = 0; i < (int) lengthof(objects); i++)
		if (objects[i].kind != SNOWFDW_OBJECT_DATABASES &&
			strcmp(objects[i].object_option, value) == 0)
			return &objects[i];
	return NULL;
}

/*
 * snowfdw_object_by_table_name
 *		Object kind whose IMPORT table name is name, or NULL
 */
const SnowfdwObjectInfo *
snowfdw_object_by_table_name(const char *name)
{
	int			i;

	for (i = 0; i < (int) lengthof(objects); i++)
		if (objects[i].kind != SNOWFDW_OBJECT_DATABASES &&
			strcmp(objects[i].table_name, name) == 0)
			return &objects[i];
	return NULL;
}

/*
 * snowfdw_relation_object
 *		Object kind a foreign table exposes
 *
 * The "object" option decides; without it, the table's own name must be one
 * of the names IMPORT FOREIGN SCHEMA uses.
 */
const SnowfdwObjectInfo *
snowfdw_relation_object(Relation rel, SnowfdwOptions *options)
{
	const SnowfdwObjectInfo *info;

	if (options->object)
		return snowfdw_object_by_option(options->object);	/* validated */
	info = snowfdw_object_by_table_name(RelationGetRelationName(rel));
	if (info == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("foreign table \"%s\" does not say which Snowflake objects it lists",
						RelationGetRelationName(rel)),
				 errhint("Add OPTIONS (object 'schemas'), or 'stages', 'streams' or 'stage_files'.")));
	return info;
}

/*
 * snowfdw_find_field
 *		Model field by name, or NULL
 */
const SnowfdwFieldInfo *
snowfdw_find_field(const SnowfdwObjectInfo *info, const char *name)
{
	const SnowfdwFieldInfo *field;

	for (field = info->fields; field->name; field++)
		if (strcmp(field->name, name) == 0)
			return field;
	return NULL;
}

/*
 * snowfdw_field_type_name
 *		SQL type IMPORT FOREIGN SCHEMA declares for a field type
 */
const char *
snowfdw_field_type_name(SnowfdwFieldType type)
{
	switch (type)
	{
		case SNOWFDW_FIELD_TEXT:
			return "text";
		case SNOWFDW_FIELD_BOOLEAN:
			return "boolean";
		case SNOWFDW_FIELD_INTEGER:
			return "integer";
		case SNOWFDW_FIELD_BIGINT:
			return "bigint";
		case SNOWFDW_FIELD_TIMESTAMPTZ:
			return "timestamptz";
		case SNOWFDW_FIELD_JSONB:
			return "jsonb";
	}
	elog(ERROR, "unrecognized snowfdw field type: %d", (int) type);
	return NULL;				/* keep compiler quiet */
}

/*
 * snowfdw_scope_level
 *		Scope level a column name stands for in this kind, or -1
 */
int
snowfdw_scope_level(const SnowfdwObjectInfo *info, const char *column)
{
	int			level;

	for (level = 0; level < info->nscopes; level++)
		if (strcmp(snowfdw_scope_columns[level], column) == 0)
			return level;
	return -1;
}

/*
 * snowfdw_quote_identifier
 *		Snowflake identifier that resolves exactly to the stored name
 *
 * palloc'd wrapper of snowfdw_ident_quote (ident.c).
 */
char *
snowfdw_quote_identifier(const char *name)
{
	size_t		len = snowfdw_ident_quote(NULL, 0, name);
	char	   *result = palloc(len + 1);

	snowfdw_ident_quote(result, len + 1, name);
	return result;
}

/*
 * append_encoded
 *		Percent-encode everything but RFC 3986 unreserved characters
 *
 * StringInfo wrapper of snowfdw_percent_encode (httptext.c).
 */
static void
append_encoded(StringInfo buf, const char *text)
{
	size_t		textlen = strlen(text);
	size_t		len = snowfdw_percent_encode(NULL, 0, text, textlen);

	enlargeStringInfo(buf, len);
	snowfdw_percent_encode(buf->data + buf->len, len + 1, text, textlen);
	buf->len += len;
}

/*
 * snowfdw_append_path_segment
 *		Append "/" and one percent-encoded path segment
 */
static void
snowfdw_append_path_segment(StringInfo buf, const char *segment)
{
	appendStringInfoChar(buf, '/');
	append_encoded(buf, segment);
}

/*
 * snowfdw_append_query
 *		Append one encoded query parameter, with "?" or "&" as needed
 */
void
snowfdw_append_query(StringInfo buf, const char *key, const char *value)
{
	appendStringInfoChar(buf, strchr(buf->data, '?') ? '&' : '?');
	append_encoded(buf, key);
	appendStringInfoChar(buf, '=');
	append_encoded(buf, value);
}

/* Method of each action, indexed by SnowfdwAction */
static const char *const action_methods[] = {
	[SNOWFDW_ACTION_LIST] = "GET",
	[SNOWFDW_ACTION_FETCH] = "GET",
	[SNOWFDW_ACTION_CREATE] = "POST",
	[SNOWFDW_ACTION_REPLACE] = "PUT",
	[SNOWFDW_ACTION_DROP] = "DELETE",
	[SNOWFDW_ACTION_CLONE] = "POST",
	[SNOWFDW_ACTION_UNDROP] = "POST",
	[SNOWFDW_ACTION_PRESIGN] = "POST",
};

/* What follows the object's segment, indexed by SnowfdwAction */
static const char *const action_suffixes[] = {
	[SNOWFDW_ACTION_CLONE] = ":clone",
	[SNOWFDW_ACTION_UNDROP] = ":undrop",
	[SNOWFDW_ACTION_PRESIGN] = ":presigned-url",
};

/*
 * snowfdw_action_method
 *		HTTP method of an action
 */
const char *
snowfdw_action_method(SnowfdwAction action)
{
	return action_methods[action];
}

/*
 * snowfdw_scope_object
 *		Kind whose objects give the names at a scope level
 *
 * Databases above schemas above stages: a scope level is enumerated by
 * listing its kind, and its path segments are that kind's collection.
 */
const SnowfdwObjectInfo *
snowfdw_scope_object(int level)
{
	static const SnowfdwObjectKind scope_kinds[SNOWFDW_MAX_SCOPES] = {
		SNOWFDW_OBJECT_DATABASES, SNOWFDW_OBJECT_SCHEMAS, SNOWFDW_OBJECT_STAGES
	};

	Assert(level >= 0 && level < SNOWFDW_MAX_SCOPES);
	return snowfdw_object_info(scope_kinds[level]);
}

/*
 * append_value_segment
 *		Append a path parameter: the quoted name, or {placeholder} when the
 *		value is known only when the request is sent (EXPLAIN)
 */
static void
append_value_segment(StringInfo buf, const char *value,
					 const char *placeholder)
{
	if (value)
		snowfdw_append_path_segment(buf, snowfdw_quote_identifier(value));
	else
		appendStringInfo(buf, "/{%s}", placeholder);
}

/*
 * snowfdw_append_request_path
 *		Append the path of an action on a kind under the given scope
 *
 * The one path builder: requests pass every value, EXPLAIN passes NULL
 * for the values a row or a join gives at run time, so that what EXPLAIN
 * shows is what is sent.  Collection actions (list, create) take no name.
 * The file path of a presign is one segment sent as given: it is a path
 * inside the stage, not an identifier.
 */
void
snowfdw_append_request_path(StringInfo buf, const SnowfdwObjectInfo *info,
							SnowfdwAction action, const char *const *scope,
							const char *name)
{
	int			level;

	appendStringInfoString(buf, "/api/v2");
	for (level = 0; level < info->nscopes; level++)
	{
		appendStringInfo(buf, "/%s", snowfdw_scope_object(level)->collection);
		append_value_segment(buf, scope ? scope[level] : NULL,
							 snowfdw_scope_columns[level]);
	}
	appendStringInfo(buf, "/%s", info->collection);
	if (action == SNOWFDW_ACTION_LIST || action == SNOWFDW_ACTION_CREATE)
		return;
	if (action == SNOWFDW_ACTION_PRESIGN && name)
		snowfdw_append_path_segment(buf, name);
	else
		append_value_segment(buf, name, "name");
	if (action < (int) lengthof(action_suffixes) && action_suffixes[action])
		appendStringInfoString(buf, action_suffixes[action]);
}

/*
 * snowfdw_request_path
 *		palloc'd path of an action, see snowfdw_append_request_path
 */
char *
snowfdw_request_path(const SnowfdwObjectInfo *info, SnowfdwAction action,
					 const char *const *scope, const char *name)
{
	StringInfoData buf;

	initStringInfo(&buf);
	snowfdw_append_request_path(&buf, info, action, scope, name);
	return buf.data;
}

/*
 * append_page_query
 *		showLimit and fromName of one page of a keyset-paged list call;
 *		returns the showLimit sent, 0 for none
 *
 * A continuation page (from_name set) asks for one row more: services that
 * repeat the fromName row still deliver a full page of new rows.
 */
static int64
append_page_query(StringInfo buf, int64 show_limit, const char *from_name)
{
	if (show_limit > 0)
	{
		if (from_name)
			show_limit = Min(show_limit + 1, SNOWFDW_MAX_PAGE_SIZE);
		snowfdw_append_query(buf, "showLimit",
							 psprintf(INT64_FORMAT, show_limit));
	}
	if (from_name)
		snowfdw_append_query(buf, "fromName", from_name);
	return show_limit;
}

/*
 * append_placeholder
 *		Append a query parameter known only at run time, as {what}
 */
static void
append_placeholder(StringInfo buf, const char *what)
{
	appendStringInfoChar(buf, strchr(buf->data, '?') ? '&' : '?');
	appendStringInfo(buf, "{%s}", what);
}

/*
 * snowfdw_list_request_path
 *		Path and query of a final list request; *show_limit is the showLimit
 *		sent, 0 for none
 *
 * NULL scope values show as {column}; the query's placeholders as
 * {name_filter} and showLimit={limit} (EXPLAIN at plan time).
 */
char *
snowfdw_list_request_path(const SnowfdwObjectInfo *info,
						  const char *const *scope,
						  const SnowfdwListQuery *query,
						  const char *from_name, int64 *show_limit)
{
	StringInfoData buf;

	initStringInfo(&buf);
	snowfdw_append_request_path(&buf, info, SNOWFDW_ACTION_LIST, scope, NULL);
	if (query->like)
		snowfdw_append_query(&buf, "like", query->like);
	if (query->starts_with)
		snowfdw_append_query(&buf, "startsWith", query->starts_with);
	if (query->pattern)
		snowfdw_append_query(&buf, "pattern", query->pattern);
	if (query->name_filter_placeholder)
		append_placeholder(&buf, "name_filter");
	if (query->history)
		snowfdw_append_query(&buf, "history", "true");
	*show_limit = query->show_limit;
	if (query->limit_placeholder && *show_limit > 0)
	{
		appendStringInfoString(&buf, strchr(buf.data, '?') ? "&" : "?");
		appendStringInfoString(&buf, "showLimit={limit}");
	}
	else
		*show_limit = append_page_query(&buf, *show_limit, from_name);
	return buf.data;
}

/*
 * snowfdw_enumeration_path
 *		Path and query listing the names of a scope level under the levels
 *		above it; *show_limit as for snowfdw_list_request_path
 */
char *
snowfdw_enumeration_path(int level, const char *const *scope, int page_size,
						 const char *from_name, int64 *show_limit)
{
	const SnowfdwObjectInfo *parent = snowfdw_scope_object(level);
	StringInfoData buf;
	bool		paged = (parent->list_params & SNOWFDW_PARAM_SHOW_LIMIT) &&
		(parent->list_params & SNOWFDW_PARAM_FROM_NAME);

	initStringInfo(&buf);
	snowfdw_append_request_path(&buf, parent, SNOWFDW_ACTION_LIST, scope,
								NULL);
	*show_limit = append_page_query(&buf, paged ? page_size : 0, from_name);
	return buf.data;
}
