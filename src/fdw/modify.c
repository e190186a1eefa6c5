/*-------------------------------------------------------------------------
 *
 * modify.c
 *		  INSERT, UPDATE and DELETE on snowfdw foreign tables
 *
 * Every row becomes REST calls of its own:
 *	- INSERT: POST <collection>?createMode=... whose body holds the non-null
 *	  writable columns; with RETURNING, a GET of the new object follows, so
 *	  that server-set columns come back;
 *	- UPDATE (schemas only, the one kind with a PUT endpoint): GET of the
 *	  object right before the PUT of its full definition with the SET
 *	  columns merged in (and a GET for RETURNING), pipelined or not: PUT
 *	  replaces the whole definition, so it is built from the newest one,
 *	  and a schema the GET does not find (dropped since the scan) is not
 *	  created again by a PUT and is no row updated;
 *	- DELETE: DELETE <object>?ifExists=true, so that a row that vanished
 *	  since the scan is no error and the call may be repeated.
 * UPDATE and DELETE identify the object by junk columns that the scan
 * fills (modifyplan.c, which plans the writes).  DELETE ... RETURNING also
 * asks for the whole row, which is all it can return.  The rows with calls
 * in flight are pipeline.c's; the ExecutorRun hook is writestmt.c's; the
 * change record of a statement is calls/write.c's.
 *
 * Snowflake objects are not transactional: what a statement did before an
 * error stays done, and ROLLBACK does not undo it.  An error therefore
 * names, in its detail, the objects that the statement created, altered
 * or dropped, and those it may have (snowfdw_modify_list_call says which, from what
 * each call's attempts were answered).  An error of a row's callback is
 * decorated there (snowfdw_modify_run_row_action); one raised elsewhere while the
 * statement runs (its scan, another node of the plan, a cancel) by an
 * ExecutorRun hook, for every modification of the statement's EState,
 * which the states register for (modify_states).  Each state's lists are
 * added once.  The hook also ends the pipelines once the plan has run,
 * before the command tag is read from es_processed.
 *
 * Writes are pipelined (option pipeline_writes, on by default): up to
 * max_concurrency calls are in flight (with the scans of the statement),
 * and up to SNOWFDW_WRITE_AHEAD times as many rows wait for room.  INSERT gets its rows in
 * PostgreSQL's batches and ends each batch's calls before it returns, so
 * that counts and ON CONFLICT DO NOTHING stay exact; UPDATE and DELETE
 * return a row once its call is sent, and the ExecutorRun hook (or else
 * EndForeignModify) waits for the rest.  A pipelined UPDATE counts a row
 * before its GET answers: rows that vanished are taken off es_processed
 * there.  Where a returned row must hold Snowflake's answer (INSERT or
 * UPDATE RETURNING), or a trigger could run before its call ends, rows go
 * one after the other as without the pipeline.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/modify.c
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
#include "fdw/deferred.h"
#include "fdw/fdw.h"
#include "fdw/modify.h"
#include "model/mapping.h"
#include "model/objects.h"
#include "model/options.h"
#include "model/writemap.h"
#include "transport/json.h"


/*
 * create_modify_state
 *		Execution state shared by BeginForeignModify and BeginForeignInsert
 *
 * retrieved lists the columns RETURNING converts, as for a scan (NIL: all).
 */
