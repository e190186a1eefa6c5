/*-------------------------------------------------------------------------
 *
 * snowfdw.c
 *		  Foreign data wrapper for Snowflake catalog objects (REST API v2)
 *
 * This file holds the module entry points and the scan, asynchronous
 * execution and EXPLAIN callbacks.  Planning and the scan's fdw_private
 * list live in plan.c, which quals become request parameters is decided in
 * deparse.c, the calls are made by scan.c and rest.c, modification lives
 * in modify.c and IMPORT FOREIGN SCHEMA in import.c.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/snowfdw.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "commands/explain.h"
#include "executor/execAsync.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"

#include "calls/connection.h"
#include "compat.h"
#include "fdw/deferred.h"
#include "fdw/fdw.h"
#include "model/guc.h"
#include "model/mapping.h"
#include "model/objects.h"
#include "model/options.h"
#include "shmem/activity.h"
#include "shmem/cache.h"
#include "shmem/fault.h"
#include "shmem/holdoff.h"
#include "shmem/pacer.h"
#include "shmem/inflight.h"
#include "shmem/measured.h"
#include "shmem/shmem.h"
#include "shmem/stats.h"
#include "transport/http.h"
#include "transport/json.h"

SNOWFDW_MODULE_MAGIC;

/* Execution state of a foreign scan */
typedef struct SnowfdwScanState
{
	SnowfdwConnection *conn;
	SnowfdwPushdown pushdown;
	List	   *scope_states[SNOWFDW_MAX_SCOPES];	/* ExprStates */
	ExprState  *name_state;
	List	   *filter_states;	/* run-time name filters' values */
	ExprState  *limit_state;	/* run-time LIMIT and OFFSET */
	ExprState  *offset_state;
	SnowfdwPushdown planned;	/* the pushdown before run-time values */
	SnowfdwSiblings *siblings;	/* scans an Append reads in turn with it */
	bool		scope_from_options[SNOWFDW_MAX_SCOPES];
	SnowfdwFetcher *fetcher;
	MemoryContext scan_cxt;		/* fetcher state, reset on rescan */
	MemoryContext batch_cxt;	/* response pages of one batch */
	MemoryContext temp_cxt;		/* one row */
	int64		requests;		/* HTTP requests this scan made */
	int64		cache_hits;		/* calls answered from a cache */
	int64		bytes_received; /* response bytes of its requests */
	int64		snowflake_wait_us;	/* waited for transfers and 202 polls */
	int64		coalesce_wait_us;	/* waited for other backends' fetches */
	int64		paced_wait_us;	/* its calls' waits for the pacer */
	int			cache_ttl;		/* 0 for the target of an UPDATE or DELETE */
	int			cache_stale_ttl;
	bool		started;		/* path values evaluated, calls planned */
	bool		nowait;			/* an async request: never wait for answers */
	bool		waiting;		/* the last Iterate stopped for answers */
	SnowfdwRowConverter *converter;
	SnowfdwOverlay *overlay;	/* pending changes of the transaction */
} SnowfdwScanState;

PG_FUNCTION_INFO_V1(snowfdw_handler);

void		_PG_init(void);

/* scan */
static void snowfdwBeginForeignScan(ForeignScanState *node, int eflags);
static TupleTableSlot *snowfdwIterateForeignScan(ForeignScanState *node);
static void snowfdwReScanForeignScan(ForeignScanState *node);
static void snowfdwEndForeignScan(ForeignScanState *node);
/* asynchronous execution */
static void snowfdwForeignAsyncRequest(AsyncRequest *areq);
static void snowfdwForeignAsyncConfigureWait(AsyncRequest *areq);
static void snowfdwForeignAsyncNotify(AsyncRequest *areq);
/* EXPLAIN */
static void snowfdwExplainForeignScan(ForeignScanState *node,
									  ExplainState *es);


/*
 * _PG_init
 *		Module load: GUCs, interrupt checks of the JSON code, the response
 *		cache, the ExecutorRun hook of writes
 */
void
_PG_init(void)
{
	/* before the GUCs: those reserve the prefix */
	snowfdw_fault_init();
	snowfdw_define_gucs();
	snowfdw_json_init();
	snowfdw_shmem_init();
	snowfdw_cache_init();
	snowfdw_stats_init();
	snowfdw_measured_init();
	snowfdw_holdoff_init();
	snowfdw_pacer_init();
	snowfdw_inflight_init();
	snowfdw_activity_init();
	snowfdw_modify_init();
	snowfdw_defer_init();
}

