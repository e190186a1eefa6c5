/*-------------------------------------------------------------------------
 *
 * estimate.c
 *		  What the planner is told a scan costs: rows, requests, rounds
 *
 * Row counts come, best first, from ANALYZE (reltuples scaled by the
 * selectivity of the quals), from the counts seen in earlier complete
 * listings of the same scope (measured.c), or from per-level defaults.  A
 * scan's cost counts its requests in rounds of max_concurrency (levels of
 * enumeration and keyset pages run one after the other) at the server's
 * request_cost, plus its rows at row_cost.  Without a request_cost option,
 * a request costs what was measured (measured.c: shared by every backend
 * when preloaded): a moving average of the server's response time, so the
 * same query plans differently against a server 1 ms away and one 100 ms
 * away.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/estimate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "fdw/fdw.h"
#include "model/objects.h"
#include "model/options.h"
#include "shmem/measured.h"

static double snowfdw_request_cost(SnowfdwOptions *options,
								   const SnowfdwSigner *signer);

/* Planner cost of one millisecond of request latency */
#define SNOWFDW_COST_PER_MS 10.0
/* Cost of a request before any was measured: about 10 ms */
#define SNOWFDW_DEFAULT_REQUEST_COST 100.0
/* Guesses where nothing better is known */
#define SNOWFDW_DEFAULT_CHILDREN 10.0
#define SNOWFDW_DEFAULT_ROWS 100.0
#define SNOWFDW_FILTERED_FRACTION 0.1
/* Parent kind listed to enumerate each scope level */
static const SnowfdwObjectKind level_kinds[SNOWFDW_MAX_SCOPES] = {
	SNOWFDW_OBJECT_DATABASES, SNOWFDW_OBJECT_SCHEMAS, SNOWFDW_OBJECT_STAGES
};

/*
 * snowfdw_request_cost
 *		Planner cost of one request to a server
 */
static double
snowfdw_request_cost(SnowfdwOptions *options, const SnowfdwSigner *signer)
{
	double		ms;

	if (options->request_cost >= 0)
		return options->request_cost;
	ms = snowfdw_measured_value(signer, -1, NULL, 0);
	if (ms < 0)
		return SNOWFDW_DEFAULT_REQUEST_COST;
	/* never below a local page read: a request is a round trip */
	return Max(ms * SNOWFDW_COST_PER_MS, 1.0);
}

/*
 * const_text
 *		The text of a constant scope value, or NULL
 */
