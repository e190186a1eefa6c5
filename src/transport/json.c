/*-------------------------------------------------------------------------
 *
 * json.c
 *		  JSON parsing and building for snowfdw, the only user of cJSON
 *
 * Memory: cJSON allocates with malloc.  Its hooks are global to the
 * process, so snowfdw sets them only for the length of its own parse call
 * (and sets cJSON's defaults again right after), never for other libraries
 * of the backend.  A parsed tree is tied to the memory context current at
 * parse time: a reset callback of that context frees it with cJSON_Delete,
 * so it lives and dies with the context, on error too.
 *
 * Interrupts: parsing a large element (millions of values) takes seconds and
 * cJSON offers no hook but allocation.  The allocation hook fails once a
 * cancel or termination is pending, never raising itself (no longjmp may
 * cross cJSON, which would leak its partial tree); cJSON then frees what it
 * built and returns, and the caller processes the interrupt.  (cJSON reports
 * a failed malloc as a syntax error; such a document is refused either way.)
 *
 * Exact numbers: cJSON keeps numbers only as double.  Before parsing, every
 * number token outside strings is rewritten as a string carrying a private
 * marker, so that its source text survives; accessors report such strings
 * as numbers.  Sizes and ids thus reach column input functions unchanged.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/transport/json.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <cjson/cJSON.h>

#include "lib/stringinfo.h"
#include "miscadmin.h"

#include "text/jsontext.h"
#include "transport/json.h"

#define NUMBER_MARKER SNOWFDW_NUMBER_MARKER
#define NUMBER_MARKER_LEN SNOWFDW_NUMBER_MARKER_LEN

struct SnowfdwJson
{
	cJSON		item;			/* never instantiated: a cast of cJSON */
};

struct SnowfdwJsonBuilder
{
	StringInfoData buf;
	bool		empty;
};

/* A parsed tree and the reset callback that frees it */
typedef struct TreeOwner
{
	MemoryContextCallback callback;
	cJSON	   *root;
} TreeOwner;

static void free_tree(void *arg);
static void *parse_alloc(size_t size);
static void check_interrupts(void);
static void append_json_string(StringInfo buf, const char *s);
static void append_json_value(StringInfo buf, const cJSON *item);

/* set while snowfdw's parse call runs: an allocator that can say "stop" */
static cJSON_Hooks parse_hooks = {.malloc_fn = parse_alloc, .free_fn = free};
static bool parse_interrupted = false;

/*
 * parse_alloc
 *		cJSON's allocator during snowfdw's parse: malloc, or NULL once an
 *		interrupt is pending
 */
static void *
parse_alloc(size_t size)
{
	if (QueryCancelPending || ProcDiePending)
	{
		parse_interrupted = true;
		return NULL;
	}
	return malloc(size);
}

/*
 * check_interrupts
 *		The number rewriter's check hook
 */
static void
check_interrupts(void)
{
	CHECK_FOR_INTERRUPTS();
}

/*
 * snowfdw_json_init
 *		Let the number rewriter check for interrupts
 */
void
snowfdw_json_init(void)
{
	snowfdw_jsontext_check_hook = check_interrupts;
}

/*
 * free_tree
 *		Memory context reset callback: free a parsed tree
 */
static void
free_tree(void *arg)
{
	TreeOwner  *owner = (TreeOwner *) arg;

	cJSON_Delete(owner->root);
	owner->root = NULL;
}

/*
 * parse_document
 *		Parse a complete JSON text; NULL with *error set if it is not one
 *
 * A \u0000 escape would cut its string short in silence once decoded: it
 * raises 22P05 (as PostgreSQL's json types do) if nul_is_error, and is
 * only a reason to return NULL otherwise.
 */
