/*-------------------------------------------------------------------------
 *
 * plan.c
 *		  Planning of a foreign scan: sizes, paths, the plan and its
 *		  fdw_private list
 *
 * GetForeignRelSize merges the options and classifies the relation's own
 * quals (deparse.c); GetForeignPaths adds the plain path, a path per
 * scope value set of a join, and parameterized paths; GetForeignPlan
 * builds the plan.  The scan's fdw_private list is built in one place,
 * snowfdw_scan_private, and read back by snowfdw_pushdown_from_private,
 * both indexed by the one enum SnowfdwScanPrivateIndex (fdw.h), as
 * postgres_fdw does.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
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
#include "utils/lsyscache.h"
#include "utils/builtins.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"

#include "compat.h"
#include "fdw/fdw.h"
#include "model/guc.h"
#include "model/objects.h"
#include "model/options.h"

/* Planner state kept in baserel->fdw_private */
typedef struct SnowfdwPlanState
{
	Oid			serverid;
	SnowfdwSigner signer;		/* the planning user's, if it has a mapping */
	const SnowfdwSigner *measured;	/* &signer, or NULL: nothing measured */
	double		reltuples;		/* -1 until ANALYZE */
	SnowfdwOptions *options;
	const SnowfdwObjectInfo *info;
	SnowfdwPushdown pushdown;	/* from the relation's own quals */
} SnowfdwPlanState;

static void snowfdwGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid);
static void snowfdwGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
								   Oid foreigntableid);
static ForeignScan *snowfdwGetForeignPlan(PlannerInfo *root,
										  RelOptInfo *baserel,
										  Oid foreigntableid,
										  ForeignPath *best_path,
										  List *tlist, List *scan_clauses,
										  Plan *outer_plan);
static bool snowfdwIsForeignPathAsyncCapable(ForeignPath *path);

/*
 * snowfdw_set_plan_routines
 *		Fill the planning members of the FdwRoutine
 */
void
snowfdw_set_plan_routines(FdwRoutine *routine)
{
	routine->GetForeignRelSize = snowfdwGetForeignRelSize;
	routine->GetForeignPaths = snowfdwGetForeignPaths;
	routine->GetForeignPlan = snowfdwGetForeignPlan;
	routine->IsForeignPathAsyncCapable = snowfdwIsForeignPathAsyncCapable;
}

/*
 * remaining_selectivity
 *		Selectivity of the quals a scan does not satisfy by construction
 *
 * Without statistics, quals on scope columns and name are what the requests
 * ask for, so the estimate of the listing already accounts for them; with
 * statistics (after ANALYZE) every qual counts.
 */
static Selectivity
remaining_selectivity(PlannerInfo *root, RelOptInfo *baserel, List *clauses,
					  const SnowfdwObjectInfo *info, bool analyzed)
{
	List	   *rest = NIL;
	ListCell   *lc;

	if (analyzed)
		return clauselist_selectivity(root, clauses, baserel->relid,
									  JOIN_INNER, NULL);
	foreach(lc, clauses)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		if (!snowfdw_is_scope_or_name_clause(root, baserel, rinfo, info))
			rest = lappend(rest, rinfo);
	}
	return clauselist_selectivity(root, rest, baserel->relid, JOIN_INNER, NULL);
}

/*
 * estimate_path
 *		Rows and requests of a scan with the given clauses pushed down
 *
 * After ANALYZE, reltuples scaled by the selectivity of the quals gives the
 * rows; the requests still follow from the scope the quals leave.
 */
static void
estimate_path(PlannerInfo *root, RelOptInfo *baserel, SnowfdwPlanState *state,
			  SnowfdwPushdown *pushdown, List *clauses, SnowfdwEstimate *est)
{
	bool		analyzed = baserel->tuples >= 0 && state->reltuples >= 0;

	snowfdw_estimate_scan(pushdown, state->options, state->measured, est);
	if (analyzed)
		est->rows = state->reltuples;
	est->rows = clamp_row_est(est->rows *
							  remaining_selectivity(root, baserel, clauses,
													state->info, analyzed));
	/* name = and IN give at most one row per value and scope */
	if (pushdown->name_expr && analyzed)
		est->rows = Min(est->rows, Max(est->requests, 1));
}

/*
 * snowfdwGetForeignRelSize
 *		Read options, classify the relation's quals, estimate its size
 */
