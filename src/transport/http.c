/*-------------------------------------------------------------------------
 *
 * http.c
 *		  HTTP transport of snowfdw, the only user of libcurl
 *
 * A session is one libcurl multi handle plus a pool of easy handles
 * ("slots").  All slots of a session share the multi handle's connection
 * cache, so requests of one user mapping reuse their TCP/TLS connections,
 * and several transfers can run at once for fan-out scans and for the
 * scans of an Append: a waiter is handed only the transfers it asks for,
 * and every wait drives all of them.
 *
 * libcurl callbacks never ereport, palloc or check for interrupts: they
 * record what went wrong and return an abort code (the progress callback
 * aborts on a pending cancel or termination, and the write callback at the
 * response size cap).  The waiting loop in snowfdw_http_wait is where
 * interrupts are checked, at least every SNOWFDW_HTTP_POLL_MS; a caller that
 * gets an error thrown through it must call snowfdw_http_abort_all.  Memory that
 * libcurl callbacks fill is malloc'd and copied into palloc'd memory once a
 * transfer ends.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/transport/http.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "miscadmin.h"
#include "portability/instr_time.h"
#include "utils/resowner.h"
#include "utils/wait_event.h"

#include "transport/http.h"
#include "transport/httpslot.h"

static void snowfdw_http_global_init(void);

static bool curl_initialized = false;

/* Slots in use in all sessions: transfers started and not yet released */
static int	open_transfers = 0;

static void reset_slot_results(HttpSlot *slot);
static char *pstrdup_or_null(const char *s);
static bool failure_is_permanent(CURLcode code);
static char *transport_error_text(HttpSlot *slot, CURLcode code);
static void collect_finished(SnowfdwHttpSession *session);
static HttpSlot *stream_slot(SnowfdwHttpSession *session, int slotno,
							 uint32 serial);
static int	claim_slot(SnowfdwHttpSession *session);
static void add_request_headers(HttpSlot *slot,
								const SnowfdwHttpRequest *request);
static void set_transfer_options(HttpSlot *slot,
								 const SnowfdwHttpRequest *request);
static void set_connection_options(CURL *easy,
								   const SnowfdwHttpRequest *request);
static void set_method(CURL *easy, const SnowfdwHttpRequest *request);
static void release_slot(SnowfdwHttpSession *session, HttpSlot *slot);

/*
 * snowfdw_http_global_init
 *		Initialize libcurl once per backend
 */
static void
snowfdw_http_global_init(void)
{
	if (curl_initialized)
		return;
	if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not initialize libcurl")));
	curl_initialized = true;
}

/*
 * snowfdw_http_session_create
 *		Make a session with an empty connection cache; wait_event is what
 *		its transfers' waits report (pg_stat_activity.wait_event)
 */
