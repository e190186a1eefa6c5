/*-------------------------------------------------------------------------
 *
 * inflight.c
 *		  Requests under way in some backend: coalesced misses and the
 *		  queue of background refreshes
 *
 * Only when snowfdw is preloaded (the response cache is shared).  A
 * backend that misses an entry claims its request with an in-flight marker
 * before it asks Snowflake; a backend that misses the same entry while the
 * marker stands waits on the condition variable instead of asking, and
 * looks again when the marker goes.  A marker goes when its answer is
 * stored, when its call ends without an answer to keep (a listing too large
 * to cache, a 404, a scan closed early), and at the end of the owner's
 * transaction or subtransaction, whatever the outcome; a waiter also takes
 * the marker over when its owner's process is gone, past the marker's
 * deadline, or when it has waited its own request timeout.
 *
 * Deadlocks: the marker of a streamed listing goes only when its body has
 * been read, after the batch of calls that started it has ended; a batch
 * ends when all its calls have an answer, some of which may be waiting for
 * other processes.  So a backend that holds the marker of a body not yet
 * read never waits: it fetches such a request itself (not coalesced).  A
 * backend that waits holds only markers of transfers still under way,
 * which end on their own; every chain of waits ends with a process that
 * does not wait.  And while a call of a batch waits, the later calls of
 * the batch wait behind it rather than claim requests (cache.c), so that
 * the waiting backend does not soon hold bodies to read.
 *
 * A refresh of a stale entry (refresh.c) is a marker owned by no backend
 * (pid 0) until a refresh worker takes its job, and then by that worker.
 * A request has one job at most.  A worker slot whose worker never started
 * (it could not be forked, or it waits for a state the server never
 * reaches) is given up after SNOWFDW_REFRESH_START_TIMEOUT seconds, or as
 * soon as the backend that launched it sees it stopped (refresh.c), with
 * the jobs queued for it: stale answers serve on, and a later lookup
 * queues them again.
 *
 * Everything here is a fixed struct registered with shmem.c (in the main
 * shared memory), guarded by one LWLock of its own (tranche "snowfdw
 * in-flight"): a look for a marker scans the markers, more than a
 * spinlock may guard, and waiters sleep rather than spin.  Nothing between
 * acquire and release can raise an error.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/inflight.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/condition_variable.h"
#include "storage/proc.h"
#include "storage/procarray.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "model/options.h"
#include "shmem/inflight.h"
#include "shmem/shmem.h"

static void snowfdw_inflight_release_all(void);

/* Requests that can be under way at once; more are simply not coalesced */
#define INFLIGHT_MARKERS 512

/* Streamed bodies not yet read that one backend may hold markers of */
#define INFLIGHT_STREAMS 64

/* One request under way */
typedef struct InflightMarker
{
	uint64		ident;			/* 0: free */
	int			pid;			/* owner; 0: a queued refresh */
	TimestampTz deadline;		/* waiters take over after it */
} InflightMarker;

/* The shared struct */
typedef struct InflightControl
{
	LWLock		lock;
	ConditionVariable cv;		/* broadcast when a marker goes */
	InflightMarker markers[INFLIGHT_MARKERS];
	SnowfdwRefreshJob jobs[SNOWFDW_REFRESH_JOBS];
	SnowfdwRefreshWorker workers[SNOWFDW_REFRESH_WORKERS];
} InflightControl;

/* Name of the struct in shmem.c */
#define INFLIGHT_SHMEM_NAME "snowfdw in-flight requests"

static InflightControl *inflight = NULL;	/* once found */
static int	markers_held = 0;	/* markers this backend may own */
static uint64 streams[INFLIGHT_STREAMS];	/* of those, bodies not yet read */
static int	nstreams = 0;
static bool callbacks_registered = false;

/*
 * inflight_struct_init
 *		Set up the shared struct, once (shmem.c)
 */
static void
inflight_struct_init(void *ptr)
{
	InflightControl *c = ptr;

	memset(c, 0, sizeof(InflightControl));
	snowfdw_shmem_lock_init(&c->lock, "in-flight");
	ConditionVariableInit(&c->cv);
}