static SnowfdwJson *
parse_document(const char *text, size_t len, char **error, bool nul_is_error)
{
	SnowfdwRewriteResult fault;
	size_t		cap;
	size_t		needed;
	char	   *buf;
	const char *end = NULL;
	cJSON	   *root;
	TreeOwner  *owner;

	*error = NULL;
	if (len == 0)
	{
		*error = pstrdup("empty document");
		return NULL;
	}
	if (memchr(text, '\0', len) != NULL)
	{
		*error = pstrdup("document contains a zero byte");
		return NULL;
	}
	/* numbers grow by 4 bytes: most texts fit the first guess */
	cap = len + len / 4 + 64;
	buf = palloc(cap);
	needed = snowfdw_json_rewrite(text, len, buf, cap, &fault);
	if (needed >= cap && fault.error == SNOWFDW_REWRITE_OK)
	{
		cap = needed + 1;
		buf = repalloc(buf, cap);
		needed = snowfdw_json_rewrite(text, len, buf, cap, &fault);
	}
	if (fault.error == SNOWFDW_REWRITE_NUL_ESCAPE && !nul_is_error)
	{
		*error = pstrdup("\\u0000 in a string");
		pfree(buf);
		return NULL;
	}
	if (fault.error == SNOWFDW_REWRITE_NUL_ESCAPE)
		ereport(ERROR,
				(errcode(ERRCODE_UNTRANSLATABLE_CHARACTER),
				 errmsg("unsupported Unicode escape sequence"),
				 fault.field ?
				 errdetail("\\u0000 in JSON field \"%s\" cannot be converted to text.",
						   pnstrdup(fault.field, Min(fault.field_len, 200))) :
				 errdetail("\\u0000 cannot be converted to text.")));
	if (fault.error == SNOWFDW_REWRITE_BAD_NUMBER)
	{
		*error = psprintf("invalid number at byte %zu", fault.offset);
		pfree(buf);
		return NULL;
	}
	buf[needed] = '\0';
	/* allocated first: nothing may fail between the parse and the callback */
	owner = palloc(sizeof(TreeOwner));
	/* the length counts the terminating NUL that require_null_terminated checks */
	parse_interrupted = false;
	cJSON_InitHooks(&parse_hooks);
	root = cJSON_ParseWithLengthOpts(buf, needed + 1, &end, true);
	cJSON_InitHooks(NULL);
	if (root == NULL && parse_interrupted)
	{
		pfree(owner);
		pfree(buf);
		CHECK_FOR_INTERRUPTS();
		/* a cancel that cannot be processed now: this parse is lost anyway */
		*error = pstrdup("parsing was interrupted");
		return NULL;
	}
	if (root == NULL)
	{
		if (end == NULL)
			end = cJSON_GetErrorPtr();
		if (end != NULL && end >= buf && end <= buf + needed)
			*error = psprintf("syntax error at byte %d of the %zu-byte document",
							  (int) (end - buf), len);
		else
			*error = pstrdup("syntax error");
		pfree(owner);
		pfree(buf);
		return NULL;
	}
	owner->root = root;
	owner->callback.func = free_tree;
	owner->callback.arg = owner;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, &owner->callback);
	pfree(buf);
	return (SnowfdwJson *) root;
}

/*
 * snowfdw_json_parse
 *		Parse a complete JSON text whose values may become SQL values
 *
 * NULL with *error set if it is not JSON; \u0000 raises 22P05.
 */
SnowfdwJson *
snowfdw_json_parse(const char *text, size_t len, char **error)
{
	return parse_document(text, len, error, true);
}

/*
 * snowfdw_json_parse_quietly
 *		Parse a complete JSON text, NULL with *error set for any fault
 *
 * For error bodies: a fault there must not hide the error they report.
 */
SnowfdwJson *
snowfdw_json_parse_quietly(const char *text, size_t len, char **error)
{
	return parse_document(text, len, error, false);
}

/*
 * is_marked_number
 *		Whether a cJSON string stands for a rewritten number
 */
