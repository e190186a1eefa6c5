/*-------------------------------------------------------------------------
 *
 * options.c
 *		  Option validation, option merging and GUCs of snowfdw
 *
 * One table lists every option with the catalog it belongs to, whether only
 * a superuser may set it, whether it is a secret, whether its value goes
 * onto the wire as given and how its value is checked.  Callbacks never
 * look at option names themselves: snowfdw_get_options merges server, user
 * mapping and foreign table options into a SnowfdwOptions struct.
 *
 * A value that goes onto the wire as given (a request header, the URL's
 * host or a key-pair JWT claim) is refused here if it holds a control
 * character or begins or ends with a space, so no option can add a header
 * line; options that become URL path or query parts (database, schema,
 * stage) are percent-encoded instead.  A private key is loaded here, with
 * its passphrase, so that a broken one is refused when it is set.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/options.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <float.h>
#include <limits.h>

#include "access/reloptions.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "catalog/pg_attribute.h"
#include "commands/defrem.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "snowfdw.h"

/* How an option value is checked */
typedef enum SnowfdwOptionType
{
	OPT_STRING,					/* any non-empty text */
	OPT_IDENTIFIER,				/* Snowflake identifier, plain or quoted */
	OPT_TOKEN,					/* visible ASCII characters */
	OPT_BOOL,
	OPT_INT,					/* integer >= 1 */
	OPT_COUNT,					/* integer >= 0 */
	OPT_SECONDS,				/* number > 0 */
	OPT_COST,					/* number >= 0 */
	OPT_ACCOUNT,
	OPT_URL,
	OPT_TOKEN_TYPE,
	OPT_OBJECT,
	OPT_CREATE_MODE
} SnowfdwOptionType;

typedef struct SnowfdwOptionDef
{
	const char *name;
	Oid			context;		/* catalog the option belongs to */
	bool		superuser_only; /* changes the endpoint or reads files */
	bool		secret;			/* never echoed in a message */
	bool		on_wire;		/* sent as given: no controls, no edge spaces */
	SnowfdwOptionType type;
} SnowfdwOptionDef;

/* name, catalog, superuser only, secret, on the wire, value check */
static const SnowfdwOptionDef valid_options[] = {
	/* server */
	{"account", ForeignServerRelationId, false, false, true, OPT_ACCOUNT},
	{"url", ForeignServerRelationId, true, false, true, OPT_URL},
	{"role", ForeignServerRelationId, false, false, true, OPT_IDENTIFIER},
	{"ca_file", ForeignServerRelationId, true, false, false, OPT_STRING},
	{"connect_timeout", ForeignServerRelationId, false, false, false, OPT_SECONDS},
	{"request_timeout", ForeignServerRelationId, false, false, false, OPT_SECONDS},
	{"poll_timeout", ForeignServerRelationId, false, false, false, OPT_SECONDS},
	{"max_retries", ForeignServerRelationId, false, false, false, OPT_COUNT},
	{"retry_max_time", ForeignServerRelationId, false, false, false, OPT_SECONDS},
	{"max_concurrency", ForeignServerRelationId, false, false, false, OPT_INT},
	{"page_size", ForeignServerRelationId, false, false, false, OPT_INT},
	{"max_response_size", ForeignServerRelationId, false, false, false, OPT_INT},
	{"request_cost", ForeignServerRelationId, false, false, false, OPT_COST},
	{"row_cost", ForeignServerRelationId, false, false, false, OPT_COST},
	{"cache_ttl", ForeignServerRelationId, false, false, false, OPT_COUNT},
	/* user mapping: the only place secrets are accepted */
	{"token", UserMappingRelationId, false, true, true, OPT_TOKEN},
	{"token_type", UserMappingRelationId, false, false, true, OPT_TOKEN_TYPE},
	{"user", UserMappingRelationId, false, false, true, OPT_IDENTIFIER},
	{"private_key", UserMappingRelationId, false, true, false, OPT_STRING},
	{"private_key_passphrase", UserMappingRelationId, false, true, false, OPT_STRING},
	/* foreign table */
	{"object", ForeignTableRelationId, false, false, false, OPT_OBJECT},
	{"database", ForeignTableRelationId, false, false, false, OPT_STRING},
	{"schema", ForeignTableRelationId, false, false, false, OPT_STRING},
	{"stage", ForeignTableRelationId, false, false, false, OPT_STRING},
	{"history", ForeignTableRelationId, false, false, false, OPT_BOOL},
	{"create_mode", ForeignTableRelationId, false, false, false, OPT_CREATE_MODE},
	{"restrict", ForeignTableRelationId, false, false, false, OPT_BOOL},
	{"copy_grants", ForeignTableRelationId, false, false, false, OPT_BOOL},
	{"cache_ttl", ForeignTableRelationId, false, false, false, OPT_COUNT},
	/* column */
	{"column_name", AttributeRelationId, false, false, false, OPT_STRING},
	{NULL, InvalidOid, false, false, false, OPT_STRING}
};

