/*-------------------------------------------------------------------------
 *
 * options.c
 *		  Option validation, option merging and GUCs of snowfdw
 *
 * One table lists every option with the catalog it belongs to, the kind of
 * its value (with bounds, or the allowed values of an enum), whether only a
 * superuser may set it, whether it is a secret, whether its value goes onto
 * the wire as given, the SnowfdwOptions field it lands in and its default.
 * Validation, merging, the session's copy and the wiping of secrets are
 * loops over that table, and an option name is written nowhere else (test/
 * checks/option-names.sh): code that singles out an option finds it by the
 * field it lands in.  Callbacks never look at option names themselves:
 * snowfdw_get_options merges server, user mapping and foreign table options
 * into a SnowfdwOptions struct.
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
 *		  src/model/options.c
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
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "compat.h"
#include "model/guc.h"
#include "model/objects.h"
#include "model/options.h"
#include "transport/auth.h"
#include "transport/http.h"
#include "text/optsyntax.h"

/* What an option's value is, and so how it is checked */
typedef enum SnowfdwOptionKind
{
	OPT_TEXT,					/* any non-empty text */
	OPT_IDENTIFIER,				/* Snowflake identifier, plain or quoted */
	OPT_TOKEN,					/* visible ASCII characters */
	OPT_BOOL,
	OPT_INT,					/* integer from min to max */
	OPT_SECONDS,				/* number above min, at most max */
	OPT_COST,					/* number from min to max */
	OPT_RATE,					/* number above min, at most max */
	OPT_ACCOUNT,
	OPT_URL,
	OPT_OBJECT,					/* an object kind of objects.c */
	OPT_ENUM					/* one of the entry's values */
} SnowfdwOptionKind;

/* C type of the SnowfdwOptions field an option lands in */
typedef enum SnowfdwOptionStore
{
	STORE_NONE,					/* not in SnowfdwOptions (column options) */
	STORE_STRING,				/* char *, pointing into the catalog's list */
	STORE_BOOL,
	STORE_INT,
	STORE_INT64,
	STORE_DOUBLE
} SnowfdwOptionStore;

typedef struct SnowfdwOptionDef
{
	const char *name;
	Oid			catalog;		/* catalog the option belongs to */
	SnowfdwOptionKind kind;
	double		min;			/* bounds of the numeric kinds */
	double		max;
	const char *const *values;	/* allowed values of OPT_ENUM, NULL-ended */
	bool		superuser_only; /* changes the endpoint or reads files */
	bool		secret;			/* never echoed in a message, wiped */
	bool		on_wire;		/* sent as given: no controls, no edge spaces */
	SnowfdwOptionStore store;	/* where the value lands */
	size_t		offset;
	size_t		size;			/* of the field, checked against store */
	const char *default_value;	/* as option text; NULL: zero or a GUC */
} SnowfdwOptionDef;

/* The values of enum options, shared with the GUCs and functions.c */
static const char *const create_modes[] = {
	"errorIfExists",			/* first: see snowfdw_create_is_repeatable */
	"ifNotExists", "orReplace", NULL
};
static const char *const token_types[] = {
	"PROGRAMMATIC_ACCESS_TOKEN", "OAUTH", NULL
};

#define SERVER ForeignServerRelationId
#define MAPPING UserMappingRelationId
#define TABLE ForeignTableRelationId
#define COLUMN AttributeRelationId

/* kinds with their bounds */
#define INT_FROM(lo) .kind = OPT_INT, .min = (lo), .max = INT_MAX
#define SECONDS .kind = OPT_SECONDS, .min = 0, .max = 86400
#define COST .kind = OPT_COST, .min = 0, .max = 1e10
#define RATE .kind = OPT_RATE, .min = 0, .max = 1e6
#define ENUM(list) .kind = OPT_ENUM, .values = (list)

/* where the value lands */
#define AT(field, how) .store = (how), \
	.offset = offsetof(SnowfdwOptions, field), \
	.size = sizeof(((SnowfdwOptions *) NULL)->field)