/*
 * snowfdw_handler
 *		Return the FdwRoutine of snowfdw
 */
Datum
snowfdw_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	/* planning (plan.c), with IsForeignPathAsyncCapable */
	snowfdw_set_plan_routines(routine);

	/* scan */
	routine->BeginForeignScan = snowfdwBeginForeignScan;
	routine->IterateForeignScan = snowfdwIterateForeignScan;
	routine->ReScanForeignScan = snowfdwReScanForeignScan;
	routine->EndForeignScan = snowfdwEndForeignScan;

	/* asynchronous execution */
	routine->ForeignAsyncRequest = snowfdwForeignAsyncRequest;
	routine->ForeignAsyncConfigureWait = snowfdwForeignAsyncConfigureWait;
	routine->ForeignAsyncNotify = snowfdwForeignAsyncNotify;

	/* modify */
	snowfdw_set_modify_routines(routine);

	/* EXPLAIN */
	routine->ExplainForeignScan = snowfdwExplainForeignScan;

	/* ANALYZE */
	routine->AnalyzeForeignTable = snowfdw_analyze_foreign_table;

	/* IMPORT (import.c) */
	snowfdw_set_import_routines(routine);

	PG_RETURN_POINTER(routine);
}

/*
 * exec_param_walker
 *		Whether an expression reads a value an outer plan node sets
 */
static bool
exec_param_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Param) && ((Param *) node)->paramkind == PARAM_EXEC)
		return true;
	return expression_tree_walker(node, exec_param_walker, context);
}

/*
 * contain_exec_param
 *		Whether a scan's values come from outer rows
 */
static bool
contain_exec_param(Node *node)
{
	return exec_param_walker(node, NULL);
}

/*
 * snowfdwBeginForeignScan
 *		Set up the scan; the first call is made by the first Iterate
 */
static void
snowfdwBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	EState	   *estate = node->ss.ps.state;
	Relation	rel = node->ss.ss_currentRelation;
	SnowfdwScanState *sstate;
	SnowfdwOptions *options;
	List	   *retrieved;
	int			level;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	sstate = palloc0(sizeof(SnowfdwScanState));
	node->fdw_state = sstate;
	options = snowfdw_get_options(GetForeignTable(RelationGetRelid(rel))->serverid,
								  InvalidOid, RelationGetRelid(rel));
	sstate->conn = snowfdw_get_connection(GetForeignTable(RelationGetRelid(rel))->serverid,
										  snowfdw_executor_userid(fsplan, estate));
	/* rows about to be changed are read fresh (the statement scope stays) */
	sstate->cache_ttl = ExecRelationIsTargetRelation(estate, fsplan->scan.scanrelid) ?
		0 : options->cache_ttl;
	sstate->cache_stale_ttl = options->cache_stale_ttl;
	snowfdw_pushdown_from_private(fsplan->fdw_private, fsplan->fdw_exprs,
								  &sstate->pushdown);

	/* path values are evaluated at each (re)start of the scan */
	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
	{
		sstate->scope_states[level] =
			ExecInitExprList(sstate->pushdown.scope_exprs[level],
							 (PlanState *) node);
		sstate->scope_from_options[level] =
			snowfdw_scope_option(options, level) != NULL;
	}
	if (sstate->pushdown.name_expr)
		sstate->name_state = ExecInitExpr(sstate->pushdown.name_expr,
										  (PlanState *) node);
	sstate->filter_states = ExecInitExprList(sstate->pushdown.filter_exprs,
											 (PlanState *) node);
	sstate->limit_state = ExecInitExpr(sstate->pushdown.limit_expr,
									   (PlanState *) node);
	sstate->offset_state = ExecInitExpr(sstate->pushdown.offset_expr,
										(PlanState *) node);
	sstate->planned = sstate->pushdown;

	sstate->scan_cxt = AllocSetContextCreate(estate->es_query_cxt,
											 "snowfdw scan state",
											 ALLOCSET_DEFAULT_SIZES);
	sstate->batch_cxt = AllocSetContextCreate(estate->es_query_cxt,
											  "snowfdw batch data",
											  ALLOCSET_DEFAULT_SIZES);
	sstate->temp_cxt = AllocSetContextCreate(estate->es_query_cxt,
											 "snowfdw tuple data",
											 ALLOCSET_DEFAULT_SIZES);

	/*
	 * Values known before the Append runs: the scan may start early, if
	 * scans may run at once at all
	 */
	if (options->async_capable && enable_async_append &&
		!contain_exec_param((Node *) fsplan->fdw_exprs))
		sstate->siblings = snowfdw_siblings_join(estate, &fsplan->scan.plan,
												 node);

	retrieved = list_nth(fsplan->fdw_private, SnowfdwScanPrivateRetrieved);
	sstate->converter = snowfdw_row_converter(rel, sstate->pushdown.info,
											  retrieved != NIL ? retrieved :
											  list_make1_int(0));

	/* writes of earlier commands that wait for COMMIT (defer_writes) */
	sstate->overlay = snowfdw_overlay_begin(sstate->conn->serverid,
											snowfdw_executor_userid(fsplan, estate),
											rel, sstate->pushdown.info, options,
											estate->es_snapshot->curcid,
											estate->es_query_cxt);
}

