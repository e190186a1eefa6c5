/*-------------------------------------------------------------------------
 *
 * progress.c
 *		  What each call is doing, for snowfdw_activity, and the slow-request
 *		  log
 *
 * The call life cycle (rest.c, schedule.c) and the readers of bodies
 * (listing.c, the scan's fetcher) tell this file what a call does at each
 * change; it keeps the call's slot of shmem/activity.c up to date:
 *
 *	queued		the call waits to be sent: max_concurrency is full, or its
 *				batch has not come to it
 *	paced		it waits for the request pacer: the pacer calls
 *				snowfdw_progress_paced when it holds a call back
 *	held off	it waits for a retry's backoff, or a 429's Retry-After
 *	sending		an attempt or poll is sent and has no answer yet
 *	receiving	its body arrives (a streamed listing), bytes_received and
 *				rows_delivered grow
 *	polling		Snowflake answered 202: it waits for the next poll
 *	waiting		another backend fetches the same request (coalescing), or
 *				an identical call of its batch does
 *	refreshing	a refresh worker's call under way
 *
 * A call takes its slot the first time the scheduler looks at it and gives
 * it back when it ends: answered (the body read to its end, for a streamed
 * one), failed, closed or aborted; the slot also goes with the
 * subtransaction that took it (activity.c).  A call that finds every slot
 * of its backend taken is not shown, and tries again at its next change.
 *
 * At the end of a call that Snowflake answered, snowfdw.log_min_duration
 * may log it: method, path, status, attempts, bytes, duration (from its
 * first attempt to its last byte) and request ID.  A path never holds a
 * secret (credentials travel in headers), and nothing else of the request
 * is logged.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/progress.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/timestamp.h"

#include "calls/progress.h"
#include "calls/rest.h"
#include "model/guc.h"
#include "shmem/activity.h"

/*
 * snowfdw_progress_queued
 *		The scheduler looks at a call not yet done: it takes a slot if it
 *		has none (queued, until the scheduler says otherwise)
 */
void
snowfdw_progress_queued(SnowfdwConnection *conn, SnowfdwCall *call)
{
	if (call->activity != 0 || call->done)
		return;
	call->activity = snowfdw_activity_begin(conn->server_name, call->method,
											call->path, SNOWFDW_STATE_QUEUED);
	if (call->activity != 0 && (call->rows_before > 0 || call->page > 0))
		snowfdw_activity_add(call->activity, 0, call->rows_before,
							 call->page);
}

/*
 * snowfdw_progress_queued_again
 *		A call due to be sent waits for room under max_concurrency
 */
void
snowfdw_progress_queued_again(SnowfdwCall *call)
{
	snowfdw_activity_state(call->activity, SNOWFDW_STATE_QUEUED);
}

/*
 * snowfdw_progress_paced
 *		A call waits for the request pacer before it is sent
 *
 * For the scheduler, where the pacer holds a due call back (as held_off
 * does for a 429): the sleep that follows reports SnowfdwPaced, as for any
 * call not coalescing or polling; the wait counts in paced_wait_us when the
 * call is sent (schedule.c).
 */
void
snowfdw_progress_paced(SnowfdwCall *call)
{
	snowfdw_activity_state(call->activity, SNOWFDW_STATE_PACED);
}

/*
 * snowfdw_progress_held_off
 *		A call waits for a retry's backoff or a 429's Retry-After
 */
void
snowfdw_progress_held_off(SnowfdwCall *call)
{
	snowfdw_activity_state(call->activity, SNOWFDW_STATE_HELD_OFF);
}

/*
 * snowfdw_progress_polling
 *		Snowflake answered 202: the call waits for its next poll
 */
void
snowfdw_progress_polling(SnowfdwCall *call)
{
	snowfdw_activity_state(call->activity, SNOWFDW_STATE_POLLING);
}

/*
 * snowfdw_progress_waiting
 *		A call waits for another backend's fetch of its request, or for an
 *		identical call of its batch
 */
void
snowfdw_progress_waiting(SnowfdwCall *call)
{
	snowfdw_activity_state(call->activity, SNOWFDW_STATE_WAITING);
}

/*
 * snowfdw_progress_sent
 *		An attempt or poll of a call was sent
 */
void
snowfdw_progress_sent(SnowfdwCall *call)
{
	snowfdw_activity_attempt(call->activity, Max(call->attempts, 1),
							 call->refresh ? SNOWFDW_STATE_REFRESHING :
							 SNOWFDW_STATE_SENDING);
}

/*
 * snowfdw_progress_answered
 *		A transfer of a call ended (or, streamed, its body began): its
 *		request ID, the bytes of a whole body
 */
void
snowfdw_progress_answered(SnowfdwCall *call, const SnowfdwHttpResponse *resp)
{
	if (!resp->streaming)
		call->received += resp->body_len;
	if (resp->request_id)
		strlcpy(call->seen_request_id, resp->request_id,
				sizeof(call->seen_request_id));
	if (call->activity == 0)
		return;
	snowfdw_activity_request_id(call->activity, resp->request_id);
	if (!resp->streaming && resp->body_len > 0)
		snowfdw_activity_add(call->activity, resp->body_len, 0, 0);
	if (resp->streaming && !call->refresh)
		snowfdw_activity_state(call->activity, SNOWFDW_STATE_RECEIVING);
}

/*
 * snowfdw_progress_received
 *		Bytes of a streamed body were read
 */
void
snowfdw_progress_received(SnowfdwCall *call, size_t bytes)
{
	call->received += bytes;
	snowfdw_activity_add(call->activity, (int64) bytes, 0, 0);
}

/*
 * snowfdw_progress_row
 *		A row of the call's answer was handed to the executor
 */
void
snowfdw_progress_row(SnowfdwCall *call)
{
	snowfdw_activity_add(call->activity, 0, 1, 0);
}

/*
 * log_slow
 *		snowfdw.log_min_duration: log a call answered after that long
 */
static void
log_slow(SnowfdwCall *call)
{
	double		ms;

	if (snowfdw_log_min_duration < 0 || call->first_sent == 0)
		return;
	ms = (double) (GetCurrentTimestamp() - call->first_sent) / 1000.0;
	if (ms < snowfdw_log_min_duration)
		return;
	ereport(LOG,
			(errmsg("duration: %.3f ms  Snowflake request: %s %s  status: %ld  attempts: %d  bytes: %lld  request ID: %s",
					ms, call->method, call->path,
					call->status ? call->status : call->last_status,
					Max(call->attempts, 1), (long long) call->received,
					call->seen_request_id[0] ? call->seen_request_id : "(none)")));
}

/*
 * snowfdw_progress_end
 *		A call ended; answered says Snowflake answered it (logged if slow),
 *		as opposed to a cache's answer, an abort or a close
 */
void
snowfdw_progress_end(SnowfdwCall *call, bool answered)
{
	if (answered && !call->logged)
	{
		call->logged = true;
		log_slow(call);
	}
	snowfdw_activity_end(call->activity);
	call->activity = 0;
}
