/*-------------------------------------------------------------------------
 *
 * jsontext.c
 *		  Byte-level JSON scanning of snowfdw, free of backend calls
 *
 * The splitter only finds where elements begin and end: it tracks strings,
 * escapes and bracket depth, and leaves the grammar inside an element to
 * cJSON, which parses each element it hands out.  It never looks at a byte
 * twice, so splitting a listing is linear in its size, whatever the sizes
 * of the pieces the bytes arrive in.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/jsontext.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "text/jsontext.h"

/* Where the splitter is in the grammar of the top-level array */
enum
{
	SPLIT_START,				/* before '[' */
	SPLIT_FIRST,				/* after '[': an element or ']' */
	SPLIT_BEFORE,				/* after ',': an element */
	SPLIT_IN,					/* inside an element */
	SPLIT_END					/* after ']': blanks only */
};

void		(*snowfdw_jsontext_check_hook) (void) = NULL;

#define IS_BLANK(c) ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')

/*
 * snowfdw_split_init
 *		Start splitting a new text
 */
void
snowfdw_split_init(SnowfdwSplitter *splitter, size_t max_element)
{
	memset(splitter, 0, sizeof(SnowfdwSplitter));
	splitter->state = SPLIT_START;
	splitter->max_element = max_element;
}

/*
 * split_fail
 *		Record an error at the current position
 */
static SnowfdwSplitResult
split_fail(SnowfdwSplitter *splitter, SnowfdwSplitError error)
{
	splitter->error = error;
	splitter->error_offset = splitter->discarded + splitter->pos;
	return SNOWFDW_SPLIT_ERROR;
}

/*
 * snowfdw_split_next
 *		Look for the next element in the window of bytes received so far
 *
 * window holds the bytes not yet discarded; bytes already looked at are not
 * looked at again.  at_end says that no more bytes will come.  An element
 * is returned as its offset in the window and its length, without the
 * blanks around it.  The function is long on purpose: it is the loop over
 * every byte of a listing, with each grammar state a case of that one loop,
 * and splitting it would add calls to that hot path.
 */
SnowfdwSplitResult
snowfdw_split_next(SnowfdwSplitter *s, const char *window, size_t len,
				   bool at_end, size_t *start, size_t *length)
{
	const unsigned char *w = (const unsigned char *) window;

	if (s->error != SNOWFDW_SPLIT_OK)
		return SNOWFDW_SPLIT_ERROR;
	while (s->pos < len)
	{
		unsigned char c = w[s->pos];

		if (c == '\0')
			return split_fail(s, SNOWFDW_SPLIT_ZERO_BYTE);
		switch (s->state)
		{
			case SPLIT_START:
				if (IS_BLANK(c))
					s->pos++;
				else if (c == '[')
				{
					s->state = SPLIT_FIRST;
					s->pos++;
				}
				else
					return SNOWFDW_SPLIT_NOT_ARRAY;
				continue;
			case SPLIT_FIRST:
			case SPLIT_BEFORE:
				if (IS_BLANK(c))
				{
					s->pos++;
					continue;
				}
				if (c == ']' && s->state == SPLIT_FIRST)
				{
					s->state = SPLIT_END;
					s->pos++;
					continue;
				}
				if (c == ',' || c == ']')
					return split_fail(s, SNOWFDW_SPLIT_SYNTAX);
				s->state = SPLIT_IN;
				s->element_start = s->pos;
				s->element_end = s->pos;
				s->depth = 0;
				s->in_string = false;
				s->escape = false;
				continue;		/* this byte belongs to the element */
			case SPLIT_END:
				if (!IS_BLANK(c))
					return split_fail(s, SNOWFDW_SPLIT_TRAILING);
				s->pos++;
				continue;
			default:
				break;
		}

		/* inside an element */
		if (s->in_string)
		{
			/* the common case: a run of plain string bytes */
			while (s->pos < len)
			{
				c = w[s->pos];
				if (c == '\0')
					return split_fail(s, SNOWFDW_SPLIT_ZERO_BYTE);
				s->pos++;
				if (s->escape)
					s->escape = false;
				else if (c == '\\')
					s->escape = true;
				else if (c == '"')
				{
					s->in_string = false;
					break;
				}
			}
			s->element_end = s->pos;
		}
		else
		{
			switch (c)
			{
				case '"':
					s->in_string = true;
					break;
				case '{':
				case '[':
					s->depth++;
					break;
				case '}':
					if (s->depth == 0)
						return split_fail(s, SNOWFDW_SPLIT_SYNTAX);
					s->depth--;
					break;
				case ']':
				case ',':
					if (s->depth > 0)
					{
						if (c == ']')
							s->depth--;
						break;
					}
					*start = s->element_start;
					*length = s->element_end - s->element_start;
					s->state = (c == ']') ? SPLIT_END : SPLIT_BEFORE;
					s->pos++;
					return SNOWFDW_SPLIT_ELEMENT;
				default:
					break;
			}
			s->pos++;
			if (!IS_BLANK(c))
				s->element_end = s->pos;
		}
		if (s->pos - s->element_start > s->max_element)
			return split_fail(s, SNOWFDW_SPLIT_TOO_LARGE);
	}
	if (!at_end)
		return SNOWFDW_SPLIT_NEED_MORE;
	if (s->state == SPLIT_END)
		return SNOWFDW_SPLIT_END;
	return split_fail(s, SNOWFDW_SPLIT_TRUNCATED);
}

/*
 * snowfdw_split_done_bytes
 *		How many bytes at the start of the window the caller may discard
 */
