/*
 * fuzz_ident.c
 *		libFuzzer target of src/text/ident.c
 *
 * Properties: quoting any name and resolving the result gives the name back;
 * a name goes bare only when it is an upper-case identifier that resolves to
 * itself; quoting into a short buffer gives a prefix of the full result;
 * resolving arbitrary text never writes more than its length, and whatever
 * it resolves to quotes back to an identifier that resolves the same.
 */
#include "fuzz.h"
#include "text/ident.h"

/* malloc'd quoted form of a name, checked against a short-buffer quote */
static char *
quote(const char *name, size_t shortsize)
{
	size_t		len = snowfdw_ident_quote(NULL, 0, name);
	char	   *out = malloc(len + 1);
	char	   *part = malloc(shortsize + 1);
	size_t		keep;

	FUZZ_CHECK(snowfdw_ident_quote(out, len + 1, name) == len);
	FUZZ_CHECK(strlen(out) == len);
	FUZZ_CHECK(len >= strlen(name));
	FUZZ_CHECK(len <= 2 * strlen(name) + 2);

	part[shortsize] = 'x';
	FUZZ_CHECK(snowfdw_ident_quote(part, shortsize, name) == len);
	FUZZ_CHECK(part[shortsize] == 'x');
	if (shortsize > 0)
	{
		keep = len < shortsize - 1 ? len : shortsize - 1;
		FUZZ_CHECK(memcmp(part, out, keep) == 0 && part[keep] == '\0');
	}
	free(part);
	return out;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *name = fuzz_cstring(data, size);
	size_t		namelen = strlen(name);
	char	   *quoted = quote(name, size % 7);
	char	   *resolved = malloc(strlen(quoted) + 1);
	char	   *again = malloc(namelen + 1);

	/* quote then resolve is the identity */
	FUZZ_CHECK(snowfdw_ident_resolve(resolved, quoted) == SNOWFDW_IDENT_OK);
	FUZZ_CHECK(strcmp(resolved, name) == 0);
	if (!snowfdw_ident_needs_quotes(name))
		FUZZ_CHECK(strcmp(quoted, name) == 0);
	else
		FUZZ_CHECK(quoted[0] == '"' && quoted[strlen(quoted) - 1] == '"');

	/* any text as an identifier: the stored name it stands for, if any */
	if (snowfdw_ident_resolve(again, name) == SNOWFDW_IDENT_OK)
	{
		char	   *requoted = quote(again, size % 5);
		char	   *check = malloc(strlen(requoted) + 1);

		FUZZ_CHECK(strlen(again) <= namelen);
		if (name[0] != '"')
		{
			size_t		i;

			/* an unquoted identifier is the upper-case of its text */
			FUZZ_CHECK(strlen(again) == namelen);
			for (i = 0; i < namelen; i++)
				FUZZ_CHECK(again[i] == ((name[i] >= 'a' && name[i] <= 'z') ?
										name[i] - 'a' + 'A' : name[i]));
			/* which goes bare when quoted */
			FUZZ_CHECK(strcmp(requoted, again) == 0);
		}
		FUZZ_CHECK(snowfdw_ident_resolve(check, requoted) == SNOWFDW_IDENT_OK);
		FUZZ_CHECK(strcmp(check, again) == 0);
		free(check);
		free(requoted);
	}

	free(again);
	free(resolved);
	free(quoted);
	free(name);
	return 0;
}
