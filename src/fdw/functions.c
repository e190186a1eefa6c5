/*-------------------------------------------------------------------------
 *
 * functions.c
 *		  SQL-callable functions for Snowflake actions without a table form
 *
 * Clone and undrop of schemas, clone of streams and presigned URLs of stage
 * files are single REST calls on one object, not rows: each function makes
 * its call with the caller's user mapping and returns Snowflake's status
 * text (or the URL).  Errors are those of a scan: rest.c maps the HTTP
 * status and Snowflake's error body to a SQLSTATE.
 *
 * Like INSERT, UPDATE and DELETE, these calls change Snowflake at once and
 * are not undone by ROLLBACK; they are refused in read-only transactions,
 * as the DML is.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/functions.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "fmgr.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/syscache.h"

#include "calls/connection.h"
#include "calls/report.h"
#include "calls/rest.h"
#include "calls/write.h"
#include "compat.h"
#include "fdw/deferred.h"
#include "model/objects.h"
#include "model/options.h"
#include "transport/json.h"

PG_FUNCTION_INFO_V1(snowfdw_clone_schema);
PG_FUNCTION_INFO_V1(snowfdw_undrop_schema);
PG_FUNCTION_INFO_V1(snowfdw_clone_stream);
PG_FUNCTION_INFO_V1(snowfdw_presign);

/*
 * is_snowfdw_handler
 *		Whether a function is this module's FDW handler
 */
static bool
is_snowfdw_handler(Oid funcid)
{
	HeapTuple	tuple;
	bool		result = false;

	if (!OidIsValid(funcid))
		return false;
	tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (HeapTupleIsValid(tuple))
	{
		Form_pg_proc proc = (Form_pg_proc) GETSTRUCT(tuple);
		bool		isnull;
		Datum		src = SysCacheGetAttr(PROCOID, tuple,
										  Anum_pg_proc_prosrc, &isnull);

		result = proc->prolang == ClanguageId && !isnull &&
			strcmp(TextDatumGetCString(src), "snowfdw_handler") == 0;
		ReleaseSysCache(tuple);
	}
	return result;
}

/*
 * function_connection
 *		Session of the caller's user mapping for a snowfdw server
 *
 * The caller needs USAGE on the server, as for a user mapping of it.
 */
static SnowfdwConnection *
function_connection(Name server_name)
{
	ForeignServer *server = GetForeignServerByName(NameStr(*server_name),
												   false);
	ForeignDataWrapper *fdw = GetForeignDataWrapper(server->fdwid);
	AclResult	aclresult;

	if (!is_snowfdw_handler(fdw->fdwhandler))
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("server \"%s\" is not a snowfdw server",
						server->servername),
				 errdetail("It uses foreign-data wrapper \"%s\".",
						   fdw->fdwname)));
	aclresult = snowfdw_server_aclcheck(server->serverid, GetUserId(),
										 ACL_USAGE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FOREIGN_SERVER, server->servername);
	return snowfdw_get_connection(server->serverid, GetUserId());
}

/*
 * check_pending
 *		The functions act at once: refuse an object that a deferred write
 *		of this transaction changes (defer_writes), not to reorder them
 */
static void
check_pending(Name server_name, SnowfdwObjectKind kind, char *database,
			  char *schema, const char *name, const char *function)
{
	ForeignServer *server = GetForeignServerByName(NameStr(*server_name),
												   false);
	char	   *scope[SNOWFDW_MAX_SCOPES] = {database, schema, NULL};

	snowfdw_defer_check_object(server->serverid, kind, scope, name, function);
}

/*
 * arg_text
 *		A text argument, NULL when SQL NULL; required ones must be non-empty
 */
static char *
arg_text(FunctionCallInfo fcinfo, int argno, const char *argname,
		 bool required)
{
	char	   *value;

	if (PG_ARGISNULL(argno))
	{
		if (required)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("argument \"%s\" must not be null", argname)));
		return NULL;
	}
	value = text_to_cstring(PG_GETARG_TEXT_PP(argno));
	if (value[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("argument \"%s\" must not be empty", argname)));
	return value;
}