static const SnowfdwOptionDef valid_options[] = {
	/* server */
	{"account", SERVER, .kind = OPT_ACCOUNT, .on_wire = true,
		AT(account, STORE_STRING)},
	{"url", SERVER, .kind = OPT_URL, .superuser_only = true, .on_wire = true,
		AT(url, STORE_STRING)},
	{"role", SERVER, .kind = OPT_IDENTIFIER, .on_wire = true,
		AT(role, STORE_STRING)},
	{"ca_file", SERVER, .kind = OPT_TEXT, .superuser_only = true,
		AT(ca_file, STORE_STRING)},
	{"connect_timeout", SERVER, SECONDS,
		AT(connect_timeout, STORE_DOUBLE), .default_value = "10"},
	{"request_timeout", SERVER, SECONDS,
		AT(request_timeout, STORE_DOUBLE), .default_value = "60"},
	{"poll_timeout", SERVER, SECONDS, AT(poll_timeout, STORE_DOUBLE)},
	{"max_retries", SERVER, INT_FROM(0), AT(max_retries, STORE_INT)},
	{"retry_max_time", SERVER, SECONDS, AT(retry_max_time, STORE_DOUBLE)},
	{"max_concurrency", SERVER, INT_FROM(1), AT(max_concurrency, STORE_INT)},
	{"page_size", SERVER, INT_FROM(1),
		AT(page_size, STORE_INT), .default_value = "1000"},
	{"max_response_size", SERVER, INT_FROM(1),
		AT(max_response_size, STORE_INT64), .default_value = "67108864"},	/* 64 MB */
	/* -1: measured (estimate.c) or cpu_tuple_cost */
	{"request_cost", SERVER, COST,
		AT(request_cost, STORE_DOUBLE), .default_value = "-1"},
	{"row_cost", SERVER, COST, AT(row_cost, STORE_DOUBLE), .default_value = "-1"},
	{"cache_ttl", SERVER, INT_FROM(0), AT(cache_ttl, STORE_INT)},
	{"cache_stale_ttl", SERVER, INT_FROM(0), AT(cache_stale_ttl, STORE_INT)},
	{"async_capable", SERVER, .kind = OPT_BOOL,
		AT(async_capable, STORE_BOOL), .default_value = "true"},
	{"pipeline_writes", SERVER, .kind = OPT_BOOL,
		AT(pipeline_writes, STORE_BOOL)},
	{"defer_writes", SERVER, .kind = OPT_BOOL,
		AT(defer_writes, STORE_BOOL)},
	/* the account's known rate limit (pacer.c); a mapping's takes precedence */
	{"max_requests_per_second", SERVER, RATE,
		AT(max_requests_per_second, STORE_DOUBLE)},
	/* user mapping: the only place secrets are accepted */
	{"token", MAPPING, .kind = OPT_TOKEN, .secret = true, .on_wire = true,
		AT(token, STORE_STRING)},
	{"token_type", MAPPING, ENUM(token_types), .on_wire = true,
		AT(token_type, STORE_STRING), .default_value = "PROGRAMMATIC_ACCESS_TOKEN"},
	{"user", MAPPING, .kind = OPT_IDENTIFIER, .on_wire = true,
		AT(user, STORE_STRING)},
	{"private_key", MAPPING, .kind = OPT_TEXT, .secret = true,
		AT(private_key, STORE_STRING)},
	{"private_key_passphrase", MAPPING, .kind = OPT_TEXT, .secret = true,
		AT(private_key_passphrase, STORE_STRING)},
	{"max_requests_per_second", MAPPING, RATE,
		AT(max_requests_per_second, STORE_DOUBLE)},
	/* foreign table */
	{"object", TABLE, .kind = OPT_OBJECT, AT(object, STORE_STRING)},
	{"database", TABLE, .kind = OPT_TEXT, AT(database, STORE_STRING)},
	{"schema", TABLE, .kind = OPT_TEXT, AT(schema, STORE_STRING)},
	{"stage", TABLE, .kind = OPT_TEXT, AT(stage, STORE_STRING)},
	{"history", TABLE, .kind = OPT_BOOL, AT(history, STORE_BOOL)},
	{"create_mode", TABLE, ENUM(create_modes), AT(create_mode, STORE_STRING)},
	{"restrict", TABLE, .kind = OPT_BOOL, AT(restrict_drop, STORE_BOOL)},
	{"copy_grants", TABLE, .kind = OPT_BOOL, AT(copy_grants, STORE_BOOL)},
	{"cache_ttl", TABLE, INT_FROM(0), AT(cache_ttl, STORE_INT)},
	{"cache_stale_ttl", TABLE, INT_FROM(0), AT(cache_stale_ttl, STORE_INT)},
	{"async_capable", TABLE, .kind = OPT_BOOL,
		AT(async_capable, STORE_BOOL), .default_value = "true"},
	{"pipeline_writes", TABLE, .kind = OPT_BOOL,
		AT(pipeline_writes, STORE_BOOL)},
	{"defer_writes", TABLE, .kind = OPT_BOOL,
		AT(defer_writes, STORE_BOOL)},
	/* column: the JSON field name (snowfdw_column_json_name), the only one */
	{"column_name", COLUMN, .kind = OPT_TEXT},
	{NULL}
};

