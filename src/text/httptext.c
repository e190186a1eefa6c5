/*-------------------------------------------------------------------------
 *
 * httptext.c
 *		  Parsing and building of HTTP header and URL text
 *
 * The bytes snowfdw reads from the network (Link, Location and Retry-After
 * headers) and the percent-encoding of the paths and query strings it
 * sends.
 *
 * Backend-free: no postgres.h, no palloc, no ereport.  Functions return
 * results and status, and write into buffers the caller provides (sizes
 * are explicit), so that the FDW (thin wrappers in objects.c and rest.c)
 * and the standalone sanitizer tests and fuzz targets of test/fuzz link the
 * same code.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/httptext.c
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "text/httptext.h"
#include "text/outbuf.h"

/*
 * is_unreserved
 *		Whether a byte is an RFC 3986 unreserved character
 */
static bool
is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		c == '~';
}

/*
 * hex_value
 *		Value of a hexadecimal digit, or -1
 */
static int
hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * snowfdw_percent_encode
 *		Percent-encode everything but RFC 3986 unreserved characters
 *
 * Encodes len bytes of data (which may hold NULs).  Like snprintf: writes at
 * most outsize bytes including a terminating NUL (nothing when outsize is 0)
 * and returns the length of the whole encoding, at most 3 * len.
 */
size_t
snowfdw_percent_encode(char *out, size_t outsize, const char *data, size_t len)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		unsigned char c = (unsigned char) data[i];

		if (is_unreserved(c))
			snowfdw_out_byte(out, outsize, &n, (char) c);
		else
		{
			snowfdw_out_byte(out, outsize, &n, '%');
			snowfdw_out_byte(out, outsize, &n, hex[c >> 4]);
			snowfdw_out_byte(out, outsize, &n, hex[c & 0x0F]);
		}
	}
	return snowfdw_out_finish(out, outsize, n);
}

/*
 * snowfdw_percent_decode
 *		Bytes a percent-encoded text stands for
 *
 * out must have room for len + 1 bytes; it gets the decoded bytes (which may
 * hold NULs), their count in *outlen, and a terminating NUL.  Returns false
 * if a '%' is not followed by two hexadecimal digits.
 */
bool
snowfdw_percent_decode(char *out, const char *text, size_t len,
					   size_t *outlen)
{
	size_t		n = 0;
	size_t		i;

	for (i = 0; i < len; i++)
	{
		if (text[i] == '%')
		{
			int			hi;
			int			lo;

			if (len - i < 3)
				break;
			hi = hex_value((unsigned char) text[i + 1]);
			lo = hex_value((unsigned char) text[i + 2]);
			if (hi < 0 || lo < 0)
				break;
			out[n++] = (char) (hi << 4 | lo);
			i += 2;
		}
		else
			out[n++] = text[i];
	}
	out[n] = '\0';
	*outlen = n;
	return i == len;
}

/*
 * is_tchar
 *		Whether a byte may appear in an RFC 9110 token
 */
static bool
is_tchar(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		(c >= '0' && c <= '9') || (c != '\0' && strchr("!#$%&'*+-.^_`|~", c));
}

/*
 * skip_ows
 *		Pointer past optional white space (spaces and tabs)
 */
static const char *
skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/*
 * skip_quoted
 *		Pointer past the quoted-string that starts at p (on its '"')
 *
 * *closed tells whether it ends with a closing quote; if not, the result
 * points to the terminating NUL.
 */
static const char *
skip_quoted(const char *p, bool *closed)
{
	for (p++; *p; p++)
	{
		if (*p == '\\' && p[1] != '\0')
			p++;
		else if (*p == '"')
		{
			*closed = true;
			return p + 1;
		}
	}
	*closed = false;
	return p;
}

/*
 * equal_ignoring_case
 *		Whether len bytes of text spell word in any ASCII case
 */
static bool
equal_ignoring_case(const char *text, size_t len, const char *word)
{
	size_t		i;

	for (i = 0; i < len; i++)
	{
		char		c = text[i];

		if (c >= 'A' && c <= 'Z')
			c = c - 'A' + 'a';
		if (word[i] == '\0' || c != word[i])
			return false;
	}
	return word[len] == '\0';
}

/*
 * list_has
 *		Whether a space-separated list of relation types names rel
 */
