/*
 * unit_httptext.c
 *		Unit tests of src/text/httptext.c: percent-encoding, Link targets,
 *		relative path checks, HTTP dates and Retry-After
 */
#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>

#include "text/httptext.h"
#include "unit.h"

/* Sun, 06 Nov 1994 08:49:37 GMT, the example of RFC 9110 */
#define RFC_EXAMPLE ((time_t) 784111777)
/* Mon, 30 Nov 2026 00:00:00 GMT */
#define NOW_2026 ((time_t) 1795996800)

/* percent-encode len bytes and compare with the expected text */
static void
check_encode(const char *data, size_t len, const char *want)
{
	size_t		n = snowfdw_percent_encode(NULL, 0, data, len);
	char	   *out = malloc(n + 1);

	CHECK_INT(snowfdw_percent_encode(out, n + 1, data, len), n);
	CHECK_STR(out, want);
	free(out);
}

/* percent-decode text and compare outcome, length and bytes */
static void
check_decode(const char *text, bool want_ok, const char *want, size_t want_len)
{
	size_t		len = strlen(text);
	char	   *out = malloc(len + 1);
	size_t		outlen = 12345;

	CHECK_INT(snowfdw_percent_decode(out, text, len, &outlen), want_ok);
	if (want_ok)
	{
		CHECK_INT(outlen, want_len);
		CHECK(memcmp(out, want, want_len) == 0);
		CHECK(out[outlen] == '\0');
	}
	free(out);
}

/* malloc'd Link target (or NULL), checked to point into the header */
static char *
link_target(const char *link, const char *rel)
{
	size_t		len = 0;
	const char *t = snowfdw_find_link_target(link, rel, &len);
	char	   *copy;

	if (t == NULL)
		return NULL;
	CHECK(t > link && t[-1] == '<' && t[len] == '>');
	copy = malloc(len + 1);
	memcpy(copy, t, len);
	copy[len] = '\0';
	return copy;
}

static void
check_link(const char *link, const char *rel, const char *want)
{
	char	   *got = link_target(link, rel);

	CHECK_STR(got, want);
	free(got);
}

static void
check_date(const char *value, time_t now, SnowfdwHttpDateFormat want_format,
		   time_t want)
{
	time_t		when = -12345;

	CHECK_INT(snowfdw_parse_http_date(value, now, &when), want_format);
	if (want_format != SNOWFDW_HTTP_DATE_INVALID)
		CHECK_INT(when, want);
}

static void
percent_encode(void)
{
	check_encode("abcXYZ019-._~", 13, "abcXYZ019-._~");
	check_encode("a b/c", 5, "a%20b%2Fc");
	check_encode("\"My DB\"", 7, "%22My%20DB%22");
	check_encode("100%", 4, "100%25");
	check_encode("\xc3\xa9", 2, "%C3%A9");
	check_encode("a\0b", 3, "a%00b");
	check_encode("\xff", 1, "%FF");
	check_encode("", 0, "");
}

static void
percent_encode_into_short_buffers(void)
{
	char		buf[8];

	memset(buf, 'x', sizeof(buf));
	CHECK_INT(snowfdw_percent_encode(buf, 0, " ", 1), 3);
	CHECK(buf[0] == 'x');
	CHECK_INT(snowfdw_percent_encode(buf, 3, "a b", 3), 5);
	CHECK_STR(buf, "a%");
	CHECK_INT(snowfdw_percent_encode(buf, 6, "a b", 3), 5);
	CHECK_STR(buf, "a%20b");
}

static void
percent_decode(void)
{
	check_decode("a%20b", true, "a b", 3);
	check_decode("%2f%2F", true, "//", 2);
	check_decode("%C3%A9", true, "\xc3\xa9", 2);
	check_decode("%00x", true, "\0x", 2);
	check_decode("plain+text", true, "plain+text", 10);
	check_decode("", true, "", 0);
	check_decode("%", false, NULL, 0);
	check_decode("%4", false, NULL, 0);
	check_decode("ab%4", false, NULL, 0);
	check_decode("%zz", false, NULL, 0);
	check_decode("%g0", false, NULL, 0);
}