/*
 * snowfdw_inflight_init
 *		Module load: register the shared struct with shmem.c
 *
 * Not preloaded, it is never asked for: nothing is coalesced.
 */
void
snowfdw_inflight_init(void)
{
	snowfdw_shmem_register(INFLIGHT_SHMEM_NAME, sizeof(InflightControl),
						   inflight_struct_init);
}

/*
 * snowfdw_inflight_enabled
 *		Whether misses are coalesced (snowfdw is preloaded); finds the
 *		shared struct on first use
 */
bool
snowfdw_inflight_enabled(void)
{
	if (inflight == NULL && snowfdw_shmem_is_shared())
		inflight = snowfdw_shmem_struct(INFLIGHT_SHMEM_NAME);
	return inflight != NULL;
}

/*
 * inflight_xact_callback
 *		Transaction end, whatever its outcome: this backend's markers go
 */
static void
inflight_xact_callback(XactEvent event, void *arg)
{
	if (snowfdw_xact_ending(event))
		snowfdw_inflight_release_all();
}

/*
 * inflight_subxact_callback
 *		A subtransaction aborted: the calls it ran are over
 */
static void
inflight_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		snowfdw_inflight_release_all();
}

/*
 * find_marker
 *		The marker of a request, or NULL (lock held)
 */
static InflightMarker *
find_marker(uint64 ident)
{
	int			i;

	for (i = 0; i < INFLIGHT_MARKERS; i++)
		if (inflight->markers[i].ident == ident)
			return &inflight->markers[i];
	return NULL;
}

/*
 * find_marker_or_free
 *		The marker of a request, or NULL; *free gets the first free marker
 *		(or NULL), in the same pass (lock held)
 */
static InflightMarker *
find_marker_or_free(uint64 ident, InflightMarker **free)
{
	int			i;

	*free = NULL;
	for (i = 0; i < INFLIGHT_MARKERS; i++)
	{
		InflightMarker *m = &inflight->markers[i];

		if (m->ident == ident)
			return m;
		if (*free == NULL && m->ident == 0)
			*free = m;
	}
	return NULL;
}

/*
 * snowfdw_inflight_claim
 *		Claim a missed request for this backend, or learn that another
 *		process is fetching it
 *
 * SNOWFDW_CLAIM_MINE: this backend now owns the request.
 * SNOWFDW_CLAIM_BUSY: another process does and the caller should wait;
 * this backend is then prepared to sleep on the condition variable, so the
 * marker's release sets its latch.
 * SNOWFDW_CLAIM_NONE: the request is not coalesced (no marker is free, or
 * another process owns it and this backend may not wait).
 * take_over claims the request whatever stands.
 */
SnowfdwClaim
snowfdw_inflight_claim(uint64 ident, double timeout_s, bool take_over)
{
	TimestampTz now = GetCurrentTimestamp();
	InflightMarker *marker;
	InflightMarker *unused;
	int			owner = 0;
	bool		mine = false;
	bool		marked = false;
	bool		may_wait = nstreams == 0;
	SnowfdwClaim result = SNOWFDW_CLAIM_BUSY;

	Assert(ident != 0);
	if (!callbacks_registered)
	{
		RegisterXactCallback(inflight_xact_callback, NULL);
		RegisterSubXactCallback(inflight_subxact_callback, NULL);
		callbacks_registered = true;
	}
	/* before looking, so that a release after the look wakes us */
	ConditionVariablePrepareToSleep(&inflight->cv);
	for (;;)
	{
		LWLockAcquire(&inflight->lock, LW_EXCLUSIVE);
		marker = find_marker_or_free(ident, &unused);
		if (marker != NULL && marker->pid == MyProcPid)
			mine = marked = true;	/* another scan of this backend has it */
		else if (marker != NULL && !take_over && marker->deadline > now)
			owner = marker->pid;
		else
		{
			if (marker == NULL)
				marker = unused;
			if (marker != NULL)
			{
				marker->ident = ident;
				marker->pid = MyProcPid;
				marker->deadline = now + (TimestampTz) (timeout_s * USECS_PER_SEC);
				markers_held++;
				marked = true;
			}
			mine = true;
		}
		LWLockRelease(&inflight->lock);
		/* a marker whose owner is gone (killed) is taken over */
		if (mine || owner == 0 || BackendPidGetProc(owner) != NULL)
			break;
		take_over = true;
	}
	if (mine && marked)
		result = SNOWFDW_CLAIM_MINE;
	else if (mine || !may_wait)
		result = SNOWFDW_CLAIM_NONE;
	if (result != SNOWFDW_CLAIM_BUSY)
		ConditionVariableCancelSleep();
	return result;
}

