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
 *	  HTTP status and Snowflake's error body in report_failure.
 * It is the call layer above the cache (cache.c) and the statistics
 * (stats.c), which never call back: a call is answered from the cache or
 * stored into it as its cache_ttl says, and every transfer, retry, error,
 * hit and miss is counted here.
 * Every wait is interruptible: transfers poll for interrupts, sleeps wait on
 * the latch.  A Location or Link that is not a relative /api/v2/ path is
 * refused, so a response can never send a token to another host.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/rest.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/timestamp.h"

#include "snowfdw.h"

/* First backoff delay and its ceiling, in seconds */
#define RETRY_BASE_DELAY 0.2
#define RETRY_MAX_DELAY 8.0
/* First delay between polls of a 202 and its ceiling, in seconds */
#define POLL_BASE_DELAY 0.05
#define POLL_MAX_DELAY 2.0
/* Largest streamed body kept for the statement scope alone */
#define SNOWFDW_STATEMENT_COPY_LIMIT (256 * 1024)
/* Longest text of a response quoted in an error */
#define MAX_QUOTED 500

static void start_call(SnowfdwConnection *conn, SnowfdwCall *call);
static void release_unstored(SnowfdwCall **calls, int ncalls);
static int	count_pending(SnowfdwCall **calls, int ncalls, int *running);
static int	start_due_calls(SnowfdwConnection *conn, SnowfdwCall **calls,
							int ncalls, TimestampTz now, int running,
							int max_running);
static bool held_off(SnowfdwConnection *conn, SnowfdwCall *call,
					 TimestampTz now);
static TimestampTz next_wake_time(SnowfdwCall **calls, int ncalls);
static void wait_for_transfer(SnowfdwConnection *conn, SnowfdwCall **calls,
							  int ncalls, TimestampTz now,
							  TimestampTz next_wake);
static bool take_transfer(SnowfdwConnection *conn, SnowfdwCall **calls,
						  int ncalls, long wait_ms, int room_at);
static uint64 call_slots(SnowfdwCall **calls, int ncalls);
static bool collect_transfers(SnowfdwConnection *conn, SnowfdwCall **calls,
							  int ncalls);
static bool call_waits_for_room(SnowfdwCall **calls, int ncalls,
								TimestampTz now);
static void finish_transfer(SnowfdwConnection *conn, SnowfdwCall *call,
							SnowfdwHttpResponse *resp);
static bool may_have_acted(SnowfdwCall *call, SnowfdwHttpResponse *resp);
static void fail_call(SnowfdwConnection *conn, SnowfdwCall *call,
					  SnowfdwHttpResponse *resp);
static void check_received_whole(SnowfdwConnection *conn, SnowfdwCall *call,
								 SnowfdwHttpResponse *resp);
static void schedule_poll(SnowfdwConnection *conn, SnowfdwCall *call,
						  SnowfdwHttpResponse *resp);
static bool schedule_retry(SnowfdwConnection *conn, SnowfdwCall *call,
						   SnowfdwHttpResponse *resp);
pg_noreturn static void report_failure(SnowfdwConnection *conn,
									   SnowfdwCall *call,
									   SnowfdwHttpResponse *resp);
pg_noreturn static void report_transport_failure(SnowfdwConnection *conn,
												 SnowfdwCall *call,
												 SnowfdwHttpResponse *resp,
												 const char *attempts,
												 bool maybe_done);
static void read_error_body(SnowfdwHttpResponse *resp, const char **message,
							const char **code, const char **request_id);
static int	errhint_http_failure(SnowfdwConnection *conn,
								 SnowfdwHttpResponse *resp, bool maybe_done);
static char *as_sentence(const char *text, size_t len);

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
	snowfdw_cache_store(conn, &call->signer, call->path, call->status, body,
						len, call->link, call->cache_ttl);
}

/*
 * start_call
 *		Send the next attempt or poll of a call
 */
