/*
 * fuzz_jsontext.c
 *		libFuzzer target of the streamed-array splitter and the number
 *		rewriter in src/text/jsontext.c
 *
 * Properties:
 *	- splitting in pieces of any sizes (taken from the input) finds the same
 *	  elements, and ends the same way, as splitting the whole text at once;
 *	- when cJSON reads the whole text as an array, the splitter finds one
 *	  element per array item, and each element alone parses to the same
 *	  value as its item (splitting then parsing equals parsing the whole);
 *	- the rewriter's length does not depend on its buffer, a \u0000 it
 *	  reports is there, and a top-level number keeps its exact text.
 */
#include <cjson/cJSON.h>

#include "fuzz.h"
#include "text/jsontext.h"

#define MAX_ELEMENTS 4096

typedef struct Split
{
	int			n;
	size_t		start[MAX_ELEMENTS];	/* from the start of the text */
	size_t		len[MAX_ELEMENTS];
	SnowfdwSplitResult end;
	SnowfdwSplitError error;
} Split;

/* split text delivered in pieces; piece sizes cycle through sizes[] */
static void
split(const char *text, size_t len, const uint8_t *sizes, size_t nsizes,
	  Split *out)
{
	SnowfdwSplitter s;
	size_t		have = 0;		/* bytes delivered so far */
	size_t		dropped = 0;	/* bytes the caller discarded */
	size_t		k = 0;

	snowfdw_split_init(&s, len + 1);
	out->n = 0;
	for (;;)
	{
		size_t		start;
		size_t		elen;
		SnowfdwSplitResult r = snowfdw_split_next(&s, text + dropped,
												  have - dropped, have == len,
												  &start, &elen);

		if (r == SNOWFDW_SPLIT_ELEMENT)
		{
			if (out->n < MAX_ELEMENTS)
			{
				out->start[out->n] = dropped + start;
				out->len[out->n] = elen;
			}
			out->n++;
			/* the caller may drop what the splitter is done with */
			{
				size_t		done = snowfdw_split_done_bytes(&s);

				snowfdw_split_discard(&s, done);
				dropped += done;
			}
			continue;
		}
		if (r == SNOWFDW_SPLIT_NEED_MORE)
		{
			size_t		step = nsizes ? (size_t) sizes[k++ % nsizes] + 1 : len;

			FUZZ_CHECK(have < len);
			have = have + step > len ? len : have + step;
			continue;
		}
		out->end = r;
		out->error = s.error;
		return;
	}
}

/* whether text holds a control byte JSON does not allow as a blank */
static int
has_controls(const char *text, size_t len)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) text[i];

		if (c < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return 1;
	}
	return 0;
}

/*
 * whether two cJSON values are equal; numbers by ==, since cJSON_Compare
 * takes an infinity for unequal to itself
 */
static int
same_value(const cJSON *a, const cJSON *b)
{
	const cJSON *x;
	const cJSON *y;

	if ((a->type & 0xFF) != (b->type & 0xFF))
		return 0;
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble ||
			(a->valuedouble != a->valuedouble && b->valuedouble != b->valuedouble);
	if (cJSON_IsString(a))
		return strcmp(a->valuestring, b->valuestring) == 0;
	if (cJSON_IsArray(a) || cJSON_IsObject(a))
	{
		for (x = a->child, y = b->child; x && y; x = x->next, y = y->next)
		{
			if (cJSON_IsObject(a) && strcmp(x->string, y->string) != 0)
				return 0;
			if (!same_value(x, y))
				return 0;
		}
		return x == NULL && y == NULL;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t		nsizes = size > 0 ? data[0] % 8 : 0;
	const uint8_t *sizes = data + (size > 0 ? 1 : 0);
	const char *text;
	size_t		len;
	Split	   *whole = malloc(sizeof(Split));
	Split	   *pieces = malloc(sizeof(Split));
	char	   *copy;
	cJSON	   *root;
	int			i;

	if (size <= nsizes + 1)
	{
		free(whole);
		free(pieces);
		return 0;
	}
	text = (const char *) data + 1 + nsizes;
	len = size - 1 - nsizes;

	split(text, len, NULL, 0, whole);
	split(text, len, sizes, nsizes, pieces);
	FUZZ_CHECK(whole->n == pieces->n);
	FUZZ_CHECK(whole->end == pieces->end);
	FUZZ_CHECK(whole->error == pieces->error);
	for (i = 0; i < whole->n && i < MAX_ELEMENTS; i++)
		FUZZ_CHECK(whole->start[i] == pieces->start[i] &&
				   whole->len[i] == pieces->len[i]);

	/* splitting then parsing equals parsing the whole */
	copy = malloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	/* cJSON takes every control byte for a blank: compare JSON texts only */
	root = has_controls(text, len) ? NULL :
		cJSON_ParseWithLengthOpts(copy, len + 1, NULL, 1);
	if (root && cJSON_IsArray(root))
	{
		const cJSON *item = root->child;

		FUZZ_CHECK(whole->end == SNOWFDW_SPLIT_END);
		FUZZ_CHECK(whole->n == cJSON_GetArraySize(root));
		for (i = 0; i < whole->n && i < MAX_ELEMENTS; i++, item = item->next)
		{
			cJSON	   *alone = cJSON_ParseWithLength(text + whole->start[i],
													  whole->len[i]);

			FUZZ_CHECK(alone != NULL);
			FUZZ_CHECK(same_value(alone, item));
			cJSON_Delete(alone);
		}
	}

	/* the rewriter: length independent of the buffer, numbers kept exactly */
	{
		SnowfdwRewriteResult r1;
		SnowfdwRewriteResult r2;
		size_t		need = snowfdw_json_rewrite(text, len, NULL, 0, &r1);
		char	   *out = malloc(need + 1);

		FUZZ_CHECK(snowfdw_json_rewrite(text, len, out, need + 1, &r2) == need);
		FUZZ_CHECK(r1.error == r2.error && r1.offset == r2.offset);
		out[need] = '\0';
		if (r2.error == SNOWFDW_REWRITE_OK && root)
		{
			cJSON	   *rewritten = cJSON_ParseWithLengthOpts(out, need + 1, NULL, 1);

			/*
			 * cJSON also reads numbers RFC 8259 refuses ("01", "1."), which
			 * the rewriter leaves for cJSON to refuse: compare only what it
			 * reads after rewriting.
			 */
			if (rewritten == NULL)
				goto done;
			FUZZ_CHECK(cJSON_IsArray(rewritten) == cJSON_IsArray(root));
			/* a top-level number keeps its text */
			if (cJSON_IsNumber(root))
			{
				FUZZ_CHECK(cJSON_IsString(rewritten));
				FUZZ_CHECK(strncmp(rewritten->valuestring, SNOWFDW_NUMBER_MARKER,
								   SNOWFDW_NUMBER_MARKER_LEN) == 0);
				FUZZ_CHECK(strtod(rewritten->valuestring + SNOWFDW_NUMBER_MARKER_LEN,
								  NULL) == root->valuedouble);
			}
			cJSON_Delete(rewritten);
		}
done:
		if (r2.error == SNOWFDW_REWRITE_NUL_ESCAPE)
			FUZZ_CHECK(r2.offset + 6 <= len &&
					   memcmp(text + r2.offset, "\\u0000", 6) == 0);
		free(out);
	}
	cJSON_Delete(root);
	free(copy);
	free(whole);
	free(pieces);
	return 0;
}
