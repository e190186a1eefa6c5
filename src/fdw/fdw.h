/*-------------------------------------------------------------------------
 *
 * fdw.h
 *		  Declarations shared by the files of the FDW layer
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/fdw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_FDW_H
#define SNOWFDW_FDW_H

#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"

#include "calls/connection.h"
#include "model/objects.h"
#include "model/options.h"
#include "transport/json.h"

/* Indexes of the fdw_private list of a scan */
enum SnowfdwScanPrivateIndex
{
	SnowfdwScanPrivateKind,		/* Integer: SnowfdwObjectKind */
	SnowfdwScanPrivateScopeCounts,	/* List of Integer: fdw_exprs per scope
									 * level, -1 to enumerate */
	SnowfdwScanPrivateHasName,	/* Integer: last fdw_expr is the name */
	SnowfdwScanPrivateLike,		/* String, "" for none */
	SnowfdwScanPrivateStartsWith,	/* String, "" for none */
	SnowfdwScanPrivatePattern,	/* String, "" for none */
	SnowfdwScanPrivateHistory,	/* Integer (bool) */
	SnowfdwScanPrivateLimit,	/* String: int64 rows needed, -1 for none */
	SnowfdwScanPrivateFilterOps,	/* List of Integer: operators of the
									 * run-time name filters, whose values
									 * follow the name in fdw_exprs */
	SnowfdwScanPrivateLimitExprs,	/* Integer: 1 LIMIT, 2 OFFSET expression
									 * last in fdw_exprs */
	SnowfdwScanPrivateRetrieved,	/* List of Integer: attnums converted */
	SnowfdwScanPrivateExplain,	/* String: the requests, for EXPLAIN */
	SnowfdwScanPrivateRequests	/* Float: requests the planner expected */
};

/* in deparse.c */
typedef struct SnowfdwPushdown
{
	const SnowfdwObjectInfo *info;
	List	   *scope_exprs[SNOWFDW_MAX_SCOPES];	/* NIL: enumerate */
	Expr	   *name_expr;		/* name = value: use the fetch call */
	char	   *like;
	char	   *starts_with;
	char	   *pattern;
	bool		history;
	int64		limit;			/* rows the query needs, or -1 */
	/* values known only when the scan starts (parameters, stable calls) */
	List	   *filter_ops;		/* name LIKE/ILIKE/~ value: operator OIDs */
	List	   *filter_exprs;	/* ... and the values */
	Expr	   *limit_expr;		/* LIMIT of a generic plan, or NULL */
	Expr	   *offset_expr;	/* its OFFSET, or NULL */
} SnowfdwPushdown;

extern void snowfdw_apply_name_filter(SnowfdwPushdown *pushdown, Oid opno,
									  const char *value);

extern void snowfdw_classify_quals(PlannerInfo *root, RelOptInfo *baserel,
								   List *clauses, SnowfdwPushdown *pushdown,
								   SnowfdwOptions *options);
extern bool snowfdw_is_scope_or_name_clause(PlannerInfo *root,
											RelOptInfo *baserel,
											RestrictInfo *rinfo,
											const SnowfdwObjectInfo *info);
extern int	snowfdw_clause_scope_level(PlannerInfo *root, RelOptInfo *baserel,
									   RestrictInfo *rinfo,
									   const SnowfdwObjectInfo *info,
									   Expr **value);
extern void snowfdw_query_limit(PlannerInfo *root, RelOptInfo *baserel,
								SnowfdwPushdown *pushdown);
extern char *snowfdw_describe_requests(SnowfdwPushdown *pushdown,
									   int page_size);
extern int64 snowfdw_rows_needed(int64 count, int64 offset);
extern char *snowfdw_list_path(SnowfdwPushdown *pushdown,
							   const char *const *scope, int page_size,
							   const char *from_name, int64 *show_limit);

/* in estimate.c */
typedef struct SnowfdwEstimate
{
	double		rows;
	double		requests;
	double		rounds;			/* of up to max_concurrency requests */
} SnowfdwEstimate;

extern void snowfdw_estimate_scan(SnowfdwPushdown *pushdown,
								  SnowfdwOptions *options,
								  const SnowfdwSigner *signer,
								  SnowfdwEstimate *est);
extern void snowfdw_scan_cost(SnowfdwOptions *options,
							  const SnowfdwSigner *signer,
							  SnowfdwEstimate *est, Cost *startup,
							  Cost *total);

/* in analyze.c */
extern bool snowfdw_analyze_foreign_table(Relation relation,
										  AcquireSampleRowsFunc *func,
										  BlockNumber *totalpages);

/* in scan.c */
typedef struct SnowfdwFetcher SnowfdwFetcher;
extern SnowfdwFetcher *snowfdw_fetcher_begin(SnowfdwConnection *conn,
											 SnowfdwPushdown *pushdown,
											 List **scope_values,
											 bool *scope_from_options,
											 List *names,
											 MemoryContext batch_cxt);
extern void snowfdw_fetcher_set_cache_ttl(SnowfdwFetcher *fetcher,
										  int cache_ttl, int cache_stale_ttl);
extern SnowfdwJson *snowfdw_fetcher_next(SnowfdwFetcher *fetcher,
										 char ***scope, bool nowait,
										 bool *waiting);
extern void snowfdw_fetcher_send(SnowfdwFetcher *fetcher);
extern void snowfdw_fetcher_end(SnowfdwFetcher *fetcher);

/* in siblings.c */
typedef struct SnowfdwSiblings SnowfdwSiblings;
extern SnowfdwSiblings *snowfdw_siblings_join(EState *estate, Plan *plan,
											  void *scan);
extern List *snowfdw_siblings_first_read(SnowfdwSiblings *group, void *scan);
extern void snowfdw_siblings_rescan(SnowfdwSiblings *group);

/* in plan.c */
extern void snowfdw_set_plan_routines(FdwRoutine *routine);
extern List *snowfdw_scan_private(SnowfdwPushdown *pushdown, List *retrieved,
								  char *explain, Node *requests,
								  List **fdw_exprs);
extern void snowfdw_pushdown_from_private(List *private, List *fdw_exprs,
										  SnowfdwPushdown *pushdown);

/* in import.c */
extern void snowfdw_set_import_routines(FdwRoutine *routine);

/* in modify.c */
extern void snowfdw_modify_init(void);
extern void snowfdw_set_modify_routines(FdwRoutine *routine);

/* in worker.c */
extern PGDLLEXPORT void snowfdw_refresh_main(Datum arg);

#endif							/* SNOWFDW_FDW_H */