static void
start_call(SnowfdwConnection *conn, SnowfdwCall *call)
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

	explicit_bzero(authorization, strlen(authorization));
	pfree(authorization);
	pfree(url);
}

/*
 * seconds_since
 *		Seconds elapsed since a timestamp
 */
static double
seconds_since(TimestampTz start)
{
	return (double) (GetCurrentTimestamp() - start) / USECS_PER_SEC;
}

/*
 * sleep_until
 *		Wait on the latch until a call falls due, interruptibly
 */
static void
sleep_until(TimestampTz now, TimestampTz next_wake)
{
	long		sleep_ms = Max(1, (next_wake - now) / 1000);

	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 sleep_ms, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
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
	snowfdw_stats_count_error(conn);
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

			if (count_pending(calls, ncalls, &running) == 0)
			{
				all_done = true;
				break;
			}
			running = start_due_calls(conn, calls, ncalls, now,
									  running, max_running);
			/* the calls after it fill the room first: they are due sooner */
			if (needed >= 0 && calls[needed]->done)
				break;
			next_wake = next_wake_time(calls, ncalls);

			if (!wait)
			{
				/* take what has arrived, then leave */
				if (running == 0 || !collect_transfers(conn, calls, ncalls))
				{
					all_done = count_pending(calls, ncalls, &running) == 0;
					break;
				}
				continue;
			}
			if (running > 0)
				wait_for_transfer(conn, calls, ncalls, now, next_wake);
			else if (call_waits_for_room(calls, ncalls, now))
			{
				/* other scans' transfers fill max_concurrency: let them end */
				snowfdw_http_drive(conn->http, SNOWFDW_HTTP_POLL_MS);
			}
			else if (next_wake > now)
				sleep_until(now, next_wake);
		}
		release_unstored(calls, ncalls);
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
 *		Stop a call's transfer, whether it waits for its answer or streams
 */
void
snowfdw_call_abort(SnowfdwConnection *conn, SnowfdwCall *call)
{
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
 * failure among them sends nothing more, not even a retry.  On an error,
 * the given calls' transfers are aborted before it propagates.
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

		if (count_pending(calls, ncalls, &running) == 0)
			more = false;
		else
		{
			if (start_new)
			{
				running = start_due_calls(conn, calls, ncalls, now,
										  running, max_running);
				next_wake = next_wake_time(calls, ncalls);
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
			else if (block && call_waits_for_room(calls, ncalls, now))
			{
				/* other scans' transfers fill max_concurrency: let them end */
				snowfdw_http_drive(conn->http, SNOWFDW_HTTP_POLL_MS);
			}
			else if (block && next_wake > now)
				sleep_until(now, next_wake);
		}
	}
	PG_CATCH();
	{
		abort_batch(conn, calls, ncalls);
		PG_RE_THROW();
	}
	PG_END_TRY();
	return more;
}

/*
 * call_waits_for_room
 *		Whether a call is due but not started: max_concurrency is full
 */
static bool
call_waits_for_room(SnowfdwCall **calls, int ncalls, TimestampTz now)
{
	int			i;

	for (i = 0; i < ncalls; i++)
		if (!calls[i]->done && calls[i]->handle < 0 &&
			calls[i]->not_before <= now)
			return true;
	return false;
}

/*
 * release_unstored
 *		Calls that ended with nothing to keep let waiters for their
 *		requests go (a stored answer already did); a streamed body keeps
 *		its claim until it is read to its end or closed, and a call still
 *		under way (an asynchronous scan's, sent and not yet answered) until
 *		it ends
 */
static void
release_unstored(SnowfdwCall **calls, int ncalls)
{
	int			i;

	for (i = 0; i < ncalls; i++)
	{
		if (calls[i]->inflight != 0 && calls[i]->done &&
			!calls[i]->streaming)
		{
			snowfdw_inflight_release(calls[i]->inflight);
			calls[i]->inflight = 0;
		}
	}
	snowfdw_inflight_end_wait();
}

