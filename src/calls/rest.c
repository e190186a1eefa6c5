/*-------------------------------------------------------------------------
 *
 * rest.c
 *		  Snowflake REST calls: retries, 202 polling, errors
 *
 * snowfdw_run_calls drives a batch of logical calls over one session,
 * several at once, until each has its final answer.  On the way it
 *	- retries 429, 503, 504 and transport failures with jittered exponential
 *	  backoff, honouring Retry-After, bounded by attempts and total time;
 *	  a 429's Retry-After holds off every backend of the user mapping
 *	  (holdoff.c);
 *	- follows 202 Accepted to its Location until the result is ready,
 *	  bounded by poll_timeout;
 *	- makes a new key-pair JWT once when Snowflake answers 401;
 *	- turns any other failure into one PostgreSQL error, mapped from the
 *	  HTTP status and Snowflake's error body in snowfdw_report_failure.
 * It is the call layer above the cache (cache.c) and the statistics
 * (stats.c), which never call back: a call is answered from the cache or
 * stored into it as its cache_ttl says, and every transfer, retry, error,
 * hit and miss is counted here; what each call is doing goes to progress.c
 * (snowfdw_activity, the slow-request log).
 * Every wait is interruptible: transfers poll for interrupts, sleeps wait on
 * the latch; each reports the wait event of what it waits for
 * (model/waitevent.c).  A Location or Link that is not a relative /api/v2/ path is
 * refused, so a response can never send a token to another host.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/rest.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "calls/connection.h"
#include "calls/progress.h"
#include "calls/report.h"
#include "calls/rest.h"
#include "calls/schedule.h"
#include "model/guc.h"
#include "model/options.h"
#include "model/waitevent.h"
#include "shmem/cache.h"
#include "shmem/holdoff.h"
#include "shmem/inflight.h"
#include "shmem/measured.h"
#include "shmem/stats.h"
#include "text/httptext.h"
#include "transport/auth.h"
#include "transport/http.h"
#include "transport/json.h"

/* Largest streamed body kept for the statement scope alone */
#define SNOWFDW_STATEMENT_COPY_LIMIT (256 * 1024)

static void wait_for_transfer(SnowfdwConnection *conn, SnowfdwCall **calls,
							  int ncalls, TimestampTz now,
							  TimestampTz next_wake);
static bool take_transfer(SnowfdwConnection *conn, SnowfdwCall **calls,
						  int ncalls, long wait_ms, int room_at);
static uint64 call_slots(SnowfdwCall **calls, int ncalls);
static bool collect_transfers(SnowfdwConnection *conn, SnowfdwCall **calls,
							  int ncalls);
static void finish_transfer(SnowfdwConnection *conn, SnowfdwCall *call,
							SnowfdwHttpResponse *resp);
static void note_attempt(SnowfdwCall *call, const SnowfdwHttpResponse *resp);
static void fail_call(SnowfdwConnection *conn, SnowfdwCall *call,
					  SnowfdwHttpResponse *resp);
static void check_received_whole(SnowfdwConnection *conn, SnowfdwCall *call,
								 SnowfdwHttpResponse *resp);

/*
 * snowfdw_new_call
 *		Make a call to run later with snowfdw_run_calls
 */
SnowfdwCall *
snowfdw_new_call(const char *method, char *path, char *body,
				 bool retry_safe, bool missing_ok)
{
	SnowfdwCall *call = palloc0(sizeof(SnowfdwCall));

	call->method = method;
	call->path = path;
	call->body = body;
	call->retry_safe = retry_safe;
	call->missing_ok = missing_ok;
	call->cache_ttl = -1;
	call->handle = -1;
	call->stream_slot = -1;
	return call;
}

/*
 * snowfdw_call_response_string
 *		A string member of a call's JSON response object, or NULL
 */
const char *
snowfdw_call_response_string(SnowfdwCall *call, const char *key)
{
	char	   *error = NULL;
	SnowfdwJson *body;

	if (call->response == NULL || call->response_len == 0)
		return NULL;
	body = snowfdw_json_parse(call->response, call->response_len, &error);
	if (body == NULL)
		return NULL;
	return snowfdw_json_object_string(body, key);
}

/*
 * snowfdw_call_response_object
 *		The JSON object of a call's whole response; anything else is an
 *		invalid response
 */
