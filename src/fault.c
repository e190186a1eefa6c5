/*-------------------------------------------------------------------------
 *
 * fault.c
 *		  Test-only fault points, clock offset and lock checks of the shared
 *		  state (test build only)
 *
 * Compiled to nothing unless SNOWFDW_FAULT_INJECTION is defined, which the
 * test build (test/lib.sh) does and the package build does not.  There,
 * the GUC snowfdw.fault_point names one point of the cache, the
 * statistics or the shared-memory set-up; the next time that point is
 * reached it fails as if memory or shared memory ran out, once, and the
 * GUC must be set again to fire again.  The points:
 *
 *	dsa_create, dshash_create	making the shared area and its tables
 *	dsa_attach, dshash_attach	a backend attaching to them
 *	area_race					(no failure) a backend makes its own area
 *								although one is published, as if it lost
 *								the race to publish, and must drop it
 *	cache_insert, cache_alloc	the table entry and the data of a stored
 *								answer
 *	cache_copy					copying a hit out of the cache
 *	stats_insert				a statistics row's first counting
 *	stats_rows					copying the rows out for snowfdw_stats
 *
 * Nothing may raise an error while it holds one of snowfdw's locks.  An
 * error releases every LWLock before any later statement can look, so the
 * test build looks when the error is raised: a fault point's own error,
 * and any error reported to the client or the log (emit_log_hook runs
 * before the abort releases the locks), becomes an internal error naming
 * the lock (snowfdw_shmem_locks_held names the locks of every registered
 * struct).
 *
 * The cache ages its answers against cache.c's clock plus an offset kept
 * here, the same in every process (in shared memory when preloaded: an
 * answer the refresh worker stores must look as fresh to the backends as
 * one they stored), so that tests age entries past cache_ttl without
 * waiting for it.
 *
 * C functions the tests declare for themselves (never in the extension's
 * scripts):
 *	snowfdw_fault_locks_held()		snowfdw's named locks this backend holds,
 *									and the interrupt holdoff count, which
 *									every held LWLock raises by one
 *	snowfdw_fault_advance_clock(s)	move the cache's clock s seconds on;
 *									returns the offset in seconds
 *	snowfdw_fault_inflight_markers() the owner of each in-flight marker
 *									(inflight.c; 0: a queued refresh)
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fault.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifdef SNOWFDW_FAULT_INJECTION

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "utils/guc.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "snowfdw.h"

/* Name of the clock offset's struct in shmem.c */
#define FAULT_CLOCK_SHMEM_NAME "snowfdw test clock"

/* Markers snowfdw_fault_inflight_markers reads at most */
#define FAULT_MAX_MARKERS 1024

/* The cache clock's offset, shared when preloaded */
typedef struct FaultClock
{
	pg_atomic_uint64 offset;	/* microseconds (a non-negative int64) */
} FaultClock;

static char *fault_point = NULL;
static bool armed = false;
static FaultClock *fault_clock = NULL;	/* once found */
static emit_log_hook_type prev_emit_log_hook = NULL;

PG_FUNCTION_INFO_V1(snowfdw_fault_locks_held);
PG_FUNCTION_INFO_V1(snowfdw_fault_advance_clock);
PG_FUNCTION_INFO_V1(snowfdw_fault_inflight_markers);

static void check_locks_at_error(ErrorData *edata);

/*
 * fault_point_assign
 *		Setting the GUC arms its point once more
 */
static void
fault_point_assign(const char *newval, void *extra)
{
	armed = newval != NULL && newval[0] != '\0';
}

/*
 * fault_clock_init
 *		Set up the clock offset's struct, once (shmem.c)
 */
static void
fault_clock_init(void *ptr)
{
	FaultClock *c = ptr;

	pg_atomic_init_u64(&c->offset, 0);
}

/*
 * snowfdw_fault_init
 *		Define snowfdw.fault_point, register the clock offset, check locks
 *		at every error reported
 */
void
snowfdw_fault_init(void)
{
	DefineCustomStringVariable("snowfdw.fault_point",
							   "Test build only: the fault point that fails next.",
							   NULL,
							   &fault_point, "",
							   PGC_SUSET, 0,
							   NULL, fault_point_assign, NULL);
	snowfdw_shmem_register(FAULT_CLOCK_SHMEM_NAME, sizeof(FaultClock),
						   fault_clock_init);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = check_locks_at_error;
}

