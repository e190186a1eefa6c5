/*-------------------------------------------------------------------------
 *
 * estimate.c
 *		  What the planner is told a scan costs: rows, requests, rounds
 *
 * Row counts come, best first, from ANALYZE (reltuples scaled by the
 * selectivity of the quals), from the counts this backend saw in earlier
 * complete listings of the same scope, or from per-level defaults.  A
 * scan's cost counts its requests in rounds of max_concurrency (levels of
 * enumeration and keyset pages run one after the other) at the server's
 * request_cost, plus its rows at row_cost.  Without a request_cost option,
 * a request costs what this backend has measured: a moving average of the
 * server's response time, so the same query plans differently against a
 * server 1 ms away and one 100 ms away.
 *
 * The remembered counts and latencies are backend-local and bounded: a
 * hash table of at most SNOWFDW_MAX_REMEMBERED entries, cleared when full.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/estimate.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "snowfdw.h"

/* Planner cost of one millisecond of request latency */
#define SNOWFDW_COST_PER_MS 10.0
/* Cost of a request before any was measured: about 10 ms */
#define SNOWFDW_DEFAULT_REQUEST_COST 100.0
/* Guesses where nothing better is known */
#define SNOWFDW_DEFAULT_CHILDREN 10.0
#define SNOWFDW_DEFAULT_ROWS 100.0
#define SNOWFDW_FILTERED_FRACTION 0.1
/* Bound of the remembered counts */
#define SNOWFDW_MAX_REMEMBERED 4096
#define SNOWFDW_SCOPE_KEY_LEN 256

/* A count seen by a complete listing, or a server's latency */
typedef struct RememberedKey
{
	Oid			serverid;
	int			kind;			/* SnowfdwObjectKind; -1 for the latency */
	char		scope[SNOWFDW_SCOPE_KEY_LEN];	/* names joined by '/' */
} RememberedKey;

typedef struct RememberedEntry
{
	RememberedKey key;
	double		value;			/* rows, or milliseconds */
	double		samples;		/* averages: how many values it holds */
} RememberedEntry;

static HTAB *remembered = NULL;

/* Parent kind listed to enumerate each scope level */
static const SnowfdwObjectKind level_kinds[SNOWFDW_MAX_SCOPES] = {
	SNOWFDW_OBJECT_DATABASES, SNOWFDW_OBJECT_SCHEMAS, SNOWFDW_OBJECT_STAGES
};

/*
 * remembered_entry
 *		Find or (with create) make an entry; NULL if absent
 */
static RememberedEntry *
remembered_entry(Oid serverid, int kind, const char *scope, bool create)
{
	RememberedKey key;
	bool		found;

	if (remembered == NULL)
	{
		HASHCTL		ctl;

		if (!create)
			return NULL;
		ctl.keysize = sizeof(RememberedKey);
		ctl.entrysize = sizeof(RememberedEntry);
		remembered = hash_create("snowfdw remembered counts", 256, &ctl,
								 HASH_ELEM | HASH_BLOBS);
	}
	/* a scope too long to be a key is simply not remembered */
	if (strlen(scope) >= SNOWFDW_SCOPE_KEY_LEN)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.serverid = serverid;
	key.kind = kind;
	strlcpy(key.scope, scope, sizeof(key.scope));
	if (create && hash_get_num_entries(remembered) >= SNOWFDW_MAX_REMEMBERED)
	{
		hash_destroy(remembered);
		remembered = NULL;
		return remembered_entry(serverid, kind, scope, true);
	}
	{
		RememberedEntry *entry = hash_search(remembered, &key,
											 create ? HASH_ENTER : HASH_FIND,
											 &found);

		if (create && !found)
		{
			entry->value = 0;
			entry->samples = 0;
		}
		return entry;
	}
}

/*
 * scope_key
 *		Key text of the first n scope names: "SALES/PUBLIC"
 */