SnowfdwHttpSession *
snowfdw_http_session_create(uint32 wait_event)
{
	SnowfdwHttpSession *session;

	snowfdw_http_global_init();
	session = calloc(1, sizeof(SnowfdwHttpSession));
	if (session == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	session->multi = curl_multi_init();
	if (session->multi == NULL)
	{
		free(session);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not create libcurl multi handle")));
	}
	curl_multi_setopt(session->multi, CURLMOPT_MAXCONNECTS, 32L);
	session->reader = -1;
	session->wait_event = wait_event;
	return session;
}

/*
 * poll_session
 *		Wait up to timeout_ms for activity on the session's connections,
 *		reporting the session's wait event, and count the time waited
 */
static void
poll_session(SnowfdwHttpSession *session, long timeout_ms)
{
	instr_time	start;
	instr_time	end;

	INSTR_TIME_SET_CURRENT(start);
	pgstat_report_wait_start(session->wait_event);
	curl_multi_poll(session->multi, NULL, 0, timeout_ms, NULL);
	pgstat_report_wait_end();
	INSTR_TIME_SET_CURRENT(end);
	INSTR_TIME_SUBTRACT(end, start);
	session->waited_us += INSTR_TIME_GET_MICROSEC(end);
}

/*
 * snowfdw_http_waited_us
 *		Microseconds the session's transfers were waited for, in all
 */
int64
snowfdw_http_waited_us(SnowfdwHttpSession *session)
{
	return session->waited_us;
}

/*
 * snowfdw_http_session_destroy
 *		Close every connection of the session and free it
 */
void
snowfdw_http_session_destroy(SnowfdwHttpSession *session)
{
	int			i;

	if (session == NULL)
		return;
	snowfdw_http_abort_all(session);
	for (i = 0; i < session->nslots; i++)
	{
		if (session->slots[i].easy)
			curl_easy_cleanup(session->slots[i].easy);
		reset_slot_results(&session->slots[i]);
	}
	curl_multi_cleanup(session->multi);
	free(session);
}

/*
 * reset_slot_results
 *		Forget what the previous transfer of a slot collected
 */
static void
reset_slot_results(HttpSlot *slot)
{
	free(slot->body);
	free(slot->request_id);
	free(slot->location);
	free(slot->link);
	free(slot->retry_after);
	free(slot->content_type);
	if (slot->headers)
		curl_slist_free_all(slot->headers);
	slot->headers = NULL;
	slot->body = NULL;
	slot->body_len = 0;
	slot->body_cap = 0;
	slot->too_large = false;
	slot->interrupted = false;
	slot->out_of_memory = false;
	slot->timed_out = false;
	slot->bad_header = false;
	slot->status = 0;
	slot->headers_done = false;
	slot->reported = false;
	slot->finished = false;
	slot->result = CURLE_OK;
	slot->body_start = 0;
	slot->paused = false;
	slot->request_id = NULL;
	slot->location = NULL;
	slot->link = NULL;
	slot->retry_after = NULL;
	slot->content_type = NULL;
	slot->errbuf[0] = '\0';
}

/*
 * add_header
 *		Append one request header to a slot, failing cleanly on OOM
 *
 * libcurl sends a header line as given, so a CR or LF in the value would
 * start another header.  The option validator refuses such values; this
 * check keeps any other path from sending one.  (A C string cannot hold a
 * NUL before its end, so a value with one arrives cut short, never whole.)
 * The value is not printed: it may be a credential.
 */
static void
add_header(HttpSlot *slot, const char *name, const char *value)
{
	char	   *line;
	struct curl_slist *list;

	if (strpbrk(value, "\r\n") != NULL)
		elog(ERROR, "value of request header \"%s\" contains a CR or LF character",
			 name);
	line = psprintf("%s: %s", name, value);
	list = curl_slist_append(slot->headers, line);

	pfree(line);
	if (list == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	slot->headers = list;
}

/*
 * snowfdw_http_start
 *		Start a transfer and return its slot number
 *
 * Every option is set again after curl_easy_reset, so nothing leaks from
 * one request into the next.
 */
int
snowfdw_http_start(SnowfdwHttpSession *session,
				   const SnowfdwHttpRequest *request)
{
	int			slotno = claim_slot(session);
	HttpSlot   *slot = &session->slots[slotno];
	CURL	   *easy = slot->easy;

	curl_easy_reset(easy);
	reset_slot_results(slot);
	slot->max_bytes = request->max_response_bytes;
	slot->stream = request->stream;
	slot->idle_timeout_ms = request->request_timeout_ms;
	slot->serial = ++session->serial;
	snowfdw_http_touch_slot(slot);

	add_request_headers(slot, request);
	set_transfer_options(slot, request);
	set_connection_options(easy, request);
	set_method(easy, request);

	if (curl_multi_add_handle(session->multi, easy) != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("could not start HTTP transfer")));
	slot->in_use = true;
	slot->owner = CurrentResourceOwner;
	open_transfers++;
	return slotno;
}

/*
 * claim_slot
 *		Number of a free slot, with an easy handle, making one if need be
 *
 * The slot is marked in use only once its transfer is added to the multi
 * handle, at the end of snowfdw_http_start.
 */
static int
claim_slot(SnowfdwHttpSession *session)
{
	HttpSlot   *slot;
	int			i;

	for (i = 0; i < session->nslots; i++)
	{
		if (!session->slots[i].in_use)
			return i;
	}

	if (session->nslots >= SNOWFDW_HTTP_MAX_SLOTS)
		elog(ERROR, "too many concurrent transfers");
	slot = &session->slots[session->nslots];
	memset(slot, 0, sizeof(HttpSlot));
	slot->session = session;
	slot->easy = curl_easy_init();
	if (slot->easy == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create libcurl handle")));
	return session->nslots++;
}

/*
 * add_request_headers
 *		The request headers of a transfer: JSON, credentials and role
 */
static void
add_request_headers(HttpSlot *slot, const SnowfdwHttpRequest *request)
{
	add_header(slot, "Accept", "application/json");
	add_header(slot, "Authorization", request->authorization);
	add_header(slot, "X-Snowflake-Authorization-Token-Type", request->token_type);
	if (request->role)
		add_header(slot, "X-Snowflake-Role", request->role);
	if (request->body)
		add_header(slot, "Content-Type", "application/json");
	/* a 100-continue round trip only adds latency for small JSON bodies */
	add_header(slot, "Expect", "");
}

/*
 * set_transfer_options
 *		The URL, headers, callbacks, size cap and timeouts of a transfer
 */
static void
set_transfer_options(HttpSlot *slot, const SnowfdwHttpRequest *request)
{
	CURL	   *easy = slot->easy;

	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_URL, request->url);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, slot->headers);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "snowfdw/1.0");
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, slot->errbuf);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, snowfdw_http_write_body);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, slot);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, snowfdw_http_read_header);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, slot);
	curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, snowfdw_http_check_progress);
	curl_easy_setopt(easy, CURLOPT_XFERINFODATA, slot);
	curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, request->connect_timeout_ms);
	if (!request->stream)
	{
		/* a declared Content-Length over the cap fails before any byte is read */
		curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
						 (curl_off_t) request->max_response_bytes);
		curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, request->request_timeout_ms);
	}
	/* else snowfdw_http_check_progress bounds the wait for headers and for each byte */
}