/*
 * snowfdw_inflight_streaming
 *		The body of a claimed request is streamed: its marker goes when the
 *		body has been read
 */
void
snowfdw_inflight_streaming(uint64 ident)
{
	if (inflight == NULL || ident == 0)
		return;
	if (nstreams < INFLIGHT_STREAMS)
		streams[nstreams++] = ident;
	else
		snowfdw_inflight_release(ident);	/* not coalesced, then */
}

/*
 * forget_stream
 *		A body is no longer waiting to be read
 */
static void
forget_stream(uint64 ident)
{
	int			i;

	for (i = 0; i < nstreams; i++)
	{
		if (streams[i] == ident)
		{
			streams[i] = streams[--nstreams];
			return;
		}
	}
}

/*
 * snowfdw_inflight_release
 *		This process's answer to a request is stored, or will not be
 */
void
snowfdw_inflight_release(uint64 ident)
{
	InflightMarker *marker;
	bool		released = false;

	if (inflight == NULL || ident == 0 || markers_held == 0)
		return;
	forget_stream(ident);
	LWLockAcquire(&inflight->lock, LW_EXCLUSIVE);
	marker = find_marker(ident);
	if (marker != NULL && marker->pid == MyProcPid)
	{
		marker->ident = 0;
		marker->pid = 0;
		released = true;
	}
	LWLockRelease(&inflight->lock);
	if (released)
	{
		markers_held--;
		ConditionVariableBroadcast(&inflight->cv);
	}
}

/*
 * snowfdw_inflight_release_all
 *		Release every marker of this process (transaction end, exit)
 *
 * Runs in abort callbacks: nothing here can raise an error.
 */
static void
snowfdw_inflight_release_all(void)
{
	int			i;

	if (inflight == NULL || markers_held == 0)
		return;
	LWLockAcquire(&inflight->lock, LW_EXCLUSIVE);
	for (i = 0; i < INFLIGHT_MARKERS; i++)
	{
		if (inflight->markers[i].ident != 0 &&
			inflight->markers[i].pid == MyProcPid)
		{
			inflight->markers[i].ident = 0;
			inflight->markers[i].pid = 0;
		}
	}
	LWLockRelease(&inflight->lock);
	markers_held = 0;
	nstreams = 0;
	ConditionVariableBroadcast(&inflight->cv);
}

/*
 * snowfdw_inflight_end_wait
 *		A batch of calls ended: stop being woken by releases
 */
void
snowfdw_inflight_end_wait(void)
{
	if (inflight != NULL)
		ConditionVariableCancelSleep();
}

/*
 * give_up_worker
 *		Free a worker slot and drop the jobs queued for its database and
 *		user, with their markers (lock held)
 */
static void
give_up_worker(SnowfdwRefreshWorker *w)
{
	int			i;

	for (i = 0; i < SNOWFDW_REFRESH_JOBS; i++)
	{
		SnowfdwRefreshJob *job = &inflight->jobs[i];
		InflightMarker *marker;

		if (job->ident == 0 ||
			job->dboid != w->dboid || job->userid != w->userid)
			continue;
		marker = find_marker(job->ident);
		if (marker != NULL && marker->pid == 0)
			marker->ident = 0;
		job->ident = 0;
		job->running = false;
	}
	w->in_use = false;
	w->pid = 0;
}

/*
 * snowfdw_refresh_enqueue
 *		Queue the refresh of a stale entry, unless its request is under way
 *		or queued already
 *
 * Returns the slot of a refresh worker to launch for the job's database and
 * user, with *generation the launch's, or -1 when one runs already or the
 * job was not queued (no room: the stale answer serves until a later lookup
 * queues it).  A slot whose worker has not started within
 * SNOWFDW_REFRESH_START_TIMEOUT is given up and launched again.
 */