SnowfdwJson *
snowfdw_call_response_object(SnowfdwCall *call)
{
	char	   *error = NULL;
	SnowfdwJson *body = snowfdw_json_parse(call->response, call->response_len,
										   &error);

	if (body == NULL)
		snowfdw_report_bad_body(call, psprintf("malformed JSON (%s)", error));
	if (snowfdw_json_type(body) != SNOWFDW_JSON_OBJECT)
		snowfdw_report_bad_body(call, "expected a JSON object");
	return body;
}

/*
 * snowfdw_call
 *		Run one call to its end and return it
 */
SnowfdwCall *
snowfdw_call(SnowfdwConnection *conn, const char *method, char *path,
			 char *body, bool retry_safe, bool missing_ok)
{
	SnowfdwCall *call = snowfdw_new_call(method, path, body, retry_safe,
										 missing_ok);

	snowfdw_run_calls(conn, &call, 1);
	return call;
}

/*
 * snowfdw_call_cache_limit
 *		How many bytes of a streamed body may be kept for the cache, or 0
 *
 * A body small enough is copied while it is read (listing.c) and handed
 * back with snowfdw_call_keep_body; a body from a cache is not streamed,
 * so it is never stored again.
 */
size_t
snowfdw_call_cache_limit(SnowfdwCall *call)
{
	if (!call->streaming || call->cache_ttl < 0)
		return 0;
	if (call->cache_ttl == 0)
		return SNOWFDW_STATEMENT_COPY_LIMIT;
	return Max(SNOWFDW_STATEMENT_COPY_LIMIT,
			   (size_t) snowfdw_cache_size_kb * 1024 / 4);
}

/*
 * snowfdw_call_keep_body
 *		A streamed body was read whole: keep it as the call's cache policy
 *		says
 */
void
snowfdw_call_keep_body(SnowfdwConnection *conn, SnowfdwCall *call,
					   const char *body, size_t len)
{
	snowfdw_cache_store(&call->signer, conn->options->role, call->path,
						call->status, body, len, call->link, call->cache_ttl);
}

/*
 * snowfdw_call_start
 *		Send the next attempt or poll of a call
 */
void
snowfdw_call_start(SnowfdwConnection *conn, SnowfdwCall *call)
{
	SnowfdwOptions *opts = conn->options;
	SnowfdwHttpRequest req;
	bool		polling = call->poll_path != NULL;
	char	   *url;
	char	   *authorization;

	url = psprintf("%s%s", conn->base_url, polling ? call->poll_path : call->path);
	authorization = psprintf("Bearer %s",
							 snowfdw_connection_bearer(conn, false));
	memset(&req, 0, sizeof(req));
	req.method = polling ? "GET" : call->method;
	req.url = url;
	req.authorization = authorization;
	req.token_type = opts->private_key ? "KEYPAIR_JWT" : opts->token_type;
	req.role = opts->role;
	req.body = polling ? NULL : call->body;
	req.ca_file = opts->ca_file;
	req.allow_plain_http = conn->allow_plain_http;
	req.connect_timeout_ms = (long) (opts->connect_timeout * 1000);
	req.request_timeout_ms = (long) (opts->request_timeout * 1000);
	req.max_response_bytes = (size_t) opts->max_response_size;
	req.stream = call->stream;

	call->attempt_sent = GetCurrentTimestamp();
	if (call->first_sent == 0)
		call->first_sent = call->attempt_sent;
	call->handle = snowfdw_http_start(conn->http, &req);
	if (!polling)
		call->attempts++;
	conn->requests++;
	snowfdw_progress_sent(call);

	explicit_bzero(authorization, strlen(authorization));
	pfree(authorization);
	pfree(url);
}

/*
 * snowfdw_seconds_since
 *		Seconds elapsed since a timestamp
 */
double
snowfdw_seconds_since(TimestampTz start)
{
	return (double) (GetCurrentTimestamp() - start) / USECS_PER_SEC;
}

/*
 * sleep_until
 *		Wait on the latch until a call falls due, interruptibly
 *
 * The wait event says what the first call due waits for: another backend's
 * fetch (the latch is set when it ends, see inflight.c), a 202's next poll,
 * or a backoff, a hold-off or a pacer slot; the first two count in the
 * session's coalesce_us and poll_us (a pacer's or hold-off's wait counts in
 * paced_wait_us when the call is sent, schedule.c).
 */