static void
snowfdwGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
						 Oid foreigntableid)
{
	SnowfdwPlanState *state = palloc0(sizeof(SnowfdwPlanState));
	ForeignTable *table = GetForeignTable(foreigntableid);
	Relation	rel;
	SnowfdwEstimate est;

	state->serverid = table->serverid;
	/* what this user's requests measured: roles see different objects */
	if (snowfdw_find_signer(table->serverid,
							snowfdw_planner_userid(root, baserel),
							&state->signer))
		state->measured = &state->signer;
	state->reltuples = baserel->tuples;
	state->options = snowfdw_get_options(table->serverid, InvalidOid,
										 foreigntableid);
	rel = table_open(foreigntableid, NoLock);
	state->info = snowfdw_relation_object(rel, state->options);
	table_close(rel, NoLock);

	state->pushdown.info = state->info;
	snowfdw_classify_quals(root, baserel, baserel->baserestrictinfo,
						   &state->pushdown, state->options);
	state->pushdown.limit = -1;
	baserel->fdw_private = state;
	estimate_path(root, baserel, state, &state->pushdown,
				  baserel->baserestrictinfo, &est);
	baserel->rows = est.rows;
	if (baserel->tuples < 0)
		baserel->tuples = est.rows;
}

/*
 * add_path_for
 *		Add a foreign path whose pushdown comes from the given clauses;
 *		returns its rows
 */
static double
add_path_for(PlannerInfo *root, RelOptInfo *baserel, SnowfdwPlanState *state,
			 List *clauses, ParamPathInfo *param_info)
{
	SnowfdwPushdown pushdown;
	SnowfdwEstimate est;
	Cost		startup;
	Cost		total;

	memset(&pushdown, 0, sizeof(pushdown));
	pushdown.info = state->info;
	snowfdw_classify_quals(root, baserel, clauses, &pushdown, state->options);
	estimate_path(root, baserel, state, &pushdown, clauses, &est);
	snowfdw_scan_cost(state->options, state->measured, &est, &startup,
					  &total);
	add_path(baserel, (Path *)
			 create_foreignscan_path_compat(root, baserel, NULL, est.rows,
											startup, total, NIL,
											param_info ? param_info->ppi_req_outer : NULL,
											NULL,
											list_make1(makeFloat(psprintf("%.0f", est.requests)))));
	return est.rows;
}

/*
 * add_scope_path
 *		A parameterized path that lists the scope the outer row names and
 *		checks the name locally
 *
 * Outer rows that name the same scope get its listing from the statement's
 * store of answers (cache.c), so a scan costs one listing per distinct
 * outer scope: cheaper than a fetch per outer row when the outer side
 * names few scopes many times.  The cost of one loop is the listing's,
 * scaled by the share of outer rows that bring a scope not seen before.
 */
static void
add_scope_path(PlannerInfo *root, RelOptInfo *baserel, SnowfdwPlanState *state,
			   ParamPathInfo *param_info, List *scope_clauses, Expr *scope_value,
			   double rows)
{
	SnowfdwPushdown pushdown;
	SnowfdwEstimate est;
	RelOptInfo *outer;
	double		distinct;
	double		share;
	Cost		startup;
	Cost		total;
	List	   *clauses = list_concat_copy(baserel->baserestrictinfo, scope_clauses);

	if (bms_membership(param_info->ppi_req_outer) != BMS_SINGLETON)
		return;
	outer = find_base_rel(root, bms_singleton_member(param_info->ppi_req_outer));
	distinct = estimate_num_groups(root, list_make1(scope_value),
								   Max(outer->rows, 1), NULL, NULL);
	share = Min(1.0, distinct / Max(outer->rows, 1));

	memset(&pushdown, 0, sizeof(pushdown));
	pushdown.info = state->info;
	snowfdw_classify_quals(root, baserel, clauses, &pushdown, state->options);
	pushdown.name_expr = NULL;
	estimate_path(root, baserel, state, &pushdown, clauses, &est);
	snowfdw_scan_cost(state->options, state->measured, &est, &startup,
					  &total);
	/* the requests are shared; every loop still reads the rows */
	startup *= share;
	total = (total - est.rows * (state->options->row_cost >= 0 ?
								 state->options->row_cost : cpu_tuple_cost)) * share +
		est.rows * (state->options->row_cost >= 0 ? state->options->row_cost :
					cpu_tuple_cost);
	add_path(baserel, (Path *)
			 create_foreignscan_path_compat(root, baserel, NULL, rows,
											startup, total, NIL,
											param_info->ppi_req_outer, NULL,
											list_make2(makeFloat(psprintf("%.0f", est.requests * share)),
													   makeInteger(1))));
}