/* The table option that fixes each scope level, by the field it lands in */
static const size_t scope_offsets[SNOWFDW_MAX_SCOPES] = {
	[SNOWFDW_SCOPE_DATABASE] = offsetof(SnowfdwOptions, database),
	[SNOWFDW_SCOPE_SCHEMA] = offsetof(SnowfdwOptions, schema),
	[SNOWFDW_SCOPE_STAGE] = offsetof(SnowfdwOptions, stage),
};

PG_FUNCTION_INFO_V1(snowfdw_validator);

static const SnowfdwOptionDef *find_option(Oid catalog, const char *name);
static int	option_index(Oid catalog, size_t offset);
static bool enum_is_valid(const char *const *values, const char *value);
static char *enum_text(const char *const *values);
pg_noreturn static void report_unknown_option(Oid catalog, const char *name);
static void check_server_options(const char *const *given);
static void check_mapping_options(const char *const *given);
static void check_option_value(const SnowfdwOptionDef *def, DefElem *elem);
static bool value_matches_kind(const SnowfdwOptionDef *def, const char *value,
							   const char **expected);
static bool number_in_bounds(const SnowfdwOptionDef *def, const char *value,
							 const char **expected);
static bool is_endpoint_url(const SnowfdwOptionDef *def, const char *value);
static void check_wire_value(const SnowfdwOptionDef *def, const char *value);

/*
 * find_option
 *		Entry of an option name in a catalog, or NULL
 */
static const SnowfdwOptionDef *
find_option(Oid catalog, const char *name)
{
	const SnowfdwOptionDef *def;

	for (def = valid_options; def->name; def++)
		if (def->catalog == catalog && strcmp(def->name, name) == 0)
			return def;
	return NULL;
}

/*
 * option_index
 *		Index of the option of a catalog that lands at an offset
 *
 * Code that must single out an option finds it by its field, so that the
 * option's name is written in the table alone.
 */
static int
option_index(Oid catalog, size_t offset)
{
	int			i;

	for (i = 0; valid_options[i].name; i++)
		if (valid_options[i].catalog == catalog &&
			valid_options[i].store != STORE_NONE &&
			valid_options[i].offset == offset)
			return i;
	elog(ERROR, "no snowfdw option of catalog %u at offset %zu",
		 catalog, offset);
	return -1;					/* keep compiler quiet */
}

/*
 * snowfdw_validator
 *		Validate the options of a snowfdw server, mapping, table or column
 *
 * Each option is checked as it comes (name, privilege, value); the checks
 * across options of a server or user mapping follow.
 */
Datum
snowfdw_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);
	ListCell   *cell;
	const char *given[lengthof(valid_options)];	/* by index; NULL: not set */

	memset(given, 0, sizeof(given));
	foreach(cell, options)
	{
		DefElem    *elem = (DefElem *) lfirst(cell);
		const SnowfdwOptionDef *def = find_option(catalog, elem->defname);

		if (def == NULL)
			report_unknown_option(catalog, elem->defname);
		if (def->superuser_only && !superuser())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to set option \"%s\"", def->name),
					 errdetail("Only a superuser may set option \"%s\", because it changes where requests go or which files the server reads.",
							   def->name)));
		check_option_value(def, elem);
		given[def - valid_options] = defGetString(elem);
	}

	if (catalog == ForeignServerRelationId)
		check_server_options(given);
	if (catalog == UserMappingRelationId)
		check_mapping_options(given);
	PG_RETURN_VOID();
}