/*
 * add_text_values
 *		Append the distinct non-empty texts of a value (text or text[])
 */
static List *
add_text_values(List *values, Datum value, bool isnull, Oid type)
{
	if (isnull)
		return values;
	if (type == TEXTARRAYOID || type == VARCHARARRAYOID)
	{
		ArrayType  *array = DatumGetArrayTypeP(value);
		Datum	   *elems;
		bool	   *nulls;
		int			n;
		int			i;

		deconstruct_array(array, ARR_ELEMTYPE(array), -1, false, TYPALIGN_INT,
						  &elems, &nulls, &n);
		for (i = 0; i < n; i++)
			values = add_text_values(values, elems[i], nulls[i], TEXTOID);
		return values;
	}
	{
		char	   *str = TextDatumGetCString(value);
		ListCell   *lc;

		/* no object has an empty name; IN lists repeat values harmlessly */
		if (str[0] == '\0')
			return values;
		foreach(lc, values)
			if (strcmp(lfirst(lc), str) == 0)
				return values;
		return lappend(values, str);
	}
}

/*
 * eval_limit_value
 *		A run-time LIMIT or OFFSET value; -1 for NULL (no limit) or none
 */
static int64
eval_limit_value(ExprState *state, ExprContext *econtext)
{
	bool		isnull;
	Datum		value;

	if (state == NULL)
		return 0;
	value = ExecEvalExpr(state, econtext, &isnull);
	return isnull ? -1 : DatumGetInt64(value);
}

/*
 * apply_runtime_values
 *		Push the values known only now as constants would be: name filters
 *		where the translation is exact, and the rows LIMIT needs; false if a
 *		filter's value is NULL (no row can match)
 */
static bool
apply_runtime_values(ForeignScanState *node, SnowfdwScanState *sstate)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	SnowfdwPushdown *pd = &sstate->pushdown;
	ListCell   *lo;
	ListCell   *ls;

	/* a rescan starts again from what the plan knew */
	pd->like = sstate->planned.like;
	pd->starts_with = sstate->planned.starts_with;
	pd->pattern = sstate->planned.pattern;
	pd->limit = sstate->planned.limit;
	forboth(lo, pd->filter_ops, ls, sstate->filter_states)
	{
		bool		isnull;
		Datum		value = ExecEvalExpr(lfirst(ls), econtext, &isnull);

		/* LIKE, ILIKE and ~ are strict */
		if (isnull)
			return false;
		snowfdw_apply_name_filter(pd, lfirst_oid(lo),
								  TextDatumGetCString(value));
	}
	if (sstate->limit_state)
	{
		int64		count = eval_limit_value(sstate->limit_state, econtext);
		int64		offset = eval_limit_value(sstate->offset_state, econtext);

		/* LIMIT NULL is no limit; OFFSET NULL is none */
		pd->limit = count < 0 ? -1 :
			snowfdw_rows_needed(count, Max(offset, 0));
	}
	/* pending drops take rows away: the listing's first rows may not do */
	if (sstate->overlay != NULL)
		pd->limit = -1;
	return true;
}

/*
 * start_fetcher
 *		Evaluate the path values and plan the scan's calls
 */
