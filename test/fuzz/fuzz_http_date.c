/*
 * fuzz_http_date.c
 *		libFuzzer target of HTTP-date and Retry-After parsing
 *		(src/text/httptext.c)
 *
 * The first 8 input bytes give "now" (a time between years 1 and 9999),
 * the rest is the header value.  Properties: Retry-After is -1 or a number
 * of seconds that is neither negative (not even -0) nor NaN, and for a date
 * it is the time from now to the date, or 0; a date that parses lies in
 * years 0 to 9999 and parses to the same time when written again in each of
 * the three forms; and libcurl's curl_getdate, which the FDW used before,
 * reads the same time from an IMF-fixdate or asctime date after 1970.
 */
#include <curl/curl.h>
#include <math.h>
#include <time.h>

#include "fuzz.h"
#include "text/httptext.h"

#define MAX_TIME 253402300799LL /* Fri, 31 Dec 9999 23:59:59 GMT */
#define MIN_TIME (-62135596800LL)	/* Mon, 01 Jan 0001 00:00:00 GMT */

static const char *const day_names[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const long_day_names[] = {
	"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
	"Saturday"
};
static const char *const month_names[] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
	"Nov", "Dec"
};

/* parse text again and check it gives the same time */
static void
check_reparse(const char *text, time_t now, SnowfdwHttpDateFormat format,
			  time_t when)
{
	time_t		again = 0;

	if (snowfdw_parse_http_date(text, now, &again) != format || again != when)
	{
		fprintf(stderr, "\"%s\" does not parse back to %lld\n", text,
				(long long) when);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t	raw = 0;
	time_t		now;
	time_t		when = 0;
	char	   *value;
	double		r;
	SnowfdwHttpDateFormat format;

	if (size < 8)
		return 0;
	memcpy(&raw, data, 8);
	now = (time_t) (MIN_TIME + (long long) (raw % (uint64_t) (MAX_TIME - MIN_TIME)));
	value = fuzz_cstring(data + 8, size - 8);

	r = snowfdw_retry_after_seconds(value, now);
	FUZZ_CHECK(!isnan(r));
	FUZZ_CHECK(r == -1 || (r >= 0 && !signbit(r)));

	format = snowfdw_parse_http_date(value, now, &when);
	if (format != SNOWFDW_HTTP_DATE_INVALID)
	{
		struct tm	tm;
		struct tm	now_tm;
		char		text[64];
		time_t		shown = when;

		/* a leap second is the next minute's first second */
		FUZZ_CHECK(when >= -62167219200LL && when <= MAX_TIME + 1);
		FUZZ_CHECK(r == (when > now ? (double) when - (double) now : 0));

		if (when <= MAX_TIME)
		{
			FUZZ_CHECK(gmtime_r(&shown, &tm) != NULL);
			snprintf(text, sizeof(text), "%s, %02d %s %04d %02d:%02d:%02d GMT",
					 day_names[tm.tm_wday], tm.tm_mday, month_names[tm.tm_mon],
					 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
			check_reparse(text, now, SNOWFDW_HTTP_DATE_IMF, when);
			snprintf(text, sizeof(text), "%s %s %2d %02d:%02d:%02d %04d",
					 day_names[tm.tm_wday], month_names[tm.tm_mon], tm.tm_mday,
					 tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_year + 1900);
			check_reparse(text, now, SNOWFDW_HTTP_DATE_ASCTIME, when);
			/* two-digit years stand for a year at most 50 after now's */
			FUZZ_CHECK(gmtime_r(&now, &now_tm) != NULL);
			if (tm.tm_year > now_tm.tm_year - 50 && tm.tm_year <= now_tm.tm_year + 50)
			{
				snprintf(text, sizeof(text), "%s, %02d-%s-%02d %02d:%02d:%02d GMT",
						 long_day_names[tm.tm_wday], tm.tm_mday,
						 month_names[tm.tm_mon], (tm.tm_year + 1900) % 100,
						 tm.tm_hour, tm.tm_min, tm.tm_sec);
				check_reparse(text, now, SNOWFDW_HTTP_DATE_RFC850, when);
			}
		}

		if (format != SNOWFDW_HTTP_DATE_RFC850 && when >= 0)
		{
			time_t		curl_when = curl_getdate(value, NULL);

			if (curl_when != when)
			{
				fprintf(stderr, "\"%s\": snowfdw %lld, curl_getdate %lld\n",
						value, (long long) when, (long long) curl_when);
				abort();
			}
		}
	}
	free(value);
	return 0;
}