/* GUC variables */
bool		snowfdw_enable_pushdown = true;
bool		snowfdw_enable_scope_join = true;
int			snowfdw_max_concurrency = 8;
int			snowfdw_max_retries = 4;
double		snowfdw_retry_max_time = 30.0;
double		snowfdw_poll_timeout = 300.0;
char	   *snowfdw_create_mode = NULL;

PG_FUNCTION_INFO_V1(snowfdw_validator);

static void check_option_value(const SnowfdwOptionDef *def, DefElem *elem);
static void check_wire_value(const SnowfdwOptionDef *def, const char *value);
static bool is_snowflake_identifier(const char *value);
static bool check_create_mode(char **newval, void **extra, GucSource source);

/*
 * snowfdw_define_gucs
 *		Define the snowfdw.* settings
 */
void
snowfdw_define_gucs(void)
{
	DefineCustomBoolVariable("snowfdw.enable_pushdown",
							 "Sends WHERE and LIMIT conditions to Snowflake as request parameters.",
							 "When off, every scan lists everything and PostgreSQL filters locally.",
							 &snowfdw_enable_pushdown, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("snowfdw.enable_scope_join",
							 "Lets a join that names objects list each outer scope once.",
							 "When off, such a join fetches the objects one by one or lists the whole scope.",
							 &snowfdw_enable_scope_join, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("snowfdw.max_concurrency",
							"Maximum concurrent requests of one scan.",
							"A server's max_concurrency option can lower it further.",
							&snowfdw_max_concurrency, 8, 1, SNOWFDW_HTTP_MAX_SLOTS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("snowfdw.max_retries",
							"Retries of a request after 429, 503, 504 or a transport error.",
							"A server's max_retries option takes precedence.",
							&snowfdw_max_retries, 4, 0, 100,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("snowfdw.retry_max_time",
							 "Seconds all retries of one request may take.",
							 "A server's retry_max_time option takes precedence.",
							 &snowfdw_retry_max_time, 30.0, 0.0, 3600.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("snowfdw.poll_timeout",
							 "Seconds to wait for a request Snowflake answered with 202.",
							 "A server's poll_timeout option takes precedence.",
							 &snowfdw_poll_timeout, 300.0, 0.001, 86400.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("snowfdw.create_mode",
							   "createMode of INSERT: errorIfExists, ifNotExists or orReplace.",
							   "A table's create_mode option takes precedence; ON CONFLICT DO NOTHING means ifNotExists.",
							   &snowfdw_create_mode, "errorIfExists",
							   PGC_USERSET, 0, check_create_mode, NULL, NULL);
	DefineCustomIntVariable("snowfdw.cache_ttl",
							"Seconds a cached Snowflake response may be served to later statements.",
							"0 turns the response cache off; the cache_ttl option of a server or foreign table takes precedence.",
							&snowfdw_cache_ttl, 0, 0, 86400 * 365,
							PGC_USERSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("snowfdw.cache_size",
							"Memory the response cache may use.",
							"Least recently used responses are evicted first. Shared by all backends when snowfdw is in shared_preload_libraries, per backend otherwise.",
							&snowfdw_cache_size_kb, 64 * 1024, 0, INT_MAX / 1024,
							PGC_SIGHUP, GUC_UNIT_KB, NULL, NULL, NULL);
	MarkGUCPrefixReserved("snowfdw");
}

/*
 * check_create_mode
 *		GUC check hook of snowfdw.create_mode
 */
static bool
check_create_mode(char **newval, void **extra, GucSource source)
{
	return strcmp(*newval, "errorIfExists") == 0 ||
		strcmp(*newval, "ifNotExists") == 0 ||
		strcmp(*newval, "orReplace") == 0;
}

/*
 * snowfdw_validator
 *		Validate the options of a snowfdw server, mapping, table or column
 */
Datum
snowfdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *cell;
	bool		has_account = false;
	bool		has_url = false;
	bool		has_token = false;
	bool		has_key = false;
	bool		has_user = false;
	bool		has_token_type = false;
	bool		has_passphrase = false;
	const char *private_key = NULL;
	const char *passphrase = NULL;

	foreach(cell, options)
	{
		DefElem    *elem = (DefElem *) lfirst(cell);
		const SnowfdwOptionDef *def;

		for (def = valid_options; def->name; def++)
			if (def->context == catalog && strcmp(def->name, elem->defname) == 0)
				break;

		if (def->name == NULL)
		{
			StringInfoData names;
			const SnowfdwOptionDef *d;

			initStringInfo(&names);
			for (d = valid_options; d->name; d++)
			{
				if (d->context != catalog)
					continue;
				if (names.len > 0)
					appendStringInfoString(&names, ", ");
				appendStringInfoString(&names, d->name);
			}
			ereport(ERROR,
					(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
					 errmsg("invalid option \"%s\"", elem->defname),
					 names.len > 0 ?
					 errhint("Valid options in this context are: %s.", names.data) :
					 errhint("There are no valid options in this context.")));
		}
		if (def->superuser_only && !superuser())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to set option \"%s\"", def->name),
					 errdetail("Only a superuser may set option \"%s\", because it changes where requests go or which files the server reads.",
							   def->name)));
		check_option_value(def, elem);

		if (strcmp(def->name, "account") == 0)
			has_account = true;
		else if (strcmp(def->name, "url") == 0)
			has_url = true;
		else if (strcmp(def->name, "token") == 0)
			has_token = true;
		else if (strcmp(def->name, "private_key") == 0)
		{
			has_key = true;
			private_key = defGetString(elem);
		}
		else if (strcmp(def->name, "user") == 0)
			has_user = true;
		else if (strcmp(def->name, "token_type") == 0)
			has_token_type = true;
		else if (strcmp(def->name, "private_key_passphrase") == 0)
		{
			has_passphrase = true;
			passphrase = defGetString(elem);
		}
	}

	if (catalog == ForeignServerRelationId && !has_account && !has_url)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("a snowfdw server needs option \"account\" or \"url\"")));
	if (catalog == UserMappingRelationId)
	{
		if (has_token && has_key)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options \"token\" and \"private_key\" cannot be used together")));
		if (has_key && !has_user)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("option \"private_key\" needs option \"user\"")));
		if (has_token_type && !has_token)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("option \"token_type\" needs option \"token\""),
					 errdetail("Key-pair authentication always sends token type KEYPAIR_JWT.")));
		if (has_passphrase && !has_key)
			ereport(ERROR,
					(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
					 errmsg("option \"private_key_passphrase\" needs option \"private_key\"")));

		/* last, so that the checks above win over a key that does not load */
		if (has_key)
			snowfdw_check_private_key(private_key, passphrase);
	}
	PG_RETURN_VOID();
}