static SnowfdwModifyState *
create_modify_state(EState *estate, ResultRelInfo *rinfo, CmdType operation,
					bool do_nothing, bool has_returning, List *updated,
					List *retrieved)
{
	Relation	rel = rinfo->ri_RelationDesc;
	Oid			relid = RelationGetRelid(rel);
	SnowfdwModifyState *state;
	ListCell   *lc;

	state = palloc0(sizeof(SnowfdwModifyState));
	state->estate = estate;
	state->rel = rel;
	state->relname = pstrdup(RelationGetRelationName(rel));
	state->operation = operation;
	state->info = snowfdw_modify_relation_object(rel, &state->options);
	state->userid = snowfdw_result_rel_userid(rinfo, estate);
	state->conn = snowfdw_get_connection(GetForeignTable(relid)->serverid,
										 state->userid);
	state->has_returning = has_returning;
	/* ON CONFLICT DO NOTHING wins; else the table option, else the GUC */
	state->create_mode = snowfdw_insert_create_mode(state->options, do_nothing);
	state->cxt = CurrentMemoryContext;
	state->temp_cxt = AllocSetContextCreate(estate->es_query_cxt,
											"snowfdw modify row data",
											ALLOCSET_DEFAULT_SIZES);

	state->map = snowfdw_write_map(rel, state->info);
	if (has_returning)
		state->returning = snowfdw_row_converter(rel, state->info, retrieved);
	state->updated = palloc0(sizeof(bool) * RelationGetNumberOfAttributes(rel));
	foreach(lc, updated)
		state->updated[lfirst_int(lc) - 1] = true;

	/*
	 * Pipelined writes return a row before its call has ended: not when the
	 * row must show what Snowflake made of it (INSERT or UPDATE RETURNING),
	 * nor when a trigger would run before the calls end.
	 */
	state->window = 1;
	state->deferred = state->options->defer_writes;
	if (state->deferred)
		snowfdw_defer_check_modify(state);
	else if (state->options->pipeline_writes && rel->trigdesc == NULL &&
		!(has_returning && operation != CMD_DELETE) &&
		state->conn->options->max_concurrency > 1)
		state->window = state->conn->options->max_concurrency *
			SNOWFDW_WRITE_AHEAD;
	if (state->window > 1)
	{
		int			i;

		state->pending = palloc0(sizeof(SnowfdwPendingRow) * state->window);
		state->calls = palloc0(sizeof(SnowfdwCall *) * state->window);
		state->busy = palloc0(sizeof(SnowfdwPendingRow *) * state->window);
		for (i = 0; i < state->window; i++)
		{
			state->pending[i].cxt = AllocSetContextCreate(state->cxt,
														  "snowfdw pipelined row",
														  ALLOCSET_SMALL_SIZES);
			if (operation == CMD_UPDATE)
				state->pending[i].slot =
					ExecInitExtraTupleSlot(estate, RelationGetDescr(rel),
										   &TTSOpsVirtual);
		}
		state->step_cxt = AllocSetContextCreate(state->cxt,
												"snowfdw pipelined answers",
												ALLOCSET_DEFAULT_SIZES);
	}
	snowfdw_modify_register_state(state);
	return state;
}

/*
 * find_junk
 *		Position of a junk column in the subplan's output
 */
static AttrNumber
find_junk(Plan *subplan, const char *name)
{
	AttrNumber	attno = ExecFindJunkAttributeInTlist(subplan->targetlist, name);

	if (!AttributeNumberIsValid(attno))
		elog(ERROR, "could not find junk column \"%s\"", name);
	return attno;
}

/*
 * snowfdwBeginForeignModify
 *		Set up an INSERT, UPDATE or DELETE; calls come with each row
 */
static void
snowfdwBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						  List *fdw_private, int subplan_index, int eflags)
{
	SnowfdwModifyState *state;
	int			level;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	state = create_modify_state(mtstate->ps.state, rinfo, mtstate->operation,
								intVal(list_nth(fdw_private, SnowfdwModifyPrivateDoNothing)) != 0,
								intVal(list_nth(fdw_private, SnowfdwModifyPrivateReturning)) != 0,
								(List *) list_nth(fdw_private, SnowfdwModifyPrivateUpdated),
								(List *) list_nth(fdw_private, SnowfdwModifyPrivateRetrieved));
	state->can_set_tag = mtstate->canSetTag;

	if (mtstate->operation == CMD_UPDATE || mtstate->operation == CMD_DELETE)
	{
		Plan	   *subplan = outerPlanState(mtstate)->plan;

		SnowfdwWriteMap *map = state->map;

		state->junk_name = find_junk(subplan, snowfdw_modify_junk_name("name", map->name_attnum));
		for (level = 0; level < state->info->nscopes; level++)
			if (map->scope_attnums[level] != 0)
				state->junk_scope[level] =
					find_junk(subplan, snowfdw_modify_junk_name(snowfdw_scope_columns[level],
												 map->scope_attnums[level]));
		if (map->dropped_attnum != 0)
			state->junk_dropped = find_junk(subplan, snowfdw_modify_junk_name("dropped_on",
															   map->dropped_attnum));
		if (mtstate->operation == CMD_DELETE && state->has_returning)
			state->junk_wholerow = find_junk(subplan, WHOLEROW_JUNK);
	}
	rinfo->ri_FdwState = state;
}