/* Argument of ec_member_matches_column */
typedef struct EcColumnArg
{
	AttrNumber	attnum;
} EcColumnArg;

/*
 * ec_member_matches_column
 *		generate_implied_equalities_for_column callback: our column?
 */
static bool
ec_member_matches_column(PlannerInfo *root, RelOptInfo *rel,
						 EquivalenceClass *ec, EquivalenceMember *em,
						 void *arg)
{
	Expr	   *expr = em->em_expr;

	while (expr && IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	return expr && IsA(expr, Var) && ((Var *) expr)->varno == (int) rel->relid &&
		((Var *) expr)->varattno == ((EcColumnArg *) arg)->attnum;
}

/*
 * equivalence_candidates
 *		Equalities implied by equivalence classes on each scope or name
 *		column, in column order
 */
static List *
equivalence_candidates(PlannerInfo *root, RelOptInfo *baserel,
					   SnowfdwPlanState *state)
{
	List	   *candidates = NIL;
	AttrNumber	attnum;
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);
	Relation	rel = table_open(rte->relid, NoLock);

	for (attnum = 1; attnum <= RelationGetNumberOfAttributes(rel); attnum++)
	{
		EcColumnArg arg;
		char	   *column;
		ListCell   *lc;

		if (TupleDescAttr(RelationGetDescr(rel), attnum - 1)->attisdropped)
			continue;
		column = snowfdw_column_json_name(rte->relid, attnum);
		if (strcmp(column, "name") != 0 &&
			snowfdw_scope_level(state->info, column) < 0)
			continue;
		arg.attnum = attnum;
		foreach(lc, generate_implied_equalities_for_column(root, baserel,
														   ec_member_matches_column,
														   &arg,
														   baserel->lateral_referencers))
		{
			RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

			if (snowfdw_is_scope_or_name_clause(root, baserel, rinfo, state->info))
				candidates = lappend(candidates, rinfo);
		}
	}
	table_close(rel, NoLock);
	return candidates;
}

/*
 * join_clause_candidates
 *		Join clauses on a scope column or on name that could parameterize
 *		a path: movable join clauses first, then implied equalities
 */
static List *
join_clause_candidates(PlannerInfo *root, RelOptInfo *baserel,
					   SnowfdwPlanState *state)
{
	List	   *candidates = NIL;
	ListCell   *lc;

	/* join clauses that are not equivalences */
	foreach(lc, baserel->joininfo)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		if (join_clause_is_movable_to(rinfo, baserel) &&
			snowfdw_is_scope_or_name_clause(root, baserel, rinfo, state->info))
			candidates = lappend(candidates, rinfo);
	}
	/* equivalences such as l.db = r.database_name */
	if (baserel->has_eclass_joins)
		candidates = list_concat(candidates,
								 equivalence_candidates(root, baserel, state));
	return candidates;
}

/*
 * parameterizations
 *		The distinct ParamPathInfos of the candidate clauses: one per set of
 *		outer relations, in the order the clauses first name them
 */
static List *
parameterizations(PlannerInfo *root, RelOptInfo *baserel, List *candidates)
{
	List	   *ppis = NIL;
	ListCell   *lc;

	foreach(lc, candidates)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		Relids		outer = bms_union(rinfo->clause_relids,
									  baserel->lateral_relids);

		outer = bms_del_member(outer, baserel->relid);
		if (bms_is_empty(outer))
			continue;
		ppis = list_append_unique_ptr(ppis,
									  get_baserel_parampathinfo(root, baserel, outer));
	}
	return ppis;
}

/*
 * add_parameterized_paths
 *		The path of one parameterization, and its scope-join path when the
 *		outer rows name objects and give their scope
 */
static void
add_parameterized_paths(PlannerInfo *root, RelOptInfo *baserel,
						SnowfdwPlanState *state, ParamPathInfo *ppi)
{
	List	   *scope_clauses = NIL;
	Expr	   *scope_value = NULL;
	bool		has_name = false;
	ListCell   *lc;
	double		rows;

	rows = add_path_for(root, baserel, state,
						list_concat_copy(baserel->baserestrictinfo,
										 ppi->ppi_clauses),
						ppi);
	/* outer rows naming objects: also one listing per outer scope */
	foreach(lc, ppi->ppi_clauses)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);
		Expr	   *value;
		int			level = snowfdw_clause_scope_level(root, baserel, rinfo,
													   state->info, &value);

		if (level == SNOWFDW_MAX_SCOPES)
			has_name = true;
		else if (level >= 0)
		{
			scope_clauses = lappend(scope_clauses, rinfo);
			if (scope_value == NULL)
				scope_value = value;
		}
	}
	if (has_name && scope_clauses != NIL && snowfdw_enable_scope_join)
		add_scope_path(root, baserel, state, ppi, scope_clauses,
					   scope_value, rows);
}

