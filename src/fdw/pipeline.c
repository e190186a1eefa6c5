/*-------------------------------------------------------------------------
 *
 * pipeline.c
 *		  The write pipeline: rows of INSERT, UPDATE and DELETE with calls in flight
 *
 * Pipelined writes.  Up to "window" rows have calls in flight; a row is
 * returned to the executor once its call is sent, and counted as done in an
 * error's detail once its call has ended well.  After a call has failed,
 * nothing more is sent: the calls in flight are let end, so that what they
 * did is known, and then the failure is raised.  Any other error (one a
 * step raises for an answer, or one raised outside the callbacks) takes
 * the answers that arrived and stops the rest (snowfdw_modify_harvest_calls).  The
 * statement ends the pipeline once its plan has run (finish_statement),
 * or a batch INSERT in its batch; EndForeignModify ends what is left
 * (COPY, which has no ExecutorRun).
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/pipeline.c
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


/*
 * compare_entry_rows
 *		Order pipeline entries by row
 */
static int
compare_entry_rows(const void *a, const void *b)
{
	const SnowfdwPendingRow *ea = *(SnowfdwPendingRow *const *) a;
	const SnowfdwPendingRow *eb = *(SnowfdwPendingRow *const *) b;

	return ea->row < eb->row ? -1 : ea->row > eb->row ? 1 : 0;
}

/*
 * busy_calls
 *		Gather the calls of busy entries, not yet done, for a step, in the
 *		order of their rows (the order they start in); their number
 */
static int
busy_calls(SnowfdwModifyState *state)
{
	SnowfdwPendingRow **busy = state->busy;
	int			n = 0;
	int			i;

	for (i = 0; i < state->window; i++)
		if (state->pending[i].call != NULL && !state->pending[i].call->done)
			busy[n++] = &state->pending[i];
	qsort(busy, n, sizeof(SnowfdwPendingRow *), compare_entry_rows);
	for (i = 0; i < n; i++)
		state->calls[i] = busy[i]->call;
	return n;
}

/*
 * release_entry
 *		Free an entry of the pipeline for another row
 */
static void
release_entry(SnowfdwPendingRow *entry)
{
	entry->call = NULL;
	if (entry->slot != NULL)
		ExecClearTuple(entry->slot);
	MemoryContextReset(entry->cxt);
}

/*
 * send_row_call
 *		Make the call of an action on an entry's object; the next step
 *		sends it
 */
static void
send_row_call(SnowfdwModifyState *state, SnowfdwPendingRow *entry,
			  SnowfdwAction action, char *body, bool retry_safe,
			  bool missing_ok)
{
	MemoryContext oldcxt;

	/* what the error path will need, while an error is still harmless */
	if (action != SNOWFDW_ACTION_FETCH)
		snowfdw_write_begin();
	oldcxt = MemoryContextSwitchTo(entry->cxt);
	entry->action = action;
	entry->call = snowfdw_new_call(snowfdw_action_method(action),
								   snowfdw_write_path(state->info, state->options,
													  action,
													  (const char *const *) entry->scope,
													  action == SNOWFDW_ACTION_CREATE ?
													  NULL : entry->name,
													  state->create_mode),
								   body, retry_safe, missing_ok);
	/* the pipeline raises it once the other calls in flight have ended */
	entry->call->defer_failure = true;
	MemoryContextSwitchTo(oldcxt);
}

/*
 * finish_row_call
 *		Act on the ended call of an entry: note what it did, send an
 *		UPDATE's PUT after its GET, free the entry
 *
 * Runs in the step's context, which holds the answer.
 */