/*
 * count_pending
 *		Number of calls not yet done; *running gets how many of them have a
 *		transfer under way
 */
static int
count_pending(SnowfdwCall **calls, int ncalls, int *running)
{
	int			pending = 0;
	int			i;

	*running = 0;
	for (i = 0; i < ncalls; i++)
	{
		if (calls[i]->done)
			continue;
		pending++;
		if (calls[i]->handle >= 0)
			(*running)++;
	}
	return pending;
}

/*
 * start_due_calls
 *		Start the calls whose time has come, in order, while fewer than
 *		max_running transfers of the session (all scans of the statement)
 *		wait for an answer; return how many of these calls run now
 *
 * A call the cache can answer is done without a transfer; its hits and
 * misses are counted here.
 */
static int
start_due_calls(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls,
				TimestampTz now, int running, int max_running)
{
	int			in_flight = snowfdw_http_in_flight(conn->http);
	int			i;

	for (i = 0; i < ncalls && in_flight < max_running; i++)
	{
		SnowfdwCall *call = calls[i];
		bool		missed;

		if (call->done || call->handle >= 0)
			continue;
		/* what its answers teach is keyed by who signs it, from now on */
		if (!OidIsValid(call->signer.serverid))
			call->signer = conn->signer;
		/* a call waiting for another process's answer may have it now */
		if (call->not_before <= now || call->coalescing || call->held_behind)
		{
			bool		held = snowfdw_cache_answer(conn, calls, ncalls, call,
													&missed);

			if (missed)
				snowfdw_stats_count_cache(conn, false);
			if (held && call->done)
			{
				conn->cache_hits++;
				snowfdw_stats_count_cache(conn, true);
			}
			if (held)
				continue;
			if (held_off(conn, call, now))
				continue;
			start_call(conn, call);
			running++;
			in_flight++;
		}
	}
	return running;
}

/*
 * held_off
 *		Whether a call must wait for a 429's Retry-After seen by any backend
 *		of its user mapping; it is then due at that time
 *
 * The wait counts against the call's retry budget as a retry's would: a
 * hold-off longer than what remains of retry_max_time fails the call now,
 * with the error its own 429 would have given.
 */
static bool
held_off(SnowfdwConnection *conn, SnowfdwCall *call, TimestampTz now)
{
	TimestampTz until = snowfdw_holdoff_until(&call->signer);
	SnowfdwHttpResponse resp;

	if (until <= now)
		return false;
	if (call->first_failure == 0)
		call->first_failure = now;
	if ((double) (until - call->first_failure) / USECS_PER_SEC <=
		conn->options->retry_max_time)
	{
		call->not_before = until;
		return true;
	}
	memset(&resp, 0, sizeof(resp));
	resp.transport_ok = true;
	resp.status = 429;
	resp.body = psprintf("Too many requests: Snowflake asked this user mapping to wait until %s.",
						 timestamptz_to_str(until));
	resp.body_len = strlen(resp.body);
	report_failure(conn, call, &resp);
}

/*
 * next_wake_time
 *		The earliest time a call that waits to be sent may go, or 0 if none
 *		waits
 */
