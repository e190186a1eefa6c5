/*-------------------------------------------------------------------------
 *
 * activity.h
 *		  Requests under way, one slot each: what snowfdw_activity shows
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/activity.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_ACTIVITY_H
#define SNOWFDW_ACTIVITY_H

#include "datatype/timestamp.h"

/*
 * Slots of one backend: requests under way at once beyond it are not shown
 * (they run as ever; snowfdw_activity lists the first ones).
 */
#define SNOWFDW_ACTIVITY_SLOTS 16

/* Longest path kept, with its query string; longer ones end in "..." */
#define SNOWFDW_ACTIVITY_PATH 512

/* Longest request ID kept (Snowflake's are UUIDs) */
#define SNOWFDW_ACTIVITY_REQUEST_ID 64

/* What a request is doing (the state column; names in activity.c) */
typedef enum SnowfdwActivityState
{
	SNOWFDW_STATE_QUEUED,		/* waits for room under max_concurrency */
	SNOWFDW_STATE_PACED,		/* waits for the request pacer */
	SNOWFDW_STATE_HELD_OFF,		/* after a 429 or a retryable error */
	SNOWFDW_STATE_SENDING,		/* sent, no answer yet */
	SNOWFDW_STATE_RECEIVING,	/* its body arrives */
	SNOWFDW_STATE_POLLING,		/* between the polls of a 202 */
	SNOWFDW_STATE_WAITING,		/* on another backend's fetch of it */
	SNOWFDW_STATE_REFRESHING	/* a refresh worker's transfer */
} SnowfdwActivityState;

/*
 * A slot of this backend's, as its writer knows it: 0 is none.  A slot
 * given back (call end, abort) makes the handle stale: what is written
 * through a stale handle goes nowhere.
 */
typedef uint32 SnowfdwActivity;

/* in activity.c */
extern void snowfdw_activity_init(void);
extern SnowfdwActivity snowfdw_activity_begin(const char *server,
											  const char *method,
											  const char *path,
											  SnowfdwActivityState state);
extern void snowfdw_activity_state(SnowfdwActivity a,
								   SnowfdwActivityState state);
extern void snowfdw_activity_attempt(SnowfdwActivity a, int attempt,
									 SnowfdwActivityState state);
extern void snowfdw_activity_request_id(SnowfdwActivity a, const char *id);
extern void snowfdw_activity_add(SnowfdwActivity a, int64 bytes, int64 rows,
								 int pages);
extern void snowfdw_activity_end(SnowfdwActivity a);

#endif							/* SNOWFDW_ACTIVITY_H */