static void
start_fetcher(ForeignScanState *node, SnowfdwScanState *sstate)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	List	   *scope_values[SNOWFDW_MAX_SCOPES] = {NIL, NIL, NIL};
	List	   *names = NIL;
	MemoryContext oldcxt;
	int			level;
	ListCell   *lc;
	ListCell   *le;

	MemoryContextReset(sstate->scan_cxt);
	MemoryContextReset(sstate->batch_cxt);
	oldcxt = MemoryContextSwitchTo(sstate->scan_cxt);
	if (!apply_runtime_values(node, sstate))
	{
		sstate->fetcher = NULL;
		MemoryContextSwitchTo(oldcxt);
		return;
	}
	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
	{
		forboth(lc, sstate->scope_states[level], le, sstate->pushdown.scope_exprs[level])
		{
			bool		isnull;
			Datum		value = ExecEvalExpr(lfirst(lc), econtext, &isnull);

			scope_values[level] = add_text_values(scope_values[level], value,
												  isnull, exprType(lfirst(le)));
		}
	}
	if (sstate->name_state)
	{
		bool		isnull;
		Datum		value = ExecEvalExpr(sstate->name_state, econtext, &isnull);

		names = add_text_values(NIL, value, isnull,
								exprType((Node *) sstate->pushdown.name_expr));
	}
	for (level = 0; level < sstate->pushdown.info->nscopes; level++)
	{
		/* a scope or name known to match nothing: no calls at all */
		if (sstate->pushdown.scope_exprs[level] != NIL && scope_values[level] == NIL)
		{
			sstate->fetcher = NULL;
			MemoryContextSwitchTo(oldcxt);
			return;
		}
	}
	if (sstate->name_state && names == NIL)
	{
		sstate->fetcher = NULL;
		MemoryContextSwitchTo(oldcxt);
		return;
	}
	sstate->fetcher = snowfdw_fetcher_begin(sstate->conn, &sstate->pushdown,
											scope_values,
											sstate->scope_from_options,
											names, sstate->batch_cxt);
	snowfdw_fetcher_set_cache_ttl(sstate->fetcher, sstate->cache_ttl,
								  sstate->cache_stale_ttl);
	MemoryContextSwitchTo(oldcxt);
}

/* A scan's share of its session's counters, taken around a fetch */
typedef struct ScanCounters
{
	int64		requests;
	int64		hits;
	int64		bytes;
	int64		snowflake_wait_us;
	int64		coalesce_wait_us;
	int64		paced_wait_us;
} ScanCounters;

/*
 * begin_counting
 *		Before a scan's fetch: note the session's counters
 *
 * The session is shared (with a modify node, other scans of an Append):
 * each scan counts its own calls.
 */
static void
begin_counting(SnowfdwScanState *sstate, ScanCounters *counters)
{
	counters->requests = sstate->conn->requests;
	counters->hits = sstate->conn->cache_hits;
	counters->bytes = sstate->conn->bytes_received;
	counters->snowflake_wait_us = snowfdw_connection_snowflake_wait(sstate->conn);
	counters->coalesce_wait_us = sstate->conn->coalesce_us;
	counters->paced_wait_us = sstate->conn->paced_wait_us;
}

/*
 * end_counting
 *		After a scan's fetch: add what it did to its counters
 */
static void
end_counting(SnowfdwScanState *sstate, ScanCounters *counters)
{
	sstate->requests += sstate->conn->requests - counters->requests;
	sstate->cache_hits += sstate->conn->cache_hits - counters->hits;
	sstate->bytes_received += sstate->conn->bytes_received - counters->bytes;
	sstate->snowflake_wait_us +=
		snowfdw_connection_snowflake_wait(sstate->conn) - counters->snowflake_wait_us;
	sstate->coalesce_wait_us += sstate->conn->coalesce_us - counters->coalesce_wait_us;
	sstate->paced_wait_us += sstate->conn->paced_wait_us -
		counters->paced_wait_us;
}

/*
 * send_early
 *		Start a sibling scan and send its first calls (see siblings.c)
 */
static void
send_early(ForeignScanState *node)
{
	SnowfdwScanState *sstate = node->fdw_state;
	ScanCounters counters;
	MemoryContext oldcxt;

	if (sstate->started)
		return;
	start_fetcher(node, sstate);
	sstate->started = true;
	if (sstate->fetcher == NULL)
		return;
	begin_counting(sstate, &counters);
	oldcxt = MemoryContextSwitchTo(sstate->scan_cxt);
	snowfdw_fetcher_send(sstate->fetcher);
	MemoryContextSwitchTo(oldcxt);
	end_counting(sstate, &counters);
}

/*
 * snowfdwIterateForeignScan
 *		Return the next row, fetching the next pages when needed
 */
