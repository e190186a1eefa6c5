/*-------------------------------------------------------------------------
 *
 * worker.c
 *		  The refresh worker's main: stale response cache entries fetched
 *		  again behind the viewers' backs
 *
 * A refresh worker (launched by shmem/refresh.c for the queue of
 * inflight.c) connects to the entry's database as the user of the
 * entry's user mapping (the viewer's user for a PUBLIC mapping), builds the
 * session from that user mapping as a scan would, and sends the GETs
 * through the normal call layer (rest.c), which stores the fresh answers.
 * A worker takes the queued jobs of one user mapping at a time and runs
 * them concurrently; it ends when none is left.
 *
 * Why a worker: the viewer that found the stale entry must not wait, and a
 * backend cannot go on with a transfer after its statement ends.  The
 * worker's session is built from the same catalog rows, so the request
 * and its cache key are those of the entry; a job whose signer differs
 * (the server or mapping changed meanwhile) is dropped, and an answer that
 * arrives after such a change is not kept (cache.c).  Its calls are marked
 * refresh: they ask no store, since the stale entry is known.
 *
 * The worker connects as the role even when it may not log in (a NOLOGIN
 * role a viewer SET ROLE to): on 17 and later with
 * BGWORKER_BYPASS_ROLELOGINCHECK, before that as the bootstrap superuser
 * acting as the role (compat.h).  It starts once the server is consistent,
 * so a hot standby refreshes too: the work reads the catalog and writes
 * only to shared memory.
 *
 * A failed refresh is logged (the error names the request, never a
 * secret); the stale entry answers until its window ends, and a later
 * lookup queues the refresh again.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/worker.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"

#include "calls/connection.h"
#include "calls/rest.h"
#include "compat.h"
#include "fdw/fdw.h"
#include "model/options.h"
#include "shmem/inflight.h"

/* Jobs one batch of a worker runs concurrently, at most */
#define REFRESH_BATCH 32

/* This worker's slot (inflight.c); -1 once it gave the slot back */
static int	worker_slot = -1;
static uint32 worker_generation = 0;

/*
 * refresh_worker_exit
 *		before_shmem_exit: give back the slot and the jobs taken
 */
static void
refresh_worker_exit(int code, Datum arg)
{
	if (worker_slot >= 0)
		snowfdw_refresh_worker_exit(worker_slot, worker_generation, true);
	worker_slot = -1;
}

/*
 * refresh_batch
 *		Fetch the requests of jobs of one user mapping, storing the answers
 *
 * Returns false if the batch failed; the error was logged.
 */
static bool
refresh_batch(SnowfdwRefreshJob *jobs, int n)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile bool ok = true;
	ErrorData  *volatile edata = NULL;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	PG_TRY();
	{
		SnowfdwConnection *conn = snowfdw_get_connection(jobs[0].signer.serverid,
														 GetUserId());
		SnowfdwCall **calls = palloc(sizeof(SnowfdwCall *) * n);
		int			ncalls = 0;
		int			i;

		for (i = 0; i < n; i++)
		{
			const char *path = strchr(jobs[i].request, '\n');
			char	   *expected;

			/* the entry's options, or its key is not this session's */
			if (path == NULL || memcmp(&conn->signer, &jobs[i].signer,
									   sizeof(SnowfdwSigner)) != 0)
				continue;
			path++;
			/* the same role as the entry's, or another request and key */
			expected = psprintf("%s\n%s",
								conn->options->role ? conn->options->role : "",
								path);
			if (strcmp(expected, jobs[i].request) != 0)
				continue;
			calls[ncalls] = snowfdw_new_call("GET", pstrdup(path), NULL,
											 true, false);
			calls[ncalls]->cache_ttl = jobs[i].ttl;
			calls[ncalls]->cache_stale_ttl = jobs[i].stale_ttl;
			calls[ncalls]->refresh = true;
			ncalls++;
		}
		if (ncalls > 0)
			snowfdw_run_calls(conn, calls, ncalls);
		CommitTransactionCommand();
	}
	PG_CATCH();
	{
		/* the abort (and the markers' release) comes after the catch */
		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		ok = false;
	}
	PG_END_TRY();
	if (!ok)
	{
		AbortOutOfAnyTransaction();
		RESUME_INTERRUPTS();
		ereport(LOG,
				(errmsg("snowfdw could not refresh %d cached responses: %s",
						n, edata->message),
				 edata->context ? errcontext("%s", edata->context) : 0));
		FreeErrorData(edata);
	}
	return ok;
}

/*
 * snowfdw_refresh_main
 *		Entry point of a refresh worker
 */
void
snowfdw_refresh_main(Datum arg)
{
	SnowfdwRefreshLaunch what;
	SnowfdwRefreshJob *jobs;
	MemoryContext cxt;

	if (!snowfdw_inflight_enabled())
		proc_exit(1);			/* cannot happen: started by a preloaded server */
	memcpy(&what, MyBgworkerEntry->bgw_extra, sizeof(what));
	/* started too late: the slot was given up, and is not ours to touch */
	if (!snowfdw_refresh_worker_started(DatumGetInt32(arg), what.generation))
		proc_exit(0);
	worker_slot = DatumGetInt32(arg);
	worker_generation = what.generation;
	before_shmem_exit(refresh_worker_exit, (Datum) 0);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();
	/* as the role, even one that may not log in (a viewer's SET ROLE) */
	snowfdw_bgworker_connect_as(what.dboid, what.userid);
	pgstat_report_appname("snowfdw refresh worker");

	cxt = AllocSetContextCreate(TopMemoryContext, "snowfdw refresh",
								ALLOCSET_DEFAULT_SIZES);
	jobs = MemoryContextAlloc(TopMemoryContext,
							  sizeof(SnowfdwRefreshJob) * REFRESH_BATCH);
	for (;;)
	{
		int			n = snowfdw_refresh_take(worker_slot, jobs, REFRESH_BATCH);

		if (n == 0)
		{
			worker_slot = -1;	/* given back by snowfdw_refresh_take */
			break;
		}
		MemoryContextSwitchTo(cxt);
		(void) refresh_batch(jobs, n);
		snowfdw_refresh_done(jobs, n);
		MemoryContextSwitchTo(TopMemoryContext);
		MemoryContextReset(cxt);
		CHECK_FOR_INTERRUPTS();
	}
	proc_exit(0);
}