/*
 * arg_server
 *		The server argument (always the first), which must not be NULL
 */
static Name
arg_server(FunctionCallInfo fcinfo)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("argument \"%s\" must not be null", "server")));
	return PG_GETARG_NAME(0);
}

/*
 * arg_create_mode
 *		A createMode argument, checked against the spec's values
 */
static char *
arg_create_mode(FunctionCallInfo fcinfo, int argno)
{
	char	   *mode = arg_text(fcinfo, argno, "create_mode", true);

	if (!snowfdw_create_mode_is_valid(mode))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for argument \"create_mode\": \"%s\"",
						mode),
				 errdetail("Expected %s.", snowfdw_create_mode_values())));
	return mode;
}

/*
 * function_write
 *		Run a function's write call and drop the cached answers it made old
 *
 * A call Snowflake refused (a 401, say) changed nothing and drops nothing;
 * after an error the abort drops what may have changed (write.c).
 */
static SnowfdwCall *
function_write(SnowfdwConnection *conn, const char *method, char *path,
			   char *body, bool retry_safe, bool missing_ok)
{
	SnowfdwCall *call = snowfdw_write_call(conn, method, path, body,
										   retry_safe, missing_ok);

	snowfdw_flush_write_invalidations();
	return call;
}

/*
 * status_result
 *		The function result for a call answered with a SuccessResponse
 *
 * Snowflake's "status" text; the raw body if it has none (the result of
 * a polled 202 is untyped in the spec).
 */
static Datum
status_result(SnowfdwCall *call)
{
	const char *status = snowfdw_call_response_string(call, "status");

	if (status != NULL)
		PG_RETURN_TEXT_P(cstring_to_text(status));
	PG_RETURN_TEXT_P(cstring_to_text_with_len(call->response ? call->response : "",
											  call->response ? (int) call->response_len : 0));
}

/*
 * snowfdw_clone_schema
 *		POST .../schemas/{name}:clone: a zero-copy clone, maybe time-travelled
 *
 * Arguments: server, database, name, new_name, target_database,
 * point_of_time_type, point_of_time, reference, create_mode.  The body is
 * a SchemaClone, whose point_of_time follows common.yaml's PointOfTime:
 * {"point_of_time_type": t, "reference": r, t: value} for t one of
 * timestamp, offset and statement.
 */
Datum
snowfdw_clone_schema(PG_FUNCTION_ARGS)
{
	Name		server = arg_server(fcinfo);
	char	   *database = arg_text(fcinfo, 1, "database", true);
	char	   *name = arg_text(fcinfo, 2, "name", true);
	char	   *new_name = arg_text(fcinfo, 3, "new_name", true);
	char	   *scope[SNOWFDW_MAX_SCOPES] = {database, NULL, NULL};
	char	   *target_database = arg_text(fcinfo, 4, "target_database", false);
	char	   *pot_type = arg_text(fcinfo, 5, "point_of_time_type", false);
	char	   *pot_value = arg_text(fcinfo, 6, "point_of_time", false);
	char	   *reference = arg_text(fcinfo, 7, "reference", false);
	char	   *create_mode = arg_create_mode(fcinfo, 8);
	SnowfdwJsonBuilder *body = snowfdw_json_builder_create();
	StringInfoData path;
	SnowfdwCall *call;

	snowfdw_json_builder_add_string(body, "name",
									snowfdw_quote_identifier(new_name));
	if (pot_type != NULL || pot_value != NULL)
	{
		SnowfdwJsonBuilder *pot = snowfdw_json_builder_create();

		if (pot_type == NULL || pot_value == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("arguments \"point_of_time_type\" and \"point_of_time\" must be given together")));
		if (strcmp(pot_type, "timestamp") != 0 &&
			strcmp(pot_type, "offset") != 0 &&
			strcmp(pot_type, "statement") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for argument \"point_of_time_type\": \"%s\"",
							pot_type),
					 errdetail("Expected timestamp, offset or statement.")));
		snowfdw_json_builder_add_string(pot, "point_of_time_type", pot_type);
		if (reference != NULL)
			snowfdw_json_builder_add_string(pot, "reference", reference);
		/* the value's key is the type's name, as in the spec's subtypes */
		snowfdw_json_builder_add_string(pot, pot_type, pot_value);
		snowfdw_json_builder_add_raw(body, "point_of_time",
									 snowfdw_json_builder_finish(pot));
	}

	PreventCommandIfReadOnly("snowfdw_clone_schema()");
	check_pending(server, SNOWFDW_OBJECT_SCHEMAS, database, NULL, name,
				  "snowfdw_clone_schema");
	check_pending(server, SNOWFDW_OBJECT_SCHEMAS,
				  target_database ? target_database : database, NULL, new_name,
				  "snowfdw_clone_schema");
	initStringInfo(&path);
	snowfdw_append_request_path(&path,
								snowfdw_object_info(SNOWFDW_OBJECT_SCHEMAS),
								SNOWFDW_ACTION_CLONE,
								(const char *const *) scope, name);
	if (target_database != NULL)
		snowfdw_append_query(&path, "targetDatabase",
							 snowfdw_quote_identifier(target_database));
	snowfdw_append_query(&path, "createMode", create_mode);
	call = function_write(function_connection(server),
						  snowfdw_action_method(SNOWFDW_ACTION_CLONE),
						  path.data,
						  snowfdw_json_builder_finish(body),
						  snowfdw_create_is_repeatable(create_mode), false);
	return status_result(call);
}

