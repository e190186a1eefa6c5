/*-------------------------------------------------------------------------
 *
 * schedule.c
 *		  The call scheduler: which calls of a batch start when
 *
 * A batch's calls start in order while fewer than max_concurrency
 * transfers of the session wait for an answer.  Before a call starts it is
 * answered from the cache's stores if they can (cache.c), held back while
 * an identical call of its batch runs (batch dedupe), while another
 * process fetches the same request (coalescing, inflight.c: shared mode
 * only) or while a 429's Retry-After holds off its user mapping
 * (holdoff.c).  After a transfer it plans when a call goes again: the
 * next poll of a 202, or a retry with jittered backoff.  The call life cycle (rest.c) asks this file what to start
 * and when to wake; this file never waits itself.  Each of these decisions
 * is also what snowfdw_activity shows of the call (progress.c).
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/schedule.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/pg_prng.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "calls/connection.h"
#include "calls/progress.h"
#include "calls/report.h"
#include "calls/rest.h"
#include "calls/schedule.h"
#include "model/guc.h"
#include "shmem/cache.h"
#include "shmem/holdoff.h"
#include "shmem/inflight.h"
#include "shmem/pacer.h"
#include "shmem/stats.h"
#include "text/httptext.h"
#include "transport/http.h"

/* First backoff delay and its ceiling, in seconds */
#define RETRY_BASE_DELAY 0.2
#define RETRY_MAX_DELAY 8.0
/* First delay between polls of a 202 and its ceiling, in seconds */
#define POLL_BASE_DELAY 0.05
#define POLL_MAX_DELAY 2.0

/* How often a call waiting for another process's answer looks again */
#define COALESCE_RECHECK_MS 100

static bool held_off(SnowfdwConnection *conn, SnowfdwCall *call,
					 TimestampTz now);
static bool paced_off(SnowfdwConnection *conn, SnowfdwCall *call,
					  TimestampTz now);
static double retry_after_seconds(const char *value);

/*
 * snowfdw_schedule_waits_for_room
 *		Whether a call is due but not started: max_concurrency is full
 */
bool
snowfdw_schedule_waits_for_room(SnowfdwCall **calls, int ncalls,
								TimestampTz now)
{
	int			i;

	for (i = 0; i < ncalls; i++)
		if (!calls[i]->done && calls[i]->handle < 0 &&
			calls[i]->not_before <= now)
			return true;
	return false;
}

/*
 * snowfdw_schedule_release_unstored
 *		Calls that ended with nothing to keep let waiters for their
 *		requests go (a stored answer already did); a streamed body keeps
 *		its claim until it is read to its end or closed, and a call still
 *		under way (an asynchronous scan's, sent and not yet answered) until
 *		it ends
 */
void
snowfdw_schedule_release_unstored(SnowfdwCall **calls, int ncalls)
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
 * snowfdw_schedule_count_pending
 *		Number of calls not yet done; *running gets how many of them have a
 *		transfer under way
 */
int
snowfdw_schedule_count_pending(SnowfdwCall **calls, int ncalls,
							   int *running)
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
 * snowfdw_schedule_start_due
 *		Start the calls whose time has come, in order, while fewer than
 *		max_running transfers of the session (all scans of the statement)
 *		wait for an answer; return how many of these calls run now
 *
 * A call the cache can answer is done without a transfer; its hits and
 * misses are counted here.
 */
