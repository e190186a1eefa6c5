/*-------------------------------------------------------------------------
 *
 * httpbody.c
 *		  The libcurl callbacks of http.c: bodies, headers, progress
 *
 * They never ereport, palloc or check for interrupts: they record what
 * went wrong in the slot and return an abort code (the progress callback
 * aborts on a pending cancel or termination, and the write callback at
 * the response size cap).  What they fill is malloc'd; http.c copies it
 * into palloc'd memory once a transfer ends.  Only http.c and this file
 * include <curl/curl.h>, through httpslot.h.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/transport/httpbody.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "miscadmin.h"

#include "transport/http.h"
#include "transport/httpslot.h"

static char *copy_header_value(const char *value, size_t len);

/*
 * snowfdw_http_touch_slot
 *		Note that a transfer made progress now
 */
void
snowfdw_http_touch_slot(HttpSlot *slot)
{
	clock_gettime(CLOCK_MONOTONIC, &slot->last_activity);
}

/*
 * snowfdw_http_write_body
 *		libcurl write callback: append to the slot's buffer
 *
 * A whole body is capped at max_bytes.  A streamed body has no cap (its
 * reader bounds each element), but while its reader is elsewhere the
 * transfer pauses once SNOWFDW_HTTP_STREAM_BUFFER bytes wait.
 */
size_t
snowfdw_http_write_body(char *data, size_t size, size_t nmemb, void *arg)
{
	HttpSlot   *slot = (HttpSlot *) arg;
	size_t		len = size * nmemb;

	snowfdw_http_touch_slot(slot);
	if (streaming_body(slot))
	{
		SnowfdwHttpSession *session = slot->session;

		if (session->reader != slot - session->slots &&
			slot->body_len - slot->body_start >= SNOWFDW_HTTP_STREAM_BUFFER)
		{
			slot->paused = true;
			return CURL_WRITEFUNC_PAUSE;
		}
		/* drop what the reader has read before growing the buffer */
		if (slot->body_start > 0 && slot->body_len + len + 1 > slot->body_cap)
		{
			memmove(slot->body, slot->body + slot->body_start,
					slot->body_len - slot->body_start);
			slot->body_len -= slot->body_start;
			slot->body_start = 0;
		}
	}
	else if (slot->body_len + len > slot->max_bytes)
	{
		slot->too_large = true;
		return 0;				/* makes libcurl fail with CURLE_WRITE_ERROR */
	}
	if (slot->body_len + len + 1 > slot->body_cap)
	{
		size_t		newcap = Max(slot->body_cap * 2, slot->body_len + len + 1);
		char	   *newbuf;

		newcap = Max(newcap, 8192);
		newbuf = realloc(slot->body, newcap);
		if (newbuf == NULL)
		{
			slot->out_of_memory = true;
			return 0;
		}
		slot->body = newbuf;
		slot->body_cap = newcap;
	}
	memcpy(slot->body + slot->body_len, data, len);
	slot->body_len += len;
	slot->body[slot->body_len] = '\0';
	return len;
}

/*
 * snowfdw_http_check_progress
 *		libcurl progress callback: abort the transfer on a pending interrupt,
 *		or a streamed transfer that went quiet for longer than its timeout
 *
 * snowfdw_http_wait checks for interrupts between polls anyway; this makes
 * a transfer stop even where interrupts are held off, and only reads the
 * flags the signal handlers set.
 */
int
snowfdw_http_check_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
							curl_off_t ultotal, curl_off_t ulnow)
{
	HttpSlot   *slot = (HttpSlot *) arg;

	if (QueryCancelPending || ProcDiePending)
	{
		slot->interrupted = true;
		return 1;				/* CURLE_ABORTED_BY_CALLBACK */
	}
	if (slot->stream && !slot->paused)
	{
		struct timespec now;
		long		quiet_ms;

		clock_gettime(CLOCK_MONOTONIC, &now);
		quiet_ms = (now.tv_sec - slot->last_activity.tv_sec) * 1000 +
			(now.tv_nsec - slot->last_activity.tv_nsec) / 1000000;
		if (quiet_ms > slot->idle_timeout_ms)
		{
			slot->timed_out = true;
			return 1;
		}
	}
	return 0;
}

/*
 * copy_header_value
 *		malloc'd copy of a header value without surrounding white space
 */
static char *
copy_header_value(const char *value, size_t len)
{
	char	   *result;

	while (len > 0 && (*value == ' ' || *value == '\t'))
	{
		value++;
		len--;
	}
	while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == '\n' ||
					   value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	result = malloc(len + 1);
	if (result == NULL)
		return NULL;
	memcpy(result, value, len);
	result[len] = '\0';
	return result;
}

/*
 * snowfdw_http_read_header
 *		libcurl header callback: keep the headers snowfdw acts on
 *
 * A new status line (an interim 100 Continue, say) starts a new response,
 * so what was kept before is dropped.
 */
size_t
snowfdw_http_read_header(char *data, size_t size, size_t nmemb, void *arg)
{
	HttpSlot   *slot = (HttpSlot *) arg;
	size_t		len = size * nmemb;
	static const struct
	{
		const char *name;
		size_t		offset;
	}			wanted[] =
	{
		{"x-snowflake-request-id", offsetof(HttpSlot, request_id)},
		{"location", offsetof(HttpSlot, location)},
		{"link", offsetof(HttpSlot, link)},
		{"retry-after", offsetof(HttpSlot, retry_after)},
		{"content-type", offsetof(HttpSlot, content_type)},
	};
	const char *colon;
	size_t		namelen;
	int			i;

	snowfdw_http_touch_slot(slot);
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
	{
		const char *space = memchr(data, ' ', len);

		slot->status = space ? strtol(space + 1, NULL, 10) : 0;
		slot->headers_done = false;
		for (i = 0; i < (int) lengthof(wanted); i++)
		{
			char	  **field = (char **) ((char *) slot + wanted[i].offset);

			free(*field);
			*field = NULL;
		}
		return len;
	}
	if ((len == 2 && data[0] == '\r') || (len == 1 && data[0] == '\n'))
	{
		/* the blank line: a final status's headers are complete */
		if (slot->status >= 200)
			slot->headers_done = true;
		return len;
	}
	colon = memchr(data, ':', len);
	if (colon == NULL)
		return len;
	namelen = colon - data;
	for (i = 0; i < (int) lengthof(wanted); i++)
	{
		if (strlen(wanted[i].name) == namelen &&
			pg_strncasecmp(data, wanted[i].name, namelen) == 0)
		{
			char	  **field = (char **) ((char *) slot + wanted[i].offset);

			/* a zero byte would cut the value short in silence */
			if (memchr(colon + 1, '\0', len - namelen - 1) != NULL)
				slot->bad_header = true;
			/* a repeated header keeps its first value */
			else if (*field == NULL)
				*field = copy_header_value(colon + 1, len - namelen - 1);
			break;
		}
	}
	return len;
}