/*
 * snowfdwBeginForeignInsert
 *		Set up COPY FROM, or INSERT routed to a partition
 */
static void
snowfdwBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	ModifyTable *plan = (ModifyTable *) mtstate->ps.plan;	/* NULL: COPY */
	SnowfdwOptions *options;
	const SnowfdwObjectInfo *info = snowfdw_modify_relation_object(rinfo->ri_RelationDesc,
													&options);

	/* no PlanForeignModify ran for this table: check here */
	snowfdw_check_modify_allowed(rinfo->ri_RelationDesc, info, CMD_INSERT);
	rinfo->ri_FdwState =
		create_modify_state(mtstate->ps.state, rinfo, CMD_INSERT,
							plan != NULL && plan->onConflictAction == ONCONFLICT_NOTHING,
							rinfo->ri_returningList != NIL, NIL, NIL);
}

/*
 * snowfdw_modify_list_call
 *		Put the object of a write call that has ended, or that an error cut
 *		short, in the list its outcome says: done when Snowflake carried it
 *		out, unknown when it may have; nothing for a GET (an UPDATE's PUT
 *		is never sent before its GET has answered)
 *
 * A create answered 2xx that found its object existing (ifNotExists) made
 * nothing; one whose answer could not be read may have.
 */
void
snowfdw_modify_list_call(SnowfdwModifyState *state, SnowfdwPendingRow *entry)
{
	SnowfdwCall *call = entry->call;
	bool		unread;

	if (entry->action == SNOWFDW_ACTION_FETCH)
		return;
	switch (snowfdw_call_outcome(call))
	{
		case SNOWFDW_OUTCOME_APPLIED:
			unread = call->response == NULL &&
				strcmp(state->create_mode, "ifNotExists") == 0;
			if (entry->action == SNOWFDW_ACTION_CREATE && unread)
				state->unknown = snowfdw_write_remember(state->cxt, state->info,
														state->unknown,
														entry->row,
														entry->scope,
														entry->name);
			else if (entry->action != SNOWFDW_ACTION_CREATE ||
					 snowfdw_modify_call_created(state, call))
				state->done = snowfdw_write_remember(state->cxt, state->info,
													 state->done, entry->row,
													 entry->scope,
													 entry->name);
			break;
		case SNOWFDW_OUTCOME_MAYBE:
			state->unknown = snowfdw_write_remember(state->cxt, state->info,
													state->unknown,
													entry->row, entry->scope,
													entry->name);
			break;
		case SNOWFDW_OUTCOME_NONE:
			break;
	}
}

/*
 * snowfdw_modify_harvest_calls
 *		In an error path: list every call of a modification that has not
 *		been listed yet, by its outcome
 *
 * That is the call under way one at a time, and the pipeline's entries:
 * answers taken but not yet acted on (the step that raised took them),
 * answers that arrived and were not yet taken (snowfdw_harvest_calls takes
 * them now, without waiting, and aborts the transfers still running), the
 * failure kept for raising, and calls waiting to be sent again, by their
 * earlier attempts.  The answers taken now go to the step's context.
 */
void
snowfdw_modify_harvest_calls(SnowfdwModifyState *state)
{
	MemoryContext oldcxt;
	int			n = 0;
	int			i;

	if (state->current.call != NULL)
	{
		snowfdw_modify_list_call(state, &state->current);
		state->current.call = NULL;
	}
	if (state->pending == NULL)
		return;
	oldcxt = MemoryContextSwitchTo(state->step_cxt);
	for (i = 0; i < state->window; i++)
		if (state->pending[i].call != NULL)
			state->calls[n++] = state->pending[i].call;
	if (n > 0)
		snowfdw_harvest_calls(state->conn, state->calls, n);
	for (i = 0; i < state->window; i++)
	{
		SnowfdwPendingRow *entry = &state->pending[i];

		if (entry->call == NULL)
			continue;
		/* no lock, no allocation: fit for this error path */
		if (entry->action != SNOWFDW_ACTION_FETCH)
			snowfdw_note_write(state->conn, entry->call);
		snowfdw_modify_list_call(state, entry);
		entry->call = NULL;
	}
	MemoryContextSwitchTo(oldcxt);
}

/*
 * append_lists
 *		Add to an error's detail the objects a modification changed, and
 *		those it may have changed
 */