/*
 * set_connection_options
 *		TLS verification, allowed protocols, proxy and keepalive of a transfer
 */
static void
set_connection_options(CURL *easy, const SnowfdwHttpRequest *request)
{
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (request->ca_file)
		curl_easy_setopt(easy, CURLOPT_CAINFO, request->ca_file);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR,
					 request->allow_plain_http ? "http,https" : "https");
#else
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS,
					 request->allow_plain_http ?
					 (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS) :
					 (long) CURLPROTO_HTTPS);
#endif
	/* a proxy from the environment must never see loopback test traffic */
	curl_easy_setopt(easy, CURLOPT_NOPROXY, "localhost,127.0.0.1,::1");
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "");
}

/*
 * set_method
 *		The method and request body of a transfer
 *
 * A POST or PUT without a body still sends an empty one, with its
 * Content-Length of 0.
 */
static void
set_method(CURL *easy, const SnowfdwHttpRequest *request)
{
	if (strcmp(request->method, "GET") == 0)
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	else
	{
		curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request->method);
		if (request->body)
		{
			curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE,
							 (long) strlen(request->body));
			curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, request->body);
		}
		else if (strcmp(request->method, "POST") == 0 ||
				 strcmp(request->method, "PUT") == 0)
		{
			curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, 0L);
			curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS, "");
		}
	}
}

/*
 * pstrdup_or_null
 *		palloc'd copy of a malloc'd header value
 */
static char *
pstrdup_or_null(const char *s)
{
	return s ? pstrdup(s) : NULL;
}

/*
 * collect_finished
 *		Note every transfer libcurl has finished with, and how it ended
 */
