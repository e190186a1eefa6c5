/*
 * fuzz_pattern.c
 *		libFuzzer target of src/text/pattern.c
 *
 * Properties: a translation's length does not depend on the buffer, and a
 * short buffer gets a prefix; a translation never sends an unescaped "."
 * outside a bracket (which engine reads the pattern is not documented);
 * every translation compiles as a POSIX extended regular expression; and a
 * LIKE pattern over ASCII, translated, matches whole exactly the names LIKE
 * matches, tried on names made from the pattern itself.
 */
#include <regex.h>

#include "fuzz.h"
#include "text/pattern.h"

typedef size_t (*Translator) (char *, size_t, const char *, bool);

/* malloc'd translation, or NULL; checked against a short-buffer one */
static char *
translate(Translator fn, const char *text, bool utf8, size_t shortsize)
{
	size_t		len = fn(NULL, 0, text, utf8);
	char	   *out;
	char	   *part;

	if (len == SNOWFDW_PATTERN_NONE)
		return NULL;
	out = malloc(len + 1);
	part = malloc(shortsize + 1);
	FUZZ_CHECK(fn(out, len + 1, text, utf8) == len);
	FUZZ_CHECK(strlen(out) == len);
	part[shortsize] = 'x';
	FUZZ_CHECK(fn(part, shortsize, text, utf8) == len);
	FUZZ_CHECK(part[shortsize] == 'x');
	if (shortsize > 0)
	{
		size_t		keep = len < shortsize - 1 ? len : shortsize - 1;

		FUZZ_CHECK(memcmp(part, out, keep) == 0 && part[keep] == '\0');
	}
	free(part);
	return out;
}

/* no "." outside a bracket unless escaped; the pattern compiles */
static void
check_pattern(const char *pattern)
{
	const char *s;
	bool		in_bracket = false;
	char	   *anchored = malloc(strlen(pattern) + 5);
	regex_t		re;

	for (s = pattern; *s; s++)
	{
		if (in_bracket)
			in_bracket = (*s != ']');
		else if (*s == '\\')
			FUZZ_CHECK(*++s != '\0');
		else if (*s == '[')
		{
			in_bracket = true;
			if (s[1] == '^')
				s++;
		}
		else
			FUZZ_CHECK(*s != '.');
	}
	/* nested counted repetitions make glibc's compiled form explode */
	if (strchr(pattern, '{') == strrchr(pattern, '{'))
	{
		sprintf(anchored, "^(%s)$", pattern);
		FUZZ_CHECK(regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0);
		regfree(&re);
	}
	free(anchored);
}

/* PostgreSQL's LIKE over ASCII: % any run, _ any one, \ escapes */
static bool
like_matches(const char *name, const char *like)
{
	if (*like == '\0')
		return *name == '\0';
	if (*like == '%')
	{
		for (;; name++)
		{
			if (like_matches(name, like + 1))
				return true;
			if (*name == '\0')
				return false;
		}
	}
	if (*name == '\0')
		return false;
	if (*like == '_')
		return like_matches(name + 1, like + 1);
	if (*like == '\\')
		like++;
	return *name == *like && like_matches(name + 1, like + 1);
}

/* the LIKE pattern with each wildcard replaced, escapes dropped */
static char *
name_from(const char *like, const char *run, char one)
{
	char	   *name = malloc(strlen(like) * (strlen(run) + 1) + 2);
	char	   *n = name;

	for (; *like; like++)
	{
		if (*like == '%')
		{
			strcpy(n, run);
			n += strlen(run);
		}
		else if (*like == '_')
			*n++ = one;
		else
		{
			if (*like == '\\' && like[1] != '\0')
				like++;
			*n++ = *like;
		}
	}
	*n = '\0';
	return name;
}

static void
check_like_semantics(const char *like, const char *pattern)
{
	static const char *const runs[] = {"", "x", "a/b", "//", "%"};
	static const char ones[] = {'q', '/', '%', '_'};
	char	   *anchored;
	regex_t		re;
	const char *s;
	size_t		i;

	int			runs_in_like = 0;

	for (s = like; *s; s++)
	{
		if ((unsigned char) *s >= 0x80)
			return;				/* regexec counts bytes, LIKE characters */
		runs_in_like += (*s == '%');
	}
	if (strlen(like) > 32 || runs_in_like > 4)
		return;					/* both matchers backtrack exponentially */
	anchored = malloc(strlen(pattern) + 5);
	sprintf(anchored, "^(%s)$", pattern);
	FUZZ_CHECK(regcomp(&re, anchored, REG_EXTENDED | REG_NOSUB) == 0);
	for (i = 0; i < sizeof(runs) / sizeof(runs[0]); i++)
	{
		char	   *name = name_from(like, runs[i], ones[i % sizeof(ones)]);
		char	   *longer = malloc(strlen(name) + 2);

		sprintf(longer, "%sZ", name);
		FUZZ_CHECK(like_matches(name, like));
		FUZZ_CHECK((regexec(&re, name, 0, NULL, 0) == 0) == like_matches(name, like));
		FUZZ_CHECK((regexec(&re, longer, 0, NULL, 0) == 0) == like_matches(longer, like));
		free(longer);
		free(name);
	}
	regfree(&re);
	free(anchored);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *text = fuzz_cstring(data, size);
	bool		utf8 = size % 2 == 0;
	char	   *pattern;
	size_t		prefix;

	pattern = translate(snowfdw_regex_to_pattern, text, utf8, size % 7);
	if (pattern)
	{
		check_pattern(pattern);
		free(pattern);
	}
	pattern = translate(snowfdw_like_to_pattern, text, utf8, size % 5);
	if (pattern)
	{
		check_pattern(pattern);
		check_like_semantics(text, pattern);
		free(pattern);
	}
	/* a startsWith prefix is the text before a final %, with no wildcard */
	prefix = snowfdw_like_prefix_length(text);
	if (prefix > 0)
	{
		FUZZ_CHECK(prefix == strlen(text) - 1 && text[prefix] == '%');
		FUZZ_CHECK(strcspn(text, "%_\\") == prefix);
	}
	free(text);
	return 0;
}
