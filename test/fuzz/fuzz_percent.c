/*
 * fuzz_percent.c
 *		libFuzzer target of the percent-encoding in src/text/httptext.c
 *
 * Properties: the encoding of any bytes (NULs included) holds only RFC 3986
 * unreserved characters and upper-case %XX escapes, is at most three times
 * as long, and decodes back to the same bytes; encoding into a short buffer
 * gives a prefix of the full result; decoding arbitrary text stays within
 * its buffer and never lengthens it.
 */
#include "fuzz.h"
#include "text/httptext.h"

/* whether c may appear as itself in an encoding */
static int
unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		c == '~';
}

/* whether c is an upper-case hexadecimal digit */
static int
upper_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *bytes = (const char *) data;
	size_t		len = snowfdw_percent_encode(NULL, 0, bytes, size);
	char	   *enc = malloc(len + 1);
	char	   *dec = malloc(len + 1);
	char	   *raw = malloc(size + 1);
	size_t		shortsize = size % 11;
	char	   *part = malloc(shortsize + 1);
	size_t		declen;
	size_t		i;

	FUZZ_CHECK(snowfdw_percent_encode(enc, len + 1, bytes, size) == len);
	FUZZ_CHECK(len >= size && len <= 3 * size);
	FUZZ_CHECK(strlen(enc) == len);
	for (i = 0; i < len; i++)
	{
		if (enc[i] == '%')
		{
			FUZZ_CHECK(i + 2 < len);
			FUZZ_CHECK(upper_hex(enc[i + 1]) && upper_hex(enc[i + 2]));
			i += 2;
		}
		else
			FUZZ_CHECK(unreserved((unsigned char) enc[i]));
	}

	/* encode then decode is the identity */
	FUZZ_CHECK(snowfdw_percent_decode(dec, enc, len, &declen));
	FUZZ_CHECK(declen == size && memcmp(dec, bytes, size) == 0);
	FUZZ_CHECK(dec[declen] == '\0');

	/* a short buffer gets a NUL-terminated prefix, and nothing beyond */
	part[shortsize] = 'x';
	FUZZ_CHECK(snowfdw_percent_encode(part, shortsize, bytes, size) == len);
	FUZZ_CHECK(part[shortsize] == 'x');
	if (shortsize > 0)
	{
		size_t		keep = len < shortsize - 1 ? len : shortsize - 1;

		FUZZ_CHECK(memcmp(part, enc, keep) == 0 && part[keep] == '\0');
	}

	/* the input as encoded text: decodes in place of at most its length */
	if (snowfdw_percent_decode(raw, bytes, size, &declen))
	{
		FUZZ_CHECK(declen <= size);
		FUZZ_CHECK(raw[declen] == '\0');
		if (memchr(bytes, '%', size) == NULL)
			FUZZ_CHECK(declen == size && memcmp(raw, bytes, size) == 0);
	}
	else
		FUZZ_CHECK(memchr(bytes, '%', size) != NULL);

	free(part);
	free(raw);
	free(dec);
	free(enc);
	return 0;
}