static void
collect_finished(SnowfdwHttpSession *session)
{
	CURLMsg    *msg;
	int			queued;

	while ((msg = curl_multi_info_read(session->multi, &queued)) != NULL)
	{
		int			i;

		if (msg->msg != CURLMSG_DONE)
			continue;
		for (i = 0; i < session->nslots; i++)
		{
			HttpSlot   *slot = &session->slots[i];

			if (slot->in_use && slot->easy == msg->easy_handle)
			{
				slot->finished = true;
				slot->result = msg->data.result;
				break;
			}
		}
	}
}

/*
 * failure_is_permanent
 *		Whether a libcurl failure is one that no retry can fix
 *
 * A certificate the CA bundle does not vouch for (untrusted, expired, for
 * another host name), a CA bundle or client certificate that cannot be
 * read, a cipher or pin mismatch, or a URL libcurl refuses fails the same
 * way every time; retrying only delays the error.  TLS failures are found
 * before any request byte is sent.
 */
static bool
failure_is_permanent(CURLcode code)
{
	switch (code)
	{
		case CURLE_PEER_FAILED_VERIFICATION:
		case CURLE_SSL_CACERT_BADFILE:
		case CURLE_SSL_CERTPROBLEM:
		case CURLE_SSL_CIPHER:
		case CURLE_SSL_CRL_BADFILE:
		case CURLE_SSL_ISSUER_ERROR:
		case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
		case CURLE_SSL_ENGINE_NOTFOUND:
		case CURLE_SSL_ENGINE_SETFAILED:
		case CURLE_UNSUPPORTED_PROTOCOL:
		case CURLE_URL_MALFORMAT:
		case CURLE_NOT_BUILT_IN:
			return true;
		default:
			return false;
	}
}

/*
 * transport_error_text
 *		What went wrong with a transfer, for an error's detail
 *
 * libcurl's own text, except for a certificate that failed verification:
 * libcurl 8 words that differently in each release, so it is said here from
 * OpenSSL's verify result (Debian's libcurl is built with OpenSSL), in the
 * words libcurl 7.88 used.  A host name mismatch that libcurl finds itself
 * has no verify result and keeps libcurl's text.
 */
static char *
transport_error_text(HttpSlot *slot, CURLcode code)
{
	long		verify_result = X509_V_OK;

	if (code == CURLE_PEER_FAILED_VERIFICATION &&
		curl_easy_getinfo(slot->easy, CURLINFO_SSL_VERIFYRESULT,
						  &verify_result) == CURLE_OK &&
		verify_result != X509_V_OK)
		return psprintf("SSL certificate problem: %s.",
						X509_verify_cert_error_string(verify_result));
	return pstrdup(slot->errbuf[0] ? slot->errbuf : curl_easy_strerror(code));
}

/*
 * fill_outcome
 *		How a finished transfer ended, without its body
 */
static void
fill_outcome(HttpSlot *slot, SnowfdwHttpResponse *response)
{
	CURLcode	code = slot->result;

	response->transport_ok = (code == CURLE_OK) && !slot->bad_header;
	response->too_large = slot->too_large || code == CURLE_FILESIZE_EXCEEDED;
	response->interrupted = slot->interrupted;
	response->out_of_memory = slot->out_of_memory;
	response->timed_out = (code == CURLE_OPERATION_TIMEDOUT) || slot->timed_out;
	response->permanent_failure = failure_is_permanent(code);
	if (slot->timed_out)
		response->transport_error =
			psprintf("No data received for %ld milliseconds", slot->idle_timeout_ms);
	else if (code != CURLE_OK)
		response->transport_error = transport_error_text(slot, code);
	else if (slot->bad_header)
		response->transport_error =
			pstrdup("A response header contains a zero byte.");
}

/*
 * fill_response
 *		Hand out a transfer's status and headers; a complete body too, and
 *		then the slot is free again
 *
 * A streamed 200 stays in its slot: its body is read with
 * snowfdw_http_stream_more and the slot freed by snowfdw_http_stream_close.
 */
