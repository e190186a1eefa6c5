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
 * MarkGUCPrefixReserved.  15, 17, 18 and 19 are built and tested (the
 * README's compatibility table says how); 16 goes through the same tests
 * below but no Debian suite ships it to test with.
 */
#if PG_VERSION_NUM < 150000
#error "snowfdw requires PostgreSQL 15 or later"
#endif

#include "commands/explain.h"
#include "lib/dshash.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "utils/acl.h"

/*
 * pg_noreturn leads a declaration from 18 on (C11 _Noreturn); before, the
 * trailing pg_attribute_noreturn() was a GCC attribute, which may lead too.
 */
#ifndef pg_noreturn
#define pg_noreturn pg_attribute_noreturn()
#endif

/* The module magic block carries the name and version from 18 on */
#ifdef PG_MODULE_MAGIC_EXT
#define SNOWFDW_MODULE_MAGIC \
	PG_MODULE_MAGIC_EXT(.name = "snowfdw", .version = SNOWFDW_VERSION)
#else
#define SNOWFDW_MODULE_MAGIC PG_MODULE_MAGIC
#endif

/* ExplainState and the ExplainProperty functions left explain.h in 18 */
#if PG_VERSION_NUM >= 180000
#include "commands/explain_format.h"
#include "commands/explain_state.h"
#endif

/* The backend's local transaction id moved into PGPROC.vxid in 17 */
#if PG_VERSION_NUM >= 170000
#define snowfdw_my_lxid() (MyProc->vxid.lxid)
#else
#define snowfdw_my_lxid() (MyProc->lxid)
#endif

/* One ACL check for every object kind from 16; 15 has one per kind */
#if PG_VERSION_NUM >= 160000
#include "catalog/pg_foreign_server.h"
#define snowfdw_server_aclcheck(serverid, roleid, mode) \
	object_aclcheck(ForeignServerRelationId, (serverid), (roleid), (mode))
#else
#define snowfdw_server_aclcheck(serverid, roleid, mode) \
	pg_foreign_server_aclcheck((serverid), (roleid), (mode))
#endif

/* dshash_parameters has a copy_function from 17: entries are plain bytes */
#if PG_VERSION_NUM >= 170000
#define SNOWFDW_DSHASH_COPY_MEMCPY .copy_function = dshash_memcpy,
#else
#define SNOWFDW_DSHASH_COPY_MEMCPY
#endif

/*
 * dshash inserts that return NULL when memory runs out exist in the minor
 * releases that define DSHASH_INSERT_NO_OOM; elsewhere an insert raises the
 * error itself, so it is called with no lock of snowfdw's held.
 */
#ifdef DSHASH_INSERT_NO_OOM
#define snowfdw_dshash_insert(table, key, found) \
	dshash_find_or_insert_extended((table), (key), (found), DSHASH_INSERT_NO_OOM)
#else
#define snowfdw_dshash_insert(table, key, found) \
	dshash_find_or_insert((table), (key), (found))
#endif

/*
 * A tranche is named when its id is made from 19 on, and the name is known
 * cluster-wide; before, each backend registers the name it shows.
 */
#if PG_VERSION_NUM >= 190000
#define snowfdw_new_tranche_id(name) LWLockNewTrancheId(name)
#define snowfdw_register_tranche(id, name) ((void) (id), (void) (name))
#else
#define snowfdw_new_tranche_id(name) LWLockNewTrancheId()
#define snowfdw_register_tranche(id, name) LWLockRegisterTranche((id), (name))
#endif

/*
 * create_foreignscan_path gained fdw_restrictinfo in 17 and disabled_nodes
 * (how many disabled nodes the path holds; none here) in 18
 */
#if PG_VERSION_NUM >= 180000
#define create_foreignscan_path_compat(root, rel, target, rows, startup, total, \
									   pathkeys, outer, fdw_outerpath, fdw_private) \
	create_foreignscan_path(root, rel, target, rows, 0, startup, total, \
							pathkeys, outer, fdw_outerpath, NIL, fdw_private)
#elif PG_VERSION_NUM >= 170000
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

/* ExecutorRun and its hook lost the execute_once argument in 18 */
#if PG_VERSION_NUM >= 180000
#define SNOWFDW_EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count
#define SNOWFDW_EXECUTOR_RUN_ARGS queryDesc, direction, count
#else
#define SNOWFDW_EXECUTOR_RUN_PARAMS \
	QueryDesc *queryDesc, ScanDirection direction, uint64 count, \
	bool execute_once
#define SNOWFDW_EXECUTOR_RUN_ARGS queryDesc, direction, count, execute_once
#endif

/*
 * Take n rows off what the current ExecutorRun processed.  From 16 on,
 * ExecutorRun adds es_processed (this run's rows) to es_total_processed
 * when it ends (pg_stat_statements reads that), so both go down.
 */
#if PG_VERSION_NUM >= 160000
#define snowfdw_uncount_processed(estate, n) \
	do { \
		(estate)->es_processed -= (n); \
		(estate)->es_total_processed -= (n); \
	} while (0)
#else
#define snowfdw_uncount_processed(estate, n) \
	((estate)->es_processed -= (n))
#endif

/*
 * A background worker that connects as a role that may not log in (the
 * refresh worker acting for a NOLOGIN role): 17 has a flag for it; before,
 * it connects as the bootstrap superuser, which no login check applies to,
 * and acts as the role for the rest of its life
 */
#if PG_VERSION_NUM >= 170000
#define snowfdw_bgworker_connect_as(dboid, userid) \
	BackgroundWorkerInitializeConnectionByOid((dboid), (userid), \
											  BGWORKER_BYPASS_ROLELOGINCHECK)
#else
#include "miscadmin.h"
#include "postmaster/bgworker.h"

static inline void
snowfdw_bgworker_connect_as(Oid dboid, Oid userid)
{
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);
	SetUserIdAndSecContext(userid, SECURITY_LOCAL_USERID_CHANGE);
}
#endif

/* Custom wait events for transfers and sleeps exist from 17 on */
#if PG_VERSION_NUM >= 170000
#define SNOWFDW_HAVE_CUSTOM_WAIT_EVENTS 1
#endif

#endif							/* SNOWFDW_COMPAT_H */