/*
 * snowfdw_undrop_schema
 *		POST .../schemas/{name}:undrop: restore the latest dropped version
 */
Datum
snowfdw_undrop_schema(PG_FUNCTION_ARGS)
{
	Name		server = arg_server(fcinfo);
	char	   *database = arg_text(fcinfo, 1, "database", true);
	char	   *name = arg_text(fcinfo, 2, "name", true);
	char	   *scope[SNOWFDW_MAX_SCOPES] = {database, NULL, NULL};
	SnowfdwCall *call;

	PreventCommandIfReadOnly("snowfdw_undrop_schema()");
	check_pending(server, SNOWFDW_OBJECT_SCHEMAS, database, NULL, name,
				  "snowfdw_undrop_schema");
	/* not repeatable: a second undrop finds the schema live (409) */
	call = function_write(function_connection(server),
						  snowfdw_action_method(SNOWFDW_ACTION_UNDROP),
						  snowfdw_request_path(snowfdw_object_info(SNOWFDW_OBJECT_SCHEMAS),
												   SNOWFDW_ACTION_UNDROP,
												   (const char *const *) scope,
												   name),
						  NULL, false, false);
	return status_result(call);
}

/*
 * snowfdw_clone_stream
 *		POST .../streams/{name}:clone
 *
 * Arguments: server, database, schema, name, new_name, target_database,
 * target_schema, copy_grants, create_mode.  The spec marks targetDatabase
 * and targetSchema required although it documents the source's as their
 * defaults, so both are always sent, defaulting here to the source's.
 */