static void
append_lists(SnowfdwModifyState *state, StringInfo buf)
{
	const char *verb = state->operation == CMD_INSERT ? "created" :
		state->operation == CMD_UPDATE ? "altered" : "dropped";

	if (state->done != NIL)
	{
		if (buf->len > 0)
			appendStringInfoChar(buf, ' ');
		appendStringInfo(buf, "Snowflake %ss this statement already %s, which ROLLBACK does not %s: ",
						 state->info->noun, verb,
						 state->operation == CMD_INSERT ? "remove" :
						 state->operation == CMD_UPDATE ? "undo" : "restore");
		snowfdw_write_append_objects(buf, state->done);
		appendStringInfoChar(buf, '.');
	}
	if (state->unknown != NIL)
	{
		if (buf->len > 0)
			appendStringInfoChar(buf, ' ');
		appendStringInfo(buf, "Snowflake may also have %s these %ss, whose requests ended without an answer: ",
						 verb, state->info->noun);
		snowfdw_write_append_objects(buf, state->unknown);
		appendStringInfoChar(buf, '.');
	}
}

/*
 * snowfdw_modify_rethrow_with_lists
 *		Re-raise the current error, its detail naming what the given
 *		modifications changed in Snowflake
 *
 * Called in PG_CATCH with the memory context to work in.  Each
 * modification is listed once: one already reported is passed over, so
 * that snowfdw_modify_run_row_action's catch and the ExecutorRun hook that the same
 * error then reaches never list it twice.
 */
void
snowfdw_modify_rethrow_with_lists(SnowfdwModifyState **states, int nstates,
								  MemoryContext cxt)
{
	SnowfdwModifyState **fresh;
	int			nfresh = 0;
	ErrorData  *edata;
	StringInfoData buf;
	bool		any = false;
	int			i;

	MemoryContextSwitchTo(cxt);
	fresh = palloc(sizeof(SnowfdwModifyState *) * nstates);
	for (i = 0; i < nstates; i++)
	{
		if (states[i]->reported)
			continue;
		/* calls cut short by the error: Snowflake may have acted on them */
		snowfdw_modify_harvest_calls(states[i]);
		states[i]->reported = true;
		fresh[nfresh++] = states[i];
		any |= states[i]->done != NIL || states[i]->unknown != NIL;
	}
	if (!any)
		PG_RE_THROW();

	edata = CopyErrorData();
	FlushErrorState();
	initStringInfo(&buf);
	if (edata->detail)
		appendStringInfoString(&buf, edata->detail);
	for (i = 0; i < nfresh; i++)
		append_lists(fresh[i], &buf);
	edata->detail = buf.data;
	ReThrowError(edata);
}

/*
 * store_object
 *		Fill a slot from a fetched object (RETURNING), as a scan does
 *
 * Write-only fields are never returned, so their columns stay NULL.
 */
static void
store_object(SnowfdwModifyState *state, TupleTableSlot *slot,
			 SnowfdwJson *object, char **scope)
{
	ExecClearTuple(slot);
	snowfdw_convert_row(state->returning, slot->tts_tupleDescriptor, object,
						scope, slot->tts_values, slot->tts_isnull);
	ExecStoreVirtualTuple(slot);
}

/*
 * row_call
 *		Make the call of an action on one row's object, counting its
 *		requests; a write it made goes to the done list
 *
 * name is the object's also for a create, whose path has none.  While a
 * write runs it is the state's current call, which an error lists by its
 * outcome (snowfdw_modify_harvest_calls).
 */
static SnowfdwCall *
row_call(SnowfdwModifyState *state, SnowfdwAction action, char *const *scope,
		 char *name, char *body, bool retry_safe, bool missing_ok)
{
	int64		before = state->conn->requests;
	int64		waited = snowfdw_connection_snowflake_wait(state->conn);
	SnowfdwPendingRow *current = &state->current;
	SnowfdwCall *call;

	call = snowfdw_new_call(snowfdw_action_method(action),
							snowfdw_write_path(state->info, state->options,
											   action,
											   (const char *const *) scope,
											   action == SNOWFDW_ACTION_CREATE ?
											   NULL : name,
											   state->create_mode),
							body, retry_safe, missing_ok);
	if (action != SNOWFDW_ACTION_FETCH)
	{
		current->action = action;
		current->row = state->rows;
		memcpy(current->scope, scope, sizeof(current->scope));
		current->name = name;
		current->call = call;
	}
	snowfdw_write_run(state->conn, call);
	state->requests += state->conn->requests - before;
	state->snowflake_wait_us +=
		snowfdw_connection_snowflake_wait(state->conn) - waited;
	if (current->call == call)
	{
		SnowfdwPendingRow ended = *current;

		/* listed now: an error from here on must not list it again */
		current->call = NULL;
		snowfdw_modify_list_call(state, &ended);
	}
	return call;
}