static TimestampTz
next_wake_time(SnowfdwCall **calls, int ncalls)
{
	TimestampTz next_wake = 0;
	int			i;

	for (i = 0; i < ncalls; i++)
	{
		SnowfdwCall *call = calls[i];

		if (!call->done && call->handle < 0 &&
			(next_wake == 0 || call->not_before < next_wake))
			next_wake = call->not_before;
	}
	return next_wake;
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
	if (call_waits_for_room(calls, ncalls, now) &&
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
	conn->bytes_received += resp->body_len;
	call->last_status = resp->transport_ok ? resp->status : 0;
	if (call->last_status == 202)
		call->accepted = true;
	snowfdw_stats_count_request(conn, resp->transport_ok ? resp->status : 0,
								resp->body_len,
								(double) (GetCurrentTimestamp() - call->attempt_sent) / 1000.0);

	/* a cancel that cut the transfer must show as a cancel */
	CHECK_FOR_INTERRUPTS();

	check_received_whole(conn, call, resp);

	if (resp->transport_ok && resp->status == 202)
	{
		schedule_poll(conn, call, resp);
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
		if (schedule_retry(conn, call, resp))
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
		snowfdw_cache_store_call(conn, call);
		if (call->streaming)
			snowfdw_inflight_streaming(call->inflight);
		return;
	}
	if (resp->status == 404 && call->missing_ok)
	{
		call->status = 404;
		call->request_id = resp->request_id;
		call->done = true;
		return;
	}
	fail_call(conn, call, resp);
}

/*
 * may_have_acted
 *		Whether a write that failed this way may have been carried out:
 *		it was not repeated, and its answer did not say it was refused
 */
static bool
may_have_acted(SnowfdwCall *call, SnowfdwHttpResponse *resp)
{
	return !call->retry_safe && call->poll_path == NULL &&
		((!resp->transport_ok && !resp->permanent_failure) ||
		 resp->status == 504);
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

	if (!call->defer_failure)
		report_failure(conn, call, resp);

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
	call->maybe_done = may_have_acted(call, resp);
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
	snowfdw_stats_count_error(conn);
	report_failure(conn, call, call->failure);
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
 * schedule_poll
 *		Plan the next poll of a call that Snowflake answered 202 Accepted
 *
 * The answer's Location is followed, or the last one when it has none; it
 * must be a relative /api/v2/ path.  The delay doubles from POLL_BASE_DELAY
 * up to POLL_MAX_DELAY, and the call fails once poll_timeout has passed
 * since it was first sent.
 */
static void
schedule_poll(SnowfdwConnection *conn, SnowfdwCall *call,
			  SnowfdwHttpResponse *resp)
{
	const char *location = resp->location;

	if (location == NULL && call->poll_path != NULL)
		location = call->poll_path;
	if (location == NULL || !snowfdw_valid_relative_path(location))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("Snowflake answered 202 with an invalid Location header"),
				 location ?
				 errdetail("The Location header is \"%s\".", snowfdw_quote_text(location, strlen(location))) :
				 errdetail("The answer has no Location header."),
				 errhint("Only relative paths under /api/v2/ are followed."),
				 errcontext("Snowflake request: %s %s", call->method, call->path)));
	if (seconds_since(call->first_sent) > conn->options->poll_timeout)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("Snowflake request did not finish within %g seconds",
						conn->options->poll_timeout),
				 errdetail("Still running after %d polls of %s; request ID %s.",
						   call->polls, location,
						   resp->request_id ? resp->request_id : "(none)"),
				 errhint("Raise the server option \"poll_timeout\" or snowfdw.poll_timeout."),
				 errcontext("Snowflake request: %s %s", call->method, call->path)));
	/* in the call's context: the current one may end before the call does */
	if (call->poll_path == NULL || strcmp(call->poll_path, location) != 0)
		call->poll_path = MemoryContextStrdup(GetMemoryChunkContext(call),
											  location);
	call->not_before = GetCurrentTimestamp() +
		(TimestampTz) (Min(POLL_MAX_DELAY,
						   POLL_BASE_DELAY * pow(2, Min(call->polls, 10))) * USECS_PER_SEC);
	call->polls++;
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
		return SNOWFDW_CALL_END;

	/* keep the bytes already received for nothing: the call starts over */
	outcome.request_id = call->request_id;
	snowfdw_call_close(conn, call);
	if (!schedule_retry(conn, call, &outcome))
		report_failure(conn, call, &outcome);
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
 * snowfdw_call_close
 *		Release a call's streamed body, abandoning what has not arrived
 */