static char *
const_text(Expr *expr)
{
	Const	   *c;

	while (expr && IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	if (expr == NULL || !IsA(expr, Const))
		return NULL;
	c = (Const *) expr;
	if (c->constisnull || (c->consttype != TEXTOID && c->consttype != VARCHAROID))
		return NULL;
	return TextDatumGetCString(c->constvalue);
}

/*
 * value_count
 *		How many values a scope or name expression stands for
 *
 * An IN list is one array: its elements count when they are known.
 */
static double
value_count(Expr *expr)
{
	while (expr && IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	if (expr && IsA(expr, ArrayExpr))
		return list_length(((ArrayExpr *) expr)->elements);
	if (expr && IsA(expr, Const) && !((Const *) expr)->constisnull &&
		type_is_array(((Const *) expr)->consttype))
		return ArrayGetNItems(ARR_NDIM(DatumGetArrayTypeP(((Const *) expr)->constvalue)),
							  ARR_DIMS(DatumGetArrayTypeP(((Const *) expr)->constvalue)));
	return 1;
}

/*
 * estimate_scopes
 *		How many scopes a scan reads from, and the requests that enumerate
 *		them
 *
 * Levels with path values count those values; the others are listed once
 * per parent scope, which adds to est's requests and rounds.  prefix gets
 * the constant scope names that lead to the scopes, and *prefix_known
 * says whether all of them are known, so remembered counts of that very
 * scope can be used.
 */
static double
estimate_scopes(SnowfdwPushdown *pushdown, const SnowfdwSigner *signer,
				double concurrency,
				SnowfdwEstimate *est, char **prefix, bool *prefix_known)
{
	const SnowfdwObjectInfo *info = pushdown->info;
	double		scopes = 1.0;
	int			level;

	for (level = 0; level < info->nscopes; level++)
	{
		List	   *exprs = pushdown->scope_exprs[level];
		double		children = -1;

		if (exprs != NIL)
		{
			ListCell   *lc;

			children = 0;
			foreach(lc, exprs)
				children += value_count(lfirst(lc));
			if (list_length(exprs) == 1 && children == 1 && *prefix_known)
				prefix[level] = const_text(linitial(exprs));
			else
				*prefix_known = false;
			if (prefix[level] == NULL)
				*prefix_known = false;
		}
		else
		{
			/* one listing of the level per parent scope */
			est->requests += scopes;
			est->rounds += ceil(scopes / concurrency);
			if (*prefix_known)
				children = snowfdw_measured_value(signer,
												  level_kinds[level],
												  prefix, level);
			if (children < 0)
				children = snowfdw_measured_value(signer,
												  level_kinds[level],
												  NULL, level);
			if (children < 0)
				children = SNOWFDW_DEFAULT_CHILDREN;
			*prefix_known = false;
		}
		scopes *= Max(children, 1.0);
	}
	return scopes;
}

/*
 * snowfdw_estimate_scan
 *		Rows, requests and rounds of requests of a scan with this pushdown
 *
 * signer (the user's, or NULL when there is none) finds the remembered
 * counts; page_size and max_concurrency come
 * from options.  tuples is reltuples when the table was analyzed, else -1.
 */
void
snowfdw_estimate_scan(SnowfdwPushdown *pushdown, SnowfdwOptions *options,
					  const SnowfdwSigner *signer, SnowfdwEstimate *est)
{
	const SnowfdwObjectInfo *info = pushdown->info;
	double		concurrency = Max(options->max_concurrency, 1);
	double		scopes;
	char	   *prefix[SNOWFDW_MAX_SCOPES] = {NULL, NULL, NULL};
	bool		prefix_known = true;
	double		per_scope;
	double		pages;

	est->requests = 0;
	est->rounds = 0;
	scopes = estimate_scopes(pushdown, signer, concurrency, est, prefix,
							 &prefix_known);

	if (pushdown->name_expr)
	{
		/* a fetch per name and scope: at most one row each */
		double		names = value_count(pushdown->name_expr);

		est->rows = scopes * names;
		est->requests += scopes * names;
		est->rounds += ceil(scopes * names / concurrency);
		return;
	}

	per_scope = prefix_known ?
		snowfdw_measured_value(signer, info->kind, prefix,
							   info->nscopes) : -1;
	if (per_scope < 0)
		per_scope = snowfdw_measured_value(signer, info->kind, NULL,
										   info->nscopes);
	if (per_scope < 0)
		per_scope = SNOWFDW_DEFAULT_ROWS;
	if (pushdown->like || pushdown->starts_with || pushdown->pattern)
		per_scope *= SNOWFDW_FILTERED_FRACTION;
	if (pushdown->limit >= 0)
		per_scope = Min(per_scope, pushdown->limit);
	est->rows = scopes * per_scope;

	/* keyset pages of one scope follow each other */
	pages = 1;
	if ((info->list_params & SNOWFDW_PARAM_SHOW_LIMIT) &&
		(info->list_params & SNOWFDW_PARAM_FROM_NAME))
		pages = Max(1.0, ceil((per_scope + 1) / Max(options->page_size, 1)));
	est->requests += scopes * pages;
	est->rounds += ceil(scopes / concurrency) * pages;
}

/*
 * snowfdw_scan_cost
 *		Startup and total cost of a scan from its estimate
 */
void
snowfdw_scan_cost(SnowfdwOptions *options, const SnowfdwSigner *signer,
				  SnowfdwEstimate *est, Cost *startup, Cost *total)
{
	double		request_cost = snowfdw_request_cost(options, signer);
	double		row_cost = options->row_cost >= 0 ? options->row_cost :
		cpu_tuple_cost;

	*startup = request_cost;
	*total = est->rounds * request_cost + est->rows * row_cost;
}