static void
finish_row_call(SnowfdwModifyState *state, SnowfdwPendingRow *entry)
{
	SnowfdwCall *call = entry->call;

	/* as snowfdw_write_call: also after a failure, which may have acted */
	if (entry->action != SNOWFDW_ACTION_FETCH)
		snowfdw_note_write(state->conn, call);
	if (call->failed && state->failure == NULL)
	{
		/* raised once the others end; its entry keeps it for the lists */
		state->failure = call;
		return;
	}
	if (entry->action == SNOWFDW_ACTION_FETCH && !call->failed)
	{
		if (call->status == 404)
		{
			/* dropped since the scan: no PUT, and the row was counted */
			state->vanished++;
		}
		else if (state->failure == NULL)
		{
			SnowfdwJson *current = snowfdw_call_response_object(call);
			MemoryContext oldcxt = MemoryContextSwitchTo(entry->cxt);
			char	   *body;

			/* the definition now, not as scanned: PUT replaces all of it */
			body = snowfdw_replace_body(state->map, entry->slot,
										state->updated, entry->name,
										current);
			MemoryContextSwitchTo(oldcxt);
			/* a full definition: sending it twice gives the same result */
			send_row_call(state, entry, SNOWFDW_ACTION_REPLACE, body, true,
						  false);
			return;
		}
	}
	snowfdw_modify_list_call(state, entry);
	if (entry->action == SNOWFDW_ACTION_CREATE)
		state->inserted[entry->batch_index] = !call->failed &&
			snowfdw_modify_call_created(state, call);
	release_entry(entry);
}

/*
 * step_pipeline
 *		One step of the calls in flight (see snowfdw_step_calls), then act
 *		on those that ended; false when none can go on
 */
static bool
step_pipeline(SnowfdwModifyState *state, bool block)
{
	int			n = busy_calls(state);
	int64		before = state->conn->requests;
	int64		waited = snowfdw_connection_snowflake_wait(state->conn);
	MemoryContext oldcxt;
	bool		more;
	int			i;

	if (n == 0)
		return false;
	oldcxt = MemoryContextSwitchTo(state->step_cxt);
	/* every answer there is taken before anything more is sent */
	more = snowfdw_step_calls(state->conn, state->calls, n,
							  state->failure == NULL, block);
	state->requests += state->conn->requests - before;
	state->snowflake_wait_us +=
		snowfdw_connection_snowflake_wait(state->conn) - waited;
	for (i = 0; i < state->window; i++)
	{
		SnowfdwPendingRow *entry = &state->pending[i];

		if (entry->call != NULL && entry->call->done &&
			entry->call != state->failure)
			finish_row_call(state, entry);
	}
	MemoryContextSwitchTo(oldcxt);
	MemoryContextReset(state->step_cxt);
	return more;
}

/*
 * drive_pipeline
 *		Step until at most max_busy calls are in flight; after a failure,
 *		until none is, and raise it
 *
 * Calls that still wait to be sent when a failure is raised (a retry after
 * a pause) are listed by their earlier attempts (snowfdw_modify_harvest_calls).
 */
static void
drive_pipeline(SnowfdwModifyState *state, int max_busy)
{
	for (;;)
	{
		int			n = busy_calls(state);

		if (n <= max_busy && (state->failure == NULL || n == 0))
			break;
		if (!step_pipeline(state, true))
			break;
	}
	if (state->failure != NULL)
		snowfdw_raise_call_failure(state->conn, state->failure);
}

/*
 * take_entry
 *		A free entry of the pipeline for the next row, waiting for one if
 *		all are busy
 */
static SnowfdwPendingRow *
take_entry(SnowfdwModifyState *state, int64 row, char *const *scope,
		   const char *name)
{
	SnowfdwPendingRow *entry = NULL;
	MemoryContext oldcxt;
	int			level;
	int			i;

	drive_pipeline(state, state->window - 1);
	for (i = 0; i < state->window && entry == NULL; i++)
		if (state->pending[i].call == NULL)
			entry = &state->pending[i];
	if (entry == NULL)
		elog(ERROR, "no free entry in the write pipeline");

	oldcxt = MemoryContextSwitchTo(entry->cxt);
	entry->row = row;
	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
		entry->scope[level] = scope[level] ? pstrdup(scope[level]) : NULL;
	entry->name = name ? pstrdup(name) : NULL;
	MemoryContextSwitchTo(oldcxt);
	return entry;
}

/*
 * take_row_entry
 *		An entry of the pipeline for the object of a row to update or
 *		delete; NULL for the row of a dropped object, which is skipped
 */
static SnowfdwPendingRow *
take_row_entry(SnowfdwModifyState *state, TupleTableSlot *planSlot)
{
	char	   *scope[SNOWFDW_MAX_SCOPES] = {NULL, NULL, NULL};
	char	   *name = snowfdw_modify_row_identity(state, planSlot, scope);

	state->rows++;
	if (name == NULL)
		return NULL;
	return take_entry(state, state->rows, scope, name);
}