static void
fill_response(SnowfdwHttpSession *session, HttpSlot *slot,
			  SnowfdwHttpResponse *response)
{
	memset(response, 0, sizeof(SnowfdwHttpResponse));
	curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &response->status);
	response->request_id = pstrdup_or_null(slot->request_id);
	response->location = pstrdup_or_null(slot->location);
	response->link = pstrdup_or_null(slot->link);
	response->retry_after = pstrdup_or_null(slot->retry_after);
	response->content_type = pstrdup_or_null(slot->content_type);
	response->serial = slot->serial;
	slot->reported = true;

	if (streaming_body(slot) && response->status == 200)
	{
		response->transport_ok = true;
		response->streaming = true;
		return;
	}
	fill_outcome(slot, response);
	response->body = palloc(slot->body_len + 1);
	if (slot->body_len > 0)
		memcpy(response->body, slot->body, slot->body_len);
	response->body[slot->body_len] = '\0';
	response->body_len = slot->body_len;

	release_slot(session, slot);
}

/*
 * snowfdw_http_wait
 *		Wait up to timeout_ms for any transfer of the session to end, or for
 *		a streamed one to start its body
 *
 * Only the slots in the wanted mask (bit i: slot i) are handed out: other
 * scans of the session keep theirs until they ask, while every transfer
 * progresses.  Returns the slot with *response filled in, or -1 if none was
 * ready in time, or, with room_at > 0, as soon as fewer than room_at
 * transfers wait for their answer (calls waiting for room may start).  Each transfer is handed out once.  Interrupts are checked at least
 * every SNOWFDW_HTTP_POLL_MS; the caller must abort its transfers if an
 * error is thrown from here.
 */
int
snowfdw_http_wait(SnowfdwHttpSession *session, long timeout_ms,
				  uint64 wanted, int room_at, SnowfdwHttpResponse *response)
{
	instr_time	start;

	session->reader = -1;
	INSTR_TIME_SET_CURRENT(start);
	for (;;)
	{
		int			running;
		bool		waiting = false;
		instr_time	now;
		long		elapsed;
		int			i;

		CHECK_FOR_INTERRUPTS();
		curl_multi_perform(session->multi, &running);
		collect_finished(session);
		for (i = 0; i < session->nslots; i++)
		{
			HttpSlot   *slot = &session->slots[i];

			if (!slot->in_use || slot->reported ||
				(wanted & ((uint64) 1 << i)) == 0)
				continue;
			if (slot->finished ||
				(streaming_body(slot) && slot->headers_done))
			{
				fill_response(session, slot, response);
				return i;
			}
			waiting = true;
		}

		INSTR_TIME_SET_CURRENT(now);
		INSTR_TIME_SUBTRACT(now, start);
		elapsed = (long) INSTR_TIME_GET_MILLISEC(now);
		/* nothing to wait for: sleeping on the latch is the caller's job */
		if (elapsed >= timeout_ms || !waiting)
			return -1;
		if (room_at > 0 && snowfdw_http_in_flight(session) < room_at)
			return -1;
		poll_session(session, Min(SNOWFDW_HTTP_POLL_MS, timeout_ms - elapsed));
	}
}

/*
 * snowfdw_http_in_flight
 *		Transfers of the session waiting for their answer: started, not
 *		finished, and whose headers no reader has taken
 *
 * This is what max_concurrency bounds across the scans of a statement; a
 * finished transfer that waits for its scan to read it does not count, so a
 * scan that stopped asking (a cursor, a LIMIT) never holds the others up.
 */
int
snowfdw_http_in_flight(SnowfdwHttpSession *session)
{
	int			n = 0;
	int			i;

	for (i = 0; i < session->nslots; i++)
	{
		HttpSlot   *slot = &session->slots[i];

		if (slot->in_use && !slot->reported && !slot->finished &&
			!(streaming_body(slot) && slot->headers_done))
			n++;
	}
	return n;
}