/*
 * snowfdw_fault
 *		Whether the point fails now; it fails once per setting
 */
bool
snowfdw_fault(const char *point)
{
	if (!armed || fault_point == NULL || strcmp(fault_point, point) != 0)
		return false;
	armed = false;
	return true;
}

/*
 * snowfdw_fault_error
 *		The error of a point whose step raises one
 *
 * Raised while one of snowfdw's locks is held, it is an internal error
 * instead: looked at here, the check also holds for an error that a
 * subtransaction catches, which is never reported.
 */
void
snowfdw_fault_error(const char *point)
{
	const char *lock;

	if (snowfdw_shmem_locks_held(&lock) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("fault point \"%s\" raised its error while snowfdw lock \"%s\" was held",
						point, lock)));
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("out of memory"),
			 errdetail("Fault point \"%s\" of the test build failed.", point)));
}

/*
 * check_locks_at_error
 *		emit_log_hook: an error reported while one of snowfdw's locks is
 *		held becomes an internal error that names the lock
 *
 * It runs before the abort releases the locks (a backend's or the refresh
 * worker's error handler reports first), so it sees what the code that
 * raised the error held, but for what PG_CATCH blocks released on the way.
 */
static void
check_locks_at_error(ErrorData *edata)
{
	const char *lock;

	if (edata->elevel >= ERROR && snowfdw_shmem_locks_held(&lock) > 0)
	{
		edata->sqlerrcode = ERRCODE_INTERNAL_ERROR;
		edata->message = psprintf("error raised while snowfdw lock \"%s\" was held: %s",
								  lock, edata->message ? edata->message : "");
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/*
 * snowfdw_fault_clock_offset
 *		How far the cache's clock is moved on, in microseconds
 */
TimestampTz
snowfdw_fault_clock_offset(void)
{
	if (fault_clock == NULL)
		fault_clock = snowfdw_shmem_struct(FAULT_CLOCK_SHMEM_NAME);
	return (TimestampTz) pg_atomic_read_u64(&fault_clock->offset);
}

/*
 * snowfdw_fault_advance_clock
 *		SQL function: move the cache's clock on by a number of seconds, for
 *		every process (for this backend alone when not preloaded); returns
 *		the whole offset in seconds
 */
Datum
snowfdw_fault_advance_clock(PG_FUNCTION_ARGS)
{
	double		seconds = PG_GETARG_FLOAT8(0);
	uint64		offset;

	if (isnan(seconds) || seconds < 0 || seconds > 86400.0 * 365)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the cache clock moves forward by up to a year: %g seconds",
						seconds)));
	(void) snowfdw_fault_clock_offset();
	offset = pg_atomic_add_fetch_u64(&fault_clock->offset,
									 (uint64) (seconds * USECS_PER_SEC));
	PG_RETURN_FLOAT8((double) offset / USECS_PER_SEC);
}

/*
 * snowfdw_fault_inflight_markers
 *		SQL function: one row per in-flight marker, its owner's pid (0: a
 *		queued refresh)
 */
Datum
snowfdw_fault_inflight_markers(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int		   *pids = palloc(FAULT_MAX_MARKERS * sizeof(int));
	int			n;
	int			i;

	/* (a set of scalars: the expected descriptor is the one to use) */
	InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
	n = snowfdw_inflight_owners(pids, FAULT_MAX_MARKERS);
	for (i = 0; i < n; i++)
	{
		Datum		value = Int32GetDatum(pids[i]);
		bool		null = false;

		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, &value,
							 &null);
	}
	PG_RETURN_VOID();
}

/*
 * snowfdw_fault_locks_held
 *		SQL function: snowfdw's named locks held by this backend, and the
 *		interrupt holdoff count (one for each held LWLock)
 */
Datum
snowfdw_fault_locks_held(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int32GetDatum(snowfdw_shmem_locks_held(NULL));
	values[1] = Int32GetDatum((int32) InterruptHoldoffCount);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}

#else

/* ISO C forbids an empty translation unit */
extern int	snowfdw_fault_unused;

#endif							/* SNOWFDW_FAULT_INJECTION */
