/*-------------------------------------------------------------------------
 *
 * compat.h
 *		  PostgreSQL version compatibility for snowfdw
 *
 * Every PG_VERSION_NUM test of the project lives here, so that supporting
 * another major touches this file only.  The newest API name is backported
 * to older majors; wrappers exist only where signatures differ.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/compat.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_COMPAT_H
#define SNOWFDW_COMPAT_H

/*
 * 15 is the floor: the code uses 15's InitMaterializedSRF, pg_prng and
 * MarkGUCPrefixReserved, and 15 is the only major it is built and tested
 * against (the one Debian 12 ships).  The tests below make 16 and 17 ready.
 */
#if PG_VERSION_NUM < 150000
#error "snowfdw requires PostgreSQL 15 or later"
#endif

/* create_foreignscan_path gained fdw_restrictinfo in 17 */
#if PG_VERSION_NUM >= 170000
#define create_foreignscan_path_compat(root, rel, target, rows, startup, total, \
									   pathkeys, outer, fdw_outerpath, fdw_private) \
	create_foreignscan_path(root, rel, target, rows, startup, total, pathkeys, \
							outer, fdw_outerpath, NIL, fdw_private)
#else
#define create_foreignscan_path_compat(root, rel, target, rows, startup, total, \
									   pathkeys, outer, fdw_outerpath, fdw_private) \
	create_foreignscan_path(root, rel, target, rows, startup, total, pathkeys, \
							outer, fdw_outerpath, fdw_private)
#endif

/* The user whose mapping a scan uses moved into the plan in 16 */
#if PG_VERSION_NUM >= 160000
#define snowfdw_planner_userid(root, baserel) \
	(OidIsValid((baserel)->userid) ? (baserel)->userid : GetUserId())
#define snowfdw_executor_userid(fsplan, estate) \
	(OidIsValid((fsplan)->checkAsUser) ? (fsplan)->checkAsUser : GetUserId())
#else
#define snowfdw_planner_userid(root, baserel) \
	(planner_rt_fetch((baserel)->relid, (root))->checkAsUser ? \
	 planner_rt_fetch((baserel)->relid, (root))->checkAsUser : GetUserId())
#define snowfdw_executor_userid(fsplan, estate) \
	(exec_rt_fetch((fsplan)->scan.scanrelid, (estate))->checkAsUser ? \
	 exec_rt_fetch((fsplan)->scan.scanrelid, (estate))->checkAsUser : GetUserId())
#endif

/* The user a modification runs as: ExecGetResultRelCheckAsUser from 16 */
#if PG_VERSION_NUM >= 160000
#define snowfdw_result_rel_userid(rinfo, estate) \
	ExecGetResultRelCheckAsUser((rinfo), (estate))
#else
#include "executor/executor.h"
#include "miscadmin.h"

/*
 * snowfdw_result_rel_userid
 *		The user whose mapping a modification uses
 *
 * A partition reached by tuple routing has no range table entry of its
 * own; its root's entry says who runs the statement.
 */
static inline Oid
snowfdw_result_rel_userid(ResultRelInfo *rinfo, EState *estate)
{
	Index		rti = rinfo->ri_RangeTableIndex;
	RangeTblEntry *rte;

	if (rti == 0 && rinfo->ri_RootResultRelInfo != NULL)
		rti = rinfo->ri_RootResultRelInfo->ri_RangeTableIndex;
	if (rti == 0)
		return GetUserId();
	rte = exec_rt_fetch(rti, estate);
	return OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
}
#endif

/* Custom wait events for transfers and sleeps exist from 17 on */
#if PG_VERSION_NUM >= 170000
#define SNOWFDW_HAVE_CUSTOM_WAIT_EVENTS 1
#endif

#endif							/* SNOWFDW_COMPAT_H */