/*
 * snowfdwGetForeignPaths
 *		One unparameterized path, plus one per usable join parameterization
 *
 * A join clause on a scope column or on name lets each outer row turn into
 * path values (one fetch per outer key); the planner weighs that against a
 * single listing by their request counts.
 */
static void
snowfdwGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
					   Oid foreigntableid)
{
	SnowfdwPlanState *state = baserel->fdw_private;
	List	   *candidates;
	ListCell   *lc;

	(void) add_path_for(root, baserel, state, baserel->baserestrictinfo, NULL);
	if (!snowfdw_enable_pushdown)
		return;

	candidates = join_clause_candidates(root, baserel, state);
	foreach(lc, parameterizations(root, baserel, candidates))
		add_parameterized_paths(root, baserel, state, lfirst(lc));
}

/*
 * retrieved_attrs
 *		Attribute numbers the scan must convert (whole row: all)
 */
static List *
retrieved_attrs(PlannerInfo *root, RelOptInfo *baserel, Relation rel,
				List *local_quals)
{
	Bitmapset  *attrs = NULL;
	List	   *result = NIL;
	int			i;
	bool		whole_row;

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
	pull_varattnos((Node *) local_quals, baserel->relid, &attrs);
	whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);
	for (i = 1; i <= RelationGetNumberOfAttributes(rel); i++)
	{
		if (TupleDescAttr(RelationGetDescr(rel), i - 1)->attisdropped)
			continue;
		if (whole_row ||
			bms_is_member(i - FirstLowInvalidHeapAttributeNumber, attrs))
			result = lappend_int(result, i);
	}
	return result;
}

/*
 * snowfdwGetForeignPlan
 *		Build the plan: every qual stays a local check
 *
 * Pushed-down quals only narrow the requests, so PostgreSQL rechecks them
 * all; join clauses of a parameterized path become request values through
 * fdw_exprs.
 */
static ForeignScan *
snowfdwGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
					  Oid foreigntableid, ForeignPath *best_path,
					  List *tlist, List *scan_clauses, Plan *outer_plan)
{
	SnowfdwPlanState *state = baserel->fdw_private;
	SnowfdwPushdown pushdown;
	List	   *local_quals = extract_actual_clauses(scan_clauses, false);
	List	   *fdw_exprs;
	List	   *fdw_private;
	List	   *retrieved;
	Relation	rel;

	memset(&pushdown, 0, sizeof(pushdown));
	pushdown.info = state->info;
	snowfdw_classify_quals(root, baserel, scan_clauses, &pushdown,
						   state->options);
	/* a path listing the outer row's scope checks the name locally */
	if (list_length(best_path->fdw_private) > 1 &&
		intVal(lsecond(best_path->fdw_private)) == 1)
		pushdown.name_expr = NULL;
	if (best_path->path.param_info == NULL)
		snowfdw_query_limit(root, baserel, &pushdown);

	rel = table_open(foreigntableid, NoLock);
	retrieved = retrieved_attrs(root, baserel, rel, local_quals);
	table_close(rel, NoLock);
	fdw_private = snowfdw_scan_private(&pushdown, retrieved,
									   snowfdw_describe_requests(&pushdown,
																 state->options->page_size),
									   linitial(best_path->fdw_private),
									   &fdw_exprs);

	return make_foreignscan(tlist, local_quals, baserel->relid, fdw_exprs,
							fdw_private, NIL, NIL, outer_plan);
}

/*
 * snowfdwIsForeignPathAsyncCapable
 *		Whether an Append may run this scan at once with its siblings
 */
static bool
snowfdwIsForeignPathAsyncCapable(ForeignPath *path)
{
	SnowfdwPlanState *state = path->path.parent->fdw_private;

	return state->options->async_capable;
}

/*
 * snowfdw_scan_private
 *		The fdw_private list of a scan, and its fdw_exprs: the pushdown, the
 *		attributes converted, the requests for EXPLAIN and the requests the
 *		planner expected (a Float), in the order of SnowfdwScanPrivateIndex
 */