static void
link_targets(void)
{
	const char *snowflake =
		"</api/v2/databases?fromName=DB2&showLimit=10>; rel=\"next\", "
		"</api/v2/databases>; rel=\"first\"";

	check_link(snowflake, "next", "/api/v2/databases?fromName=DB2&showLimit=10");
	check_link(snowflake, "first", "/api/v2/databases");
	check_link(snowflake, "last", NULL);
	check_link("<a>; rel=\"prev next\"", "next", "a");
	check_link("<a>; rel=\"prev next\"", "prev", "a");
	check_link("<a>; rel=next", "next", "a");
	check_link("<a>;rel=next;title=x", "next", "a");
	check_link("<a>; title=x; rel=\"next\"", "next", "a");
	check_link("</api/v2/x?a=1,2>; rel=\"next\"", "next", "/api/v2/x?a=1,2");
	check_link("<a>; rel=\"prev\", <b>; rel=\"next\"", "next", "b");
	check_link("<>; rel=next", "next", "");
	check_link("<a>; rel=\"nextpage\"", "next", NULL);
	check_link("<a>; rel=\"ne\"", "next", NULL);
	check_link("<a>; rel=", "next", NULL);
	check_link("<a; rel=next", "next", NULL);
	check_link("a>; rel=next", "next", NULL);
	check_link("", "next", NULL);
	CHECK(snowfdw_find_link_target(NULL, "next", NULL) == NULL);
}

/*
 * regression: "rel=" inside another parameter's name or a quoted value was
 * taken for the rel parameter, and a comma inside a quoted value ended the
 * entry
 */
static void
link_parameters_are_parsed(void)
{
	check_link("<a>; myrel=\"next\"", "next", NULL);
	check_link("<a>; xrel=next, <b>; rel=next", "next", "b");
	check_link("<a>; title=\"rel=next\"", "next", NULL);
	check_link("<a>; title=\"x rel=next\"", "next", NULL);
	check_link("<a>; title=\"x, y\"; rel=\"next\"", "next", "a");
	check_link("<a>; title=\"\\\"next\\\", <b>\"; rel=next", "next", "a");
	check_link("<a>; title=\"x\\\"; rel=next", "next", NULL);
	check_link("<a>; rel=\"next", "next", NULL);
	check_link("<a>; rel=\"next\\\"", "next", NULL);
	check_link("<a>; rel=\"prev\"; rel=\"next\"", "next", NULL);
	check_link("<a> ;\trel = \"next\" , <b>; rel=prev", "next", "a");
	check_link("<a> junk; rel=next, <b>; rel=next", "next", "b");
}

/* RFC 8288: parameter names and relation types are case-insensitive */
static void
link_relation_case(void)
{
	check_link("<a>; REL=\"Next\"", "next", "a");
	check_link("<a>; Rel=NEXT", "next", "a");
}