/*
 * fetch_object
 *		GET one object; NULL if it does not exist and missing_ok
 */
static SnowfdwJson *
fetch_object(SnowfdwModifyState *state, char *const *scope, char *name,
			 bool missing_ok)
{
	SnowfdwCall *call = row_call(state, SNOWFDW_ACTION_FETCH, scope, name,
								 NULL, true, missing_ok);

	if (call->status == 404)
		return NULL;
	return snowfdw_call_response_object(call);
}

/*
 * snowfdw_modify_new_scope
 *		The scope (a database, a schema) of the object an INSERT's row
 *		creates, into scope[], from the row or the table's options
 */
void
snowfdw_modify_new_scope(SnowfdwModifyState *state, TupleTableSlot *slot,
						 char **scope)
{
	int			level;

	slot_getallattrs(slot);
	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
		scope[level] = level < state->info->nscopes ?
			snowfdw_new_object_scope(state->map, slot, level,
									 snowfdw_scope_option(state->options,
														  level)) : NULL;
}

/*
 * snowfdw_modify_row_identity
 *		Scope and name of the object a row to update or delete stands for
 *
 * NULL for the row of a dropped object (listed with history): the REST
 * calls address live objects by name, so acting on it would alter or drop
 * a live namesake, if any.  Such rows are skipped, like vanished ones.
 */
char *
snowfdw_modify_row_identity(SnowfdwModifyState *state, TupleTableSlot *planSlot,
							char **scope)
{
	Datum		value;
	bool		isnull;
	int			level;

	if (state->junk_dropped != 0)
	{
		(void) ExecGetJunkAttribute(planSlot, state->junk_dropped, &isnull);
		if (!isnull)
			return NULL;
	}
	for (level = 0; level < state->info->nscopes; level++)
	{
		if (state->junk_scope[level] == 0)
		{
			scope[level] = (char *) snowfdw_scope_option(state->options, level);
			continue;
		}
		value = ExecGetJunkAttribute(planSlot, state->junk_scope[level], &isnull);
		if (isnull)
			elog(ERROR, "scope column \"%s\" is NULL",
				 snowfdw_scope_columns[level]);
		scope[level] = snowfdw_column_text(state->rel,
										   state->map->scope_attnums[level],
										   value);
	}
	value = ExecGetJunkAttribute(planSlot, state->junk_name, &isnull);
	if (isnull)
		ereport(ERROR,
				(errcode(ERRCODE_NOT_NULL_VIOLATION),
				 errmsg("cannot %s a row of foreign table \"%s\" whose name is NULL",
						state->operation == CMD_UPDATE ? "update" : "delete",
						state->relname)));
	return snowfdw_column_text(state->rel, state->map->name_attnum, value);
}

/*
 * snowfdw_modify_run_row_action
 *		Run one row's work in the per-row context
 *
 * An error names the objects the statement already changed: Snowflake
 * keeps them whatever happens to the transaction.
 */