static bool
is_marked_number(const cJSON *item)
{
	/* two byte compares: this runs for every field of every row */
	return cJSON_IsString(item) && item->valuestring != NULL &&
		item->valuestring[0] == NUMBER_MARKER[0] &&
		item->valuestring[1] == NUMBER_MARKER[1];
}

/*
 * snowfdw_json_type
 *		Type of a JSON value (NULL pointer reads as JSON null)
 */
SnowfdwJsonType
snowfdw_json_type(const SnowfdwJson *value)
{
	const cJSON *item = (const cJSON *) value;

	if (item == NULL || cJSON_IsNull(item))
		return SNOWFDW_JSON_NULL;
	if (cJSON_IsBool(item))
		return SNOWFDW_JSON_BOOL;
	if (is_marked_number(item) || cJSON_IsNumber(item))
		return SNOWFDW_JSON_NUMBER;
	if (cJSON_IsString(item))
		return SNOWFDW_JSON_STRING;
	if (cJSON_IsArray(item))
		return SNOWFDW_JSON_ARRAY;
	return SNOWFDW_JSON_OBJECT;
}

/*
 * snowfdw_json_object_field
 *		Member of an object by exact key, or NULL
 */
SnowfdwJson *
snowfdw_json_object_field(const SnowfdwJson *object, const char *key)
{
	if (!cJSON_IsObject((const cJSON *) object))
		return NULL;
	return (SnowfdwJson *)
		cJSON_GetObjectItemCaseSensitive((const cJSON *) object, key);
}

/*
 * snowfdw_json_object_string
 *		String member of an object, or NULL if absent or not a string
 */
const char *
snowfdw_json_object_string(const SnowfdwJson *object, const char *key)
{
	const cJSON *item = (const cJSON *)
		snowfdw_json_object_field(object, key);

	if (item == NULL || !cJSON_IsString(item) || is_marked_number(item))
		return NULL;
	return item->valuestring;
}

/*
 * snowfdw_json_scalar_text
 *		Text form of a scalar (palloc'd), NULL for JSON null
 *
 * Arrays and objects come back as JSON text.
 */
char *
snowfdw_json_scalar_text(const SnowfdwJson *value)
{
	const cJSON *item = (const cJSON *) value;

	switch (snowfdw_json_type(value))
	{
		case SNOWFDW_JSON_NULL:
			return NULL;
		case SNOWFDW_JSON_BOOL:
			return pstrdup(cJSON_IsTrue(item) ? "true" : "false");
		case SNOWFDW_JSON_NUMBER:
			if (is_marked_number(item))
				return pstrdup(item->valuestring + NUMBER_MARKER_LEN);
			return psprintf("%.17g", item->valuedouble);
		case SNOWFDW_JSON_STRING:
			return pstrdup(item->valuestring);
		default:
			return snowfdw_json_to_text(value);
	}
}

/*
 * snowfdw_json_escape
 *		Append s escaped for the inside of a JSON string literal
 */
void
snowfdw_json_escape(StringInfo buf, const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *) s; *p; p++)
	{
		switch (*p)
		{
			case '"':
				appendStringInfoString(buf, "\\\"");
				break;
			case '\\':
				appendStringInfoString(buf, "\\\\");
				break;
			case '\n':
				appendStringInfoString(buf, "\\n");
				break;
			case '\r':
				appendStringInfoString(buf, "\\r");
				break;
			case '\t':
				appendStringInfoString(buf, "\\t");
				break;
			default:
				if (*p < 0x20)
					appendStringInfo(buf, "\\u%04x", *p);
				else
					appendStringInfoChar(buf, (char) *p);
		}
	}
}

/*
 * append_json_string
 *		Append s as a JSON string literal
 */
static void
append_json_string(StringInfo buf, const char *s)
{
	appendStringInfoChar(buf, '"');
	snowfdw_json_escape(buf, s);
	appendStringInfoChar(buf, '"');
}

/*
 * append_json_value
 *		Serialize a cJSON tree compactly, restoring marked numbers
 */