void
snowfdw_call_close(SnowfdwConnection *conn, SnowfdwCall *call)
{
	if (call->inflight != 0)
	{
		/* read or abandoned: another process may ask now */
		snowfdw_inflight_release(call->inflight);
		call->inflight = 0;
	}
	if (!call->streaming)
		return;
	snowfdw_http_stream_close(conn->http, call->stream_slot,
							  call->stream_serial);
	call->streaming = false;
	call->stream_slot = -1;
}

/*
 * snowfdw_report_bad_body
 *		Raise the error for a response body snowfdw cannot use
 */
void
snowfdw_report_bad_body(SnowfdwCall *call, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_JSON_TEXT),
			 errmsg("Snowflake returned an invalid response: %s", problem),
			 errdetail("Request ID %s.", call->request_id ? call->request_id : "(none)"),
			 errcontext("Snowflake request: %s %s", call->method, call->path)));
}

/*
 * retry_after_seconds
 *		Seconds a Retry-After header asks for, or -1 if absent or unreadable
 *
 * The header is either a number of seconds or an HTTP date.
 */
static double
retry_after_seconds(const char *value)
{
	return snowfdw_retry_after_seconds(value, time(NULL));
}

/*
 * schedule_retry
 *		Plan another attempt of a failed call, if that is safe and allowed
 *
 * 429 and 503 mean Snowflake did not act on the request, so any call may be
 * repeated.  After a 504 or a transport failure the request may have been
 * carried out; only calls whose repetition cannot change the outcome
 * (reads, polls of a result, idempotent writes: the caller says which with
 * retry_safe) are repeated then.  A transfer cut by an interrupt is never
 * repeated, nor one that failed for good (an untrusted certificate, a
 * malformed URL: see permanent_failure in http.h).
 *
 * The budget is max_retries repetitions and retry_max_time seconds counted
 * from the call's first failure, so the time a slow first attempt took does
 * not eat into it.  The delay doubles from RETRY_BASE_DELAY up to
 * RETRY_MAX_DELAY with jitter; a Retry-After header replaces it, and a
 * server that asks for a wait longer than the budget gets an error now
 * rather than after the wait.  The Retry-After of a 429 holds off every
 * backend of the user mapping too (holdoff.c, checked by held_off).
 */
static bool
schedule_retry(SnowfdwConnection *conn, SnowfdwCall *call,
			   SnowfdwHttpResponse *resp)
{
	SnowfdwOptions *opts = conn->options;
	bool		not_acted_on = resp->transport_ok &&
		(resp->status == 429 || resp->status == 503);
	TimestampTz now = GetCurrentTimestamp();
	double		delay;
	double		requested;
	double		elapsed;

	requested = retry_after_seconds(resp->retry_after);
	/* every backend of the user mapping holds off, not just this call */
	if (resp->transport_ok && resp->status == 429 && requested > 0)
		snowfdw_holdoff_note(&call->signer,
							 now + (TimestampTz) (requested * USECS_PER_SEC));
	if (resp->interrupted || resp->permanent_failure)
		return false;
	if (!not_acted_on && !call->retry_safe && call->poll_path == NULL)
		return false;
	if (call->retries >= opts->max_retries)
		return false;
	if (call->first_failure == 0)
		call->first_failure = now;

	delay = Min(RETRY_MAX_DELAY, RETRY_BASE_DELAY * pow(2, call->retries));
	/* jitter between half and all of the delay spreads out herds */
	delay = delay / 2 + pg_prng_double(&pg_global_prng_state) * delay / 2;
	if (requested >= 0)
		delay = requested;
	elapsed = (double) (now - call->first_failure) / USECS_PER_SEC;
	if (elapsed + delay > opts->retry_max_time)
		return false;

	call->retries++;
	snowfdw_stats_count_retry(conn);
	call->not_before = now + (TimestampTz) (delay * USECS_PER_SEC);
	ereport(DEBUG1,
			(errmsg_internal("snowfdw: retrying %s %s in %.3f s after %s",
							 call->method, call->path, delay,
							 resp->transport_ok ? "an HTTP error" : "a transport error")));
	return true;
}

