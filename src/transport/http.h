/*-------------------------------------------------------------------------
 *
 * http.h
 *		  HTTP transport of snowfdw (libcurl behind an opaque type)
 *
 * Only http.c and its callbacks (httpbody.c, through the transport-private
 * httpslot.h) include <curl/curl.h>.  A session owns a libcurl multi
 * handle, whose connection cache keeps TCP/TLS connections alive between
 * requests, and a small pool of easy handles for concurrent transfers.
 * Sessions are malloc'd because they outlive transactions.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/transport/http.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_HTTP_H
#define SNOWFDW_HTTP_H

#include "utils/resowner.h"

typedef struct SnowfdwHttpSession SnowfdwHttpSession;

/*
 * Upper bound of transfers running at once in one session.  It is also the
 * maximum of snowfdw.max_concurrency (options.c): a scan runs up to that
 * many transfers at once, and each needs a slot of the session's pool.
 */
#define SNOWFDW_HTTP_MAX_SLOTS 64

/*
 * How long one poll of a session may block before interrupts are checked;
 * also the longest wait of an asynchronous scan between two looks at its
 * answers (snowfdw.c).
 */
#define SNOWFDW_HTTP_POLL_MS 20

/* Settings of one transfer, set again on every request */
typedef struct SnowfdwHttpRequest
{
	const char *method;			/* "GET", "POST", "PUT", "DELETE" */
	const char *url;			/* absolute URL */
	const char *authorization;	/* full Authorization header value */
	const char *token_type;		/* X-Snowflake-Authorization-Token-Type */
	const char *role;			/* X-Snowflake-Role, or NULL */
	const char *body;			/* JSON body, or NULL */
	const char *ca_file;		/* CA bundle, or NULL for the system one */
	bool		allow_plain_http;	/* only for loopback hosts */
	long		connect_timeout_ms;
	long		request_timeout_ms; /* streamed: longest silence */
	size_t		max_response_bytes; /* not for a streamed 200 body */
	bool		stream;			/* a 200 body is read as it arrives */
} SnowfdwHttpRequest;

/* Outcome of one transfer; strings are palloc'd in the caller's context */
typedef struct SnowfdwHttpResponse
{
	bool		transport_ok;	/* false: no complete HTTP response */
	bool		interrupted;	/* aborted because of a pending interrupt */
	bool		too_large;		/* aborted at max_response_bytes */
	bool		out_of_memory;	/* aborted: no memory for the body */
	char	   *transport_error;	/* libcurl's message when !transport_ok */
	bool		timed_out;		/* libcurl gave up on a timeout */
	bool		permanent_failure;	/* no retry can fix it (TLS, URL) */
	bool		streaming;		/* a 200 whose body is read from its slot */
	uint32		serial;			/* identifies the transfer with its slot */
	long		status;
	char	   *body;			/* NUL-terminated */
	size_t		body_len;
	char	   *request_id;		/* X-Snowflake-Request-ID */
	char	   *location;
	char	   *link;
	char	   *retry_after;
	char	   *content_type;
} SnowfdwHttpResponse;

/* in http.c */
extern SnowfdwHttpSession *snowfdw_http_session_create(uint32 wait_event);
extern int64 snowfdw_http_waited_us(SnowfdwHttpSession *session);
extern void snowfdw_http_session_destroy(SnowfdwHttpSession *session);
extern int	snowfdw_http_start(SnowfdwHttpSession *session,
							   const SnowfdwHttpRequest *request);
extern int	snowfdw_http_wait(SnowfdwHttpSession *session, long timeout_ms,
							  uint64 wanted, int room_at,
							  SnowfdwHttpResponse *response);
extern int	snowfdw_http_in_flight(SnowfdwHttpSession *session);
extern void snowfdw_http_drive(SnowfdwHttpSession *session, long timeout_ms);
extern void snowfdw_http_stream_window(SnowfdwHttpSession *session, int slot,
									   uint32 serial, const char **data,
									   size_t *len);
extern void snowfdw_http_stream_consume(SnowfdwHttpSession *session, int slot,
										uint32 serial, size_t n);
extern bool snowfdw_http_stream_more(SnowfdwHttpSession *session, int slot,
									 uint32 serial,
									 SnowfdwHttpResponse *outcome);
extern void snowfdw_http_stream_close(SnowfdwHttpSession *session, int slot,
									  uint32 serial);
extern void snowfdw_http_abort(SnowfdwHttpSession *session, int slot);
extern void snowfdw_http_abort_all(SnowfdwHttpSession *session);
extern void snowfdw_http_abort_owned(SnowfdwHttpSession *session,
									 ResourceOwner owner);
extern int	snowfdw_http_open_transfers(void);
extern bool snowfdw_http_busy(SnowfdwHttpSession *session);
extern bool snowfdw_url_is_loopback(const char *url);

#endif							/* SNOWFDW_HTTP_H */