static void
sleep_until(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls,
			TimestampTz now, TimestampTz next_wake)
{
	long		sleep_ms = Max(1, (next_wake - now) / 1000);
	SnowfdwWait kind = snowfdw_schedule_wait_kind(calls, ncalls, next_wake);
	int64		slept;

	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 sleep_ms, snowfdw_wait_event(kind));
	ResetLatch(MyLatch);
	slept = GetCurrentTimestamp() - now;
	if (kind == SNOWFDW_WAIT_COALESCE)
		conn->coalesce_us += slept;
	else if (kind == SNOWFDW_WAIT_POLL)
		conn->poll_us += slept;
	CHECK_FOR_INTERRUPTS();
}

/*
 * abort_batch
 *		In the error path of a batch: abort its transfers and count the
 *		error; only this batch's, since other scans may be streaming
 */
static void
abort_batch(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls)
{
	int			i;

	for (i = 0; i < ncalls; i++)
		snowfdw_call_abort(conn, calls[i]);
	snowfdw_stats_count_error(conn->serverid, conn->umid);
}

/*
 * drive_calls
 *		Move calls on until all are done (wait) or as far as they go without
 *		waiting (!wait); returns whether all are done
 *
 * Errors are thrown as soon as one call fails for good; this batch's
 * transfers still running are aborted first.
 */