static bool
list_has(const char *list, size_t len, const char *rel)
{
	const char *end = list + len;

	while (list < end)
	{
		const char *word = list;

		while (list < end && *list != ' ' && *list != '\t')
			list++;
		if (list > word && equal_ignoring_case(word, list - word, rel))
			return true;
		while (list < end && (*list == ' ' || *list == '\t'))
			list++;
	}
	return false;
}

/*
 * snowfdw_find_link_target
 *		URL of the first Link entry with the given rel, or NULL
 *
 * The header is a comma-separated list of `<url>; param=value` entries
 * (RFC 8288): values are tokens or quoted-strings, and the first rel
 * parameter of an entry lists space-separated relation types, compared
 * without regard to ASCII case (rel must be lower case).  Returns a pointer
 * into link to the text between '<' and '>', and its length in *len; the
 * URL comes back unvalidated.  Text that does not parse ends the entry at
 * the next comma outside quotes.
 */
const char *
snowfdw_find_link_target(const char *link, const char *rel, size_t *len)
{
	const char *p = link;

	if (link == NULL)
		return NULL;
	for (;;)
	{
		const char *open = strchr(p, '<');
		const char *close;
		bool		seen_rel = false;
		bool		matched = false;

		if (open == NULL)
			return NULL;
		close = strchr(open + 1, '>');
		if (close == NULL)
			return NULL;

		/* parameters: OWS ";" OWS name [ OWS "=" OWS value ] */
		p = skip_ows(close + 1);
		while (*p == ';')
		{
			const char *name = skip_ows(p + 1);
			const char *value = NULL;
			size_t		namelen;
			size_t		valuelen = 0;

			for (p = name; is_tchar(*p); p++)
				;
			namelen = p - name;
			p = skip_ows(p);
			if (*p == '=')
			{
				p = skip_ows(p + 1);
				if (*p == '"')
				{
					bool		closed;
					const char *after = skip_quoted(p, &closed);

					/* an unterminated quoted-string is no value */
					if (closed)
					{
						value = p + 1;
						valuelen = after - p - 2;
					}
					p = after;
				}
				else
				{
					for (value = p; is_tchar(*p); p++)
						;
					valuelen = p - value;
				}
			}
			if (!seen_rel && equal_ignoring_case(name, namelen, "rel"))
			{
				seen_rel = true;
				matched = value != NULL && list_has(value, valuelen, rel);
			}
			p = skip_ows(p);
		}
		if (matched)
		{
			*len = (size_t) (close - open - 1);
			return open + 1;
		}

		/* on to the comma that ends this entry, skipping quoted-strings */
		while (*p && *p != ',')
		{
			bool		closed;

			p = *p == '"' ? skip_quoted(p, &closed) : p + 1;
		}
		if (*p == '\0')
			return NULL;
		p++;
	}
}

/*
 * is_dot_segment
 *		Whether a path segment is "." or "..", also when percent-encoded
 */
static bool
is_dot_segment(const char *seg, size_t len)
{
	int			dots = 0;
	size_t		i = 0;

	while (i < len)
	{
		if (seg[i] == '.')
			i++;
		else if (len - i >= 3 && seg[i] == '%' && seg[i + 1] == '2' &&
				 (seg[i + 2] == 'e' || seg[i + 2] == 'E'))
			i += 3;
		else
			return false;
		dots++;
	}
	return dots == 1 || dots == 2;
}

/*
 * snowfdw_valid_relative_path
 *		Whether a Location or Link target may be followed
 *
 * Only a relative path under /api/v2/ on the same server qualifies: no
 * scheme, no authority ("//host"), no backslashes, spaces or controls, and
 * no "." or ".." segment that would climb out of /api/v2/ once resolved.
 */
bool
snowfdw_valid_relative_path(const char *path)
{
	const unsigned char *p;
	const char *seg;

	if (strncmp(path, "/api/v2/", 8) != 0)
		return false;
	for (p = (const unsigned char *) path; *p; p++)
	{
		if (*p <= 0x20 || *p >= 0x7f || *p == '\\' || *p == '#' || *p == '@')
			return false;
	}
	if (strstr(path, "/../") || strstr(path, "/./") || strstr(path, "//"))
		return false;
	/* each segment of the path part, up to the query */
	seg = path + 1;
	for (;;)
	{
		size_t		len = strcspn(seg, "/?");

		if (is_dot_segment(seg, len))
			return false;
		if (seg[len] != '/')
			break;
		seg += len + 1;
	}
	return true;
}