/*
 * report_unknown_option
 *		Refuse an option name the catalog does not have, listing its options
 */
static void
report_unknown_option(Oid catalog, const char *name)
{
	StringInfoData names;
	const SnowfdwOptionDef *d;

	initStringInfo(&names);
	for (d = valid_options; d->name; d++)
	{
		if (d->catalog != catalog)
			continue;
		if (names.len > 0)
			appendStringInfoString(&names, ", ");
		appendStringInfoString(&names, d->name);
	}
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			 errmsg("invalid option \"%s\"", name),
			 names.len > 0 ?
			 errhint("Valid options in this context are: %s.", names.data) :
			 errhint("There are no valid options in this context.")));
}

/*
 * check_server_options
 *		Checks across the options of a server: it needs an endpoint
 *
 * given holds the values set, by index in valid_options.
 */
static void
check_server_options(const char *const *given)
{
	Oid			catalog = ForeignServerRelationId;
	int			account = option_index(catalog, offsetof(SnowfdwOptions, account));
	int			url = option_index(catalog, offsetof(SnowfdwOptions, url));

	if (!given[account] && !given[url])
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("a snowfdw server needs option \"%s\" or \"%s\"",
						valid_options[account].name, valid_options[url].name)));
}

/*
 * check_mapping_options
 *		Checks across the options of a user mapping: one way to authenticate
 *
 * given holds the values set, by index in valid_options.  The checks run in
 * this order so that the same error wins when several apply.
 */
static void
check_mapping_options(const char *const *given)
{
	Oid			catalog = UserMappingRelationId;
	int			token = option_index(catalog, offsetof(SnowfdwOptions, token));
	int			token_type = option_index(catalog, offsetof(SnowfdwOptions, token_type));
	int			user = option_index(catalog, offsetof(SnowfdwOptions, user));
	int			key = option_index(catalog, offsetof(SnowfdwOptions, private_key));
	int			passphrase = option_index(catalog, offsetof(SnowfdwOptions, private_key_passphrase));

	if (given[token] && given[key])
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("options \"%s\" and \"%s\" cannot be used together",
						valid_options[token].name, valid_options[key].name)));
	if (given[key] && !given[user])
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"%s\" needs option \"%s\"",
						valid_options[key].name, valid_options[user].name)));
	if (given[token_type] && !given[token])
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"%s\" needs option \"%s\"",
						valid_options[token_type].name, valid_options[token].name),
				 errdetail("Key-pair authentication always sends token type KEYPAIR_JWT.")));
	if (given[passphrase] && !given[key])
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("option \"%s\" needs option \"%s\"",
						valid_options[passphrase].name, valid_options[key].name)));

	/* last, so that the checks above win over a key that does not load */
	if (given[key])
		snowfdw_check_private_key(given[key], given[passphrase]);
}

/*
 * enum_is_valid
 *		Whether a value is one of an enum option's values
 */
static bool
enum_is_valid(const char *const *values, const char *value)
{
	for (; *values; values++)
		if (strcmp(*values, value) == 0)
			return true;
	return false;
}

/*
 * enum_text
 *		The values of an enum option for a message: "a, b or c"
 */
static char *
enum_text(const char *const *values)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; values[i]; i++)
	{
		if (i > 0)
			appendStringInfoString(&buf, values[i + 1] ? ", " : " or ");
		appendStringInfoString(&buf, values[i]);
	}
	return buf.data;
}

/*
 * snowfdw_create_mode_is_valid
 *		Whether a text is a createMode value (the option, GUC and functions)
 */
bool
snowfdw_create_mode_is_valid(const char *mode)
{
	return enum_is_valid(create_modes, mode);
}

/*
 * snowfdw_create_mode_default
 *		The createMode of an INSERT when neither table nor GUC says
 */
const char *
snowfdw_create_mode_default(void)
{
	return create_modes[0];
}

