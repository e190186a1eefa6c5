/*-------------------------------------------------------------------------
 *
 * fault.c
 *		  Test-only fault points of the shared state (test build only)
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
 * snowfdw_fault_locks_held() (a C function the tests declare) says which
 * locks this backend holds: snowfdw's known locks (LWLockHeldByMe), and
 * the interrupt holdoff count, which every held LWLock raises by one.
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

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "snowfdw.h"

static char *fault_point = NULL;
static bool armed = false;

PG_FUNCTION_INFO_V1(snowfdw_fault_locks_held);

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
 * snowfdw_fault_init
 *		Define snowfdw.fault_point
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
 */
void
snowfdw_fault_error(const char *point)
{
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("out of memory"),
			 errdetail("Fault point \"%s\" of the test build failed.", point)));
}

/*
 * snowfdw_fault_locks_held
 *		SQL function: snowfdw's locks held by this backend, and the
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
	values[0] = Int32GetDatum(snowfdw_shmem_locks_held() +
							  snowfdw_cache_locks_held());
	values[1] = Int32GetDatum((int32) InterruptHoldoffCount);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}

#else

/* ISO C forbids an empty translation unit */
extern int	snowfdw_fault_unused;

#endif							/* SNOWFDW_FAULT_INJECTION */