Datum
snowfdw_clone_stream(PG_FUNCTION_ARGS)
{
	Name		server = arg_server(fcinfo);
	char	   *database = arg_text(fcinfo, 1, "database", true);
	char	   *schema = arg_text(fcinfo, 2, "schema", true);
	char	   *name = arg_text(fcinfo, 3, "name", true);
	char	   *new_name = arg_text(fcinfo, 4, "new_name", true);
	char	   *scope[SNOWFDW_MAX_SCOPES] = {database, schema, NULL};
	char	   *target_database = arg_text(fcinfo, 5, "target_database", false);
	char	   *target_schema = arg_text(fcinfo, 6, "target_schema", false);
	bool		copy_grants = PG_ARGISNULL(7) ? false : PG_GETARG_BOOL(7);
	char	   *create_mode = arg_create_mode(fcinfo, 8);
	SnowfdwJsonBuilder *body = snowfdw_json_builder_create();
	StringInfoData path;
	SnowfdwCall *call;

	snowfdw_json_builder_add_string(body, "name",
									snowfdw_quote_identifier(new_name));

	PreventCommandIfReadOnly("snowfdw_clone_stream()");
	check_pending(server, SNOWFDW_OBJECT_STREAMS, database, schema, name,
				  "snowfdw_clone_stream");
	check_pending(server, SNOWFDW_OBJECT_STREAMS,
				  target_database ? target_database : database,
				  target_schema ? target_schema : schema, new_name,
				  "snowfdw_clone_stream");
	initStringInfo(&path);
	snowfdw_append_request_path(&path,
								snowfdw_object_info(SNOWFDW_OBJECT_STREAMS),
								SNOWFDW_ACTION_CLONE,
								(const char *const *) scope, name);
	snowfdw_append_query(&path, "targetDatabase",
						 snowfdw_quote_identifier(target_database ? target_database :
												  scope[SNOWFDW_SCOPE_DATABASE]));
	snowfdw_append_query(&path, "targetSchema",
						 snowfdw_quote_identifier(target_schema ? target_schema :
												  scope[SNOWFDW_SCOPE_SCHEMA]));
	snowfdw_append_query(&path, "createMode", create_mode);
	if (copy_grants)
		snowfdw_append_query(&path, "copyGrants", "true");
	call = function_write(function_connection(server),
						  snowfdw_action_method(SNOWFDW_ACTION_CLONE),
						  path.data,
						  snowfdw_json_builder_finish(body),
						  snowfdw_create_is_repeatable(create_mode), false);
	return status_result(call);
}

/*
 * snowfdw_presign
 *		POST .../stages/{stage}/files/{filePath}:presigned-url
 *
 * Arguments: server, database, schema, stage, file_path,
 * expiration_seconds.  The body {"expiration_time": n} is sent only when
 * expiration_seconds is given (the spec makes the body optional).
 *
 * filePath is "the full stage path of the file" and may contain "/".  The
 * spec gives no encoding rule (API-NOTES section 7), but an OpenAPI path
 * parameter matches exactly one path segment, so the whole path is one
 * percent-encoded segment ("raw%2Fdata_0.csv"); a raw "/" would address a
 * path the spec does not have (Prism, validating against the spec, answers
 * 404 "no path matched" to it).
 */
Datum
snowfdw_presign(PG_FUNCTION_ARGS)
{
	Name		server = arg_server(fcinfo);
	char	   *database = arg_text(fcinfo, 1, "database", true);
	char	   *schema = arg_text(fcinfo, 2, "schema", true);
	char	   *stage = arg_text(fcinfo, 3, "stage", true);
	char	   *file_path = arg_text(fcinfo, 4, "file_path", true);
	char	   *body = NULL;
	StringInfoData path;
	SnowfdwCall *call;
	const char *url;
	char	   *scope[SNOWFDW_MAX_SCOPES] = {database, schema, stage};

	if (!PG_ARGISNULL(5))
	{
		int32		seconds = PG_GETARG_INT32(5);
		SnowfdwJsonBuilder *builder;

		if (seconds < 1)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("argument \"expiration_seconds\" must be at least 1")));
		builder = snowfdw_json_builder_create();
		snowfdw_json_builder_add_number(builder, "expiration_time",
										psprintf("%d", seconds));
		body = snowfdw_json_builder_finish(builder);
	}

	check_pending(server, SNOWFDW_OBJECT_STAGES, database, schema, stage,
				  "snowfdw_presign");

	/* one path parameter is one segment: "/" inside it is sent as %2F */
	initStringInfo(&path);
	snowfdw_append_request_path(&path,
								snowfdw_object_info(SNOWFDW_OBJECT_STAGE_FILES),
								SNOWFDW_ACTION_PRESIGN,
								(const char *const *) scope, file_path);

	/* presigning changes nothing: the call may be repeated */
	call = snowfdw_call(function_connection(server),
						snowfdw_action_method(SNOWFDW_ACTION_PRESIGN),
						path.data, body, true, false);
	url = snowfdw_call_response_string(call, "presigned_url");
	if (url == NULL)
		snowfdw_report_bad_body(call, "no \"presigned_url\"");
	PG_RETURN_TEXT_P(cstring_to_text(url));
}