static TupleTableSlot *
snowfdwIterateForeignScan(ForeignScanState *node)
{
	SnowfdwScanState *sstate = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	SnowfdwJson *row;
	SnowfdwJson *pending = NULL;
	bool		listed = true;
	char	  **scope;
	MemoryContext oldcxt;
	ScanCounters counters;

	ExecClearTuple(slot);
	MemoryContextReset(sstate->temp_cxt);
	sstate->waiting = false;
	if (!sstate->started)
	{
		ListCell   *lc;

		foreach(lc, snowfdw_siblings_first_read(sstate->siblings, node))
			send_early(lfirst(lc));
		start_fetcher(node, sstate);
		sstate->started = true;
	}
	if (sstate->fetcher == NULL)
		return slot;			/* no value of a path can match */

	for (;;)
	{
		bool		skip = false;

		begin_counting(sstate, &counters);
		oldcxt = MemoryContextSwitchTo(sstate->scan_cxt);
		row = snowfdw_fetcher_next(sstate->fetcher, &scope, sstate->nowait,
								   &sstate->waiting);
		MemoryContextSwitchTo(oldcxt);
		end_counting(sstate, &counters);
		if (sstate->overlay == NULL)
			break;
		if (row == NULL)
		{
			/* the listing's end: then the pending creates it lacked */
			if (!sstate->waiting)
			{
				pending = snowfdw_overlay_next_created(sstate->overlay, &scope);
				row = pending;
				listed = false;
			}
			break;
		}
		pending = snowfdw_overlay_row(sstate->overlay, row, scope, &skip);
		if (!skip)
			break;
	}
	if (row == NULL)
		return slot;			/* the end, or waiting for answers */

	oldcxt = MemoryContextSwitchTo(sstate->temp_cxt);
	snowfdw_convert_row(sstate->converter, slot->tts_tupleDescriptor, row,
						scope, slot->tts_values, slot->tts_isnull);
	if (pending != NULL)
		snowfdw_overlay_merge(sstate->overlay, sstate->converter,
							  slot->tts_tupleDescriptor, pending, scope,
							  listed, slot->tts_values, slot->tts_isnull);
	MemoryContextSwitchTo(oldcxt);
	return ExecStoreVirtualTuple(slot);
}

/*
 * snowfdwReScanForeignScan
 *		Restart the scan; path values are evaluated again
 */
static void
snowfdwReScanForeignScan(ForeignScanState *node)
{
	SnowfdwScanState *sstate = node->fdw_state;

	if (sstate->fetcher)
		snowfdw_fetcher_end(sstate->fetcher);
	sstate->fetcher = NULL;
	sstate->started = false;
	snowfdw_overlay_restart(sstate->overlay);
	snowfdw_siblings_rescan(sstate->siblings);
	MemoryContextReset(sstate->scan_cxt);
	MemoryContextReset(sstate->batch_cxt);
}

/*
 * snowfdwEndForeignScan
 *		Abandon transfers the scan did not read to their end
 *
 * Memory goes with the query and the session stays; a LIMIT that stopped
 * the scan early thus costs no more of a listing than was read.
 */
static void
snowfdwEndForeignScan(ForeignScanState *node)
{
	SnowfdwScanState *sstate = node->fdw_state;

	if (sstate && sstate->fetcher)
		snowfdw_fetcher_end(sstate->fetcher);
}

/*
 * produce_row
 *		Answer an Append's request with the scan's next row, its end, or
 *		"pending" while the answers it needs are on their way
 *
 * The scan runs as when it is iterated (local quals, projection), except
 * that a fetch that would wait for an answer stops instead.
 */
static void
produce_row(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	SnowfdwScanState *sstate = node->fdw_state;
	TupleTableSlot *result;

	/* an error ends the scan with its statement: no reset needed then */
	sstate->nowait = true;
	result = areq->requestee->ExecProcNodeReal(areq->requestee);
	sstate->nowait = false;
	if (TupIsNull(result) && sstate->waiting)
		ExecAsyncRequestPending(areq);
	else
		ExecAsyncRequestDone(areq, result);
}

/*
 * snowfdwForeignAsyncRequest
 *		An Append asks for a row: the first one sends the scan's first calls
 */
static void
snowfdwForeignAsyncRequest(AsyncRequest *areq)
{
	produce_row(areq);
}

/*
 * first_waiter_of_session
 *		Whether no earlier pending request of the same Append waits on the
 *		same HTTP session
 *
 * The Append asks its pending requests in order; the first of a session
 * waits for it, the others only look whether their answers came.
 */