int
snowfdw_refresh_enqueue(const SnowfdwRefreshJob *job, double timeout_s,
						uint32 *generation)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz start_deadline = now -
		(TimestampTz) SNOWFDW_REFRESH_START_TIMEOUT * USECS_PER_SEC;
	InflightMarker *marker;
	InflightMarker *unused;
	SnowfdwRefreshJob *slot = NULL;
	SnowfdwRefreshWorker *w = NULL;
	int			launch = -1;
	int			i;

	if (!snowfdw_inflight_enabled())
		return -1;
	LWLockAcquire(&inflight->lock, LW_EXCLUSIVE);
	/* a worker that never started holds its jobs for nothing */
	for (i = 0; i < SNOWFDW_REFRESH_WORKERS; i++)
	{
		w = &inflight->workers[i];
		if (w->in_use && w->pid == 0 && w->launched_at < start_deadline)
			give_up_worker(w);
	}
	marker = find_marker_or_free(job->ident, &unused);
	for (i = 0; i < SNOWFDW_REFRESH_JOBS; i++)
	{
		if (inflight->jobs[i].ident == job->ident)
		{
			/* queued once is enough */
			LWLockRelease(&inflight->lock);
			return -1;
		}
		if (slot == NULL && inflight->jobs[i].ident == 0)
			slot = &inflight->jobs[i];
	}
	if (marker != NULL && marker->deadline > now)
	{
		LWLockRelease(&inflight->lock);
		return -1;
	}
	if (marker == NULL)
		marker = unused;
	if (marker == NULL || slot == NULL)
	{
		LWLockRelease(&inflight->lock);
		return -1;
	}
	for (i = 0; i < SNOWFDW_REFRESH_WORKERS; i++)
	{
		w = &inflight->workers[i];
		if (w->in_use && w->dboid == job->dboid && w->userid == job->userid)
			break;
	}
	if (i == SNOWFDW_REFRESH_WORKERS)
	{
		/* no worker of this database and user: start one, if there is room */
		for (i = 0; i < SNOWFDW_REFRESH_WORKERS; i++)
			if (!inflight->workers[i].in_use)
				break;
		if (i == SNOWFDW_REFRESH_WORKERS)
		{
			LWLockRelease(&inflight->lock);
			return -1;
		}
		w = &inflight->workers[i];
		w->in_use = true;
		w->dboid = job->dboid;
		w->userid = job->userid;
		w->generation++;
		w->pid = 0;
		w->launched_at = now;
		*generation = w->generation;
		launch = i;
	}
	*slot = *job;
	slot->running = false;
	marker->ident = job->ident;
	marker->pid = 0;
	marker->deadline = now + (TimestampTz) (timeout_s * USECS_PER_SEC);
	LWLockRelease(&inflight->lock);
	return launch;
}

/*
 * snowfdw_refresh_worker_started
 *		A refresh worker starts: whether its slot is still its launch's
 *
 * A worker that started too late finds its slot given up or launched
 * again, and must leave without touching it.
 */
bool
snowfdw_refresh_worker_started(int worker, uint32 generation)
{
	SnowfdwRefreshWorker *w = &inflight->workers[worker];
	bool		mine;

	LWLockAcquire(&inflight->lock, LW_EXCLUSIVE);
	mine = w->in_use && w->generation == generation && w->pid == 0;
	if (mine)
		w->pid = MyProcPid;
	LWLockRelease(&inflight->lock);
	return mine;
}

/*
 * snowfdw_refresh_worker_exit
 *		A worker slot's process ends (in_worker), or could not be started
 *		or is known to have stopped: its slot and the jobs of its database
 *		and user go, if the slot is still that launch's
 *
 * Jobs still queued go too: the stale answers serve on, and a later
 * lookup queues them again.
 */