static char *
scope_key(char *const *scope, int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, '/');
		appendStringInfoString(&buf, scope[i]);
	}
	return buf.data;
}

/*
 * average_key
 *		Key text of the average over every scope of a depth: "*2"
 */
static char *
average_key(int depth)
{
	return psprintf("*%d", depth);
}

/*
 * snowfdw_note_listing
 *		Remember how many objects a complete listing of a scope gave
 *
 * Also kept: the average over the scopes of that depth, for scans whose
 * scope is not known when they are planned (enumerated or a join's).
 */
void
snowfdw_note_listing(Oid serverid, SnowfdwObjectKind kind,
					 char *const *scope, int nscopes, double rows)
{
	RememberedEntry *entry = remembered_entry(serverid, kind,
											  scope_key(scope, nscopes), true);
	RememberedEntry *average;
	double		previous = -1;

	if (entry == NULL)
		return;
	if (entry->samples > 0)
		previous = entry->value;
	entry->value = rows;
	entry->samples = 1;
	average = remembered_entry(serverid, kind, average_key(nscopes), true);
	if (average == NULL)
		return;
	/* a scope listed again replaces its share of the average */
	if (previous >= 0)
		average->value += (rows - previous) / Max(average->samples, 1);
	else
	{
		average->samples += 1;
		average->value += (rows - average->value) / average->samples;
	}
}

/*
 * snowfdw_note_latency
 *		Fold a request's response time into its server's moving average
 */
void
snowfdw_note_latency(Oid serverid, double ms)
{
	RememberedEntry *entry = remembered_entry(serverid, -1, "", false);

	if (entry == NULL)
	{
		entry = remembered_entry(serverid, -1, "", true);
		if (entry)
		{
			entry->value = ms;
			entry->samples = 1;
		}
		return;
	}
	entry->value = 0.8 * entry->value + 0.2 * ms;
}

/*
 * remembered_value
 *		A remembered count of a kind under a scope prefix, or -1
 *
 * With an unknown prefix (NULL scope), the average over all prefixes of
 * that depth.
 */
static double
remembered_value(Oid serverid, int kind, char *const *scope, int n)
{
	RememberedEntry *entry;

	entry = remembered_entry(serverid, kind,
							 (scope || n == 0) ? scope_key(scope, n) :
							 average_key(n), false);
	return (entry && entry->samples > 0) ? entry->value : -1;
}

/*
 * snowfdw_request_cost
 *		Planner cost of one request to a server
 */
double
snowfdw_request_cost(SnowfdwOptions *options, Oid serverid)
{
	double		ms;

	if (options->request_cost >= 0)
		return options->request_cost;
	ms = remembered_value(serverid, -1, NULL, 0);
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
estimate_scopes(SnowfdwPushdown *pushdown, Oid serverid, double concurrency,
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
				children = remembered_value(serverid, level_kinds[level],
											prefix, level);
			if (children < 0)
				children = remembered_value(serverid, level_kinds[level],
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
 * serverid finds the remembered counts; page_size and max_concurrency come
 * from options.  tuples is reltuples when the table was analyzed, else -1.
 */
void
snowfdw_estimate_scan(SnowfdwPushdown *pushdown, SnowfdwOptions *options,
					  Oid serverid, SnowfdwEstimate *est)
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
	scopes = estimate_scopes(pushdown, serverid, concurrency, est, prefix,
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
		remembered_value(serverid, info->kind, prefix, info->nscopes) : -1;
	if (per_scope < 0)
		per_scope = remembered_value(serverid, info->kind, NULL, info->nscopes);
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
snowfdw_scan_cost(SnowfdwOptions *options, Oid serverid,
				  SnowfdwEstimate *est, Cost *startup, Cost *total)
{
	double		request_cost = snowfdw_request_cost(options, serverid);
	double		row_cost = options->row_cost >= 0 ? options->row_cost :
		cpu_tuple_cost;

	*startup = request_cost;
	*total = est->rounds * request_cost + est->rows * row_cost;
}
