/*
 * unit_pattern.c
 *		Unit tests of src/text/pattern.c: LIKE and regular expressions as
 *		Snowflake LIST patterns
 */
#include <stdlib.h>

#include "text/pattern.h"
#include "unit.h"

#define ANY		"([^/]|/)"
#define RUN		"[^/]*(/[^/]*)*"

/* translate and compare with the expected pattern (NULL: none) */
static void
check(size_t (*fn) (char *, size_t, const char *, bool), const char *text,
	  bool utf8, const char *want)
{
	size_t		len = fn(NULL, 0, text, utf8);
	char	   *got = NULL;

	if (len != SNOWFDW_PATTERN_NONE)
	{
		got = malloc(len + 1);
		CHECK_INT(fn(got, len + 1, text, utf8), len);
	}
	CHECK_STR(got, want);
	free(got);
}

static void
like_patterns(void)
{
	check(snowfdw_like_to_pattern, "abc", true, "abc");
	check(snowfdw_like_to_pattern, "a%%b_", true, "a" RUN "b" ANY);
	check(snowfdw_like_to_pattern, "x.csv", true, "x\\.csv");
	check(snowfdw_like_to_pattern, "50\\%", true, "50%");
	check(snowfdw_like_to_pattern, "a\\_b", true, "a_b");
	check(snowfdw_like_to_pattern, "a\\", true, NULL);	/* trailing escape */
	check(snowfdw_like_to_pattern, "tab\there", true, NULL);	/* control */
	check(snowfdw_like_to_pattern, "caf\xc3\xa9%", true, "caf\xc3\xa9" RUN);
	check(snowfdw_like_to_pattern, "caf\xc3\xa9%", false, NULL);
	check(snowfdw_like_to_pattern, "\xf0\x9f\x98\x80", true, NULL);	/* not BMP */
	check(snowfdw_like_to_pattern, "\xc3", true, NULL);	/* cut short */
}

static void
regex_patterns(void)
{
	check(snowfdw_regex_to_pattern, "abc", true, RUN "(abc)" RUN);
	check(snowfdw_regex_to_pattern, "^a.c$", true, "(a" ANY "c)");
	check(snowfdw_regex_to_pattern, "^a|b$", true, "(a)" RUN "|" RUN "(b)");
	check(snowfdw_regex_to_pattern, "^x(y|z){2,3}[a-c]+\\.csv$", true,
		  "(x(y|z){2,3}[a-c]+\\.csv)");
	check(snowfdw_regex_to_pattern, "", true, NULL);
	check(snowfdw_regex_to_pattern, "a||b", true, NULL);	/* empty branch */
	check(snowfdw_regex_to_pattern, "(?i)a", true, NULL);
	check(snowfdw_regex_to_pattern, "a*?", true, NULL);	/* lazy */
	check(snowfdw_regex_to_pattern, "a{1,256}", true, NULL);
	check(snowfdw_regex_to_pattern, "[z-a]", true, NULL);
	check(snowfdw_regex_to_pattern, "[[:alpha:]]", true, NULL);
	check(snowfdw_regex_to_pattern, "\\d", true, NULL);
	check(snowfdw_regex_to_pattern, "(a", true, NULL);
	check(snowfdw_regex_to_pattern, "a)", true, NULL);
}

static void
like_prefixes(void)
{
	CHECK_INT(snowfdw_like_prefix_length("abc%"), 3);
	CHECK_INT(snowfdw_like_prefix_length("%"), 0);
	CHECK_INT(snowfdw_like_prefix_length("a_c%"), 0);
	CHECK_INT(snowfdw_like_prefix_length("a%c%"), 0);
	CHECK_INT(snowfdw_like_prefix_length("a\\%%"), 0);
	CHECK_INT(snowfdw_like_prefix_length("abc"), 0);
}

static void
short_buffers(void)
{
	char		buf[6];
	size_t		len;

	buf[5] = 'x';
	len = snowfdw_regex_to_pattern(buf, 5, "^abcdef$", true);
	CHECK_INT(len, 8);
	CHECK_STR(buf, "(abc");
	CHECK(buf[5] == 'x');
	CHECK_INT(snowfdw_like_to_pattern(buf, 0, "abc", true), 3);
}

int
main(void)
{
	RUN_GROUP(like_patterns);
	RUN_GROUP(regex_patterns);
	RUN_GROUP(like_prefixes);
	RUN_GROUP(short_buffers);
	UNIT_EXIT();
}