/*
 * match_word
 *		Index of the word of a list that text starts with (any case), or -1
 *
 * On a match, *p moves past the word.
 */
static int
match_word(const char **p, const char *const *words)
{
	int			i;

	for (i = 0; words[i]; i++)
	{
		size_t		len = strlen(words[i]);
		size_t		k;

		for (k = 0; k < len; k++)
		{
			char		c = (*p)[k];

			if (c >= 'a' && c <= 'z')
				c = c - 'a' + 'A';
			if (c != words[i][k])
				break;
		}
		if (k == len)
		{
			*p += len;
			return i;
		}
	}
	return -1;
}

/*
 * read_number
 *		Value of exactly ndigits decimal digits at *p (moved past them), or -1
 */
static int
read_number(const char **p, int ndigits)
{
	int			value = 0;
	int			i;

	for (i = 0; i < ndigits; i++)
	{
		if ((*p)[i] < '0' || (*p)[i] > '9')
			return -1;
		value = value * 10 + ((*p)[i] - '0');
	}
	*p += ndigits;
	return value;
}

/*
 * skip_char
 *		Move *p past c if it comes next; whether it did
 */
static bool
skip_char(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

/*
 * days_from_civil
 *		Days from 1970-01-01 to a proleptic Gregorian date
 *
 * Howard Hinnant's algorithm; month 1 to 12.
 */
static long long
days_from_civil(long long y, int m, int d)
{
	long long	era;
	long long	yoe;
	long long	doy;
	long long	doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * year_of
 *		Gregorian year of a time
 */
static long long
year_of(time_t t)
{
	long long	days = (long long) (t / 86400) - (t % 86400 < 0);
	long long	y = 1970 + days * 400 / 146097;

	/* step to the year whose 1 January is the last one not after days */
	while (days_from_civil(y + 1, 1, 1) <= days)
		y++;
	while (days_from_civil(y, 1, 1) > days)
		y--;
	return y;
}

/*
 * read_time_of_day
 *		Seconds since midnight of "HH:MM:SS" at *p, or -1
 *
 * Second 60 (a leap second) is allowed, as RFC 9110 does.
 */
static int
read_time_of_day(const char **p)
{
	int			hour = read_number(p, 2);
	int			minute;
	int			second;

	if (hour < 0 || hour > 23 || !skip_char(p, ':'))
		return -1;
	minute = read_number(p, 2);
	if (minute < 0 || minute > 59 || !skip_char(p, ':'))
		return -1;
	second = read_number(p, 2);
	if (second < 0 || second > 60)
		return -1;
	return hour * 3600 + minute * 60 + second;
}

/* Month names and zone of an HTTP-date, as match_word compares them */
static const char *const http_months[] = {
	"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT",
	"NOV", "DEC", NULL
};
static const char *const http_gmt[] = {"GMT", NULL};

/* The fields of an HTTP-date, whichever form gave them */
typedef struct HttpDateFields
{
	long long	year;
	int			month;			/* 0 to 11 */
	int			day;
	int			seconds;		/* since midnight */
} HttpDateFields;

/*
 * read_rfc850_date
 *		Read the rest of an RFC 850 date after its day name; whether it
 *		parsed
 *
 * Sunday, 06-Nov-94 08:49:37 GMT.  The two-digit year becomes the latest
 * year ending in those digits that is at most 50 years after now's year
 * (RFC 9110).
 */
static bool
read_rfc850_date(const char **p, time_t now, HttpDateFields *f)
{
	int			yy;
	long long	this_year = year_of(now);

	if (!skip_char(p, ',') || !skip_char(p, ' ') ||
		(f->day = read_number(p, 2)) < 0 || !skip_char(p, '-') ||
		(f->month = match_word(p, http_months)) < 0 || !skip_char(p, '-') ||
		(yy = read_number(p, 2)) < 0 || !skip_char(p, ' ') ||
		(f->seconds = read_time_of_day(p)) < 0 || !skip_char(p, ' ') ||
		match_word(p, http_gmt) < 0)
		return false;
	/* the latest year ending in yy that is at most 50 after now's */
	f->year = this_year + 50;
	f->year -= ((f->year % 100) - yy + 100) % 100;
	return true;
}

/*
 * read_imf_date
 *		Read the rest of an IMF-fixdate after "Sun,"; whether it parsed
 *
 * Sun, 06 Nov 1994 08:49:37 GMT
 */
static bool
read_imf_date(const char **p, HttpDateFields *f)
{
	return skip_char(p, ' ') &&
		(f->day = read_number(p, 2)) >= 0 && skip_char(p, ' ') &&
		(f->month = match_word(p, http_months)) >= 0 && skip_char(p, ' ') &&
		(f->year = read_number(p, 4)) >= 0 && skip_char(p, ' ') &&
		(f->seconds = read_time_of_day(p)) >= 0 && skip_char(p, ' ') &&
		match_word(p, http_gmt) >= 0;
}

/*
 * read_asctime_date
 *		Read the rest of an asctime date after "Sun"; whether it parsed
 *
 * Sun Nov  6 08:49:37 1994: a day of one digit has a space before it.
 */
static bool
read_asctime_date(const char **p, HttpDateFields *f)
{
	if (!skip_char(p, ' ') ||
		(f->month = match_word(p, http_months)) < 0 || !skip_char(p, ' '))
		return false;
	if (skip_char(p, ' '))
		f->day = read_number(p, 1);
	else
		f->day = read_number(p, 2);
	if (f->day < 0 || !skip_char(p, ' ') ||
		(f->seconds = read_time_of_day(p)) < 0 || !skip_char(p, ' ') ||
		(f->year = read_number(p, 4)) < 0)
		return false;
	return true;
}

/*
 * snowfdw_parse_http_date
 *		Time an HTTP-date stands for
 *
 * Accepts the three forms RFC 9110 section 5.6.7 requires of recipients,
 * with names in any case and the day name unchecked against the date.  A
 * two-digit year (RFC 850 form) is the latest year with those last digits
 * that is at most 50 years after now's year (RFC 9110).  Sets *when and returns the form, or
 * returns SNOWFDW_HTTP_DATE_INVALID.
 */
SnowfdwHttpDateFormat
snowfdw_parse_http_date(const char *value, time_t now, time_t *when)
{
	static const char *const long_days[] = {
		"MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY",
		"SUNDAY", NULL
	};
	static const char *const short_days[] = {
		"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN", NULL
	};
	static const int month_days[] = {
		31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};
	const char *p = value;
	SnowfdwHttpDateFormat format;
	HttpDateFields f;

	/* a long day name first: a short one is its prefix */
	if (match_word(&p, long_days) >= 0)
	{
		format = SNOWFDW_HTTP_DATE_RFC850;
		if (!read_rfc850_date(&p, now, &f))
			return SNOWFDW_HTTP_DATE_INVALID;
	}
	else if (match_word(&p, short_days) >= 0)
	{
		if (skip_char(&p, ','))
		{
			format = SNOWFDW_HTTP_DATE_IMF;
			if (!read_imf_date(&p, &f))
				return SNOWFDW_HTTP_DATE_INVALID;
		}
		else
		{
			format = SNOWFDW_HTTP_DATE_ASCTIME;
			if (!read_asctime_date(&p, &f))
				return SNOWFDW_HTTP_DATE_INVALID;
		}
	}
	else
		return SNOWFDW_HTTP_DATE_INVALID;

	if (*p != '\0' || f.year < 0 || f.year > 9999 ||
		f.day < 1 || f.day > month_days[f.month] ||
		(f.month == 1 && f.day == 29 &&
		 !(f.year % 4 == 0 && (f.year % 100 != 0 || f.year % 400 == 0))))
		return SNOWFDW_HTTP_DATE_INVALID;
	*when = (time_t) (days_from_civil(f.year, f.month + 1, f.day) * 86400 +
					  f.seconds);
	return format;
}

/*
 * snowfdw_retry_after_seconds
 *		Seconds a Retry-After header asks for, or -1 if absent or unreadable
 *
 * The header is either a number of seconds (read by strtod, so a fraction
 * is kept) or an HTTP date; a date before now gives 0.  The result is never
 * negative (except the -1) nor NaN; it may be infinite.
 */
double
snowfdw_retry_after_seconds(const char *value, time_t now)
{
	char	   *end;
	double		seconds;
	time_t		when;

	if (value == NULL || value[0] == '\0')
		return -1;
	seconds = strtod(value, &end);
	if (end != value && *end == '\0')
		return (seconds >= 0 && !isnan(seconds)) ? seconds + 0.0 : -1;
	if (snowfdw_parse_http_date(value, now, &when) == SNOWFDW_HTTP_DATE_INVALID)
		return -1;
	return when > now ? (double) when - (double) now : 0;
}
