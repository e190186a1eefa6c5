/*-------------------------------------------------------------------------
 *
 * fault.c
 *		  Test-only fault points (test build only)
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
 *	refresh_launch				(no failure) a refresh worker is launched
 *								under a function name that does not exist
 *
 * This file is a leaf: it calls no other file of snowfdw.  The error a
 * point raises, the check that no error is raised while one of snowfdw's
 * locks is held, and the cache's test clock are in shmem.c, which knows
 * the locks; the markers' SQL function is in inflight.c.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/fault.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifdef SNOWFDW_FAULT_INJECTION

#include "utils/guc.h"

#include "shmem/fault.h"

static char *fault_point = NULL;
static bool armed = false;

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

#else

/* ISO C forbids an empty translation unit */
extern int	snowfdw_fault_unused;

#endif							/* SNOWFDW_FAULT_INJECTION */
