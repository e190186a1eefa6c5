/*-------------------------------------------------------------------------
 *
 * waitevent.c
 *		  The wait events snowfdw reports while it waits
 *
 * From PostgreSQL 17 on, each kind of wait is a custom wait event of type
 * Extension, named as postgres_fdw names its own (SnowfdwTransfer, ...),
 * so that pg_stat_activity.wait_event says what a backend waits for.  A
 * name is registered in the process on its first wait
 * (WaitEventExtensionNew finds it again if another process registered
 * it); nothing else is needed, preloaded or not.  Before 17 every wait is
 * the bare Extension event, PG_WAIT_EXTENSION.
 *
 * A model file: every floor that waits asks here (calls/rest.c for its
 * sleeps, shmem for none of its own); the transport gets the event of its
 * transfers from its session (calls/connection.c sets it), since it may
 * not use this floor.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/waitevent.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/wait_event.h"

#include "compat.h"
#include "model/waitevent.h"

#ifdef SNOWFDW_HAVE_CUSTOM_WAIT_EVENTS
static const char *const wait_names[SNOWFDW_WAIT_KINDS] = {
	[SNOWFDW_WAIT_TRANSFER] = "SnowfdwTransfer",
	[SNOWFDW_WAIT_PACED] = "SnowfdwPaced",
	[SNOWFDW_WAIT_POLL] = "SnowfdwPoll",
	[SNOWFDW_WAIT_COALESCE] = "SnowfdwCoalesce",
};

/* The events registered in this process; 0 until then */
static uint32 wait_events[SNOWFDW_WAIT_KINDS];
#endif

/*
 * snowfdw_wait_event
 *		The wait event to report while waiting for which
 *
 * Called before a wait, never under a lock of snowfdw's: registering the
 * name may raise an error (too many custom wait events in the cluster).
 */
uint32
snowfdw_wait_event(SnowfdwWait which)
{
#ifdef SNOWFDW_HAVE_CUSTOM_WAIT_EVENTS
	Assert(which >= 0 && which < SNOWFDW_WAIT_KINDS);
	if (wait_events[which] == 0)
		wait_events[which] = WaitEventExtensionNew(wait_names[which]);
	return wait_events[which];
#else
	return PG_WAIT_EXTENSION;
#endif
}