/*
 * snowfdw_create_is_repeatable
 *		Whether a create with this createMode may be sent again after a
 *		transfer failed: repeating errorIfExists could turn a success into
 *		a 409, the other modes end the same however often they are sent
 */
bool
snowfdw_create_is_repeatable(const char *mode)
{
	return strcmp(mode, create_modes[0]) != 0;
}

/*
 * snowfdw_create_mode_values
 *		The createMode values for a message
 */
char *
snowfdw_create_mode_values(void)
{
	return enum_text(create_modes);
}

/*
 * check_option_value
 *		Check one option value against its kind; never echo secrets
 *
 * A value sent as given is checked for header safety first, so that its
 * error wins over the kind's.
 */
static void
check_option_value(const SnowfdwOptionDef *def, DefElem *elem)
{
	char	   *value = defGetString(elem);
	const char *expected = NULL;

	if (def->on_wire)
		check_wire_value(def, value);

	if (!value_matches_kind(def, value, &expected))
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
 * value_matches_kind
 *		Whether a value is of its option's kind; *expected says what it
 *		should have been, for the message
 */
static bool
value_matches_kind(const SnowfdwOptionDef *def, const char *value,
				   const char **expected)
{
	bool		ok = true;

	switch (def->kind)
	{
		case OPT_TEXT:
			ok = value[0] != '\0';
			*expected = "a non-empty string";
			break;
		case OPT_IDENTIFIER:
			ok = snowfdw_syntax_identifier(value);
			*expected = "a Snowflake identifier: letters, digits, \"_\" and \"$\" not starting with a digit, or any name in double quotes with each \" inside doubled";
			break;
		case OPT_TOKEN:
			ok = snowfdw_syntax_visible_token(value);
			*expected = "a non-empty token of visible ASCII characters";
			break;
		case OPT_BOOL:
			{
				bool		b;

				ok = parse_bool(value, &b);
				*expected = "a Boolean value";
				break;
			}
		case OPT_INT:
		case OPT_SECONDS:
		case OPT_COST:
		case OPT_RATE:
			ok = number_in_bounds(def, value, expected);
			break;
		case OPT_ACCOUNT:
			ok = snowfdw_syntax_account(value);
			*expected = "an account identifier of letters, digits, \"-\", \"_\" and \".\"";
			break;
		case OPT_URL:
			ok = is_endpoint_url(def, value);
			*expected = "an http or https URL with no path, query or user information";
			break;
		case OPT_OBJECT:
			ok = snowfdw_object_by_option(value) != NULL;
			*expected = "schemas, stages, streams or stage_files";
			break;
		case OPT_ENUM:
			ok = enum_is_valid(def->values, value);
			*expected = enum_text(def->values);
			break;
	}
	return ok;
}

/*
 * number_in_bounds
 *		Whether the value of a numeric option is a number within its bounds;
 *		*expected says what it should have been, for the message
 */
static bool
number_in_bounds(const SnowfdwOptionDef *def, const char *value,
				 const char **expected)
{
	bool		ok = false;

	switch (def->kind)
	{
		case OPT_INT:
			{
				long		n;

				ok = snowfdw_syntax_whole_long(value, &n) &&
					n >= def->min && n <= def->max;
				*expected = psprintf("an integer between %.0f and %.0f",
									 def->min, def->max);
				break;
			}
		case OPT_SECONDS:
			{
				double		d;

				ok = snowfdw_syntax_whole_double(value, &d) &&
					d > def->min && d <= def->max;
				*expected = psprintf("a number of seconds greater than %g and at most %g",
									 def->min, def->max);
				break;
			}
		case OPT_COST:
			{
				double		d;

				ok = snowfdw_syntax_whole_double(value, &d) &&
					d >= def->min && d <= def->max;
				*expected = psprintf("a planner cost of at least %g", def->min);
				break;
			}
		case OPT_RATE:
			{
				double		d;

				ok = snowfdw_syntax_whole_double(value, &d) &&
					d > def->min && d <= def->max;
				*expected = psprintf("a number of requests per second greater than %g and at most %g",
									 def->min, def->max);
				break;
			}
		default:
			elog(ERROR, "option \"%s\" is not numeric", def->name);
	}
	return ok;
}

/*
 * is_endpoint_url
 *		Whether a value is an http or https URL with a host and nothing else
 *
 * A well-formed plain http URL to a host other than loopback is refused
 * with its own error: it would send the token unencrypted.
 */
static bool
is_endpoint_url(const SnowfdwOptionDef *def, const char *value)
{
	bool		plain_http;
	bool		ok = snowfdw_syntax_endpoint_url(value, &plain_http);

	if (ok && plain_http && !snowfdw_url_is_loopback(value))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"",
						def->name, value),
				 errdetail("Plain http is allowed only for loopback hosts; use https.")));
	return ok;
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
	switch (snowfdw_syntax_wire_value(value))
	{
		case SNOWFDW_WIRE_OK:
			break;
		case SNOWFDW_WIRE_CONTROL_CHAR:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"%s\"", def->name),
					 errdetail("The value contains a control character.")));
			break;
		case SNOWFDW_WIRE_EDGE_SPACE:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid value for option \"%s\"", def->name),
					 errdetail("The value begins or ends with a space.")));
			break;
	}
}

