/*-------------------------------------------------------------------------
 *
 * refresh.c
 *		  Launching the refresh workers of the queue of stale entries
 *
 * Within an entry's stale window (cache_stale_ttl seconds past cache_ttl)
 * a lookup answers from the stale entry and queues one refresh of its
 * request (inflight.c).  A dynamic background worker, one per database and
 * user at a time, takes the queued jobs; its main (snowfdw_refresh_main,
 * fdw/worker.c) runs the calls.  This file launches it, by library and
 * function name, and gives up the slot of a worker that could not start
 * (at once when the launching backend sees it stopped, else after
 * SNOWFDW_REFRESH_START_TIMEOUT, inflight.c).  The queue owns its workers:
 * the cache only queues (snowfdw_refresh_request).
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/refresh.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "postmaster/bgworker.h"
#include "utils/memutils.h"

#include "shmem/fault.h"
#include "shmem/inflight.h"

/* The workers this backend launched, to see whether they stopped */
static BackgroundWorkerHandle *launched[SNOWFDW_REFRESH_WORKERS];
static uint32 launched_generation[SNOWFDW_REFRESH_WORKERS];

/*
 * forget_stopped_launches
 *		Give up the slots of workers this backend launched that stopped
 *
 * A worker that stopped before it started (it could not be forked, or
 * failed to load) never gave its slot back; one that ran gave it back
 * itself, and then the generation no longer matches.
 */
static void
forget_stopped_launches(void)
{
	int			i;

	for (i = 0; i < SNOWFDW_REFRESH_WORKERS; i++)
	{
		pid_t		pid;

		if (launched[i] == NULL ||
			GetBackgroundWorkerPid(launched[i], &pid) != BGWH_STOPPED)
			continue;
		snowfdw_refresh_worker_exit(i, launched_generation[i], false);
		pfree(launched[i]);
		launched[i] = NULL;
	}
}

/*
 * launch
 *		Start the refresh worker of a worker slot
 *
 * If it cannot even be registered, the slot and its queued jobs are given
 * up: the stale answers serve on, and a later lookup tries again.
 */
static void
launch(int worker, uint32 generation, Oid dboid, Oid userid)
{
	BackgroundWorker bgw;
	BackgroundWorkerHandle *handle;
	SnowfdwRefreshLaunch what;
	MemoryContext oldcxt;
	bool		registered;

	memset(&bgw, 0, sizeof(bgw));
	bgw.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	/* a hot standby refreshes too: nothing is written to the database */
	bgw.bgw_start_time = BgWorkerStart_ConsistentState;
	bgw.bgw_restart_time = BGW_NEVER_RESTART;
	strlcpy(bgw.bgw_library_name, "snowfdw", sizeof(bgw.bgw_library_name));
	strlcpy(bgw.bgw_function_name,
			snowfdw_fault("refresh_launch") ? "snowfdw_refresh_main_absent" :
			"snowfdw_refresh_main", sizeof(bgw.bgw_function_name));
	snprintf(bgw.bgw_name, BGW_MAXLEN, "snowfdw refresh worker");
	snprintf(bgw.bgw_type, BGW_MAXLEN, "snowfdw refresh worker");
	bgw.bgw_main_arg = Int32GetDatum(worker);
	what.dboid = dboid;
	what.userid = userid;
	what.generation = generation;
	StaticAssertStmt(sizeof(SnowfdwRefreshLaunch) <= BGW_EXTRALEN,
					 "SnowfdwRefreshLaunch must fit in bgw_extra");
	memcpy(bgw.bgw_extra, &what, sizeof(what));
	bgw.bgw_notify_pid = 0;
	/* the handle outlives the statement: it is asked at later lookups */
	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	registered = RegisterDynamicBackgroundWorker(&bgw, &handle);
	MemoryContextSwitchTo(oldcxt);
	if (!registered)
	{
		snowfdw_refresh_worker_exit(worker, generation, false);
		ereport(DEBUG1,
				(errmsg("could not start a snowfdw refresh worker"),
				 errhint("You might need to increase \"max_worker_processes\".")));
		return;
	}
	if (launched[worker] != NULL)
		pfree(launched[worker]);
	launched[worker] = handle;
	launched_generation[worker] = generation;
}

/*
 * snowfdw_refresh_request
 *		Have a stale entry's request fetched again in the background, unless
 *		it is under way or queued; launch a worker for it if none runs
 */
void
snowfdw_refresh_request(const SnowfdwRefreshJob *job, double timeout_s)
{
	uint32		generation = 0;
	int			worker;

	forget_stopped_launches();
	worker = snowfdw_refresh_enqueue(job, timeout_s, &generation);
	if (worker >= 0)
		launch(worker, generation, job->dboid, job->userid);
}