size_t
snowfdw_split_done_bytes(const SnowfdwSplitter *splitter)
{
	return splitter->state == SPLIT_IN ? splitter->element_start : splitter->pos;
}

/*
 * snowfdw_split_discard
 *		The caller dropped n bytes (at most snowfdw_split_done_bytes) from
 *		the start of its window
 */
void
snowfdw_split_discard(SnowfdwSplitter *splitter, size_t n)
{
	splitter->pos -= n;
	if (splitter->state == SPLIT_IN)
	{
		splitter->element_start -= n;
		splitter->element_end -= n;
	}
	splitter->discarded += n;
}

/*
 * snowfdw_split_error_text
 *		What went wrong, for an error message
 */
const char *
snowfdw_split_error_text(SnowfdwSplitError error)
{
	switch (error)
	{
		case SNOWFDW_SPLIT_OK:
			break;
		case SNOWFDW_SPLIT_SYNTAX:
			return "syntax error in the array";
		case SNOWFDW_SPLIT_TRUNCATED:
			return "the array is incomplete";
		case SNOWFDW_SPLIT_TRAILING:
			return "text after the end of the array";
		case SNOWFDW_SPLIT_ZERO_BYTE:
			return "a zero byte";
		case SNOWFDW_SPLIT_TOO_LARGE:
			return "an element is too large";
	}
	return "no error";
}

/*
 * number_length
 *		Length of a JSON number token at p (RFC 8259 grammar), 0 if invalid
 */
static size_t
number_length(const char *p, const char *end)
{
	const char *s = p;

	if (s < end && *s == '-')
		s++;
	if (s >= end)
		return 0;
	if (*s == '0')
		s++;
	else if (*s >= '1' && *s <= '9')
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	else
		return 0;
	if (s < end && *s == '.')
	{
		s++;
		if (s >= end || *s < '0' || *s > '9')
			return 0;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	if (s < end && (*s == 'e' || *s == 'E'))
	{
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		if (s >= end || *s < '0' || *s > '9')
			return 0;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	}
	return s - p;
}

/*
 * emit
 *		Copy n bytes to out at *o, as far as outcap allows; *o counts them all
 */
static inline void
emit(char *out, size_t outcap, size_t *o, const char *src, size_t n)
{
	if (*o < outcap)
		memcpy(out + *o, src, (n < outcap - *o) ? n : outcap - *o);
	*o += n;
}

/*
 * snowfdw_json_rewrite
 *		Copy JSON text with each number token turned into a marked string
 *
 * A number such as 12.50 becomes the string "<U+001F>#12.50" (the control
 * byte stands in the output as it is: cJSON accepts it inside strings).
 * Returns the length of the whole output, which may be more than outcap:
 * the caller then tries again with a larger buffer.  Stops at the first
 * fault, a malformed number or a \u0000 escape, and describes it in
 * *result; other syntax errors are left for cJSON to find.  The function is
 * long on purpose: it runs for every byte of a response, and its state
 * (position, last string, last member name) lives in locals of one loop
 * over the bytes, for speed.
 */
size_t
snowfdw_json_rewrite(const char *in, size_t len, char *out, size_t outcap,
					 SnowfdwRewriteResult *result)
{
	const char *end = in + len;
	const char *p = in;
	const char *key = NULL;		/* raw text of the last member name */
	size_t		key_len = 0;
	const char *last = NULL;	/* raw text of the last string */
	size_t		last_len = 0;
	size_t		o = 0;
	const char *checked = in;	/* where the check hook last ran */

	memset(result, 0, sizeof(SnowfdwRewriteResult));
	while (p < end)
	{
		const char *run = p;

		/* a 64 MB element of numbers takes about a second */
		if (p - checked >= SNOWFDW_JSONTEXT_CHECK_BYTES)
		{
			checked = p;
			if (snowfdw_jsontext_check_hook)
				snowfdw_jsontext_check_hook();
		}

		/* structure and literals are copied in runs */
		while (p < end && *p != '"' && *p != '-' && !(*p >= '0' && *p <= '9'))
		{
			if (*p == ':')
			{
				key = last;
				key_len = last_len;
			}
			p++;
		}
		emit(out, outcap, &o, run, p - run);
		if (p >= end)
			break;

		if (*p == '"')
		{
			const char *string = p + 1;
			const char *nul = NULL;

			for (p++; p < end; p++)
			{
				if (*p == '\\')
				{
					if (end - p >= 6 && memcmp(p, "\\u0000", 6) == 0 && nul == NULL)
						nul = p;
					if (p + 1 < end)
						p++;
				}
				else if (*p == '"')
					break;
			}
			last = string;
			last_len = (p < end ? p : end) - string;
			if (p < end)
				p++;
			emit(out, outcap, &o, string - 1, p - (string - 1));
			if (nul)
			{
				const char *q = p;

				/* a member name is followed by ':' */
				while (q < end && IS_BLANK(*q))
					q++;
				if (q < end && *q == ':')
				{
					key = last;
					key_len = last_len;
				}
				result->error = SNOWFDW_REWRITE_NUL_ESCAPE;
				result->offset = nul - in;
				result->field = key;
				result->field_len = key ? key_len : 0;
				return o;
			}
		}
		else
		{
			size_t		n = number_length(p, end);

			if (n == 0)
			{
				result->error = SNOWFDW_REWRITE_BAD_NUMBER;
				result->offset = p - in;
				return o;
			}
			emit(out, outcap, &o, "\"" SNOWFDW_NUMBER_MARKER, 1 + SNOWFDW_NUMBER_MARKER_LEN);
			emit(out, outcap, &o, p, n);
			emit(out, outcap, &o, "\"", 1);
			p += n;
		}
	}
	return o;
}