static bool
drive_calls(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls,
			bool wait, int needed)
{
	int			max_running = Max(conn->options->max_concurrency, 1);
	volatile bool all_done = false;

	PG_TRY();
	{
		for (;;)
		{
			TimestampTz now = GetCurrentTimestamp();
			TimestampTz next_wake;
			int			running = 0;

			if (snowfdw_schedule_count_pending(calls, ncalls, &running) == 0)
			{
				all_done = true;
				break;
			}
			running = snowfdw_schedule_start_due(conn, calls, ncalls, now,
									  running, max_running);
			/* the calls after it fill the room first: they are due sooner */
			if (needed >= 0 && calls[needed]->done)
				break;
			next_wake = snowfdw_schedule_next_wake(calls, ncalls);

			if (!wait)
			{
				/* take what has arrived, then leave */
				if (running == 0 || !collect_transfers(conn, calls, ncalls))
				{
					all_done = snowfdw_schedule_count_pending(calls, ncalls, &running) == 0;
					break;
				}
				continue;
			}
			if (running > 0)
				wait_for_transfer(conn, calls, ncalls, now, next_wake);
			else if (snowfdw_schedule_waits_for_room(calls, ncalls, now))
			{
				/* other scans' transfers fill max_concurrency: let them end */
				snowfdw_http_drive(conn->http, SNOWFDW_HTTP_POLL_MS);
			}
			else if (next_wake > now)
				sleep_until(conn, calls, ncalls, now, next_wake);
		}
		snowfdw_schedule_release_unstored(calls, ncalls);
	}
	PG_CATCH();
	{
		abort_batch(conn, calls, ncalls);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return all_done;
}

/*
 * snowfdw_run_calls
 *		Run calls concurrently (up to max_concurrency) until all are done
 */
void
snowfdw_run_calls(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls)
{
	(void) drive_calls(conn, calls, ncalls, true, -1);
}

/*
 * snowfdw_run_calls_until
 *		Run calls concurrently (up to max_concurrency) until calls[needed] is
 *		done; the others go on meanwhile and are taken up again later
 *
 * A scan that reads its answers in order reads the first while the rest
 * still arrive, so that the rows it hands over free room for the writes
 * they lead to.
 */
void
snowfdw_run_calls_until(SnowfdwConnection *conn, SnowfdwCall **calls,
						int ncalls, int needed)
{
	Assert(needed >= 0 && needed < ncalls);
	(void) drive_calls(conn, calls, ncalls, true, needed);
}

/*
 * snowfdw_poll_calls
 *		Start the calls that may start and take the answers that arrived,
 *		without waiting; returns whether all calls are done
 *
 * An asynchronous scan sends its batch with this and comes back for it
 * (snowfdw_run_calls finishes what it started).
 */
bool
snowfdw_poll_calls(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls)
{
	return drive_calls(conn, calls, ncalls, false, -1);
}

/*
 * snowfdw_call_abort
 *		Stop a call's transfer, whether it waits for its answer or streams;
 *		a transfer under way leaves the call's outcome at least "maybe"
 */
void
snowfdw_call_abort(SnowfdwConnection *conn, SnowfdwCall *call)
{
	/* the request may have reached Snowflake: its outcome stays unknown */
	call->outcome = snowfdw_call_outcome(call);
	snowfdw_schedule_release_slot(call, GetCurrentTimestamp());
	if (call->handle >= 0)
		snowfdw_http_abort(conn->http, call->handle);
	call->handle = -1;
	snowfdw_call_close(conn, call);
}

/*
 * snowfdw_step_calls
 *		One step of a write pipeline: start the due calls (unless start_new
 *		is false), wait up to a second for one transfer to end (not at all
 *		unless block), then take every other answer already there
 *
 * Returns false when nothing is left to do: every call is done, or, with
 * start_new false, none has a transfer running.  Unlike snowfdw_run_calls
 * nothing starts between two answers, so that a caller that finds a
 * failure among them sends nothing more, not even a retry.  An error
 * leaves the given calls' transfers as they are: the caller takes what
 * ended and aborts the rest with snowfdw_harvest_calls, so that the calls
 * answered before the error are known (an error raised for one answer of a
 * step comes before the others are taken).
 */
bool
snowfdw_step_calls(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls,
				   bool start_new, bool block)
{
	int			max_running = Max(conn->options->max_concurrency, 1);
	volatile bool more = true;

	PG_TRY();
	{
		TimestampTz now = GetCurrentTimestamp();
		TimestampTz next_wake = 0;
		int			running = 0;

		if (snowfdw_schedule_count_pending(calls, ncalls, &running) == 0)
			more = false;
		else
		{
			if (start_new)
			{
				running = snowfdw_schedule_start_due(conn, calls, ncalls, now,
										  running, max_running);
				next_wake = snowfdw_schedule_next_wake(calls, ncalls);
			}
			if (running > 0)
			{
				if (block)
					wait_for_transfer(conn, calls, ncalls, now, next_wake);
				while (collect_transfers(conn, calls, ncalls))
					;
			}
			else if (!start_new)
				more = false;
			else if (block && snowfdw_schedule_waits_for_room(calls, ncalls, now))
			{
				/* other scans' transfers fill max_concurrency: let them end */
				snowfdw_http_drive(conn->http, SNOWFDW_HTTP_POLL_MS);
			}
			else if (block && next_wake > now)
				sleep_until(conn, calls, ncalls, now, next_wake);
		}
	}
	PG_CATCH();
	{
		snowfdw_stats_count_error(conn->serverid, conn->umid);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return more;
}

/*
 * snowfdw_harvest_calls
 *		In an error path: take the answers of these calls' transfers that
 *		have ended, without waiting, and abort the transfers still running,
 *		so that each call's outcome says what Snowflake did with it
 *
 * A write pipeline calls this after an error (snowfdw_step_calls leaves
 * the transfers to it).  A 2xx answer is kept in its call as
 * finish_transfer keeps it (done, status, body), so that the body can be
 * read (a create's "already exists"); nothing else of finish_transfer runs,
 * since it may raise.  Interrupts are held, as the error being handled may
 * be a cancel and snowfdw_http_wait checks for interrupts; no lock is
 * taken.  The answers are allocated in the current memory context.
 */
void
snowfdw_harvest_calls(SnowfdwConnection *conn, SnowfdwCall **calls,
					  int ncalls)
{
	SnowfdwHttpResponse resp;
	int			slot;
	int			i;

	HOLD_INTERRUPTS();
	while ((slot = snowfdw_http_wait(conn->http, 0, call_slots(calls, ncalls),
									 0, &resp)) >= 0)
	{
		if (resp.streaming)
			snowfdw_http_stream_close(conn->http, slot, resp.serial);
		for (i = 0; i < ncalls; i++)
		{
			SnowfdwCall *call = calls[i];

			if (call->handle != slot || call->done)
				continue;
			call->handle = -1;
			note_attempt(call, &resp);
			if (resp.transport_ok && !resp.streaming &&
				resp.status >= 200 && resp.status < 300 && resp.status != 202)
			{
				call->status = resp.status;
				call->response = resp.body;
				call->response_len = resp.body_len;
				call->request_id = resp.request_id;
				call->done = true;
			}
			break;
		}
	}
	for (i = 0; i < ncalls; i++)
		snowfdw_call_abort(conn, calls[i]);
	RESUME_INTERRUPTS();
}

/*
 * snowfdw_call_outcome
 *		What a call may have done at Snowflake so far: applied when an
 *		attempt was answered 2xx, maybe when one may have been carried out
 *		or a transfer is still under way, else none
 */
SnowfdwCallOutcome
snowfdw_call_outcome(const SnowfdwCall *call)
{
	if (call->handle >= 0 && call->outcome < SNOWFDW_OUTCOME_MAYBE)
		return SNOWFDW_OUTCOME_MAYBE;
	return call->outcome;
}

/*
 * wait_for_transfer
 *		Wait for a transfer of these calls to end and act on its call
 *
 * The wait ends by the time the first waiting call is due, after a second
 * at most, and, when a call waits for room under max_concurrency, as soon
 * as another transfer of the session (a write's, another scan's) ends;
 * nothing ended then is no error.
 */
static void
wait_for_transfer(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls,
				  TimestampTz now, TimestampTz next_wake)
{
	long		wait_ms = 1000;
	int			room_at = 0;

	if (next_wake != 0)
		wait_ms = Max(1, Min(wait_ms, (next_wake - now) / 1000));
	/* not for a call held for another reason (coalescing): room is there */
	if (snowfdw_schedule_waits_for_room(calls, ncalls, now) &&
		snowfdw_http_in_flight(conn->http) >= Max(conn->options->max_concurrency, 1))
		room_at = Max(conn->options->max_concurrency, 1);
	(void) take_transfer(conn, calls, ncalls, wait_ms, room_at);
}

/*
 * take_transfer
 *		Act on the first transfer of these calls to end within wait_ms (or
 *		before room_at, see snowfdw_http_wait); false if none did
 */
static bool
take_transfer(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls,
			  long wait_ms, int room_at)
{
	SnowfdwHttpResponse resp;
	int			slot;
	int			i;

	slot = snowfdw_http_wait(conn->http, wait_ms, call_slots(calls, ncalls),
							 room_at, &resp);
	if (slot < 0)
		return false;
	for (i = 0; i < ncalls; i++)
	{
		if (calls[i]->handle == slot && !calls[i]->done)
		{
			calls[i]->handle = -1;
			/* the planner prices requests by what they took */
			if (resp.transport_ok)
				snowfdw_note_latency(&calls[i]->signer,
									 (double) (GetCurrentTimestamp() -
											   calls[i]->attempt_sent) / 1000.0);
			if (resp.streaming)
			{
				calls[i]->stream_slot = slot;
				calls[i]->stream_serial = resp.serial;
			}
			finish_transfer(conn, calls[i], &resp);
			break;
		}
	}
	return true;
}

/*
 * call_slots
 *		The transfer slots of the calls that have a transfer under way
 */
static uint64
call_slots(SnowfdwCall **calls, int ncalls)
{
	uint64		slots = 0;
	int			i;

	for (i = 0; i < ncalls; i++)
		if (!calls[i]->done && calls[i]->handle >= 0)
			slots |= (uint64) 1 << calls[i]->handle;
	return slots;
}

/*
 * collect_transfers
 *		Act on one transfer of these calls that has ended, without waiting;
 *		false if none had
 */
static bool
collect_transfers(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls)
{
	return take_transfer(conn, calls, ncalls, 0, 0);
}

/*
 * finish_transfer
 *		Act on one ended transfer of a call
 */
static void
finish_transfer(SnowfdwConnection *conn, SnowfdwCall *call,
				SnowfdwHttpResponse *resp)
{
	/* before anything that may raise: the error lists the call by it */
	note_attempt(call, resp);
	snowfdw_progress_answered(call, resp);
	conn->bytes_received += resp->body_len;
	call->last_status = resp->transport_ok ? resp->status : 0;
	if (call->last_status == 202)
		call->accepted = true;
	snowfdw_stats_count_request(conn->serverid, conn->umid,
								resp->transport_ok ? resp->status : 0,
								resp->body_len,
								(double) (GetCurrentTimestamp() - call->attempt_sent) / 1000.0);
	snowfdw_schedule_teach_pacer(conn, call, resp);

	/* a cancel that cut the transfer must show as a cancel */
	CHECK_FOR_INTERRUPTS();

	check_received_whole(conn, call, resp);

	if (resp->transport_ok && resp->status == 202)
	{
		snowfdw_schedule_poll(conn, call, resp);
		return;
	}

	if (resp->transport_ok && resp->status == 401 &&
		conn->options->private_key && !call->renewed)
	{
		/* the JWT may have expired in the cache: make a new one, once */
		call->renewed = true;
		(void) snowfdw_connection_bearer(conn, true);
		call->not_before = 0;
		return;
	}

	if (!resp->transport_ok ||
		resp->status == 429 || resp->status == 503 || resp->status == 504)
	{
		if (snowfdw_schedule_retry(conn, call, resp))
			return;
		fail_call(conn, call, resp);
		return;
	}

	if (resp->status >= 200 && resp->status < 300)
	{
		call->status = resp->status;
		call->response = resp->body;
		call->response_len = resp->body_len;
		call->consumed = 0;
		call->streaming = resp->streaming;
		call->request_id = resp->request_id;
		call->link = resp->link;
		call->done = true;
		snowfdw_schedule_store(conn, call);
		if (call->streaming)
			snowfdw_inflight_streaming(call->inflight);
		else
			snowfdw_progress_end(call, true);
		return;
	}
	if (resp->status == 404 && call->missing_ok)
	{
		call->status = 404;
		call->request_id = resp->request_id;
		call->done = true;
		snowfdw_progress_end(call, true);
		return;
	}
	fail_call(conn, call, resp);
}

/*
 * note_attempt
 *		Raise a call's outcome by what one ended transfer says
 *
 * A 2xx status line (not 202) says Snowflake carried the request out, even
 * when the body then failed (too large, cut short).  Refused: a 4xx, 429
 * or 503 (which say Snowflake did not act), and a permanent failure
 * (TLS, URL: nothing was sent).  Anything else may have been carried out:
 * a 202 (accepted; its result may never come), another 5xx (a 504 may come
 * after the work), no HTTP answer at all.  A poll answered with an error
 * leaves its 202's "maybe": the error may be about the result handle.
 */
static void
note_attempt(SnowfdwCall *call, const SnowfdwHttpResponse *resp)
{
	SnowfdwCallOutcome seen;
	long		status = resp->status;

	if (status >= 200 && status < 300 && status != 202)
		seen = SNOWFDW_OUTCOME_APPLIED;
	else if (resp->permanent_failure ||
			 (status >= 400 && status < 500) || status == 503)
		seen = SNOWFDW_OUTCOME_NONE;
	else
		seen = SNOWFDW_OUTCOME_MAYBE;
	if (seen > call->outcome)
		call->outcome = seen;
}

/*
 * fail_call
 *		A call failed for good: raise its error, or keep the answer in the
 *		call when the caller raises it later (defer_failure)
 *
 * The kept answer goes to the call's own context: the one current now may
 * be reset before the caller raises.
 */
static void
fail_call(SnowfdwConnection *conn, SnowfdwCall *call,
		  SnowfdwHttpResponse *resp)
{
	MemoryContext cxt = GetMemoryChunkContext(call);
	SnowfdwHttpResponse *kept;

	snowfdw_progress_end(call, true);
	if (!call->defer_failure)
		snowfdw_report_failure(conn, call, resp);

	kept = MemoryContextAllocZero(cxt, sizeof(SnowfdwHttpResponse));
	kept->transport_ok = resp->transport_ok;
	kept->timed_out = resp->timed_out;
	kept->permanent_failure = resp->permanent_failure;
	kept->status = resp->status;
	if (resp->transport_error)
		kept->transport_error = MemoryContextStrdup(cxt, resp->transport_error);
	if (resp->request_id)
		kept->request_id = MemoryContextStrdup(cxt, resp->request_id);
	if (resp->body)
	{
		kept->body = MemoryContextAlloc(cxt, resp->body_len + 1);
		memcpy(kept->body, resp->body, resp->body_len);
		kept->body[resp->body_len] = '\0';
		kept->body_len = resp->body_len;
	}
	call->failure = kept;
	call->maybe_done = snowfdw_call_may_have_acted(call, resp);
	call->failed = true;
	call->done = true;
}

/*
 * snowfdw_raise_call_failure
 *		Raise the error of a call that failed with defer_failure set
 */
void
snowfdw_raise_call_failure(SnowfdwConnection *conn, SnowfdwCall *call)
{
	Assert(call->failed);
	snowfdw_stats_count_error(conn->serverid, conn->umid);
	snowfdw_report_failure(conn, call, call->failure);
}

/*
 * check_received_whole
 *		Raise the error for a response cut short by the size cap or by
 *		running out of memory
 */
static void
check_received_whole(SnowfdwConnection *conn, SnowfdwCall *call,
					 SnowfdwHttpResponse *resp)
{
	if (resp->too_large)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("Snowflake response is larger than %lld bytes",
						(long long) conn->options->max_response_size),
				 errhint("Raise the server option \"max_response_size\", or lower \"page_size\"."),
				 errcontext("Snowflake request: %s %s", call->method, call->path)));

	if (resp->out_of_memory)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed while receiving a Snowflake response of %zu bytes.",
						   resp->body_len),
				 errcontext("Snowflake request: %s %s", call->method, call->path)));
}

