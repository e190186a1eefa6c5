/*-------------------------------------------------------------------------
 *
 * writestmt.c
 *		  The statement around the writes: the ExecutorRun hook
 *
 * An error raised while a statement runs (its scan, another node of the
 * plan, a cancel) is decorated by an ExecutorRun hook with the objects
 * every modification of the statement's EState changed, which the states
 * register for (modify_states); each state's lists are added once.  The
 * hook also ends the pipelines once the plan has run, before the command
 * tag is read from es_processed.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/writestmt.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "calls/connection.h"
#include "calls/rest.h"
#include "calls/write.h"
#include "compat.h"
#include "fdw/fdw.h"
#include "fdw/modify.h"
#include "model/mapping.h"
#include "model/objects.h"
#include "model/options.h"
#include "model/writemap.h"
#include "transport/json.h"


static SnowfdwModifyState *modify_states = NULL;

/* The ExecutorRun hook this library replaced */
static ExecutorRun_hook_type prev_executor_run = NULL;

static void run_executor(SNOWFDW_EXECUTOR_RUN_PARAMS);

/*
 * snowfdw_modify_init
 *		Module load: the ExecutorRun hook (see run_executor)
 *
 * Loaded at the latest when a statement that uses snowfdw is planned, so
 * before that statement's ExecutorRun.
 */
void
snowfdw_modify_init(void)
{
	prev_executor_run = ExecutorRun_hook;
	ExecutorRun_hook = run_executor;
}

/*
 * forget_state
 *		Unregister a modification whose statement's memory goes
 */
static void
forget_state(void *arg)
{
	SnowfdwModifyState *state = arg;
	SnowfdwModifyState **link;

	for (link = &modify_states; *link != NULL; link = &(*link)->next)
	{
		if (*link == state)
		{
			*link = state->next;
			break;
		}
	}
}

/*
 * snowfdw_modify_register_state
 *		Make a modification known to the ExecutorRun hook of its statement,
 *		until the statement's memory goes (on success or error)
 */
void
snowfdw_modify_register_state(SnowfdwModifyState *state)
{
	MemoryContextCallback *callback;

	callback = MemoryContextAllocZero(state->estate->es_query_cxt,
									  sizeof(MemoryContextCallback));
	callback->func = forget_state;
	callback->arg = state;
	MemoryContextRegisterResetCallback(state->estate->es_query_cxt, callback);
	state->next = modify_states;
	modify_states = state;
}

/*
 * finish_statement
 *		The plan of a statement has run: end its pipelines, and take the
 *		rows a pipelined UPDATE counted for schemas found gone off the
 *		count
 *
 * ProcessQuery and SPI read es_processed for the command tag right after
 * ExecutorRun, before ExecutorEnd (where EndForeignModify runs): what the
 * calls still in flight say must be known by then.  A failure among them
 * is raised here, with its lists.
 */
static void
finish_statement(EState *estate)
{
	SnowfdwModifyState *state;

	for (state = modify_states; state != NULL; state = state->next)
	{
		if (state->estate != estate || state->reported)
			continue;
		if (state->window > 1)
			(void) snowfdw_modify_run_row_action(state, snowfdw_pipeline_finish, NULL, NULL);
		if (state->vanished > 0 && state->can_set_tag)
		{
			uint64		gone = Min((uint64) state->vanished,
								   estate->es_processed);

			snowfdw_uncount_processed(estate, gone);
		}
		state->vanished = 0;
	}
}

/*
 * rethrow_for_statement
 *		Re-raise an error of a statement's ExecutorRun with the lists of its
 *		modifications not yet reported (see snowfdw_modify_rethrow_with_lists)
 *
 * Called in PG_CATCH.  This is how an error raised outside the
 * modifications' callbacks (the scan under an UPDATE or DELETE, another
 * node of the plan, a cancel) names what the statement changed.
 */
static void
rethrow_for_statement(EState *estate, MemoryContext cxt)
{
	SnowfdwModifyState *state;
	SnowfdwModifyState **states;
	int			n = 0;
	int			i;

	for (state = modify_states; state != NULL; state = state->next)
		if (state->estate == estate && !state->reported)
			n++;
	if (n == 0)
		PG_RE_THROW();
	MemoryContextSwitchTo(cxt);
	states = palloc(sizeof(SnowfdwModifyState *) * n);
	n = 0;
	/* in the order the modifications began (the list is newest first) */
	for (state = modify_states; state != NULL; state = state->next)
		if (state->estate == estate && !state->reported)
			states[n++] = state;
	for (i = 0; i < n / 2; i++)
	{
		SnowfdwModifyState *swap = states[i];

		states[i] = states[n - 1 - i];
		states[n - 1 - i] = swap;
	}
	snowfdw_modify_rethrow_with_lists(states, n, cxt);
}

/*
 * run_executor
 *		ExecutorRun hook: report what the statement's modifications did when
 *		its plan fails, and end their pipelines when it has run
 *
 * Installed when the library loads; chains to the hook it replaced.
 */
static void
run_executor(SNOWFDW_EXECUTOR_RUN_PARAMS)
{
	EState	   *estate = queryDesc->estate;
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		if (prev_executor_run)
			prev_executor_run(SNOWFDW_EXECUTOR_RUN_ARGS);
		else
			standard_ExecutorRun(SNOWFDW_EXECUTOR_RUN_ARGS);
		if (modify_states != NULL)
			finish_statement(estate);
	}
	PG_CATCH();
	{
		rethrow_for_statement(estate, cxt);
	}
	PG_END_TRY();
}