void
snowfdw_refresh_worker_exit(int worker, uint32 generation, bool in_worker)
{
	SnowfdwRefreshWorker *w = &inflight->workers[worker];

	LWLockAcquire(&inflight->lock, LW_EXCLUSIVE);
	if (w->in_use && w->generation == generation &&
		(in_worker ? w->pid == MyProcPid : w->pid == 0))
		give_up_worker(w);
	LWLockRelease(&inflight->lock);
	/* the running jobs' markers are the worker's */
	if (in_worker)
		snowfdw_inflight_release_all();
	ConditionVariableBroadcast(&inflight->cv);
}

/*
 * snowfdw_refresh_take
 *		A refresh worker takes up to max queued jobs of its database and
 *		user, all of the first one's user mapping and TTLs; 0 when none is
 *		left, and
 *		the worker slot is then free
 *
 * The markers of the jobs taken become the worker's, so that they go with
 * its transaction.
 */
int
snowfdw_refresh_take(int worker, SnowfdwRefreshJob *out, int max)
{
	SnowfdwRefreshWorker *w = &inflight->workers[worker];
	int			n = 0;
	int			i;

	LWLockAcquire(&inflight->lock, LW_EXCLUSIVE);
	for (i = 0; i < SNOWFDW_REFRESH_JOBS && n < max; i++)
	{
		SnowfdwRefreshJob *job = &inflight->jobs[i];
		InflightMarker *marker;

		if (job->ident == 0 || job->running ||
			job->dboid != w->dboid || job->userid != w->userid ||
			(n > 0 && (memcmp(&job->signer, &out[0].signer,
							  sizeof(SnowfdwSigner)) != 0 ||
					   job->ttl != out[0].ttl ||
					   job->stale_ttl != out[0].stale_ttl)))
			continue;
		marker = find_marker(job->ident);
		if (marker == NULL || marker->pid != 0)
		{
			/* a waiter took the request over: it is being fetched */
			job->ident = 0;
			continue;
		}
		marker->pid = MyProcPid;
		job->running = true;
		out[n++] = *job;
	}
	if (n == 0)
	{
		w->in_use = false;
		w->pid = 0;
	}
	else
		markers_held += n;
	LWLockRelease(&inflight->lock);
	return n;
}

/*
 * snowfdw_refresh_done
 *		A worker is done with the jobs it took (refreshed or failed)
 */
void
snowfdw_refresh_done(const SnowfdwRefreshJob *jobs, int n)
{
	int			i,
				j;

	LWLockAcquire(&inflight->lock, LW_EXCLUSIVE);
	for (i = 0; i < SNOWFDW_REFRESH_JOBS; i++)
	{
		SnowfdwRefreshJob *job = &inflight->jobs[i];

		if (!job->running)
			continue;
		for (j = 0; j < n; j++)
			if (job->ident == jobs[j].ident)
			{
				job->ident = 0;
				job->running = false;
				break;
			}
	}
	LWLockRelease(&inflight->lock);
	snowfdw_inflight_release_all();
}

#ifdef SNOWFDW_FAULT_INJECTION
/* Markers snowfdw_fault_inflight_markers reads at most */
#define FAULT_MAX_MARKERS 1024

PG_FUNCTION_INFO_V1(snowfdw_fault_inflight_markers);

/*
 * snowfdw_fault_inflight_markers
 *		SQL function of the test build: one row per in-flight marker that
 *		stands, its owner's pid (0: a queued refresh)
 *
 * So that a test can tell a marker released when its owner ended from one
 * left behind for a waiter to take over.
 */
Datum
snowfdw_fault_inflight_markers(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int		   *pids = palloc(FAULT_MAX_MARKERS * sizeof(int));
	int			n = 0;
	int			i;

	/* (a set of scalars: the expected descriptor is the one to use) */
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	if (snowfdw_inflight_enabled())
	{
		LWLockAcquire(&inflight->lock, LW_EXCLUSIVE);
		for (i = 0; i < INFLIGHT_MARKERS && n < FAULT_MAX_MARKERS; i++)
			if (inflight->markers[i].ident != 0)
				pids[n++] = inflight->markers[i].pid;
		LWLockRelease(&inflight->lock);
	}
	for (i = 0; i < n; i++)
	{
		Datum		value = Int32GetDatum(pids[i]);
		bool		null = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value,
							 &null);
	}
	PG_RETURN_VOID();
}
#endif							/* SNOWFDW_FAULT_INJECTION */
