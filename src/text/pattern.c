/*-------------------------------------------------------------------------
 *
 * pattern.c
 *		  LIKE and regular expressions as Snowflake LIST patterns
 *
 * Backend-free: no postgres.h, no palloc, no ereport.  Results go into
 * buffers the caller provides, with snprintf-style lengths (outbuf.h), so
 * that pushdown (deparse.c wraps these with palloc) and the fuzz targets of
 * test/fuzz link the same code.  A translator returns SNOWFDW_PATTERN_NONE
 * when it cannot show that the pattern matches exactly the names the
 * PostgreSQL operator does; the qual then stays a local filter only.
 *
 * Snowflake LIST PATTERN is a regular expression matched against the whole
 * name.  Which engine reads it, and so what "." does with a line terminator,
 * is not documented: a translation never sends ".".  Any one character is a
 * class or its complement, any run of characters the runs between slashes.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/pattern.c
 *
 *-------------------------------------------------------------------------
 */
#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "text/outbuf.h"
#include "text/pattern.h"

#define RX_ANY		"([^/]|/)"
#define RX_ANY_RUN	"[^/]*(/[^/]*)*"

/* punctuation read as itself, unescaped, by PostgreSQL and Snowflake */
#define RX_PLAIN_PUNCT	" _-/,=:@%!#&'\"~;<>`"

/*
 * the metacharacters: escaped, each is itself in every dialect (other
 * escaped marks may not be: GNU reads \< as a word boundary)
 */
#define RX_META			".[]{}()*+?^$|\\"

/* a translation under way: the caller's buffer and the bytes counted */
typedef struct PatternOut
{
	char	   *out;
	size_t		outsize;
	size_t		n;
	bool		utf8;
} PatternOut;

static void
put_bytes(PatternOut *o, const char *s, size_t len)
{
	while (len-- > 0)
		snowfdw_out_byte(o->out, o->outsize, &o->n, *s++);
}

static void
put_string(PatternOut *o, const char *s)
{
	put_bytes(o, s, strlen(s));
}

/*
 * utf8_length
 *		Bytes of the UTF-8 character at s as PostgreSQL's pg_utf_mblen counts
 *		them, or 0 when its continuation bytes are not there
 */