/*
 * check_option_value
 *		Check one option value against its type; never echo secrets
 */
static void
check_option_value(const SnowfdwOptionDef *def, DefElem *elem)
{
	char	   *value = defGetString(elem);
	bool		ok = true;
	const char *expected = NULL;
	const char *p;

	if (def->on_wire)
		check_wire_value(def, value);

	switch (def->type)
	{
		case OPT_STRING:
			ok = value[0] != '\0';
			expected = "a non-empty string";
			break;
		case OPT_IDENTIFIER:
			ok = is_snowflake_identifier(value);
			expected = "a Snowflake identifier: letters, digits, \"_\" and \"$\" not starting with a digit, or any name in double quotes with each \" inside doubled";
			break;
		case OPT_TOKEN:
			ok = value[0] != '\0';
			for (p = value; ok && *p; p++)
				ok = (unsigned char) *p > ' ' && (unsigned char) *p < 0x7f;
			expected = "a non-empty token of visible ASCII characters";
			break;
		case OPT_BOOL:
			{
				bool		b;

				ok = parse_bool(value, &b);
				expected = "a Boolean value";
				break;
			}
		case OPT_INT:
		case OPT_COUNT:
			{
				char	   *end;
				long		n;

				errno = 0;
				n = strtol(value, &end, 10);
				ok = errno == 0 && end != value && *end == '\0' &&
					n >= (def->type == OPT_INT ? 1 : 0) && n <= INT_MAX;
				expected = def->type == OPT_INT ?
					"an integer between 1 and 2147483647" :
					"an integer between 0 and 2147483647";
				break;
			}
		case OPT_SECONDS:
			{
				char	   *end;
				double		d;

				errno = 0;
				d = strtod(value, &end);
				ok = errno == 0 && end != value && *end == '\0' &&
					d > 0 && d <= 86400.0;
				expected = "a number of seconds greater than 0 and at most 86400";
				break;
			}
		case OPT_COST:
			{
				char	   *end;
				double		d;

				errno = 0;
				d = strtod(value, &end);
				ok = errno == 0 && end != value && *end == '\0' &&
					d >= 0 && d <= 1e10;
				expected = "a planner cost of at least 0";
				break;
			}
		case OPT_ACCOUNT:
			ok = value[0] != '\0' && strlen(value) <= 255;
			for (p = value; ok && *p; p++)
				ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
					(*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
					*p == '.';
			expected = "an account identifier of letters, digits, \"-\", \"_\" and \".\"";
			break;
		case OPT_URL:
			{
				bool		http = strncmp(value, "http://", 7) == 0;
				bool		https = strncmp(value, "https://", 8) == 0;
				const char *rest = value + (http ? 7 : 8);

				ok = (http || https) && rest[0] != '\0' &&
					strpbrk(rest, "?#@ \t\r\n") == NULL &&
					(strchr(rest, '/') == NULL ||
					 strcmp(strchr(rest, '/'), "/") == 0);
				expected = "an http or https URL with no path, query or user information";
				if (ok && http && !snowfdw_url_is_loopback(value))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
							 errmsg("invalid value for option \"url\": \"%s\"", value),
							 errdetail("Plain http is allowed only for loopback hosts; use https.")));
				break;
			}
		case OPT_TOKEN_TYPE:
			ok = strcmp(value, "PROGRAMMATIC_ACCESS_TOKEN") == 0 ||
				strcmp(value, "OAUTH") == 0;
			expected = "PROGRAMMATIC_ACCESS_TOKEN or OAUTH";
			break;
		case OPT_OBJECT:
			ok = snowfdw_object_by_option(value) != NULL;
			expected = "schemas, stages, streams or stage_files";
			break;
		case OPT_CREATE_MODE:
			ok = strcmp(value, "errorIfExists") == 0 ||
				strcmp(value, "ifNotExists") == 0 ||
				strcmp(value, "orReplace") == 0;
			expected = "errorIfExists, ifNotExists or orReplace";
			break;
	}

	if (!ok)
	{
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 def->secret ?
				 errmsg("invalid value for option \"%s\"", def->name) :
				 errmsg("invalid value for option \"%s\": \"%s\"", def->name, value),
				 errdetail("Expected %s.", expected)));
	}
}