static void
append_json_value(StringInfo buf, const cJSON *item)
{
	const cJSON *child;
	bool		first = true;

	if (cJSON_IsNull(item))
		appendStringInfoString(buf, "null");
	else if (cJSON_IsBool(item))
		appendStringInfoString(buf, cJSON_IsTrue(item) ? "true" : "false");
	else if (is_marked_number(item))
		appendStringInfoString(buf, item->valuestring + NUMBER_MARKER_LEN);
	else if (cJSON_IsNumber(item))
		appendStringInfo(buf, "%.17g", item->valuedouble);
	else if (cJSON_IsString(item))
		append_json_string(buf, item->valuestring);
	else if (cJSON_IsArray(item))
	{
		appendStringInfoChar(buf, '[');
		cJSON_ArrayForEach(child, item)
		{
			if (!first)
				appendStringInfoChar(buf, ',');
			first = false;
			append_json_value(buf, child);
		}
		appendStringInfoChar(buf, ']');
	}
	else
	{
		appendStringInfoChar(buf, '{');
		cJSON_ArrayForEach(child, item)
		{
			if (!first)
				appendStringInfoChar(buf, ',');
			first = false;
			append_json_string(buf, child->string);
			appendStringInfoChar(buf, ':');
			append_json_value(buf, child);
		}
		appendStringInfoChar(buf, '}');
	}
}

/*
 * snowfdw_json_to_text
 *		Compact JSON text of any value (palloc'd)
 */
char *
snowfdw_json_to_text(const SnowfdwJson *value)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (value == NULL)
		appendStringInfoString(&buf, "null");
	else
		append_json_value(&buf, (const cJSON *) value);
	return buf.data;
}

/*
 * snowfdw_json_builder_create
 *		Start a flat JSON object
 */
SnowfdwJsonBuilder *
snowfdw_json_builder_create(void)
{
	SnowfdwJsonBuilder *builder = palloc(sizeof(SnowfdwJsonBuilder));

	initStringInfo(&builder->buf);
	appendStringInfoChar(&builder->buf, '{');
	builder->empty = true;
	return builder;
}

/*
 * builder_key
 *		Append the separator and key of the next member
 */
static void
builder_key(SnowfdwJsonBuilder *builder, const char *key)
{
	if (!builder->empty)
		appendStringInfoChar(&builder->buf, ',');
	builder->empty = false;
	append_json_string(&builder->buf, key);
	appendStringInfoChar(&builder->buf, ':');
}

/*
 * snowfdw_json_builder_add_string
 *		Add a string member
 */
void
snowfdw_json_builder_add_string(SnowfdwJsonBuilder *builder, const char *key,
								const char *value)
{
	builder_key(builder, key);
	append_json_string(&builder->buf, value);
}

/*
 * snowfdw_json_builder_add_raw
 *		Add a member whose value is JSON text already (checked by the caller)
 */
void
snowfdw_json_builder_add_raw(SnowfdwJsonBuilder *builder, const char *key,
							 const char *json_text)
{
	builder_key(builder, key);
	appendStringInfoString(&builder->buf, json_text);
}

/*
 * snowfdw_json_builder_add_number
 *		Add a number member from its exact text
 */
void
snowfdw_json_builder_add_number(SnowfdwJsonBuilder *builder, const char *key,
								const char *number_text)
{
	builder_key(builder, key);
	appendStringInfoString(&builder->buf, number_text);
}

/*
 * snowfdw_json_builder_add_bool
 *		Add a boolean member
 */
void
snowfdw_json_builder_add_bool(SnowfdwJsonBuilder *builder, const char *key,
							  bool value)
{
	builder_key(builder, key);
	appendStringInfoString(&builder->buf, value ? "true" : "false");
}

/*
 * snowfdw_json_builder_finish
 *		Close the object and return its text
 */
char *
snowfdw_json_builder_finish(SnowfdwJsonBuilder *builder)
{
	appendStringInfoChar(&builder->buf, '}');
	return builder->buf.data;
}