/*
 * as_sentence
 *		A message from libcurl as a detail sentence: capitalized, with a
 *		final period, printable and bounded like quote_text
 */
static char *
as_sentence(const char *text, size_t len)
{
	char	   *s = snowfdw_quote_text(text, len);
	size_t		n = strlen(s);

	if (n > 0 && s[0] >= 'a' && s[0] <= 'z')
		s[0] = s[0] - 'a' + 'A';
	if (n > 0 && s[n - 1] != '.')
		s = psprintf("%s.", s);
	return s;
}

/*
 * snowfdw_quote_text
 *		Printable, bounded copy of text from the network
 *
 * The one sanitizer of header and body text quoted in a message: control
 * characters (an ESC could drive a terminal) become spaces.
 */
char *
snowfdw_quote_text(const char *text, size_t len)
{
	StringInfoData buf;
	size_t		i;

	initStringInfo(&buf);
	for (i = 0; i < len && i < MAX_QUOTED; i++)
	{
		unsigned char c = (unsigned char) text[i];

		appendStringInfoChar(&buf, (c < 0x20 || c == 0x7f) ? ' ' : (char) c);
	}
	if (len > MAX_QUOTED)
		appendStringInfoString(&buf, "...");
	return buf.data;
}

/*
 * sqlstate_for_failure
 *		The one mapping from an HTTP status and Snowflake code to a SQLSTATE
 *
 * A few Snowflake error codes say more than the status: 002003 "does not
 * exist or not authorized" and 002002 "already exists".  Everything else
 * follows the status; 429, 5xx and 408 are reported only once retries are
 * exhausted, as connection failures.
 */
static int
sqlstate_for_failure(long status, const char *code)
{
	if (code != NULL && status >= 400 && status < 500 &&
		status != 401 && status != 429)
	{
		if (strcmp(code, "002003") == 0)
			return ERRCODE_UNDEFINED_OBJECT;
		if (strcmp(code, "002002") == 0)
			return ERRCODE_DUPLICATE_TABLE;
	}
	switch (status)
	{
		case 400:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case 401:
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
		case 403:
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		case 404:
		case 410:
			return ERRCODE_UNDEFINED_OBJECT;
		case 405:
			return ERRCODE_FEATURE_NOT_SUPPORTED;
		case 409:
			return ERRCODE_DUPLICATE_TABLE;
		case 408:
		case 429:
			return ERRCODE_CONNECTION_FAILURE;
		default:
			if (status >= 500)
				return ERRCODE_CONNECTION_FAILURE;
			return ERRCODE_FDW_ERROR;
	}
}

/*
 * report_failure
 *		Raise the error for a call that failed for good
 *
 * Detail: Snowflake's message, code and request id.  Context: the request.
 * Never a token: neither headers nor the URL carry one into the text.
 */
static void
report_failure(SnowfdwConnection *conn, SnowfdwCall *call,
			   SnowfdwHttpResponse *resp)
{
	const char *message = NULL;
	const char *code = NULL;
	const char *request_id = resp->request_id;
	char	   *attempts;

	/* a write that failed this way was not repeated: say why */
	bool		maybe_done = may_have_acted(call, resp);

	CHECK_FOR_INTERRUPTS();
	attempts = call->retries > 0 ?
		psprintf(" after %d attempts", call->retries + 1) : pstrdup("");

	if (!resp->transport_ok)
		report_transport_failure(conn, call, resp, attempts, maybe_done);

	read_error_body(resp, &message, &code, &request_id);

	ereport(ERROR,
			(errcode(sqlstate_for_failure(resp->status, code)),
			 errmsg("Snowflake request failed with HTTP status %ld%s: %s",
					resp->status, attempts, snowfdw_quote_text(message, strlen(message))),
			 errdetail("Snowflake error code %s, request ID %s.",
					   code ? snowfdw_quote_text(code, strlen(code)) : "(none)",
					   request_id ? snowfdw_quote_text(request_id, strlen(request_id)) : "(none)"),
			 errhint_http_failure(conn, resp, maybe_done),
			 errcontext("Snowflake request: %s %s", call->method, call->path)));
	pg_unreachable();
}