/*
 * snowfdw_http_drive
 *		Let every transfer of the session progress, waiting up to timeout_ms
 *		for activity on its connections; nothing is handed out
 *
 * Interrupts are checked first; an asynchronous scan that waits for its
 * answer, or for room under max_concurrency, waits here.
 */
void
snowfdw_http_drive(SnowfdwHttpSession *session, long timeout_ms)
{
	int			running;

	session->reader = -1;
	CHECK_FOR_INTERRUPTS();
	curl_multi_perform(session->multi, &running);
	collect_finished(session);
	if (timeout_ms > 0 && running > 0)
	{
		poll_session(session, Min(timeout_ms, SNOWFDW_HTTP_POLL_MS));
		curl_multi_perform(session->multi, &running);
		collect_finished(session);
	}
}

/*
 * stream_slot
 *		The slot of a streamed transfer, checked to be still that transfer
 */
static HttpSlot *
stream_slot(SnowfdwHttpSession *session, int slotno, uint32 serial)
{
	HttpSlot   *slot;

	if (slotno < 0 || slotno >= session->nslots)
		elog(ERROR, "invalid transfer slot %d", slotno);
	slot = &session->slots[slotno];
	if (!slot->in_use || slot->serial != serial || !slot->reported)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("Snowflake response was abandoned before it was read"),
				 errdetail("An earlier error stopped the transfer.")));
	return slot;
}

/*
 * snowfdw_http_stream_window
 *		The bytes of a streamed body that arrived and were not consumed yet
 */
void
snowfdw_http_stream_window(SnowfdwHttpSession *session, int slotno,
						   uint32 serial, const char **data, size_t *len)
{
	HttpSlot   *slot = stream_slot(session, slotno, serial);

	*data = slot->body ? slot->body + slot->body_start : "";
	*len = slot->body_len - slot->body_start;
}

/*
 * snowfdw_http_stream_consume
 *		The reader is done with the first n bytes of the window
 */
void
snowfdw_http_stream_consume(SnowfdwHttpSession *session, int slotno,
							uint32 serial, size_t n)
{
	HttpSlot   *slot = stream_slot(session, slotno, serial);

	Assert(n <= slot->body_len - slot->body_start);
	slot->body_start += n;
	if (slot->body_start == slot->body_len)
		slot->body_start = slot->body_len = 0;
}

/*
 * snowfdw_http_stream_more
 *		Wait for more bytes of a streamed body
 *
 * Returns true when the window grew, false when the transfer has ended and
 * every byte is in the window; *outcome then says whether it ended well.
 * Other transfers of the session make progress meanwhile.
 */
bool
snowfdw_http_stream_more(SnowfdwHttpSession *session, int slotno,
						 uint32 serial, SnowfdwHttpResponse *outcome)
{
	HttpSlot   *slot = stream_slot(session, slotno, serial);
	size_t		had = slot->body_len - slot->body_start;

	if (slot->paused)
	{
		slot->paused = false;
		snowfdw_http_touch_slot(slot);
		session->reader = slotno;
		curl_easy_pause(slot->easy, CURLPAUSE_CONT);
	}
	for (;;)
	{
		int			running;

		if (slot->body_len - slot->body_start > had)
			break;
		if (slot->finished)
		{
			session->reader = -1;
			memset(outcome, 0, sizeof(SnowfdwHttpResponse));
			outcome->status = slot->status;
			fill_outcome(slot, outcome);
			return false;
		}
		session->reader = -1;
		CHECK_FOR_INTERRUPTS();
		session->reader = slotno;
		curl_multi_perform(session->multi, &running);
		collect_finished(session);
		if (slot->body_len - slot->body_start > had || slot->finished)
			continue;
		poll_session(session, SNOWFDW_HTTP_POLL_MS);
	}
	session->reader = -1;
	return true;
}

/*
 * snowfdw_http_stream_close
 *		Release a streamed transfer, abandoning what has not arrived
 *
 * libcurl closes the connection of a transfer removed before its end, so
 * the rest of a body is never read just to be thrown away.
 */