/*
 * check_wire_value
 *		Refuse a value sent as given that could break a header line
 *
 * No C0 control character or DEL (CR and LF would start a new header line)
 * and no space at either end (HTTP drops it; Snowflake would see another
 * name).  The value is never echoed: it may be a secret, and its control
 * characters would garble the message.
 */
static void
check_wire_value(const SnowfdwOptionDef *def, const char *value)
{
	const unsigned char *p;
	size_t		len = strlen(value);

	for (p = (const unsigned char *) value; *p; p++)
	{
		if (*p < 0x20 || *p == 0x7f)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"%s\"", def->name),
					 errdetail("The value contains a control character.")));
	}
	if (len > 0 && (value[0] == ' ' || value[len - 1] == ' '))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\"", def->name),
				 errdetail("The value begins or ends with a space.")));
}

/*
 * is_snowflake_identifier
 *		Whether a value is a Snowflake identifier, as in Identifier of the
 *		REST API: [A-Za-z_][A-Za-z0-9_$]* or "..." with "" for each "
 */
static bool
is_snowflake_identifier(const char *value)
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

/*
 * option_seconds
 *		Seconds value of a validated option
 */
static double
option_seconds(DefElem *elem)
{
	return strtod(defGetString(elem), NULL);
}

/*
 * option_bool
 *		Boolean value of a validated option
 */
static bool
option_bool(DefElem *elem)
{
	bool		result = false;

	(void) parse_bool(defGetString(elem), &result);
	return result;
}

/*
 * apply_option
 *		Store one validated option in the merged struct
 */