/*
 * report_transport_failure
 *		Raise the error for a call whose last transfer got no HTTP answer
 *
 * attempts is the " after N attempts" part of the message, maybe_done
 * whether a write may have been carried out (see report_failure).
 */
static void
report_transport_failure(SnowfdwConnection *conn, SnowfdwCall *call,
						 SnowfdwHttpResponse *resp, const char *attempts,
						 bool maybe_done)
{
	if (resp->timed_out)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("Snowflake request timed out%s", attempts),
				 errdetail("%s", as_sentence(resp->transport_error,
											strlen(resp->transport_error))),
				 maybe_done ?
				 errhint("Snowflake may have carried out the request; it was not repeated, because repeating it could change the outcome.") :
				 errhint("The server options \"connect_timeout\" and \"request_timeout\" bound each attempt."),
				 errcontext("Snowflake request: %s %s", call->method, call->path)));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
			 errmsg("could not complete request to Snowflake server \"%s\"%s",
					conn->server_name, attempts),
			 errdetail("%s", as_sentence(resp->transport_error,
										strlen(resp->transport_error))),
			 maybe_done ?
			 errhint("Snowflake may have carried out the request; it was not repeated, because repeating it could change the outcome.") : 0,
			 errcontext("Snowflake request: %s %s", call->method, call->path)));
	pg_unreachable();
}

/*
 * read_error_body
 *		Snowflake's message, error code and request ID from an error answer
 *
 * A JSON object body gives "message", "code" (or "error_code") and
 * "request_id"; a request ID from the header is kept over the body's.  A
 * body that is not such an object is quoted as the message.  *message is
 * never NULL on return; *code may be.
 */
static void
read_error_body(SnowfdwHttpResponse *resp, const char **message,
				const char **code, const char **request_id)
{
	if (resp->body_len > 0)
	{
		char	   *error = NULL;
		SnowfdwJson *body = snowfdw_json_parse_quietly(resp->body,
													   resp->body_len, &error);

		if (body && snowfdw_json_type(body) == SNOWFDW_JSON_OBJECT)
		{
			*message = snowfdw_json_object_string(body, "message");
			*code = snowfdw_json_object_string(body, "code");
			if (*code == NULL)
				*code = snowfdw_json_object_string(body, "error_code");
			if (*request_id == NULL)
				*request_id = snowfdw_json_object_string(body, "request_id");
		}
		if (*message == NULL)
			*message = snowfdw_quote_text(resp->body, resp->body_len);
	}
	if (*message == NULL)
		*message = "(no error message)";
}

/*
 * errhint_http_failure
 *		The hint of an HTTP failure's error, if it has one
 *
 * Called within report_failure's ereport, like errhint itself.
 */
static int
errhint_http_failure(SnowfdwConnection *conn, SnowfdwHttpResponse *resp,
					 bool maybe_done)
{
	if (resp->status == 401 && conn->options->private_key)
		return errhint("Check that the public key of the user mapping's private key is registered for Snowflake user \"%s\" of account \"%s\", and that the database server's clock is right.",
					   snowfdw_jwt_user_name(conn->options->user),
					   snowfdw_jwt_account_name(conn->options->account));
	if (resp->status == 401)
		return errhint("Check the credentials in the user mapping for server \"%s\".",
					   conn->server_name);
	if (resp->status == 403)
		return errhint("Check the privileges of the Snowflake user and role of the user mapping for server \"%s\".",
					   conn->server_name);
	if (maybe_done)
		return errhint("Snowflake may have carried out the request; it was not repeated, because repeating it could change the outcome.");
	if (resp->status == 429 || resp->status == 503 || resp->status == 504)
		return errhint("The server options \"max_retries\" and \"retry_max_time\" bound the retries.");
	return 0;
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