TupleTableSlot *
snowfdw_modify_run_row_action(SnowfdwModifyState *state, SnowfdwRowAction action,
							  TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	MemoryContext oldcxt;
	TupleTableSlot *result = NULL;

	MemoryContextReset(state->temp_cxt);
	oldcxt = MemoryContextSwitchTo(state->temp_cxt);
	PG_TRY();
	{
		result = action(state, slot, planSlot);
	}
	PG_CATCH();
	{
		snowfdw_modify_rethrow_with_lists(&state, 1, oldcxt);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	return result;
}

/*
 * snowfdw_modify_call_created
 *		Whether a create call made a new object
 *
 * With ifNotExists an existing object is left alone, and Snowflake says so
 * ("X already exists, statement succeeded."): like ON CONFLICT DO NOTHING,
 * that row counts as not inserted.
 */
bool
snowfdw_modify_call_created(SnowfdwModifyState *state, SnowfdwCall *call)
{
	const char *status = snowfdw_call_response_string(call, "status");

	return !(strcmp(state->create_mode, "ifNotExists") == 0 &&
			 status != NULL && strstr(status, "already exists") != NULL);
}

/*
 * insert_row
 *		Create the object of one row; NULL if ifNotExists found it existing
 */
static TupleTableSlot *
insert_row(SnowfdwModifyState *state, TupleTableSlot *slot,
		   TupleTableSlot *planSlot)
{
	char	   *scope[SNOWFDW_MAX_SCOPES] = {NULL, NULL, NULL};
	char	   *body;
	char	   *name;
	SnowfdwCall *call;

	state->rows++;
	snowfdw_modify_new_scope(state, slot, scope);
	body = snowfdw_create_body(state->map, slot);
	name = snowfdw_column_text(state->rel, state->map->name_attnum,
							   slot->tts_values[state->map->name_attnum - 1]);

	/* repeating errorIfExists could turn success into a 409 */
	call = row_call(state, SNOWFDW_ACTION_CREATE, scope, name, body,
					snowfdw_create_is_repeatable(state->create_mode), false);

	if (!snowfdw_modify_call_created(state, call))
		return NULL;

	if (state->has_returning)
		store_object(state, slot, fetch_object(state, scope, name, false),
					 scope);
	return slot;
}

/*
 * snowfdwExecForeignInsert
 *		Create one object
 */
static TupleTableSlot *
snowfdwExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	SnowfdwModifyState *state = rinfo->ri_FdwState;

	return snowfdw_modify_run_row_action(state, state->deferred ? snowfdw_defer_insert :
										 insert_row, slot, planSlot);
}

/*
 * update_row
 *		PUT the full definition of one schema: fetched, with the SET columns
 */
static TupleTableSlot *
update_row(SnowfdwModifyState *state, TupleTableSlot *slot,
		   TupleTableSlot *planSlot)
{
	char	   *scope[SNOWFDW_MAX_SCOPES] = {NULL, NULL, NULL};
	char	   *name = snowfdw_modify_row_identity(state, planSlot, scope);
	SnowfdwJson *current;
	char	   *body;

	state->rows++;
	if (name == NULL)
		return NULL;			/* a dropped schema */

	/* the definition now, not as scanned: PUT replaces all of it */
	current = fetch_object(state, scope, name, true);
	if (current == NULL)
		return NULL;			/* dropped meanwhile: nothing to update */

	slot_getallattrs(slot);
	body = snowfdw_replace_body(state->map, slot, state->updated, name,
								current);

	/* a full definition: sending it twice gives the same result */
	(void) row_call(state, SNOWFDW_ACTION_REPLACE, scope, name, body, true,
					false);

	if (state->has_returning)
		store_object(state, slot, fetch_object(state, scope, name, false),
					 scope);
	return slot;
}

/*
 * snowfdwExecForeignUpdate
 *		Alter one object
 */
static TupleTableSlot *
snowfdwExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	SnowfdwModifyState *state = rinfo->ri_FdwState;

	return snowfdw_modify_run_row_action(state, state->deferred ? snowfdw_defer_update :
										 state->window > 1 ? snowfdw_pipeline_update :
										 update_row, slot, planSlot);
}

/*
 * snowfdw_modify_store_scanned_row
 *		Fill a slot with a deleted row as the scan gave it (DELETE RETURNING)
 */
void
snowfdw_modify_store_scanned_row(SnowfdwModifyState *state, TupleTableSlot *slot,
								 TupleTableSlot *planSlot)
{
	Datum		value;
	bool		isnull;
	HeapTupleHeader td;
	HeapTupleData tuple;

	/* the row as scanned is all there is to return */
	value = ExecGetJunkAttribute(planSlot, state->junk_wholerow, &isnull);
	if (isnull)
		elog(ERROR, "whole-row junk column is NULL");
	td = DatumGetHeapTupleHeader(value);
	tuple.t_len = HeapTupleHeaderGetDatumLength(td);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = RelationGetRelid(state->rel);
	tuple.t_data = td;
	ExecClearTuple(slot);
	heap_deform_tuple(&tuple, slot->tts_tupleDescriptor,
					  slot->tts_values, slot->tts_isnull);
	ExecStoreVirtualTuple(slot);
}

