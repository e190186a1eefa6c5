/*
 * unit_optsyntax.c
 *		Unit tests of src/text/optsyntax.c: the syntax of option values
 */
#include "text/optsyntax.h"
#include "unit.h"

static void
numbers(void)
{
	long		n;
	double		d;

	CHECK(snowfdw_syntax_whole_long("42", &n) && n == 42);
	CHECK(snowfdw_syntax_whole_long("-7", &n) && n == -7);
	CHECK(!snowfdw_syntax_whole_long("", &n));
	CHECK(!snowfdw_syntax_whole_long("4x", &n));
	CHECK(!snowfdw_syntax_whole_long("99999999999999999999", &n));
	CHECK(snowfdw_syntax_whole_double("0.5", &d) && d == 0.5);
	CHECK(snowfdw_syntax_whole_double("1e3", &d) && d == 1000);
	CHECK(!snowfdw_syntax_whole_double("1s", &d));
	CHECK(!snowfdw_syntax_whole_double("1e999", &d));
	CHECK(!snowfdw_syntax_whole_double(" ", &d));
}

static void
tokens_and_accounts(void)
{
	CHECK(snowfdw_syntax_visible_token("abc.DEF-1~"));
	CHECK(!snowfdw_syntax_visible_token(""));
	CHECK(!snowfdw_syntax_visible_token("a b"));
	CHECK(!snowfdw_syntax_visible_token("caf\xc3\xa9"));
	CHECK(snowfdw_syntax_account("myorg-acct_1.eu"));
	CHECK(!snowfdw_syntax_account("my org"));
	CHECK(!snowfdw_syntax_account(""));
}

static void
urls(void)
{
	bool		plain;

	CHECK(snowfdw_syntax_endpoint_url("https://x.snowflakecomputing.com", &plain) && !plain);
	CHECK(snowfdw_syntax_endpoint_url("http://127.0.0.1:8080/", &plain) && plain);
	CHECK(!snowfdw_syntax_endpoint_url("https://x/api", &plain));
	CHECK(!snowfdw_syntax_endpoint_url("https://u@x", &plain));
	CHECK(!snowfdw_syntax_endpoint_url("https://x?q", &plain));
	CHECK(!snowfdw_syntax_endpoint_url("https://", &plain));
	CHECK(!snowfdw_syntax_endpoint_url("ftp://x", &plain));
}

static void
identifiers_and_wire_values(void)
{
	CHECK(snowfdw_syntax_identifier("MY_DB$1"));
	CHECK(snowfdw_syntax_identifier("\"my \"\"db\"\"\""));
	CHECK(!snowfdw_syntax_identifier("1DB"));
	CHECK(!snowfdw_syntax_identifier("\"\""));
	CHECK(!snowfdw_syntax_identifier("\"open"));
	CHECK(!snowfdw_syntax_identifier("\"a\"b"));
	CHECK(!snowfdw_syntax_identifier(""));
	CHECK_INT(snowfdw_syntax_wire_value("a b"), SNOWFDW_WIRE_OK);
	CHECK_INT(snowfdw_syntax_wire_value("a\r\nX: y"), SNOWFDW_WIRE_CONTROL_CHAR);
	CHECK_INT(snowfdw_syntax_wire_value("a\x7f"), SNOWFDW_WIRE_CONTROL_CHAR);
	CHECK_INT(snowfdw_syntax_wire_value(" a"), SNOWFDW_WIRE_EDGE_SPACE);
	CHECK_INT(snowfdw_syntax_wire_value("a "), SNOWFDW_WIRE_EDGE_SPACE);
}

int
main(void)
{
	RUN_GROUP(numbers);
	RUN_GROUP(tokens_and_accounts);
	RUN_GROUP(urls);
	RUN_GROUP(identifiers_and_wire_values);
	UNIT_EXIT();
}
