/*-------------------------------------------------------------------------
 *
 * analyze.c
 *		  ANALYZE of snowfdw foreign tables: a sample of the listing
 *
 * ANALYZE lists the table's scope as a scan without quals would, through
 * the same fetcher (concurrency, retries, streaming), and keeps a reservoir
 * sample of its rows (Vitter's algorithm, as PostgreSQL's own ANALYZE
 * does), so pg_class.reltuples and pg_statistic describe the account.
 * Rows that are not sampled are never converted.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/analyze.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "foreign/foreign.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

#include "calls/connection.h"
#include "fdw/fdw.h"
#include "model/mapping.h"
#include "model/objects.h"
#include "model/options.h"
#include "transport/json.h"

static int	acquire_sample_rows(Relation relation, int elevel,
								HeapTuple *rows, int targrows,
								double *totalrows, double *totaldeadrows);

/*
 * snowfdw_analyze_foreign_table
 *		AnalyzeForeignTable callback: every snowfdw table can be sampled
 */
bool
snowfdw_analyze_foreign_table(Relation relation, AcquireSampleRowsFunc *func,
							  BlockNumber *totalpages)
{
	*func = acquire_sample_rows;
	*totalpages = 1;
	return true;
}

/*
 * analyze_pushdown
 *		The pushdown of a scan without quals, and the scope values the
 *		table's options fix
 */
static void
analyze_pushdown(Relation relation, SnowfdwOptions *options,
				 SnowfdwPushdown *pushdown, List **scope_values,
				 bool *scope_from_options)
{
	const char *scope_options[SNOWFDW_MAX_SCOPES];
	int			level;

	memset(pushdown, 0, sizeof(SnowfdwPushdown));
	pushdown->info = snowfdw_relation_object(relation, options);
	snowfdw_classify_quals(NULL, NULL, NIL, pushdown, options);
	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
		scope_options[level] = snowfdw_scope_option(options, level);
	for (level = 0; level < pushdown->info->nscopes; level++)
	{
		if (scope_options[level] == NULL)
			continue;
		scope_values[level] = list_make1(pstrdup(scope_options[level]));
		scope_from_options[level] = true;
	}
}

/*
 * reservoir_slot
 *		Where a listed row goes in the sample, or -1 to skip it
 *
 * The first targrows rows fill the reservoir; after that, rows are skipped
 * or replace a random one (whose tuple is freed here), as Vitter's
 * algorithm says.  listed counts the rows before this one.
 */
static int
reservoir_slot(ReservoirState rstate, HeapTuple *rows, int targrows,
			   int *nsampled, double listed, double *rowstoskip)
{
	int			pos = -1;

	if (*nsampled < targrows)
		pos = (*nsampled)++;
	else
	{
		/* the reservoir is full: skip rows, or replace a random one */
		if (*rowstoskip < 0)
			*rowstoskip = reservoir_get_next_S(rstate, listed, targrows);
		if (*rowstoskip <= 0)
		{
			pos = (int) (targrows * sampler_random_fract(&rstate->randstate));
			heap_freetuple(rows[pos]);
		}
		*rowstoskip -= 1;
	}
	return pos;
}

/*
 * acquire_sample_rows
 *		List the table's scope and keep a reservoir sample of targrows rows
 */
static int
acquire_sample_rows(Relation relation, int elevel, HeapTuple *rows,
					int targrows, double *totalrows, double *totaldeadrows)
{
	Oid			relid = RelationGetRelid(relation);
	ForeignTable *table = GetForeignTable(relid);
	SnowfdwOptions *options = snowfdw_get_options(table->serverid,
												  InvalidOid, relid);
	SnowfdwConnection *conn = snowfdw_get_connection(table->serverid,
													 GetUserId());
	TupleDesc	tupdesc = RelationGetDescr(relation);
	List	   *scope_values[SNOWFDW_MAX_SCOPES] = {NIL, NIL, NIL};
	bool		scope_from_options[SNOWFDW_MAX_SCOPES] = {false, false, false};
	SnowfdwPushdown pushdown;
	SnowfdwRowConverter *conv;
	SnowfdwFetcher *fetcher;
	ReservoirStateData rstate;
	MemoryContext batch_cxt;
	MemoryContext row_cxt;
	MemoryContext oldcxt;
	Datum	   *values = palloc(sizeof(Datum) * tupdesc->natts);
	bool	   *nulls = palloc(sizeof(bool) * tupdesc->natts);
	double		listed = 0;
	double		rowstoskip = -1;
	int			nsampled = 0;

	analyze_pushdown(relation, options, &pushdown, scope_values,
					 scope_from_options);
	conv = snowfdw_row_converter(relation, pushdown.info, NIL);
	batch_cxt = AllocSetContextCreate(CurrentMemoryContext,
									  "snowfdw batch data",
									  ALLOCSET_DEFAULT_SIZES);
	row_cxt = AllocSetContextCreate(CurrentMemoryContext,
									"snowfdw tuple data",
									ALLOCSET_DEFAULT_SIZES);
	fetcher = snowfdw_fetcher_begin(conn, &pushdown, scope_values,
									scope_from_options, NIL, batch_cxt);
	reservoir_init_selection_state(&rstate, targrows);

	for (;;)
	{
		char	  **scope;
		bool		waiting;
		SnowfdwJson *row = snowfdw_fetcher_next(fetcher, &scope, false,
												&waiting);
		int			pos;

		if (row == NULL)
			break;
		CHECK_FOR_INTERRUPTS();
		pos = reservoir_slot(&rstate, rows, targrows, &nsampled, listed,
							 &rowstoskip);
		listed += 1;
		if (pos < 0)
			continue;

		MemoryContextReset(row_cxt);
		oldcxt = MemoryContextSwitchTo(row_cxt);
		snowfdw_convert_row(conv, tupdesc, row, scope, values, nulls);
		MemoryContextSwitchTo(oldcxt);
		rows[pos] = heap_form_tuple(tupdesc, values, nulls);
	}
	snowfdw_fetcher_end(fetcher);
	MemoryContextDelete(row_cxt);
	MemoryContextDelete(batch_cxt);

	*totalrows = listed;
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg("\"%s\": listed %.0f rows, %d rows in sample",
					RelationGetRelationName(relation), listed, nsampled)));
	return nsampled;
}
