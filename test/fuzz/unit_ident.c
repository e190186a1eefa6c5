/*
 * unit_ident.c
 *		Unit tests of src/text/ident.c: identifier quoting and resolution
 */
#include <stdlib.h>

#include "text/ident.h"
#include "unit.h"

/* malloc'd quoted form of a name */
static char *
quote(const char *name)
{
	size_t		len = snowfdw_ident_quote(NULL, 0, name);
	char	   *out = malloc(len + 1);

	CHECK_INT(snowfdw_ident_quote(out, len + 1, name), len);
	CHECK_INT(strlen(out), len);
	return out;
}

/* quote a name and compare with the expected text */
static void
check_quote(const char *name, const char *want)
{
	char	   *got = quote(name);

	CHECK_STR(got, want);
	free(got);
}

/* resolve an identifier and compare status and name */
static void
check_resolve(const char *text, SnowfdwIdentStatus want_status,
			  const char *want_name)
{
	char	   *out = malloc(strlen(text) + 1);
	SnowfdwIdentStatus status = snowfdw_ident_resolve(out, text);

	CHECK_INT(status, want_status);
	if (want_name)
		CHECK_STR(out, want_name);
	free(out);
}

static void
quote_bare_names(void)
{
	check_quote("DB1", "DB1");
	check_quote("_X$1", "_X$1");
	check_quote("SNOWFLAKE_SAMPLE_DATA", "SNOWFLAKE_SAMPLE_DATA");
	check_quote("SELECTED", "SELECTED");
	CHECK(!snowfdw_ident_needs_quotes("A"));
}

static void
quote_names_that_need_quotes(void)
{
	check_quote("db", "\"db\"");
	check_quote("My DB", "\"My DB\"");
	check_quote("SELECT", "\"SELECT\"");
	check_quote("TRY_CAST", "\"TRY_CAST\"");
	check_quote("", "\"\"");
	check_quote("a\"b", "\"a\"\"b\"");
	check_quote("\"", "\"\"\"\"");
	check_quote("1ABC", "\"1ABC\"");
	check_quote("$A", "\"$A\"");
	check_quote("A-B", "\"A-B\"");
	check_quote("\xc3\x84" "B", "\"\xc3\x84" "B\"");
}

static void
quote_into_short_buffers(void)
{
	char		buf[8];

	memset(buf, 'x', sizeof(buf));
	CHECK_INT(snowfdw_ident_quote(buf, 0, "db"), 4);
	CHECK(buf[0] == 'x');
	CHECK_INT(snowfdw_ident_quote(buf, 1, "db"), 4);
	CHECK_STR(buf, "");
	CHECK_INT(snowfdw_ident_quote(buf, 3, "db"), 4);
	CHECK_STR(buf, "\"d");
	CHECK_INT(snowfdw_ident_quote(buf, 4, "db"), 4);
	CHECK_STR(buf, "\"db");
	CHECK_INT(snowfdw_ident_quote(buf, 5, "db"), 4);
	CHECK_STR(buf, "\"db\"");
	CHECK_INT(snowfdw_ident_quote(buf, 3, "ABCDEF"), 6);
	CHECK_STR(buf, "AB");
}

static void
resolve_identifiers(void)
{
	check_resolve("db", SNOWFDW_IDENT_OK, "DB");
	check_resolve("My_Db$2", SNOWFDW_IDENT_OK, "MY_DB$2");
	check_resolve("_", SNOWFDW_IDENT_OK, "_");
	check_resolve("\"db\"", SNOWFDW_IDENT_OK, "db");
	check_resolve("\"a\"\"b\"", SNOWFDW_IDENT_OK, "a\"b");
	check_resolve("\"\"", SNOWFDW_IDENT_OK, "");
	check_resolve("\"select\"", SNOWFDW_IDENT_OK, "select");
	check_resolve("\"My DB\"", SNOWFDW_IDENT_OK, "My DB");
}

static void
resolve_errors(void)
{
	check_resolve("", SNOWFDW_IDENT_EMPTY, "");
	check_resolve("\"abc", SNOWFDW_IDENT_UNTERMINATED, NULL);
	check_resolve("\"", SNOWFDW_IDENT_UNTERMINATED, NULL);
	check_resolve("\"a\"\"", SNOWFDW_IDENT_UNTERMINATED, NULL);
	check_resolve("\"a\"b", SNOWFDW_IDENT_TRAILING, NULL);
	check_resolve("\"a\" ", SNOWFDW_IDENT_TRAILING, NULL);
	check_resolve("a-b", SNOWFDW_IDENT_INVALID_CHAR, NULL);
	check_resolve("1a", SNOWFDW_IDENT_INVALID_CHAR, NULL);
	check_resolve("$a", SNOWFDW_IDENT_INVALID_CHAR, NULL);
	check_resolve("a b", SNOWFDW_IDENT_INVALID_CHAR, NULL);
	check_resolve("select", SNOWFDW_IDENT_RESERVED, NULL);
	check_resolve("Where", SNOWFDW_IDENT_RESERVED, NULL);
}

static void
quote_then_resolve_is_identity(void)
{
	static const char *const names[] = {
		"DB", "db", "", "\"", "\"\"", "a\"b\"c", "SELECT", "select", "My DB",
		" ", "A.B", "%2F", "\xff\xfe", "_", "$", "A$", "TRY_CAST", NULL
	};
	int			i;

	for (i = 0; names[i]; i++)
	{
		char	   *quoted = quote(names[i]);

		check_resolve(quoted, SNOWFDW_IDENT_OK, names[i]);
		free(quoted);
	}
}

int
main(void)
{
	RUN_GROUP(quote_bare_names);
	RUN_GROUP(quote_names_that_need_quotes);
	RUN_GROUP(quote_into_short_buffers);
	RUN_GROUP(resolve_identifiers);
	RUN_GROUP(resolve_errors);
	RUN_GROUP(quote_then_resolve_is_identity);
	UNIT_EXIT();
}