/*
 * store_value
 *		Store a validated option value (or a default) where it lands
 */
static void
store_value(SnowfdwOptions *opts, const SnowfdwOptionDef *def,
			const char *value)
{
	char	   *field = (char *) opts + def->offset;

	switch (def->store)
	{
		case STORE_NONE:
			break;
		case STORE_STRING:
			Assert(def->size == sizeof(char *));
			*(char **) field = (char *) value;
			break;
		case STORE_BOOL:
			{
				bool		b = false;

				Assert(def->size == sizeof(bool));
				(void) parse_bool(value, &b);
				*(bool *) field = b;
				break;
			}
		case STORE_INT:
			Assert(def->size == sizeof(int));
			*(int *) field = atoi(value);
			break;
		case STORE_INT64:
			Assert(def->size == sizeof(int64));
			*(int64 *) field = strtoi64(value, NULL, 10);
			break;
		case STORE_DOUBLE:
			Assert(def->size == sizeof(double));
			*(double *) field = strtod(value, NULL);
			break;
	}
}

/*
 * apply_options
 *		Store the validated options of one catalog in the merged struct
 */
static void
apply_options(SnowfdwOptions *opts, List *options, Oid catalog)
{
	ListCell   *cell;

	foreach(cell, options)
	{
		DefElem    *elem = (DefElem *) lfirst(cell);
		const SnowfdwOptionDef *def = find_option(catalog, elem->defname);

		if (def)
			store_value(opts, def, defGetString(elem));
	}
}

/*
 * snowfdw_get_options
 *		Merge the options of a server, the user's mapping and a table
 *
 * userid may be InvalidOid to skip the mapping, relid InvalidOid to skip
 * the table.  The table gives the fixed defaults, GUCs the defaults of the
 * tuning options.
 */
SnowfdwOptions *
snowfdw_get_options(Oid serverid, Oid userid, Oid relid)
{
	SnowfdwOptions *opts = palloc0(sizeof(SnowfdwOptions));
	const SnowfdwOptionDef *def;

	for (def = valid_options; def->name; def++)
		if (def->default_value)
			store_value(opts, def, def->default_value);
	/* defaults a SET can change, so they are not in the table */
	opts->poll_timeout = snowfdw_poll_timeout;
	opts->max_retries = snowfdw_max_retries;
	opts->retry_max_time = snowfdw_retry_max_time;
	opts->cache_ttl = snowfdw_cache_ttl;
	opts->cache_stale_ttl = snowfdw_cache_stale_ttl;
	opts->pipeline_writes = snowfdw_pipeline_writes;
	opts->defer_writes = snowfdw_defer_writes;

	apply_options(opts, GetForeignServer(serverid)->options,
				  ForeignServerRelationId);
	if (OidIsValid(userid))
		apply_options(opts, GetUserMapping(userid, serverid)->options,
					  UserMappingRelationId);
	if (OidIsValid(relid))
		apply_options(opts, GetForeignTable(relid)->options,
					  ForeignTableRelationId);

	/*
	 * The GUC caps every server; a server option (0 when not set) may only
	 * lower it.
	 */
	opts->max_concurrency = opts->max_concurrency > 0 ?
		Min(opts->max_concurrency, snowfdw_max_concurrency) :
		snowfdw_max_concurrency;
	/* a larger page is more than one list request may return */
	opts->page_size = Min(opts->page_size, SNOWFDW_MAX_PAGE_SIZE);
	if (opts->create_mode == NULL)
		opts->create_mode = snowfdw_create_mode;
	return opts;
}