static void
apply_option(SnowfdwOptions *opts, DefElem *elem, bool *concurrency_set)
{
	const char *name = elem->defname;

	if (strcmp(name, "account") == 0)
		opts->account = defGetString(elem);
	else if (strcmp(name, "url") == 0)
		opts->url = defGetString(elem);
	else if (strcmp(name, "role") == 0)
		opts->role = defGetString(elem);
	else if (strcmp(name, "ca_file") == 0)
		opts->ca_file = defGetString(elem);
	else if (strcmp(name, "connect_timeout") == 0)
		opts->connect_timeout = option_seconds(elem);
	else if (strcmp(name, "request_timeout") == 0)
		opts->request_timeout = option_seconds(elem);
	else if (strcmp(name, "poll_timeout") == 0)
		opts->poll_timeout = option_seconds(elem);
	else if (strcmp(name, "max_retries") == 0)
		opts->max_retries = atoi(defGetString(elem));
	else if (strcmp(name, "retry_max_time") == 0)
		opts->retry_max_time = option_seconds(elem);
	else if (strcmp(name, "max_concurrency") == 0)
	{
		opts->max_concurrency = atoi(defGetString(elem));
		*concurrency_set = true;
	}
	else if (strcmp(name, "page_size") == 0)
		opts->page_size = Min(atoi(defGetString(elem)), 10000);
	else if (strcmp(name, "max_response_size") == 0)
		opts->max_response_size = atol(defGetString(elem));
	else if (strcmp(name, "request_cost") == 0)
		opts->request_cost = strtod(defGetString(elem), NULL);
	else if (strcmp(name, "row_cost") == 0)
		opts->row_cost = strtod(defGetString(elem), NULL);
	else if (strcmp(name, "cache_ttl") == 0)
		opts->cache_ttl = atoi(defGetString(elem));
	else if (strcmp(name, "token") == 0)
		opts->token = defGetString(elem);
	else if (strcmp(name, "token_type") == 0)
		opts->token_type = defGetString(elem);
	else if (strcmp(name, "user") == 0)
		opts->user = defGetString(elem);
	else if (strcmp(name, "private_key") == 0)
		opts->private_key = defGetString(elem);
	else if (strcmp(name, "private_key_passphrase") == 0)
		opts->private_key_passphrase = defGetString(elem);
	else if (strcmp(name, "object") == 0)
		opts->object = defGetString(elem);
	else if (strcmp(name, "database") == 0)
		opts->database = defGetString(elem);
	else if (strcmp(name, "schema") == 0)
		opts->schema = defGetString(elem);
	else if (strcmp(name, "stage") == 0)
		opts->stage = defGetString(elem);
	else if (strcmp(name, "history") == 0)
		opts->history = option_bool(elem);
	else if (strcmp(name, "create_mode") == 0)
		opts->create_mode = defGetString(elem);
	else if (strcmp(name, "restrict") == 0)
		opts->restrict_drop = option_bool(elem);
	else if (strcmp(name, "copy_grants") == 0)
		opts->copy_grants = option_bool(elem);
}

/*
 * snowfdw_get_options
 *		Merge the options of a server, the user's mapping and a table
 *
 * userid may be InvalidOid to skip the mapping, relid InvalidOid to skip
 * the table.  GUCs give the defaults of the tuning options.
 */
SnowfdwOptions *
snowfdw_get_options(Oid serverid, Oid userid, Oid relid)
{
	SnowfdwOptions *opts = palloc0(sizeof(SnowfdwOptions));
	ForeignServer *server = GetForeignServer(serverid);
	bool		concurrency_set = false;
	List	   *all = list_copy(server->options);
	ListCell   *cell;

	opts->connect_timeout = 10.0;
	opts->request_timeout = 60.0;
	opts->poll_timeout = snowfdw_poll_timeout;
	opts->max_retries = snowfdw_max_retries;
	opts->retry_max_time = snowfdw_retry_max_time;
	opts->page_size = 1000;
	opts->max_response_size = INT64CONST(64) * 1024 * 1024;
	opts->request_cost = -1;	/* measured, see estimate.c */
	opts->row_cost = -1;
	opts->cache_ttl = snowfdw_cache_ttl;
	opts->token_type = "PROGRAMMATIC_ACCESS_TOKEN";

	if (OidIsValid(userid))
		all = list_concat(all, GetUserMapping(userid, serverid)->options);
	if (OidIsValid(relid))
		all = list_concat(all, GetForeignTable(relid)->options);
	foreach(cell, all)
		apply_option(opts, (DefElem *) lfirst(cell), &concurrency_set);

	/* the GUC caps every server; a server option may only lower it */
	opts->max_concurrency = concurrency_set ?
		Min(opts->max_concurrency, snowfdw_max_concurrency) :
		snowfdw_max_concurrency;
	if (opts->create_mode == NULL)
		opts->create_mode = snowfdw_create_mode;
	return opts;
}

/*
 * snowfdw_column_json_name
 *		JSON field a column maps to: its column_name option or its name
 */
char *
snowfdw_column_json_name(Oid relid, AttrNumber attnum)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	ListCell   *cell;

	foreach(cell, options)
	{
		DefElem    *elem = (DefElem *) lfirst(cell);

		if (strcmp(elem->defname, "column_name") == 0)
			return defGetString(elem);
	}
	return get_attname(relid, attnum, false);
}
