/*-------------------------------------------------------------------------
 *
 * httpslot.h
 *		  A transfer slot and a session, shared by http.c and its libcurl
 *		  callbacks (httpbody.c) alone: transport-private, never included
 *		  above the transport layer
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/transport/httpslot.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_HTTPSLOT_H
#define SNOWFDW_HTTPSLOT_H

#include <curl/curl.h>
#include <time.h>

#include "utils/resowner.h"

#include "transport/http.h"

/*
 * A streamed body that nobody reads right now pauses its transfer once this
 * much of it waits in the buffer; that bounds its memory whatever its size.
 */
#define SNOWFDW_HTTP_STREAM_BUFFER (1024 * 1024)

/* One transfer slot: an easy handle and what its callbacks collect */
typedef struct HttpSlot
{
	struct SnowfdwHttpSession *session; /* that owns it */
	CURL	   *easy;
	bool		in_use;
	ResourceOwner owner;		/* current when the transfer started */
	struct curl_slist *headers;
	char	   *body;			/* malloc'd response body */
	size_t		body_len;
	size_t		body_cap;
	size_t		max_bytes;
	bool		too_large;
	bool		interrupted;	/* the progress callback saw an interrupt */
	bool		out_of_memory;	/* the body buffer could not grow */
	bool		timed_out;		/* a streamed transfer went quiet too long */
	bool		bad_header;		/* a header value held a zero byte */
	/* streaming: a 200 body is read while it arrives (see snowfdw_http_stream_more) */
	bool		stream;			/* the request asked for it */
	long		status;			/* of the last status line */
	bool		headers_done;	/* the final response's headers are in */
	bool		reported;		/* snowfdw_http_wait has handed it out */
	bool		finished;		/* libcurl is done with the transfer */
	CURLcode	result;
	size_t		body_start;		/* bytes before it were read by the reader */
	bool		paused;
	long		idle_timeout_ms;	/* longest silence of a streamed transfer */
	struct timespec last_activity;
	uint32		serial;			/* tells transfers of one slot apart */
	char	   *request_id;		/* malloc'd response header values */
	char	   *location;
	char	   *link;
	char	   *retry_after;
	char	   *content_type;
	char		errbuf[CURL_ERROR_SIZE];
} HttpSlot;

struct SnowfdwHttpSession
{
	CURLM	   *multi;
	int			reader;			/* slot whose reader waits for bytes, or -1 */
	uint32		serial;			/* of the last transfer started */
	uint32		wait_event;		/* reported while its transfers are waited
								 * for */
	int64		waited_us;		/* time they were waited for */
	int			nslots;
	HttpSlot	slots[SNOWFDW_HTTP_MAX_SLOTS];
};

/*
 * streaming_body
 *		Whether the body now arriving on a slot goes to a reader as it comes
 */
static inline bool
streaming_body(HttpSlot *slot)
{
	return slot->stream && slot->status == 200;
}

/* in httpbody.c: the libcurl callbacks */
extern void snowfdw_http_touch_slot(HttpSlot *slot);
extern size_t snowfdw_http_write_body(char *data, size_t size, size_t nmemb,
									  void *arg);
extern size_t snowfdw_http_read_header(char *data, size_t size, size_t nmemb,
									   void *arg);
extern int	snowfdw_http_check_progress(void *arg, curl_off_t dltotal,
										curl_off_t dlnow, curl_off_t ultotal,
										curl_off_t ulnow);

#endif							/* SNOWFDW_HTTPSLOT_H */