/*
 * snowfdw_pipeline_delete
 *		Send the drop of one row's object; the row counts as deleted
 */
TupleTableSlot *
snowfdw_pipeline_delete(SnowfdwModifyState *state, TupleTableSlot *slot,
						TupleTableSlot *planSlot)
{
	SnowfdwPendingRow *entry = take_row_entry(state, planSlot);

	if (entry == NULL)
		return NULL;
	send_row_call(state, entry, SNOWFDW_ACTION_DROP, NULL, true, false);
	(void) step_pipeline(state, false);

	if (state->has_returning)
		snowfdw_modify_store_scanned_row(state, slot, planSlot);
	return slot;
}

/*
 * snowfdw_pipeline_update
 *		Send the GET of one row's schema, which its PUT follows; the row
 *		counts as updated (and is taken off the count if its schema is
 *		found gone)
 */
TupleTableSlot *
snowfdw_pipeline_update(SnowfdwModifyState *state, TupleTableSlot *slot,
						TupleTableSlot *planSlot)
{
	SnowfdwPendingRow *entry = take_row_entry(state, planSlot);

	if (entry == NULL)
		return NULL;
	slot_getallattrs(slot);
	ExecCopySlot(entry->slot, slot);
	send_row_call(state, entry, SNOWFDW_ACTION_FETCH, NULL, true, true);
	(void) step_pipeline(state, false);
	return slot;
}

/*
 * snowfdw_pipeline_insert_batch
 *		Create the objects of a batch of rows; the rows that made new ones
 *		go to inserted_slots
 *
 * Every row's request is made before any is sent, so that a row that
 * cannot be sent fails the batch with nothing of it done.
 */
TupleTableSlot *
snowfdw_pipeline_insert_batch(SnowfdwModifyState *state, TupleTableSlot *slot,
							  TupleTableSlot *planSlot)
{
	int			n = state->batch_rows;
	TupleTableSlot **slots = state->batch_slots;
	char	  **scopes = palloc(sizeof(char *) * n * SNOWFDW_MAX_SCOPES);
	char	  **names = palloc(sizeof(char *) * n);
	char	  **bodies = palloc(sizeof(char *) * n);
	int64		first = state->rows + 1;
	int			i;

	if (state->inserted == NULL)
	{
		state->inserted = MemoryContextAllocZero(state->cxt,
												 sizeof(bool) * SNOWFDW_WRITE_BATCH_ROWS);
		state->inserted_slots = MemoryContextAllocZero(state->cxt,
													   sizeof(TupleTableSlot *) * SNOWFDW_WRITE_BATCH_ROWS);
	}
	for (i = 0; i < n; i++)
	{
		char	  **scope = &scopes[i * SNOWFDW_MAX_SCOPES];

		snowfdw_modify_new_scope(state, slots[i], scope);
		bodies[i] = snowfdw_create_body(state->map, slots[i]);
		names[i] = snowfdw_column_text(state->rel, state->map->name_attnum,
									   slots[i]->tts_values[state->map->name_attnum - 1]);
		state->inserted[i] = false;
	}
	state->rows += n;

	for (i = 0; i < n; i++)
	{
		SnowfdwPendingRow *entry = take_entry(state, first + i,
											  &scopes[i * SNOWFDW_MAX_SCOPES],
											  names[i]);

		entry->batch_index = i;
		/* repeating errorIfExists could turn success into a 409 */
		send_row_call(state, entry, SNOWFDW_ACTION_CREATE, bodies[i],
					  snowfdw_create_is_repeatable(state->create_mode), false);
		(void) step_pipeline(state, false);
	}
	drive_pipeline(state, 0);

	state->batch_done = 0;
	for (i = 0; i < n; i++)
		if (state->inserted[i])
			state->inserted_slots[state->batch_done++] = slots[i];
	return NULL;
}

/*
 * snowfdw_pipeline_finish
 *		Wait for the calls still in flight at the end of the statement
 */
TupleTableSlot *
snowfdw_pipeline_finish(SnowfdwModifyState *state, TupleTableSlot *slot,
						TupleTableSlot *planSlot)
{
	drive_pipeline(state, 0);
	return NULL;
}

