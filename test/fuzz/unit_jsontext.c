/*
 * unit_jsontext.c
 *		Unit tests of the array splitter and number rewriter (src/text/jsontext.c)
 */
#include <stdlib.h>

#include "text/jsontext.h"
#include "unit.h"

/* split text fed step bytes at a time; elements joined by '|' into out */
static SnowfdwSplitResult
split_all(const char *text, size_t step, size_t max_element, char *out,
		  SnowfdwSplitError *error)
{
	SnowfdwSplitter s;
	size_t		len = strlen(text);
	size_t		have = 0;
	size_t		dropped = 0;

	snowfdw_split_init(&s, max_element);
	out[0] = '\0';
	for (;;)
	{
		size_t		start;
		size_t		elen;
		SnowfdwSplitResult r = snowfdw_split_next(&s, text + dropped, have - dropped,
												  have == len, &start, &elen);

		if (r == SNOWFDW_SPLIT_ELEMENT)
		{
			size_t		done;

			if (out[0])
				strcat(out, "|");
			strncat(out, text + dropped + start, elen);
			done = snowfdw_split_done_bytes(&s);
			snowfdw_split_discard(&s, done);
			dropped += done;
			continue;
		}
		if (r == SNOWFDW_SPLIT_NEED_MORE)
		{
			have = have + step > len ? len : have + step;
			continue;
		}
		*error = s.error;
		return r;
	}
}

static void
split_elements_in_any_chunking(void)
{
	const char *text = " [ {\"a\":\"x,]}\\\"\"} ,\n[1,[2]], \"s\\\\\" ,-1.5e3 ,null]\n";
	size_t		step;

	for (step = 1; step <= strlen(text); step++)
	{
		char		out[256];
		SnowfdwSplitError error;

		CHECK_INT(split_all(text, step, 1000, out, &error), SNOWFDW_SPLIT_END);
		CHECK_STR(out, "{\"a\":\"x,]}\\\"\"}|[1,[2]]|\"s\\\\\"|-1.5e3|null");
	}
}

static void
split_grammar_faults(void)
{
	char		out[256];
	SnowfdwSplitError error;

	CHECK_INT(split_all("[]", 1, 100, out, &error), SNOWFDW_SPLIT_END);
	CHECK_STR(out, "");
	CHECK_INT(split_all("{\"a\":1}", 1, 100, out, &error), SNOWFDW_SPLIT_NOT_ARRAY);
	CHECK_INT(split_all("[1,]", 1, 100, out, &error), SNOWFDW_SPLIT_ERROR);
	CHECK_INT(error, SNOWFDW_SPLIT_SYNTAX);
	CHECK_INT(split_all("[,1]", 2, 100, out, &error), SNOWFDW_SPLIT_ERROR);
	CHECK_INT(error, SNOWFDW_SPLIT_SYNTAX);
	CHECK_INT(split_all("[1}", 1, 100, out, &error), SNOWFDW_SPLIT_ERROR);
	CHECK_INT(error, SNOWFDW_SPLIT_SYNTAX);
	CHECK_INT(split_all("[1] x", 1, 100, out, &error), SNOWFDW_SPLIT_ERROR);
	CHECK_INT(error, SNOWFDW_SPLIT_TRAILING);
	CHECK_INT(split_all("[{\"a\":1}, {\"b\"", 3, 100, out, &error), SNOWFDW_SPLIT_ERROR);
	CHECK_INT(error, SNOWFDW_SPLIT_TRUNCATED);
	CHECK_STR(out, "{\"a\":1}");
	CHECK_INT(split_all("", 1, 100, out, &error), SNOWFDW_SPLIT_ERROR);
	CHECK_INT(error, SNOWFDW_SPLIT_TRUNCATED);
	CHECK_INT(split_all("[\"12345678901\"]", 4, 10, out, &error), SNOWFDW_SPLIT_ERROR);
	CHECK_INT(error, SNOWFDW_SPLIT_TOO_LARGE);
}

static void
rewrite_keeps_number_text(void)
{
	const char *in = "{\"size\":12345678901234567890,\"r\":-0.10e-2,\"s\":\"7\"}";
	SnowfdwRewriteResult r;
	size_t		need = snowfdw_json_rewrite(in, strlen(in), NULL, 0, &r);
	char	   *out = malloc(need + 1);

	CHECK_INT(snowfdw_json_rewrite(in, strlen(in), out, need + 1, &r), need);
	out[need] = '\0';
	CHECK_INT(r.error, SNOWFDW_REWRITE_OK);
	CHECK_STR(out, "{\"size\":\"\x1f#12345678901234567890\",\"r\":\"\x1f#-0.10e-2\",\"s\":\"7\"}");
	free(out);
	snowfdw_json_rewrite("[01]", 4, NULL, 0, &r);
	CHECK_INT(r.error, SNOWFDW_REWRITE_OK);	/* "0" then "1": cJSON refuses it */
	snowfdw_json_rewrite("[-x]", 4, NULL, 0, &r);
	CHECK_INT(r.error, SNOWFDW_REWRITE_BAD_NUMBER);
	CHECK_INT(r.offset, 1);
}

static void
rewrite_finds_nul_escapes(void)
{
	SnowfdwRewriteResult r;
	const char *value = "{\"a\":1, \"name\": \"A\\u0000B\"}";
	const char *key = "{\"k\\u0000\": 1}";
	const char *escaped = "{\"name\": \"A\\\\u0000B\"}";

	snowfdw_json_rewrite(value, strlen(value), NULL, 0, &r);
	CHECK_INT(r.error, SNOWFDW_REWRITE_NUL_ESCAPE);
	CHECK_INT(r.field_len, 4);
	CHECK(r.field && strncmp(r.field, "name", 4) == 0);
	snowfdw_json_rewrite(key, strlen(key), NULL, 0, &r);
	CHECK_INT(r.error, SNOWFDW_REWRITE_NUL_ESCAPE);
	CHECK(r.field && strncmp(r.field, "k\\u0000", r.field_len) == 0);
	snowfdw_json_rewrite(escaped, strlen(escaped), NULL, 0, &r);
	CHECK_INT(r.error, SNOWFDW_REWRITE_OK);
}

int
main(void)
{
	RUN_GROUP(split_elements_in_any_chunking);
	RUN_GROUP(split_grammar_faults);
	RUN_GROUP(rewrite_keeps_number_text);
	RUN_GROUP(rewrite_finds_nul_escapes);
	UNIT_EXIT();
}