static int
utf8_length(const unsigned char *s)
{
	int			len;
	int			i;

	if ((*s & 0xe0) == 0xc0)
		len = 2;
	else if ((*s & 0xf0) == 0xe0)
		len = 3;
	else if ((*s & 0xf8) == 0xf0)
		len = 4;
	else
		return 1;
	for (i = 1; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * put_plain_char
 *		Copy one character of *p that both dialects read as itself; false if
 *		it is not one.  Non-ASCII is taken from UTF-8 text only, and only in
 *		the Basic Multilingual Plane (one Java char, one code point).
 */
static bool
put_plain_char(PatternOut *o, const char **p)
{
	unsigned char c = (unsigned char) **p;
	int			len;

	if (c < 0x80)
	{
		if (c == '\0' || (!isalnum(c) && strchr(RX_PLAIN_PUNCT, c) == NULL))
			return false;
		snowfdw_out_byte(o->out, o->outsize, &o->n, (char) c);
		(*p)++;
		return true;
	}
	if (!o->utf8)
		return false;
	len = utf8_length((const unsigned char *) *p);
	if (len == 0 || len > 3)
		return false;
	put_bytes(o, *p, len);
	*p += len;
	return true;
}

/*
 * put_bracket
 *		Translate a bracket expression at *p ("[...]"); false if outside the
 *		subset: ASCII letters, digits and a few marks, ranges within one of
 *		a-z, A-Z, 0-9.  No escapes, nested brackets, POSIX classes or
 *		Java's && (PostgreSQL reads them all differently).
 */
static bool
put_bracket(PatternOut *o, const char **p)
{
	const char *s = *p + 1;

	snowfdw_out_byte(o->out, o->outsize, &o->n, '[');
	if (*s == '^')
		snowfdw_out_byte(o->out, o->outsize, &o->n, *s++);
	if (*s == ']')
		return false;
	while (*s != ']')
	{
		unsigned char c = (unsigned char) *s;

		if (c == '\0' || c >= 0x80 ||
			(!isalnum(c) && strchr("_.,/:@= ", c) == NULL))
			return false;
		if (s[1] == '-')
		{
			unsigned char hi = (unsigned char) s[2];

			if (!((isdigit(c) && isdigit(hi)) || (islower(c) && islower(hi)) ||
				  (isupper(c) && isupper(hi))) || hi < c)
				return false;
			put_bytes(o, s, 3);
			s += 3;
			continue;
		}
		snowfdw_out_byte(o->out, o->outsize, &o->n, (char) c);
		s++;
	}
	snowfdw_out_byte(o->out, o->outsize, &o->n, ']');
	*p = s + 1;
	return true;
}

/*
 * put_quantifier
 *		Copy a quantifier at *p, if any: *, +, ? or {m}, {m,}, {m,n} with
 *		m <= n <= 255 (PostgreSQL's limit).  No lazy or possessive forms.
 */
static bool
put_quantifier(PatternOut *o, const char **p)
{
	const char *s = *p;

	if (*s == '*' || *s == '+' || *s == '?')
		s++;
	else if (*s == '{')
	{
		long		m;
		long		n;
		char	   *end;

		if (!isdigit((unsigned char) s[1]))
			return false;
		m = n = strtol(s + 1, &end, 10);
		if (*end == ',')
		{
			n = 255;
			if (isdigit((unsigned char) end[1]))
				n = strtol(end + 1, &end, 10);
			else
				end++;
		}
		if (*end != '}' || m > n || n > 255)
			return false;
		s = end + 1;
	}
	if (*s == '*' || *s == '+' || *s == '?' || *s == '{')
		return false;
	put_bytes(o, *p, s - *p);
	*p = s;
	return true;
}

static bool put_alternatives(PatternOut *o, const char **p, bool top);

/*
 * put_branch
 *		Translate one branch of an alternation, up to "|", ")" or the end
 *
 * A top-level branch may be anchored; one that is not gets any run of
 * characters before or after it, as ~ searches and PATTERN matches whole.
 */
static bool
put_branch(PatternOut *o, const char **p, bool top)
{
	bool		anchored_end = false;
	size_t		body_start;

	if (top)
	{
		if (**p == '^')
			(*p)++;
		else
			put_string(o, RX_ANY_RUN);
		snowfdw_out_byte(o->out, o->outsize, &o->n, '(');
	}
	body_start = o->n;
	while (**p != '\0' && **p != '|' && **p != ')')
	{
		const char *s = *p;

		if (*s == '$' && top && (s[1] == '\0' || s[1] == '|'))
		{
			anchored_end = true;
			(*p)++;
			break;
		}
		if (*s == '(')
		{
			if (s[1] == '?')
				return false;	/* lookaround, options, non-capturing */
			(*p)++;
			snowfdw_out_byte(o->out, o->outsize, &o->n, '(');
			if (!put_alternatives(o, p, false) || **p != ')')
				return false;
			(*p)++;
			snowfdw_out_byte(o->out, o->outsize, &o->n, ')');
		}
		else if (*s == '[')
		{
			if (!put_bracket(o, p))
				return false;
		}
		else if (*s == '.')
		{
			put_string(o, RX_ANY);
			(*p)++;
		}
		else if (*s == '\\')
		{
			/* an escaped metacharacter is itself; other escapes differ */
			if (s[1] == '\0' || strchr(RX_META, s[1]) == NULL)
				return false;
			put_bytes(o, s, 2);
			*p += 2;
		}
		else if (!put_plain_char(o, p))
			return false;
		if (!put_quantifier(o, p))
			return false;
	}
	if (o->n == body_start)
		return false;
	if (top)
	{
		snowfdw_out_byte(o->out, o->outsize, &o->n, ')');
		if (!anchored_end)
			put_string(o, RX_ANY_RUN);
	}
	return true;
}

/*
 * put_alternatives
 *		Translate branches separated by "|" up to ")" or the end
 */
static bool
put_alternatives(PatternOut *o, const char **p, bool top)
{
	for (;;)
	{
		if (!put_branch(o, p, top))
			return false;
		if (**p != '|')
			return true;
		snowfdw_out_byte(o->out, o->outsize, &o->n, '|');
		(*p)++;
	}
}

/*
 * snowfdw_like_prefix_length
 *		Length of the prefix of a LIKE pattern "prefix%" whose prefix has no
 *		wildcard or escape (a startsWith), or 0
 */
size_t
snowfdw_like_prefix_length(const char *like)
{
	size_t		len = strlen(like);
	size_t		i;

	if (len < 2 || like[len - 1] != '%')
		return 0;
	for (i = 0; i < len - 1; i++)
		if (like[i] == '%' || like[i] == '_' || like[i] == '\\')
			return 0;
	return len - 1;
}

/*
 * snowfdw_regex_to_pattern
 *		Snowflake LIST pattern matching exactly the names `~ regex` matches,
 *		or SNOWFDW_PATTERN_NONE when that cannot be shown for the regex
 *
 * The accepted syntax is a subset PostgreSQL's ARE and Snowflake (Java or
 * POSIX style) read alike: literals, escaped metacharacters, ".", simple
 * brackets, groups, alternation, greedy quantifiers, "^" and "$" at the ends
 * of a top-level branch.  utf8 says whether the text is UTF-8 (non-ASCII
 * characters are literals only then).
 */
size_t
snowfdw_regex_to_pattern(char *out, size_t outsize, const char *regex,
						 bool utf8)
{
	PatternOut	o = {out, outsize, 0, utf8};
	const char *p = regex;

	if (!put_alternatives(&o, &p, true) || *p != '\0')
		return SNOWFDW_PATTERN_NONE;
	return snowfdw_out_finish(out, outsize, o.n);
}

/*
 * snowfdw_like_to_pattern
 *		Snowflake LIST pattern matching exactly the names `LIKE like`
 *		matches, or SNOWFDW_PATTERN_NONE
 *
 * % is any run, _ any one character, \ makes the next character literal;
 * regex metacharacters are escaped.  Control characters, and non-ASCII in
 * text that is not UTF-8, keep the qual local.
 */
size_t
snowfdw_like_to_pattern(char *out, size_t outsize, const char *like,
						bool utf8)
{
	PatternOut	o = {out, outsize, 0, utf8};
	const char *p = like;

	while (*p)
	{
		if (*p == '%')
		{
			while (*p == '%')
				p++;
			put_string(&o, RX_ANY_RUN);
			continue;
		}
		if (*p == '_')
		{
			put_string(&o, RX_ANY);
			p++;
			continue;
		}
		if (*p == '\\' && *++p == '\0')
			return SNOWFDW_PATTERN_NONE;	/* PostgreSQL rejects a trailing
											 * escape */
		if (put_plain_char(&o, &p))
			continue;
		if (strchr(RX_META, *p) == NULL)
			return SNOWFDW_PATTERN_NONE;
		snowfdw_out_byte(o.out, o.outsize, &o.n, '\\');
		snowfdw_out_byte(o.out, o.outsize, &o.n, *p++);
	}
	return snowfdw_out_finish(out, outsize, o.n);
}