List *
snowfdw_scan_private(SnowfdwPushdown *pushdown, List *retrieved,
					 char *explain, Node *requests, List **fdw_exprs)
{
	List	   *counts = NIL;
	List	   *private;
	int			level;

	*fdw_exprs = NIL;
	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
	{
		List	   *exprs = pushdown->scope_exprs[level];

		counts = lappend(counts,
						 makeInteger(exprs == NIL ? -1 : list_length(exprs)));
		*fdw_exprs = list_concat(*fdw_exprs, list_copy(exprs));
	}
	if (pushdown->name_expr)
		*fdw_exprs = lappend(*fdw_exprs, pushdown->name_expr);
	*fdw_exprs = list_concat(*fdw_exprs, list_copy(pushdown->filter_exprs));
	if (pushdown->limit_expr)
		*fdw_exprs = lappend(*fdw_exprs, pushdown->limit_expr);
	if (pushdown->offset_expr)
		*fdw_exprs = lappend(*fdw_exprs, pushdown->offset_expr);

	private = list_make5(makeInteger(pushdown->info->kind),
						 counts,
						 makeInteger(pushdown->name_expr != NULL),
						 makeString(pushdown->like ? pushdown->like : ""),
						 makeString(pushdown->starts_with ? pushdown->starts_with : ""));
	private = lappend(private, makeString(pushdown->pattern ? pushdown->pattern : ""));
	private = lappend(private, makeInteger(pushdown->history));
	private = lappend(private, makeString(psprintf(INT64_FORMAT, pushdown->limit)));
	{
		List	   *ops = NIL;
		ListCell   *lc;

		foreach(lc, pushdown->filter_ops)
			ops = lappend(ops, makeInteger((int) lfirst_oid(lc)));
		private = lappend(private, ops);
	}
	private = lappend(private,
					  makeInteger((pushdown->limit_expr ? 1 : 0) |
								  (pushdown->offset_expr ? 2 : 0)));
	private = lappend(private, retrieved);
	private = lappend(private, makeString(explain));
	private = lappend(private, copyObject(requests));
	return private;
}

/*
 * empty_to_null
 *		NULL for an empty string from fdw_private
 */
static char *
empty_to_null(Node *node)
{
	char	   *s = strVal(node);

	return s[0] ? s : NULL;
}

/*
 * snowfdw_pushdown_from_private
 *		Rebuild a pushdown from fdw_private; exprs stay as given
 *
 * fdw_exprs may be the planned expressions or their ExprStates: the
 * caller evaluates them.
 */
void
snowfdw_pushdown_from_private(List *private, List *fdw_exprs,
							  SnowfdwPushdown *pushdown)
{
	List	   *counts = list_nth(private, SnowfdwScanPrivateScopeCounts);
	int			pos = 0;
	int			level;
	ListCell   *lc;
	int			limit_exprs;

	memset(pushdown, 0, sizeof(SnowfdwPushdown));
	pushdown->info = snowfdw_object_info(intVal(list_nth(private, SnowfdwScanPrivateKind)));
	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
	{
		int			n = intVal(list_nth(counts, level));

		if (n > 0)
		{
			pushdown->scope_exprs[level] = list_copy_head(list_copy_tail(fdw_exprs, pos), n);
			pos += n;
		}
	}
	if (intVal(list_nth(private, SnowfdwScanPrivateHasName)))
		pushdown->name_expr = list_nth(fdw_exprs, pos++);
	foreach(lc, (List *) list_nth(private, SnowfdwScanPrivateFilterOps))
	{
		pushdown->filter_ops = lappend_oid(pushdown->filter_ops,
										   (Oid) intVal(lfirst(lc)));
		pushdown->filter_exprs = lappend(pushdown->filter_exprs,
										 list_nth(fdw_exprs, pos++));
	}
	limit_exprs = intVal(list_nth(private, SnowfdwScanPrivateLimitExprs));
	if (limit_exprs & 1)
		pushdown->limit_expr = list_nth(fdw_exprs, pos++);
	if (limit_exprs & 2)
		pushdown->offset_expr = list_nth(fdw_exprs, pos++);
	pushdown->like = empty_to_null(list_nth(private, SnowfdwScanPrivateLike));
	pushdown->starts_with = empty_to_null(list_nth(private, SnowfdwScanPrivateStartsWith));
	pushdown->pattern = empty_to_null(list_nth(private, SnowfdwScanPrivatePattern));
	pushdown->history = intVal(list_nth(private, SnowfdwScanPrivateHistory)) != 0;
	pushdown->limit = pg_strtoint64(strVal(list_nth(private, SnowfdwScanPrivateLimit)));
}

