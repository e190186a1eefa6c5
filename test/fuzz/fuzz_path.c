/*
 * fuzz_path.c
 *		libFuzzer target of snowfdw_valid_relative_path (src/text/httptext.c)
 *
 * Properties of a Location or Link target the check accepts: it starts
 * with /api/v2/, holds only printable ASCII without '\', '#', '@' or "//";
 * and once libcurl has made it a URL (the FDW appends it to the server's
 * base URL; a redirect would resolve it against the request's URL), that
 * URL names the same scheme, host and port, no user, and a path that,
 * dot segments removed, is still under /api/v2/ and holds no segment that
 * decodes to "." or "..".
 */
#include <curl/curl.h>

#include "fuzz.h"
#include "text/httptext.h"

#define HOST "acct.example.com"

/* whether a resolved path has a segment that decodes to "." or ".." */
static int
has_dot_segment(const char *path)
{
	const char *seg = path;

	while (*seg)
	{
		size_t		len = strcspn(seg, "/");
		char	   *dec = malloc(len + 1);
		size_t		declen;
		int			dot;

		dot = snowfdw_percent_decode(dec, seg, len, &declen) &&
			((declen == 1 && dec[0] == '.') ||
			 (declen == 2 && dec[0] == '.' && dec[1] == '.'));
		free(dec);
		if (dot)
			return 1;
		seg += len;
		if (*seg == '/')
			seg++;
	}
	return 0;
}

/* check the URL libcurl makes of base and path */
static void
check_resolved(const char *base, const char *path, int relative)
{
	CURLU	   *u = curl_url();
	char	   *part = NULL;
	CURLUcode	rc;

	if (relative)
	{
		FUZZ_CHECK(curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK);
		rc = curl_url_set(u, CURLUPART_URL, path, 0);
	}
	else
	{
		char	   *url = malloc(strlen(base) + strlen(path) + 1);

		strcpy(url, base);
		strcat(url, path);
		rc = curl_url_set(u, CURLUPART_URL, url, 0);
		free(url);
	}
	/* libcurl refusing the URL makes the request fail: no other host */
	if (rc == CURLUE_OK)
	{
		FUZZ_CHECK(curl_url_get(u, CURLUPART_SCHEME, &part, 0) == CURLUE_OK);
		FUZZ_CHECK(strcmp(part, "https") == 0);
		curl_free(part);
		FUZZ_CHECK(curl_url_get(u, CURLUPART_HOST, &part, 0) == CURLUE_OK);
		FUZZ_CHECK(strcmp(part, HOST) == 0);
		curl_free(part);
		FUZZ_CHECK(curl_url_get(u, CURLUPART_PORT, &part, 0) == CURLUE_NO_PORT);
		FUZZ_CHECK(curl_url_get(u, CURLUPART_USER, &part, 0) == CURLUE_NO_USER);
		FUZZ_CHECK(curl_url_get(u, CURLUPART_PATH, &part, 0) == CURLUE_OK);
		FUZZ_CHECK(strncmp(part, "/api/v2/", 8) == 0);
		FUZZ_CHECK(!has_dot_segment(part));
		curl_free(part);
	}
	curl_url_cleanup(u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *path = fuzz_cstring(data, size);
	const unsigned char *p;

	if (snowfdw_valid_relative_path(path))
	{
		FUZZ_CHECK(strncmp(path, "/api/v2/", 8) == 0);
		FUZZ_CHECK(strstr(path, "//") == NULL);
		for (p = (const unsigned char *) path; *p; p++)
			FUZZ_CHECK(*p > 0x20 && *p < 0x7f && *p != '\\' && *p != '#' &&
					   *p != '@');
		check_resolved("https://" HOST, path, 0);
		check_resolved("https://" HOST "/api/v2/databases/DB/schemas", path, 1);
	}
	free(path);
	return 0;
}