static void
relative_paths(void)
{
	CHECK(snowfdw_valid_relative_path("/api/v2/databases"));
	CHECK(snowfdw_valid_relative_path("/api/v2/databases/%22db%22/schemas?fromName=A&showLimit=5"));
	CHECK(snowfdw_valid_relative_path("/api/v2/"));
	CHECK(snowfdw_valid_relative_path("/api/v2/a..b/.hidden/..."));
	CHECK(snowfdw_valid_relative_path("/api/v2/x?y=..&z=."));
	CHECK(snowfdw_valid_relative_path("/api/v2/results/01b2-c3?page=2"));
	CHECK(!snowfdw_valid_relative_path("http://evil/api/v2/"));
	CHECK(!snowfdw_valid_relative_path("https://evil.example/api/v2/x"));
	CHECK(!snowfdw_valid_relative_path("//evil/api/v2/"));
	CHECK(!snowfdw_valid_relative_path("/api/v2//evil/x"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/../x"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/./x"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/a b"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/a\\b"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/a@b"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/#frag"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/a\tb"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/\x7f"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/\xc3\xa9"));
	CHECK(!snowfdw_valid_relative_path("/api/v1/x"));
	CHECK(!snowfdw_valid_relative_path("api/v2/x"));
	CHECK(!snowfdw_valid_relative_path("/api/v2"));
	CHECK(!snowfdw_valid_relative_path(""));
}

/*
 * regression: a final "." or ".." segment (or one before the query, or
 * percent-encoded) passed, and resolves to a path outside /api/v2/
 */
static void
relative_path_dot_segments(void)
{
	CHECK(!snowfdw_valid_relative_path("/api/v2/.."));
	CHECK(!snowfdw_valid_relative_path("/api/v2/."));
	CHECK(!snowfdw_valid_relative_path("/api/v2/..?x=1"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/databases/.."));
	CHECK(!snowfdw_valid_relative_path("/api/v2/%2e%2e"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/%2E./x"));
	CHECK(!snowfdw_valid_relative_path("/api/v2/.%2e?y"));
	CHECK(snowfdw_valid_relative_path("/api/v2/%2e%2e%2e"));
	CHECK(snowfdw_valid_relative_path("/api/v2/%2ex"));
}

/* a relative path snowfdw accepts stays on the host once libcurl resolves it */
static void
relative_paths_resolved_by_libcurl(void)
{
	static const char *const paths[] = {
		"/api/v2/databases", "/api/v2/x?y=..", "/api/v2/a/../b", NULL
	};
	int			i;

	for (i = 0; paths[i]; i++)
	{
		CURLU	   *u = curl_url();
		char	   *host = NULL;
		char	   *path = NULL;

		CHECK(curl_url_set(u, CURLUPART_URL, "https://acct.example.com/api/v2/", 0) == CURLUE_OK);
		CHECK(curl_url_set(u, CURLUPART_URL, paths[i], 0) == CURLUE_OK);
		CHECK(curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK);
		CHECK(curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK);
		CHECK_STR(host, "acct.example.com");
		if (snowfdw_valid_relative_path(paths[i]))
			CHECK(path && strncmp(path, "/api/v2/", 8) == 0);
		else
			CHECK_STR(paths[i], "/api/v2/a/../b");
		curl_free(host);
		curl_free(path);
		curl_url_cleanup(u);
	}
}

static void
http_dates(void)
{
	check_date("Sun, 06 Nov 1994 08:49:37 GMT", 0, SNOWFDW_HTTP_DATE_IMF, RFC_EXAMPLE);
	check_date("Sunday, 06-Nov-94 08:49:37 GMT", NOW_2026, SNOWFDW_HTTP_DATE_RFC850, RFC_EXAMPLE);
	check_date("Sun Nov  6 08:49:37 1994", 0, SNOWFDW_HTTP_DATE_ASCTIME, RFC_EXAMPLE);
	check_date("Sun Nov 06 08:49:37 1994", 0, SNOWFDW_HTTP_DATE_ASCTIME, RFC_EXAMPLE);
	check_date("sun, 06 nov 1994 08:49:37 gmt", 0, SNOWFDW_HTTP_DATE_IMF, RFC_EXAMPLE);
	/* the day name is not checked against the date */
	check_date("Mon, 06 Nov 1994 08:49:37 GMT", 0, SNOWFDW_HTTP_DATE_IMF, RFC_EXAMPLE);
	check_date("Thu, 01 Jan 1970 00:00:00 GMT", 0, SNOWFDW_HTTP_DATE_IMF, 0);
	check_date("Thu, 01 Jan 1970 00:00:60 GMT", 0, SNOWFDW_HTTP_DATE_IMF, 60);
	check_date("Tue, 29 Feb 2000 00:00:00 GMT", 0, SNOWFDW_HTTP_DATE_IMF, 951782400);
	check_date("Fri, 31 Dec 9999 23:59:59 GMT", 0, SNOWFDW_HTTP_DATE_IMF, (time_t) 253402300799LL);
	check_date("Wed, 31 Dec 1969 23:59:59 GMT", 0, SNOWFDW_HTTP_DATE_IMF, -1);
}

static void
http_date_two_digit_years(void)
{
	check_date("Monday, 30-Nov-26 00:00:00 GMT", NOW_2026, SNOWFDW_HTTP_DATE_RFC850, NOW_2026);
	check_date("Tuesday, 30-Nov-99 00:00:00 GMT", NOW_2026, SNOWFDW_HTTP_DATE_RFC850, 943920000);
	check_date("Monday, 30-Nov-76 00:00:00 GMT", NOW_2026, SNOWFDW_HTTP_DATE_RFC850, (time_t) 3373920000LL);
	check_date("Wednesday, 30-Nov-77 00:00:00 GMT", NOW_2026, SNOWFDW_HTTP_DATE_RFC850, 249696000);
}

/*
 * regression (found by fuzz_http_date): from a year past the middle of its
 * century, two-digit years were read in that century, up to 99 years ago,
 * rather than in the 100 years that end 50 years ahead
 */
static void
http_date_two_digit_years_late_in_century(void)
{
	time_t		june_2060 = (time_t) 2853273600LL;

	check_date("Friday, 01-Jan-00 00:00:00 GMT", june_2060, SNOWFDW_HTTP_DATE_RFC850, (time_t) 4102444800LL);
	check_date("Wednesday, 01-Jan-10 00:00:00 GMT", june_2060, SNOWFDW_HTTP_DATE_RFC850, (time_t) 4417977600LL);
	check_date("Saturday, 01-Jan-11 00:00:00 GMT", june_2060, SNOWFDW_HTTP_DATE_RFC850, (time_t) 1293840000LL);
}

static void
http_date_errors(void)
{
	static const char *const bad[] = {
		"", "Sun", "Sun,", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37 GMT ", " Sun, 06 Nov 1994 08:49:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT",
		"Sun, 31 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT",
		"Thu, 29 Feb 1900 00:00:00 GMT", "Sun, 29 Feb 2001 00:00:00 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Nov 1994 08:49:61 GMT", "Sun, 06 Nov 1994 8:49:37 GMT",
		"Sun, 06 Foo 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
		"Sunday, 06 Nov 1994 08:49:37 GMT", "Sun, 06-Nov-94 08:49:37 GMT",
		"Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 94",
		"Sun Nov  6 08:49:37 1994 GMT", "1994-11-06T08:49:37Z",
		"Sun, 06 Nov 1994 08:49:37 GMT\n", NULL
	};
	int			i;

	for (i = 0; bad[i]; i++)
	{
		time_t		when = 42;

		if (snowfdw_parse_http_date(bad[i], NOW_2026, &when) != SNOWFDW_HTTP_DATE_INVALID)
		{
			fprintf(stderr, "accepted bad date \"%s\"\n", bad[i]);
			unit_group_failures++;
		}
		CHECK_INT(when, 42);
	}
}

/* the FDW used curl_getdate before: both agree on well-formed dates */
static void
http_dates_agree_with_libcurl(void)
{
	static const char *const dates[] = {
		"Sun, 06 Nov 1994 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
		"Tue, 29 Feb 2000 23:59:59 GMT", "Mon, 30 Nov 2026 10:50:00 GMT",
		"Fri, 31 Dec 2100 00:00:01 GMT", NULL
	};
	int			i;

	for (i = 0; dates[i]; i++)
	{
		time_t		when = 0;

		CHECK(snowfdw_parse_http_date(dates[i], NOW_2026, &when) != SNOWFDW_HTTP_DATE_INVALID);
		CHECK_INT(when, curl_getdate(dates[i], NULL));
	}
}

static void
retry_after(void)
{
	CHECK(snowfdw_retry_after_seconds("0", NOW_2026) == 0);
	CHECK(snowfdw_retry_after_seconds("30", NOW_2026) == 30);
	CHECK(snowfdw_retry_after_seconds("3600", NOW_2026) == 3600);
	CHECK(snowfdw_retry_after_seconds("1.5", NOW_2026) == 1.5);
	CHECK(snowfdw_retry_after_seconds("-1", NOW_2026) == -1);
	CHECK(snowfdw_retry_after_seconds("-30", NOW_2026) == -1);
	CHECK(snowfdw_retry_after_seconds("", NOW_2026) == -1);
	CHECK(snowfdw_retry_after_seconds(NULL, NOW_2026) == -1);
	CHECK(snowfdw_retry_after_seconds("nan", NOW_2026) == -1);
	CHECK(snowfdw_retry_after_seconds("-nan", NOW_2026) == -1);
	CHECK(snowfdw_retry_after_seconds("abc", NOW_2026) == -1);
	CHECK(snowfdw_retry_after_seconds("5s", NOW_2026) == -1);
	CHECK(snowfdw_retry_after_seconds("-0", NOW_2026) == 0);
	CHECK(!signbit(snowfdw_retry_after_seconds("-0", NOW_2026)));
	CHECK(isinf(snowfdw_retry_after_seconds("inf", NOW_2026)));
	/* dates: seconds from now, 0 once past */
	CHECK(snowfdw_retry_after_seconds("Sun, 06 Nov 1994 08:49:47 GMT", RFC_EXAMPLE) == 10);
	CHECK(snowfdw_retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", RFC_EXAMPLE) == 0);
	CHECK(snowfdw_retry_after_seconds("Sun, 06 Nov 1994 08:49:36 GMT", RFC_EXAMPLE) == 0);
	CHECK(snowfdw_retry_after_seconds("Mon, 30 Nov 2026 00:01:00 GMT", NOW_2026) == 60);
	CHECK(snowfdw_retry_after_seconds("Mon, 30 Nov 2026 00:01:00 UTC", NOW_2026) == -1);
}

int
main(void)
{
	RUN_GROUP(percent_encode);
	RUN_GROUP(percent_encode_into_short_buffers);
	RUN_GROUP(percent_decode);
	RUN_GROUP(link_targets);
	RUN_GROUP(link_parameters_are_parsed);
	RUN_GROUP(link_relation_case);
	RUN_GROUP(relative_paths);
	RUN_GROUP(relative_path_dot_segments);
	RUN_GROUP(relative_paths_resolved_by_libcurl);
	RUN_GROUP(http_dates);
	RUN_GROUP(http_date_two_digit_years);
	RUN_GROUP(http_date_two_digit_years_late_in_century);
	RUN_GROUP(http_date_errors);
	RUN_GROUP(http_dates_agree_with_libcurl);
	RUN_GROUP(retry_after);
	UNIT_EXIT();
}