/*
 * snowfdw_copy_session_options
 *		Copy merged server and mapping options into the current context
 *
 * Strings are copied, so that the session outlives the catalog lists;
 * table options do not belong to a session and are left NULL.
 */
SnowfdwOptions *
snowfdw_copy_session_options(const SnowfdwOptions *src)
{
	SnowfdwOptions *opts = palloc(sizeof(SnowfdwOptions));
	const SnowfdwOptionDef *def;

	memcpy(opts, src, sizeof(SnowfdwOptions));
	for (def = valid_options; def->name; def++)
	{
		char	  **dst = (char **) ((char *) opts + def->offset);

		if (def->store != STORE_STRING)
			continue;
		if (def->catalog == ForeignTableRelationId || *dst == NULL)
			*dst = NULL;
		else
			*dst = pstrdup(*dst);
	}
	return opts;
}

/*
 * snowfdw_refresh_session_options
 *		Take up the numbers and switches of freshly merged server options
 *
 * Their defaults may come from GUCs, which a SET changes at any time;
 * strings only change with the server, which invalidates the session.
 */
void
snowfdw_refresh_session_options(SnowfdwOptions *opts,
								const SnowfdwOptions *src)
{
	const SnowfdwOptionDef *def;

	for (def = valid_options; def->name; def++)
		if (def->catalog == ForeignServerRelationId &&
			def->store != STORE_NONE && def->store != STORE_STRING)
			memcpy((char *) opts + def->offset,
				   (const char *) src + def->offset, def->size);
}

/*
 * snowfdw_wipe_secrets
 *		Overwrite the secret strings of session options before they are freed
 */
void
snowfdw_wipe_secrets(SnowfdwOptions *opts)
{
	const SnowfdwOptionDef *def;

	for (def = valid_options; def->name; def++)
	{
		char	   *value;

		if (!def->secret || def->store != STORE_STRING)
			continue;
		value = *(char **) ((char *) opts + def->offset);
		if (value)
			explicit_bzero(value, strlen(value));
	}
}

/*
 * snowfdw_option_name
 *		Name of the option that lands at an offset of SnowfdwOptions
 */
const char *
snowfdw_option_name(size_t offset)
{
	const SnowfdwOptionDef *def;

	for (def = valid_options; def->name; def++)
		if (def->store != STORE_NONE && def->offset == offset)
			return def->name;
	elog(ERROR, "no snowfdw option at offset %zu", offset);
	return NULL;				/* keep compiler quiet */
}

/*
 * snowfdw_scope_option
 *		Value of the table option that fixes a scope level, or NULL
 */
const char *
snowfdw_scope_option(const SnowfdwOptions *options, int level)
{
	Assert(level >= 0 && level < SNOWFDW_MAX_SCOPES);
	return *(char *const *) ((const char *) options + scope_offsets[level]);
}

/*
 * snowfdw_set_scope_option
 *		Set the table option that fixes a scope level
 */
void
snowfdw_set_scope_option(SnowfdwOptions *options, int level, char *value)
{
	Assert(level >= 0 && level < SNOWFDW_MAX_SCOPES);
	*(char **) ((char *) options + scope_offsets[level]) = value;
}

/*
 * snowfdw_scope_option_name
 *		Name of the table option that fixes a scope level
 */
const char *
snowfdw_scope_option_name(int level)
{
	Assert(level >= 0 && level < SNOWFDW_MAX_SCOPES);
	return snowfdw_option_name(scope_offsets[level]);
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

	/* column_name is the only column option */
	foreach(cell, options)
	{
		DefElem    *elem = (DefElem *) lfirst(cell);

		if (find_option(AttributeRelationId, elem->defname))
			return defGetString(elem);
	}
	return get_attname(relid, attnum, false);
}