/*
 * snowfdw_call_window
 *		The bytes of a call's response body received and not yet consumed
 */
void
snowfdw_call_window(SnowfdwConnection *conn, SnowfdwCall *call,
					const char **data, size_t *len)
{
	if (call->streaming)
		snowfdw_http_stream_window(conn->http, call->stream_slot,
								   call->stream_serial, data, len);
	else
	{
		*data = call->response ? call->response + call->consumed : "";
		*len = call->response_len - call->consumed;
	}
}

/*
 * snowfdw_call_consume
 *		The reader is done with the first n bytes of the window
 */
void
snowfdw_call_consume(SnowfdwConnection *conn, SnowfdwCall *call, size_t n)
{
	if (call->streaming)
		snowfdw_http_stream_consume(conn->http, call->stream_slot,
									call->stream_serial, n);
	else
		call->consumed += n;
}

/*
 * snowfdw_call_more
 *		Wait for more of a call's response body
 *
 * A body that failed midway is asked for again when the call may be
 * retried, as a transfer that failed before its body would be; the reader
 * must then start over and pass over what it had read.  The repeat starts
 * from a clean slate (no status, body, request ID or Link of the failed
 * transfer; a 202's result is asked for again at its Location) and is no
 * longer missing_ok: its object answered a moment ago, so a 404 now is
 * reported from the repeat's own answer, as an error.
 */