/*
 * delete_row
 *		Drop the object of one row
 */
static TupleTableSlot *
delete_row(SnowfdwModifyState *state, TupleTableSlot *slot,
		   TupleTableSlot *planSlot)
{
	char	   *scope[SNOWFDW_MAX_SCOPES] = {NULL, NULL, NULL};
	char	   *name = snowfdw_modify_row_identity(state, planSlot, scope);

	state->rows++;
	if (name == NULL)
		return NULL;			/* a dropped object: nothing to drop */

	(void) row_call(state, SNOWFDW_ACTION_DROP, scope, name, NULL, true,
					false);

	if (state->has_returning)
		snowfdw_modify_store_scanned_row(state, slot, planSlot);
	return slot;
}

/*
 * snowfdwExecForeignDelete
 *		Drop one object
 */
static TupleTableSlot *
snowfdwExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
						 TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	SnowfdwModifyState *state = rinfo->ri_FdwState;

	return snowfdw_modify_run_row_action(state, state->deferred ? snowfdw_defer_delete :
										 state->window > 1 ? snowfdw_pipeline_delete :
										 delete_row, slot, planSlot);
}

/*
 * snowfdwGetForeignModifyBatchSize
 *		Rows an INSERT hands over at once: many when writes are pipelined
 *
 * PostgreSQL's batches have no RETURNING and no WITH CHECK OPTION: those
 * keep one row at a time, as when the pipeline is off.
 */
static int
snowfdwGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	SnowfdwModifyState *state = rinfo->ri_FdwState;

	if (state == NULL || state->window <= 1 ||
		state->operation != CMD_INSERT || state->has_returning ||
		rinfo->ri_WithCheckOptions != NIL)
		return 1;
	return SNOWFDW_WRITE_BATCH_ROWS;
}

/*
 * snowfdwExecForeignBatchInsert
 *		Create the objects of a batch of rows, many at once
 */
static TupleTableSlot **
snowfdwExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
							  TupleTableSlot **slots,
							  TupleTableSlot **planSlots, int *numSlots)
{
	SnowfdwModifyState *state = rinfo->ri_FdwState;

	state->batch_slots = slots;
	state->batch_rows = *numSlots;
	(void) snowfdw_modify_run_row_action(state, snowfdw_pipeline_insert_batch, NULL, NULL);
	*numSlots = state->batch_done;
	return state->inserted_slots;
}

/*
 * snowfdwEndForeignModify
 *		Wait for the pipelined calls still in flight (none once the
 *		ExecutorRun hook ended them), then drop the cached answers of what
 *		the statement changed, once
 *
 * Memory goes with the query, the session stays.
 */
static void
snowfdwEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
	SnowfdwModifyState *state = rinfo->ri_FdwState;

	if (state != NULL && state->window > 1)
		(void) snowfdw_modify_run_row_action(state, snowfdw_pipeline_finish, NULL, NULL);
	snowfdw_flush_write_invalidations();
}

/*
 * snowfdwEndForeignInsert
 *		As EndForeignModify
 */
static void
snowfdwEndForeignInsert(EState *estate, ResultRelInfo *rinfo)
{
	snowfdwEndForeignModify(estate, rinfo);
}

/*
 * snowfdw_set_modify_routines
 *		Install the modification callbacks in the handler's FdwRoutine
 */
void
snowfdw_set_modify_routines(FdwRoutine *routine)
{
	/* planning, EXPLAIN, updatability (modifyplan.c) */
	snowfdw_set_modify_plan_routines(routine);
	routine->BeginForeignModify = snowfdwBeginForeignModify;
	routine->ExecForeignInsert = snowfdwExecForeignInsert;
	routine->GetForeignModifyBatchSize = snowfdwGetForeignModifyBatchSize;
	routine->ExecForeignBatchInsert = snowfdwExecForeignBatchInsert;
	routine->ExecForeignUpdate = snowfdwExecForeignUpdate;
	routine->ExecForeignDelete = snowfdwExecForeignDelete;
	routine->EndForeignModify = snowfdwEndForeignModify;
	routine->BeginForeignInsert = snowfdwBeginForeignInsert;
	routine->EndForeignInsert = snowfdwEndForeignInsert;
}