void
snowfdw_http_stream_close(SnowfdwHttpSession *session, int slotno,
						  uint32 serial)
{
	HttpSlot   *slot;

	if (slotno < 0 || slotno >= session->nslots)
		return;
	slot = &session->slots[slotno];
	if (!slot->in_use || slot->serial != serial)
		return;
	snowfdw_http_abort(session, slotno);
}

/*
 * snowfdw_http_abort
 *		Stop one transfer and free its slot
 */
void
snowfdw_http_abort(SnowfdwHttpSession *session, int slotno)
{
	HttpSlot   *slot = &session->slots[slotno];

	if (!slot->in_use)
		return;
	release_slot(session, slot);
}

/*
 * release_slot
 *		Take a slot's transfer off the multi handle and free its buffers
 *
 * libcurl closes the connection of a transfer removed before its end.
 */
static void
release_slot(SnowfdwHttpSession *session, HttpSlot *slot)
{
	curl_multi_remove_handle(session->multi, slot->easy);
	slot->in_use = false;
	slot->owner = NULL;
	open_transfers--;
	reset_slot_results(slot);
}

/*
 * snowfdw_http_abort_owned
 *		Stop every transfer of the session that started under a resource
 *		owner (see connection.c for why transfers follow resource owners)
 */
void
snowfdw_http_abort_owned(SnowfdwHttpSession *session, ResourceOwner owner)
{
	int			i;

	for (i = 0; i < session->nslots; i++)
	{
		if (session->slots[i].in_use && session->slots[i].owner == owner)
			snowfdw_http_abort(session, i);
	}
}

/*
 * snowfdw_http_open_transfers
 *		Transfers of all sessions started and not yet released
 */
int
snowfdw_http_open_transfers(void)
{
	return open_transfers;
}

/*
 * snowfdw_http_busy
 *		Whether any transfer of the session is running
 */
bool
snowfdw_http_busy(SnowfdwHttpSession *session)
{
	int			i;

	for (i = 0; i < session->nslots; i++)
		if (session->slots[i].in_use)
			return true;
	return false;
}

/*
 * snowfdw_http_abort_all
 *		Stop every running transfer of the session
 *
 * Used on errors and cancels.  The aborted connections are closed by
 * libcurl, the others stay in the cache.
 */
void
snowfdw_http_abort_all(SnowfdwHttpSession *session)
{
	int			i;

	for (i = 0; i < session->nslots; i++)
		snowfdw_http_abort(session, i);
}

/*
 * snowfdw_url_is_loopback
 *		Whether a URL's host is a loopback address or localhost
 *
 * Plain http is allowed only there: tokens never cross a network in clear.
 * The host must be "localhost", an IPv4 address in 127.0.0.0/8 or ::1
 * written as addresses; a name such as "127.example.com" does not qualify.
 */
bool
snowfdw_url_is_loopback(const char *url)
{
	CURLU	   *handle = curl_url();
	char	   *host = NULL;
	bool		result = false;

	if (handle == NULL)
		return false;
	if (curl_url_set(handle, CURLUPART_URL, url, 0) == CURLUE_OK &&
		curl_url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK)
	{
		struct in_addr addr4;
		struct in6_addr addr6;
		size_t		len = strlen(host);

		if (pg_strcasecmp(host, "localhost") == 0)
			result = true;
		else if (inet_pton(AF_INET, host, &addr4) == 1)
			result = (ntohl(addr4.s_addr) >> 24) == 127;
		else if (len > 2 && host[0] == '[' && host[len - 1] == ']')
		{
			char	   *bare = pnstrdup(host + 1, len - 2);

			result = inet_pton(AF_INET6, bare, &addr6) == 1 &&
				IN6_IS_ADDR_LOOPBACK(&addr6);
			pfree(bare);
		}
	}
	curl_free(host);
	curl_url_cleanup(handle);
	return result;
}