SnowfdwCallMore
snowfdw_call_more(SnowfdwConnection *conn, SnowfdwCall *call)
{
	SnowfdwHttpResponse outcome;

	if (!call->streaming)
		return SNOWFDW_CALL_END;
	if (snowfdw_http_stream_more(conn->http, call->stream_slot,
								 call->stream_serial, &outcome))
		return SNOWFDW_CALL_MORE;
	if (outcome.transport_ok)
	{
		snowfdw_progress_end(call, true);
		return SNOWFDW_CALL_END;
	}

	/* keep the bytes already received for nothing: the call starts over */
	outcome.request_id = call->request_id;
	snowfdw_call_close(conn, call);
	if (!snowfdw_schedule_retry(conn, call, &outcome))
	{
		snowfdw_progress_end(call, true);
		snowfdw_report_failure(conn, call, &outcome);
	}
	call->missing_ok = false;
	call->done = false;
	call->status = 0;
	call->response = NULL;
	call->response_len = 0;
	call->consumed = 0;
	call->request_id = NULL;
	call->link = NULL;
	snowfdw_run_calls(conn, &call, 1);
	return SNOWFDW_CALL_RESTARTED;
}

/*
 * snowfdw_call_release_claim
 *		Let go of the request a call claimed (inflight.c), if it did: the
 *		processes waiting for its answer ask for themselves
 */
void
snowfdw_call_release_claim(SnowfdwCall *call)
{
	if (call->inflight != 0)
	{
		snowfdw_inflight_release(call->inflight);
		call->inflight = 0;
	}
}

/*
 * snowfdw_call_close
 *		Release a call's streamed body, abandoning what has not arrived
 */
void
snowfdw_call_close(SnowfdwConnection *conn, SnowfdwCall *call)
{
	/* read or abandoned: another process may ask now */
	snowfdw_call_release_claim(call);
	snowfdw_progress_end(call, false);
	if (!call->streaming)
		return;
	snowfdw_http_stream_close(conn->http, call->stream_slot,
							  call->stream_serial);
	call->streaming = false;
	call->stream_slot = -1;
}

/*
 * snowfdw_link_target
 *		URL of the first Link entry with the given rel, or NULL
 *
 * palloc'd copy of what snowfdw_find_link_target (httptext.c) finds; the
 * URL comes back unvalidated (see snowfdw_valid_relative_path).
 */
char *
snowfdw_link_target(const char *link, const char *rel)
{
	size_t		len;
	const char *target = snowfdw_find_link_target(link, rel, &len);

	return target ? pnstrdup(target, len) : NULL;
}
