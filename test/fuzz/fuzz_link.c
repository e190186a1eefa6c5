/*
 * fuzz_link.c
 *		libFuzzer target of snowfdw_find_link_target (src/text/httptext.c)
 *
 * The first input byte picks a relation type and a mode.
 *
 * Raw mode (the rest of the input is the header): a target found is a
 * substring of the header between '<' and '>' with no '>' inside; appending
 * ", junk" to a header does not change what is found, and prepending an
 * entry of another relation type only shifts it.
 *
 * Structured mode (the rest of the input drives a generator): a well-formed
 * header of several entries, with random URLs, rel lists, other parameters
 * whose quoted values hold commas, semicolons, escapes and "rel=", and
 * random white space; the target found must be exactly the URL of the first
 * entry whose first rel parameter lists the relation type.
 */
#include "fuzz.h"
#include "text/httptext.h"

static const char *const rels[] = {"next", "first", "last", "prev"};

/* input bytes consumed one at a time; zeros once exhausted */
typedef struct Stream
{
	const uint8_t *data;
	size_t		size;
} Stream;

static unsigned
take(Stream *s)
{
	if (s->size == 0)
		return 0;
	s->size--;
	return *s->data++;
}

/* growing output buffer */
typedef struct Buf
{
	char	   *data;
	size_t		len;
	size_t		cap;
} Buf;

static void
put(Buf *b, const char *text, size_t len)
{
	if (b->len + len + 1 > b->cap)
	{
		b->cap = (b->len + len + 1) * 2;
		b->data = realloc(b->data, b->cap);
	}
	memcpy(b->data + b->len, text, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void
puts_(Buf *b, const char *text)
{
	put(b, text, strlen(text));
}

/* optional white space */
static void
put_ows(Buf *b, Stream *s)
{
	static const char *const ows[] = {"", "", " ", "\t", "  "};

	puts_(b, ows[take(s) % 5]);
}

/* a relation type, sometimes in another case, sometimes a near miss */
static const char *
pick_rel(Stream *s)
{
	static const char *const names[] = {
		"next", "first", "last", "prev", "NEXT", "First", "nextpage", "ne",
		"self", "LAST"
	};

	return names[take(s) % 10];
}

/* whether a generated relation type stands for rel */
static int
rel_equal(const char *name, const char *rel)
{
	size_t		i;

	for (i = 0; name[i] && rel[i]; i++)
		if ((name[i] | 0x20) != rel[i])
			return 0;
	return name[i] == '\0' && rel[i] == '\0';
}

/* generate a header; its expected target for rel goes to *want */
static void
generate(Stream *s, const char *rel, Buf *b, Buf *want)
{
	static const char url_chars[] = "/api/v2?=&,;\" 0123abcXYZ%<";
	int			nentries = take(s) % 5 + 1;
	int			found = 0;
	int			e;

	for (e = 0; e < nentries; e++)
	{
		Buf			url = {0};
		int			nparams = take(s) % 4;
		int			seen_rel = 0;
		int			matched = 0;
		int			i;

		put(&url, "", 0);
		for (i = take(s) % 12; i > 0; i--)
			put(&url, &url_chars[take(s) % (sizeof(url_chars) - 1)], 1);
		if (e > 0)
		{
			put_ows(b, s);
			puts_(b, ",");
		}
		put_ows(b, s);
		puts_(b, "<");
		puts_(b, url.data);
		puts_(b, ">");
		for (i = 0; i < nparams; i++)
		{
			unsigned	kind = take(s) % 4;

			put_ows(b, s);
			puts_(b, ";");
			put_ows(b, s);
			if (kind < 2)
			{
				/* rel: one bare name, or a quoted list */
				int			n = kind == 0 ? 1 : take(s) % 3 + 1;
				int			k;
				int			has = 0;

				puts_(b, (take(s) & 1) ? "rel" : "REL");
				put_ows(b, s);
				puts_(b, "=");
				put_ows(b, s);
				if (kind == 1)
					puts_(b, "\"");
				for (k = 0; k < n; k++)
				{
					const char *name = pick_rel(s);

					if (k > 0)
						puts_(b, (take(s) & 1) ? " " : "  ");
					puts_(b, name);
					has |= rel_equal(name, rel);
				}
				if (kind == 1)
					puts_(b, "\"");
				if (!seen_rel)
					matched = has;
				seen_rel = 1;
			}
			else
			{
				/* another parameter, whose value may look like a rel */
				static const char *const names[] = {"title", "myrel", "type", "rel2"};
				static const char *const values[] = {
					"\"x, <y>; rel=next\"", "\"a\\\"b, rel=\\\"next\\\"\"",
					"\"\"", "text", "\"rel=last;\"", "\"first\""
				};

				puts_(b, names[take(s) % 4]);
				if (kind == 3)
				{
					put_ows(b, s);
					puts_(b, "=");
					put_ows(b, s);
					puts_(b, values[take(s) % 6]);
				}
			}
		}
		if (matched && !found)
		{
			found = 1;
			puts_(want, url.data);
		}
		free(url.data);
	}
	if (!found)
	{
		free(want->data);
		want->data = NULL;
	}
	put_ows(b, s);
}

/* target for rel as an offset into link, or -1 */
static long
find(const char *link, const char *rel, size_t *len)
{
	const char *t = snowfdw_find_link_target(link, rel, len);
	size_t		linklen = strlen(link);

	if (t == NULL)
		return -1;
	FUZZ_CHECK(t > link && t + *len < link + linklen);
	FUZZ_CHECK(t[-1] == '<' && t[*len] == '>');
	FUZZ_CHECK(memchr(t, '>', *len) == NULL);
	return t - link;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned	first = size > 0 ? data[0] : 0;
	const char *rel = rels[first % 4];
	size_t		len;
	size_t		len2;
	long		at;
	long		at2;

	if (size == 0)
		return 0;
	if (first & 4)
	{
		Stream		s = {data + 1, size - 1};
		Buf			b = {0};
		Buf			want = {0};

		put(&b, "", 0);
		put(&want, "", 0);
		generate(&s, rel, &b, &want);
		at = find(b.data, rel, &len);
		if (want.data == NULL)
			FUZZ_CHECK(at == -1);
		else
		{
			FUZZ_CHECK(at >= 0);
			FUZZ_CHECK(len == strlen(want.data));
			FUZZ_CHECK(memcmp(b.data + at, want.data, len) == 0);
		}
		free(b.data);
		free(want.data);
	}
	else
	{
		char	   *link = fuzz_cstring(data + 1, size - 1);
		size_t		linklen = strlen(link);
		static const char prefix[] = "<x>; rel=\"zzz\", ";
		char	   *longer = malloc(linklen + sizeof(prefix) + 8);

		at = find(link, rel, &len);

		/* what follows a found entry does not matter */
		memcpy(longer, link, linklen);
		strcpy(longer + linklen, ", <j>");
		at2 = find(longer, rel, &len2);
		if (at >= 0)
			FUZZ_CHECK(at2 == at && len2 == len);

		/* an entry of another relation type before the others is skipped */
		strcpy(longer, prefix);
		strcpy(longer + strlen(prefix), link);
		at2 = find(longer, rel, &len2);
		if (at >= 0)
			FUZZ_CHECK(at2 == at + (long) strlen(prefix) && len2 == len);
		else
			FUZZ_CHECK(at2 == -1);

		free(longer);
		free(link);
	}
	return 0;
}