static bool
first_waiter_of_session(AsyncRequest *areq, SnowfdwScanState *sstate)
{
	AppendState *append = (AppendState *) areq->requestor;
	int			i = -1;

	if (!IsA(append, AppendState))
		return true;
	while ((i = bms_next_member(append->as_asyncplans, i)) >= 0 &&
		   i < areq->request_index)
	{
		AsyncRequest *other = append->as_asyncrequests[i];
		ForeignScanState *fss = (ForeignScanState *) other->requestee;

		if (other->callback_pending && IsA(fss, ForeignScanState) &&
			fss->fdwroutine->ForeignAsyncConfigureWait == snowfdwForeignAsyncConfigureWait &&
			fss->fdw_state != NULL &&
			((SnowfdwScanState *) fss->fdw_state)->conn->http == sstate->conn->http)
			return false;
	}
	return true;
}

/*
 * snowfdwForeignAsyncConfigureWait
 *		Wait a little for the answers a pending request needs; deliver the
 *		row if they came
 *
 * The transfers of all scans of a user mapping share one libcurl multi
 * handle, whose sockets change as connections open and close, and whose
 * timers (timeouts, retries, polls of a 202) no socket announces; so no
 * socket is added to the Append's wait set.  Instead the first pending
 * scan of a session lets libcurl wait on every socket of the session for
 * up to 20 ms (less when an answer arrives), and every pending scan then
 * looks whether its answers are in.  The Append checks for interrupts
 * between rounds, so a cancel is seen within 20 ms.  While the Append
 * still has synchronous children to run, nobody waits.
 */
static void
snowfdwForeignAsyncConfigureWait(AsyncRequest *areq)
{
	ForeignScanState *node = (ForeignScanState *) areq->requestee;
	SnowfdwScanState *sstate = node->fdw_state;
	AppendState *append = (AppendState *) areq->requestor;
	bool		may_wait = !IsA(append, AppendState) || append->as_syncdone;

	if (may_wait && first_waiter_of_session(areq, sstate))
		snowfdw_http_drive(sstate->conn->http, SNOWFDW_HTTP_POLL_MS);
	areq->callback_pending = false;
	produce_row(areq);
	if (areq->callback_pending)
		return;
	/* the executor counts no row delivered here (it expects none) */
	if (node->ss.ps.instrument && !TupIsNull(areq->result))
		node->ss.ps.instrument->tuplecount += 1;
	/* and the Append hears of it only from Request and Notify: tell it */
	ExecAsyncResponse(areq);
}

/*
 * snowfdwForeignAsyncNotify
 *		An event of the request came: produce its row if it can
 *
 * No event is ever registered (see snowfdwForeignAsyncConfigureWait), so
 * this only serves the API.
 */
static void
snowfdwForeignAsyncNotify(AsyncRequest *areq)
{
	produce_row(areq);
}

/*
 * snowfdwExplainForeignScan
 *		Show the REST requests (never credentials); with ANALYZE their count,
 *		the calls a cache answered and the bytes received, and with its
 *		timings the time waited for Snowflake and for other backends' fetches
 */
static void
snowfdwExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	ForeignScan *fsplan = (ForeignScan *) node->ss.ps.plan;
	SnowfdwScanState *sstate = node->fdw_state;

	ExplainPropertyText("Remote request",
						strVal(list_nth(fsplan->fdw_private, SnowfdwScanPrivateExplain)),
						es);
	/* an estimate, shown with the other estimates */
	if (es->costs)
		ExplainPropertyText("Remote requests",
							psprintf("~%s",
									 strVal(list_nth(fsplan->fdw_private,
													 SnowfdwScanPrivateRequests))),
							es);
	if (es->analyze && sstate != NULL)
	{
		ExplainPropertyInteger("Remote calls", NULL, sstate->requests, es);
		ExplainPropertyInteger("Cache hits", NULL, sstate->cache_hits, es);
		ExplainPropertyInteger("Bytes received", "bytes",
							   sstate->bytes_received, es);
		/* times vary from run to run: shown with the other timings */
		if (es->timing)
		{
			ExplainPropertyFloat("Snowflake wait", "ms",
								 (double) sstate->snowflake_wait_us / 1000.0,
								 3, es);
			ExplainPropertyFloat("Coalesced wait", "ms",
								 (double) sstate->coalesce_wait_us / 1000.0,
								 3, es);
		}
		/* summed over the scan's calls: slots of the pacer, hold-offs */
		if (sstate->paced_wait_us > 0 || es->format != EXPLAIN_FORMAT_TEXT)
			ExplainPropertyFloat("Paced wait", "ms",
								 (double) sstate->paced_wait_us / 1000.0, 0, es);
	}
}