int
snowfdw_schedule_start_due(SnowfdwConnection *conn, SnowfdwCall **calls,
						   int ncalls, TimestampTz now, int running,
						   int max_running)
{
	int			in_flight = snowfdw_http_in_flight(conn->http);
	int			slotted = 0;
	TimestampTz first_slot = 0;
	int			i;

	/* every call not yet done shows in snowfdw_activity */
	for (i = 0; i < ncalls; i++)
		if (!calls[i]->done && calls[i]->handle < 0)
			snowfdw_progress_queued(conn, calls[i]);
	/* calls waiting for their pacer slot hold places too (pacer.c) */
	for (i = 0; i < ncalls; i++)
	{
		if (!calls[i]->done && calls[i]->handle < 0 &&
			calls[i]->paced_slot != 0)
		{
			slotted++;
			if (first_slot == 0 || calls[i]->paced_slot < first_slot)
				first_slot = calls[i]->paced_slot;
		}
	}
	for (i = 0; i < ncalls; i++)
	{
		SnowfdwCall *call = calls[i];
		bool		due = call->not_before <= now && !call->coalescing &&
			!call->held_behind;
		bool		missed;

		if (call->done || call->handle >= 0)
			continue;
		if (in_flight >= max_running)
		{
			/* a due call waits for room under max_concurrency */
			if (due)
				snowfdw_progress_queued_again(call);
			continue;
		}
		/* a call with a slot keeps its place; others need a free one */
		if (call->paced_slot == 0 && in_flight + slotted >= max_running)
		{
			/* the places free up as slots come: sleep until the first */
			if (slotted > 0 && call->not_before < first_slot)
				call->not_before = first_slot;
			if (due)
				snowfdw_progress_queued_again(call);
			continue;
		}
		/* what its answers teach is keyed by who signs it, from now on */
		if (!OidIsValid(call->signer.serverid))
			call->signer = conn->signer;
		/* a call waiting for another process's answer may have it now */
		if (call->not_before <= now || call->coalescing || call->held_behind)
		{
			bool		held = snowfdw_schedule_answer(conn, calls, ncalls,
													   call, &missed);
			bool		had_slot = call->paced_slot != 0;

			if (missed)
				snowfdw_stats_count_cache(conn->serverid, conn->umid, false);
			if (held && call->done)
			{
				conn->cache_hits++;
				snowfdw_stats_count_cache(conn->serverid, conn->umid, true);
				snowfdw_progress_end(call, false);
			}
			else if (held)
				snowfdw_progress_waiting(call);
			if (held)
				snowfdw_schedule_release_slot(call, now);
			else if (held_off(conn, call, now))
				snowfdw_progress_held_off(call);
			else if (paced_off(conn, call, now))
				snowfdw_progress_paced(call);
			else
			{
				slotted -= had_slot;
				snowfdw_call_start(conn, call);
				running++;
				in_flight++;
				continue;
			}
			slotted += (call->paced_slot != 0) - had_slot;
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
	/* a slot before the hold-off ends is given back: no burst after it */
	snowfdw_schedule_release_slot(call, now);
	if (call->paced_since == 0)
		call->paced_since = now;
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
	snowfdw_report_failure(conn, call, &resp);
}

/*
 * paced_off
 *		Whether a call must wait for its send slot (pacer.c); it is then due
 *		at that time
 *
 * A call asks for a slot once and sends when it comes; the wait is
 * counted (EXPLAIN ANALYZE, snowfdw_stats) when it is sent.
 */
static bool
paced_off(SnowfdwConnection *conn, SnowfdwCall *call, TimestampTz now)
{
	bool		paced;
	double		waited_ms = 0;

	if (call->paced_slot == 0 && snowfdw_pace_requests)
		call->paced_slot = snowfdw_pacer_reserve(&call->signer,
												 conn->options->max_requests_per_second,
												 now);
	if (call->paced_slot > now)
	{
		if (call->paced_since == 0)
			call->paced_since = now;
		call->not_before = call->paced_slot;
		return true;
	}
	paced = call->paced_slot != 0;
	call->paced_slot = 0;
	if (call->paced_since != 0)
	{
		waited_ms = (double) (now - call->paced_since) / 1000.0;
		conn->paced_wait_us += now - call->paced_since;
		call->paced_since = 0;
	}
	snowfdw_stats_count_paced(conn->serverid, conn->umid, paced, waited_ms);
	return false;
}

/*
 * snowfdw_schedule_release_slot
 *		A call that will not send at its pacer slot gives it back
 */
void
snowfdw_schedule_release_slot(SnowfdwCall *call, TimestampTz now)
{
	if (call->paced_slot == 0)
		return;
	snowfdw_pacer_release(&call->signer, call->paced_slot, now);
	call->paced_slot = 0;
}

/*
 * snowfdw_schedule_teach_pacer
 *		After a transfer: what its answer teaches the pacer (a 429, with or
 *		without Retry-After, or an answer that went through)
 */
void
snowfdw_schedule_teach_pacer(SnowfdwConnection *conn, SnowfdwCall *call,
							 SnowfdwHttpResponse *resp)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz until = 0;
	bool		limited;

	if (!resp->transport_ok)
		return;
	limited = resp->status == 429;
	if (limited)
	{
		double		requested = retry_after_seconds(resp->retry_after);

		if (requested > 0)
			until = now + (TimestampTz) (requested * USECS_PER_SEC);
	}
	snowfdw_pacer_teach(&call->signer, limited, call->attempt_sent, until,
						now);
}

/*
 * snowfdw_schedule_next_wake
 *		The earliest time a call that waits to be sent may go, or 0 if none
 *		waits
 */
TimestampTz
snowfdw_schedule_next_wake(SnowfdwCall **calls, int ncalls)
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
 * snowfdw_schedule_wait_kind
 *		What a sleep until next_wake waits for: the first call due then
 *		says (another backend's fetch, a 202's next poll, or a backoff)
 */
SnowfdwWait
snowfdw_schedule_wait_kind(SnowfdwCall **calls, int ncalls,
						   TimestampTz next_wake)
{
	int			i;

	for (i = 0; i < ncalls; i++)
	{
		SnowfdwCall *call = calls[i];

		if (call->done || call->handle >= 0 || call->not_before != next_wake)
			continue;
		if (call->coalescing || call->held_behind)
			return SNOWFDW_WAIT_COALESCE;
		if (call->poll_path != NULL)
			return SNOWFDW_WAIT_POLL;
		return SNOWFDW_WAIT_PACED;
	}
	return SNOWFDW_WAIT_PACED;
}

/*
 * cacheable
 *		Whether a call may be answered from, and kept in, the stores
 *
 * Only GET calls of scans qualify (a call's cache_ttl is -1 unless a scan
 * set it): the reads that writes make always go to Snowflake.
 */
static bool
cacheable(SnowfdwCall *call)
{
	return call->cache_ttl >= 0 && strcmp(call->method, "GET") == 0 &&
		call->poll_path == NULL && call->body == NULL;
}

/*
 * ask_stores
 *		Look a call's request up in the cache's stores (cache.c); *ident
 *		gets the request's key among the requests under way
 */
static bool
ask_stores(SnowfdwConnection *conn, SnowfdwCall *call, int stale_ttl,
		   uint64 *ident)
{
	return snowfdw_cache_lookup(&call->signer, conn->options->role,
								call->path, call->cache_ttl, stale_ttl,
								conn->options->request_timeout +
								conn->options->connect_timeout,
								&call->status, &call->response,
								&call->response_len, &call->link, ident);
}

/*
 * snowfdw_schedule_answer
 *		Before a call starts: answer it from the stores, or hold it back
 *
 * Returns true when the call must not be started now: it was answered
 * (marked done, no transfer), another process is fetching the same
 * request (shared mode: the call looks again when that answer is stored,
 * or after COALESCE_RECHECK_MS), a call of the same batch waits so (this
 * one waits behind it, see inflight.c), or an identical call of the same
 * batch is running, whose answer the statement store will have next time
 * round.  A call that waited its request timeout takes the request over.
 * A refresh worker's call (refresh) asks no store: the stale entry is
 * known.  *missed tells the caller to count a response-cache miss (once a
 * call).
 */
bool
snowfdw_schedule_answer(SnowfdwConnection *conn, SnowfdwCall **calls,
						int ncalls, SnowfdwCall *call, bool *missed)
{
	uint64		ident;
	int			i;

	*missed = false;
	if (!cacheable(call) || call->attempts > 0)
		return false;
	if (call->refresh)
		return false;
	if (ask_stores(conn, call, call->cache_stale_ttl, &ident))
	{
		call->request_id = NULL;
		call->done = true;
		call->coalescing = call->held_behind = false;
		return true;
	}
	*missed = call->cache_ttl > 0 && call->coalesce_since == 0;
	for (i = 0; i < ncalls; i++)
	{
		SnowfdwCall *other = calls[i];

		if (other != call && !other->done && other->handle >= 0 &&
			strcmp(other->method, call->method) == 0 &&
			strcmp(other->path, call->path) == 0)
			return true;
	}
	if (call->cache_ttl > 0 && snowfdw_inflight_enabled())
	{
		TimestampTz now = GetCurrentTimestamp();
		double		timeout = conn->options->request_timeout;
		bool		take_over;
		SnowfdwClaim claim = SNOWFDW_CLAIM_NONE;

		if (call->coalesce_since == 0)
			call->coalesce_since = now;
		take_over = now - call->coalesce_since >=
			(TimestampTz) (timeout * USECS_PER_SEC);
		call->held_behind = false;
		for (i = 0; i < ncalls && !take_over; i++)
			if (calls[i] != call && !calls[i]->done && calls[i]->coalescing)
				call->held_behind = true;
		if (!call->held_behind)
			claim = snowfdw_inflight_claim(ident,
										   timeout + conn->options->connect_timeout,
										   take_over);
		call->coalescing = claim == SNOWFDW_CLAIM_BUSY;
		if (call->held_behind || call->coalescing)
		{
			call->not_before = now + COALESCE_RECHECK_MS * 1000;
			return true;
		}
		if (claim == SNOWFDW_CLAIM_MINE)
		{
			/*
			 * Another process may have stored the answer and let go of the
			 * request between our miss and our claim: look once more, or
			 * the request is made twice.
			 */
			if (ask_stores(conn, call, 0, &ident))
			{
				snowfdw_inflight_release(ident);
				call->request_id = NULL;
				call->done = true;
				return true;
			}
			call->inflight = ident;
		}
	}
	return false;
}

/*
 * snowfdw_schedule_store
 *		After a call got its 2xx answer: keep it if it is cacheable
 */
void
snowfdw_schedule_store(SnowfdwConnection *conn, SnowfdwCall *call)
{
	if (!cacheable(call) || call->response == NULL)
		return;
	snowfdw_cache_store(&call->signer, conn->options->role, call->path,
						call->status, call->response, call->response_len,
						call->link, call->cache_ttl);
}

/*
 * snowfdw_schedule_poll
 *		Plan the next poll of a call that Snowflake answered 202 Accepted
 *
 * The answer's Location is followed, or the last one when it has none; it
 * must be a relative /api/v2/ path.  The delay doubles from POLL_BASE_DELAY
 * up to POLL_MAX_DELAY, and the call fails once poll_timeout has passed
 * since it was first sent.
 */
void
snowfdw_schedule_poll(SnowfdwConnection *conn, SnowfdwCall *call,
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
	if (snowfdw_seconds_since(call->first_sent) > conn->options->poll_timeout)
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
	snowfdw_progress_polling(call);
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
 * snowfdw_schedule_retry
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
bool
snowfdw_schedule_retry(SnowfdwConnection *conn, SnowfdwCall *call,
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
	snowfdw_stats_count_retry(conn->serverid, conn->umid);
	call->not_before = now + (TimestampTz) (delay * USECS_PER_SEC);
	snowfdw_progress_held_off(call);
	ereport(DEBUG1,
			(errmsg_internal("snowfdw: retrying %s %s in %.3f s after %s",
							 call->method, call->path, delay,
							 resp->transport_ok ? "an HTTP error" : "a transport error")));
	return true;
}
