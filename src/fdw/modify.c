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
 * fills: the name column and the scope columns, each named
 * "snowfdw_<column>_<attnum>" so that inheritance children with other
 * column positions do not clash.  DELETE ... RETURNING also asks for the
 * whole row, which is all it can return.
 *
 * Snowflake objects are not transactional: what a statement did before an
 * error stays done, and ROLLBACK does not undo it.  An error therefore
 * names, in its detail, the objects that the statement created, altered
 * or dropped, and those it may have (list_call says which, from what
 * each call's attempts were answered).  An error of a row's callback is
 * decorated there (run_row_action); one raised elsewhere while the
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
#include "fdw/fdw.h"
#include "model/mapping.h"
#include "model/objects.h"
#include "model/options.h"
#include "model/writemap.h"
#include "transport/json.h"

/* Indexes of the fdw_private list of a modification */
enum SnowfdwModifyPrivateIndex
{
	SnowfdwModifyPrivateKind,	/* Integer: SnowfdwObjectKind */
	SnowfdwModifyPrivateDoNothing,	/* Integer (bool): ON CONFLICT DO
									 * NOTHING */
	SnowfdwModifyPrivateReturning,	/* Integer (bool): RETURNING wanted */
	SnowfdwModifyPrivateUpdated,	/* List of Integer: attnums UPDATE sets */
	SnowfdwModifyPrivateRetrieved	/* List of Integer: attnums RETURNING
									 * converts (as for a scan) */
};

/* Name of the junk column that carries the whole row (DELETE RETURNING) */
#define WHOLEROW_JUNK "wholerow"

/* Rows a batch INSERT hands over at once (GetForeignModifyBatchSize) */
#define SNOWFDW_WRITE_BATCH_ROWS 200

/*
 * Rows the write pipeline holds, as a multiple of max_concurrency.  Calls
 * in flight stay bounded by max_concurrency (with the statement's scans);
 * the rows beyond wait for room, so that the executor goes on reading
 * while writes wait, and the scan's own requests under an UPDATE or DELETE
 * get the room as it frees.
 */
#define SNOWFDW_WRITE_AHEAD 4

/* An object the statement changed, with its row's place, for error details */
typedef struct SnowfdwDoneObject
{
	int64		row;			/* rows are numbered in the order they came */
	char	   *name;			/* qualified name */
} SnowfdwDoneObject;

/*
 * A row whose calls are in flight (pipelined writes), or the call of the
 * row at hand (one at a time)
 */
typedef struct SnowfdwPendingRow
{
	SnowfdwCall *call;			/* the call in flight; NULL: entry free */
	SnowfdwAction action;		/* its action; FETCH leads to an UPDATE's PUT */
	int64		row;
	char	   *scope[SNOWFDW_MAX_SCOPES];
	char	   *name;
	int			batch_index;	/* INSERT: the row's place in its batch */
	TupleTableSlot *slot;		/* UPDATE: the new row, for the PUT body */
	MemoryContext cxt;			/* the call, its answer and the strings */
} SnowfdwPendingRow;

/* Execution state of a modification of one foreign table */
typedef struct SnowfdwModifyState
{
	EState	   *estate;			/* of the statement: the hook finds it so */
	struct SnowfdwModifyState *next;	/* in modify_states */
	bool		can_set_tag;	/* its rows count in es_processed */
	bool		reported;		/* an error lists what it did: not again */
	Relation	rel;
	char	   *relname;
	CmdType		operation;
	const SnowfdwObjectInfo *info;
	SnowfdwOptions *options;	/* table options, GUC defaults */
	SnowfdwConnection *conn;
	const char *create_mode;	/* createMode of INSERT */
	bool		has_returning;
	int64		requests;		/* HTTP requests of this node, for EXPLAIN */
	MemoryContext cxt;			/* statement lifetime: the state, "done" */
	MemoryContext temp_cxt;		/* one row, reset at the next */
	List	   *done;			/* SnowfdwDoneObject, in completion order */
	List	   *unknown;		/* SnowfdwDoneObject: outcome unknown */
	int64		rows;			/* rows handed to the FDW so far */
	SnowfdwPendingRow current;	/* one at a time: the write call under way */

	/* pipelined writes: window > 1 rows with calls in flight or due */
	int			window;
	int64		vanished;		/* UPDATE rows counted whose schema was gone */
	SnowfdwPendingRow *pending; /* window entries */
	SnowfdwCall **calls;		/* the calls of busy entries, for a step */
	SnowfdwPendingRow **busy;	/* their entries, ordered by row */
	SnowfdwCall *failure;		/* first call that failed; nothing more sent */
	MemoryContext step_cxt;		/* answers of one step, reset after it */
	TupleTableSlot **batch_slots;	/* batch INSERT: the rows */
	int			batch_rows;
	bool	   *inserted;		/* batch INSERT: per row, created */
	TupleTableSlot **inserted_slots;	/* batch INSERT: the created rows */
	int			batch_done;		/* how many */

	SnowfdwWriteMap *map;		/* columns to fields, for request bodies */
	SnowfdwRowConverter *returning; /* fetched object to row, or NULL */
	bool	   *updated;		/* per attribute: UPDATE sets the column */

	/* UPDATE and DELETE: junk columns of the subplan's output */
	AttrNumber	junk_name;
	AttrNumber	junk_scope[SNOWFDW_MAX_SCOPES];
	AttrNumber	junk_dropped;	/* or 0 */
	AttrNumber	junk_wholerow;
} SnowfdwModifyState;

/* The modifications of the statements running (nested ones too) */
static SnowfdwModifyState *modify_states = NULL;

/* The ExecutorRun hook this library replaced */
static ExecutorRun_hook_type prev_executor_run = NULL;

static void run_executor(SNOWFDW_EXECUTOR_RUN_PARAMS);
static TupleTableSlot *update_row_pipelined(SnowfdwModifyState *state,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
static TupleTableSlot *delete_row_pipelined(SnowfdwModifyState *state,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);

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
 * register_state
 *		Make a modification known to the ExecutorRun hook of its statement,
 *		until the statement's memory goes (on success or error)
 */
static void
register_state(SnowfdwModifyState *state)
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
 * relation_object
 *		Options and object kind of a foreign table
 */
static const SnowfdwObjectInfo *
relation_object(Relation rel, SnowfdwOptions **options)
{
	*options = snowfdw_get_options(GetForeignTable(RelationGetRelid(rel))->serverid,
								   InvalidOid, RelationGetRelid(rel));
	return snowfdw_relation_object(rel, *options);
}

/*
 * junk_name
 *		Name of the junk column carrying one identity column
 */
static char *
junk_name(const char *json_name, AttrNumber attnum)
{
	return psprintf("snowfdw_%s_%d", json_name, (int) attnum);
}

/*
 * add_junk_column
 *		Ask the scan for a column of the target table as a junk column
 */
static void
add_junk_column(PlannerInfo *root, Index rtindex, Relation rel,
				const char *json_name, AttrNumber attnum)
{
	Form_pg_attribute attr = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Var		   *var = makeVar(rtindex, attnum, attr->atttypid, attr->atttypmod,
							  attr->attcollation, 0);

	add_row_identity_var(root, var, rtindex, junk_name(json_name, attnum));
}

/*
 * snowfdwAddForeignUpdateTargets
 *		Ask the scan for the columns that identify each object
 *
 * The name column and the scope columns not fixed by table options become
 * junk columns; DELETE ... RETURNING also gets the whole row.
 */
static void
snowfdwAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
							   RangeTblEntry *target_rte,
							   Relation target_relation)
{
	SnowfdwOptions *options;
	const SnowfdwObjectInfo *info = relation_object(target_relation, &options);
	const char *relname = RelationGetRelationName(target_relation);
	SnowfdwWriteMap *map;
	int			level;

	snowfdw_check_modify_allowed(target_relation, info, root->parse->commandType);

	/* the columns that map to the name and scope, as writes see them */
	map = snowfdw_write_map(target_relation, info);
	for (level = -1; level < info->nscopes; level++)
	{
		const char *column = level < 0 ? "name" : snowfdw_scope_columns[level];
		AttrNumber	attnum = level < 0 ? map->name_attnum :
			map->scope_attnums[level];

		if (attnum == 0)
		{
			if (level >= 0 && snowfdw_scope_option(options, level) != NULL)
				continue;
			ereport(ERROR,
					(errcode(ERRCODE_FDW_COLUMN_NAME_NOT_FOUND),
					 errmsg("cannot %s foreign table \"%s\": it has no column \"%s\"",
							snowfdw_operation_verb(root->parse->commandType),
							relname, column),
					 errdetail("Snowflake %ss are found by %s.", info->noun,
							   info->nscopes == 1 ? "database and name" :
							   "database, schema and name"),
					 level >= 0 ?
					 errhint("Add the column, or fix the scope with the table option \"%s\".",
							 snowfdw_scope_option_name(level)) :
					 errhint("Add a column \"name\", or set option column_name 'name' on the column that holds the name.")));
		}
		add_junk_column(root, rtindex, target_relation, column, attnum);
	}

	/* rows of dropped objects (history) must not reach their live namesakes */
	if (map->dropped_attnum != 0)
		add_junk_column(root, rtindex, target_relation, "dropped_on",
						map->dropped_attnum);

	if (root->parse->commandType == CMD_DELETE &&
		root->parse->returningList != NIL)
	{
		/* the same Var the planner makes for row triggers, so it is shared */
		Var		   *var = makeVar(rtindex, InvalidAttrNumber, RECORDOID, -1,
								  InvalidOid, 0);

		add_row_identity_var(root, var, rtindex, WHOLEROW_JUNK);
	}
}

/*
 * returning_attrs
 *		Attribute numbers RETURNING converts of the object fetched after a
 *		write, as a scan's retrieved list (NIL: all, 0 alone: none)
 *
 * AFTER ROW triggers and WITH CHECK OPTIONs see the returned row too: with
 * them every column is converted.
 */
static List *
returning_attrs(ModifyTable *plan, int subplan_index, Index rtindex,
				Relation rel)
{
	TriggerDesc *trigdesc = rel->trigdesc;
	Bitmapset  *attrs = NULL;
	List	   *result = NIL;
	int			i;

	if (trigdesc &&
		(trigdesc->trig_insert_after_row || trigdesc->trig_update_after_row))
		return NIL;
	if (plan->withCheckOptionLists != NIL &&
		list_nth(plan->withCheckOptionLists, subplan_index) != NIL)
		return NIL;
	pull_varattnos((Node *) list_nth(plan->returningLists, subplan_index),
				   rtindex, &attrs);
	if (bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs))
		return NIL;				/* a whole-row reference */
	for (i = 1; i <= RelationGetNumberOfAttributes(rel); i++)
		if (bms_is_member(i - FirstLowInvalidHeapAttributeNumber, attrs))
			result = lappend_int(result, i);
	return result != NIL ? result : list_make1_int(0);
}

/*
 * snowfdwPlanForeignModify
 *		Check what the statement asks for; remember ON CONFLICT and RETURNING
 *
 * UPDATE may set writable columns only: renames and moves are refused here,
 * before any object is touched.
 */
static List *
snowfdwPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
						 Index resultRelation, int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	SnowfdwOptions *options;
	const SnowfdwObjectInfo *info = relation_object(rel, &options);
	List	   *updated = NIL;
	List	   *retrieved = NIL;
	bool		returning;

	snowfdw_check_modify_allowed(rel, info, plan->operation);

	if (plan->operation == CMD_UPDATE)
	{
		RelOptInfo *baserel = find_base_rel(root, resultRelation);
		Bitmapset  *cols = get_rel_all_updated_cols(root, baserel);
		int			col = -1;

		while ((col = bms_next_member(cols, col)) >= 0)
		{
			AttrNumber	attnum = col + FirstLowInvalidHeapAttributeNumber;

			if (attnum <= InvalidAttrNumber)
				continue;		/* system columns cannot be set anyway */
			snowfdw_check_update_column(rel, info, attnum);
			updated = lappend_int(updated, attnum);
		}
	}

	returning = plan->returningLists != NIL &&
		list_nth(plan->returningLists, subplan_index) != NIL;
	if (returning)
		retrieved = returning_attrs(plan, subplan_index, resultRelation, rel);
	table_close(rel, NoLock);

	return list_make5(makeInteger((int) info->kind),
					  makeInteger(plan->onConflictAction == ONCONFLICT_NOTHING),
					  makeInteger(returning),
					  updated, retrieved);
}

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
	state->info = relation_object(rel, &state->options);
	state->conn = snowfdw_get_connection(GetForeignTable(relid)->serverid,
										 snowfdw_result_rel_userid(rinfo, estate));
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
	if (state->options->pipeline_writes && rel->trigdesc == NULL &&
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
	register_state(state);
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

		state->junk_name = find_junk(subplan, junk_name("name", map->name_attnum));
		for (level = 0; level < state->info->nscopes; level++)
			if (map->scope_attnums[level] != 0)
				state->junk_scope[level] =
					find_junk(subplan, junk_name(snowfdw_scope_columns[level],
												 map->scope_attnums[level]));
		if (map->dropped_attnum != 0)
			state->junk_dropped = find_junk(subplan, junk_name("dropped_on",
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
	const SnowfdwObjectInfo *info = relation_object(rinfo->ri_RelationDesc,
													&options);

	/* no PlanForeignModify ran for this table: check here */
	snowfdw_check_modify_allowed(rinfo->ri_RelationDesc, info, CMD_INSERT);
	rinfo->ri_FdwState =
		create_modify_state(mtstate->ps.state, rinfo, CMD_INSERT,
							plan != NULL && plan->onConflictAction == ONCONFLICT_NOTHING,
							rinfo->ri_returningList != NIL, NIL, NIL);
}

/*
 * qualified_name
 *		Snowflake's name for an object: scope and name as identifiers
 */
static char *
qualified_name(const SnowfdwObjectInfo *info, char *const *scope,
			   const char *name)
{
	StringInfoData buf;
	int			level;

	initStringInfo(&buf);
	for (level = 0; level < info->nscopes; level++)
		appendStringInfo(&buf, "%s.", snowfdw_quote_identifier(scope[level]));
	appendStringInfoString(&buf, snowfdw_quote_identifier(name));
	return buf.data;
}

/*
 * remember_object
 *		Add an object of a row to a list of done or unknown objects, in the
 *		statement's context
 */
static List *
remember_object(SnowfdwModifyState *state, List *list, int64 row,
				char *const *scope, const char *name)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(state->cxt);
	SnowfdwDoneObject *object = palloc(sizeof(SnowfdwDoneObject));

	object->row = row;
	object->name = qualified_name(state->info, scope, name);
	list = lappend(list, object);
	MemoryContextSwitchTo(oldcxt);
	return list;
}

/*
 * compare_rows
 *		list_sort comparator: objects in the order of their rows
 */
static int
compare_rows(const ListCell *a, const ListCell *b)
{
	const SnowfdwDoneObject *x = lfirst(a);
	const SnowfdwDoneObject *y = lfirst(b);

	return x->row < y->row ? -1 : x->row > y->row ? 1 : 0;
}

/*
 * append_objects
 *		The names of a list of objects, in row order, separated by commas
 */
static void
append_objects(StringInfo buf, List *objects)
{
	ListCell   *lc;

	list_sort(objects, compare_rows);
	foreach(lc, objects)
	{
		if (lc != list_head(objects))
			appendStringInfoString(buf, ", ");
		appendStringInfoString(buf, ((SnowfdwDoneObject *) lfirst(lc))->name);
	}
}

static bool call_created(SnowfdwModifyState *state, SnowfdwCall *call);

/*
 * list_call
 *		Put the object of a write call that has ended, or that an error cut
 *		short, in the list its outcome says: done when Snowflake carried it
 *		out, unknown when it may have; nothing for a GET (an UPDATE's PUT
 *		is never sent before its GET has answered)
 *
 * A create answered 2xx that found its object existing (ifNotExists) made
 * nothing; one whose answer could not be read may have.
 */
static void
list_call(SnowfdwModifyState *state, SnowfdwPendingRow *entry)
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
				state->unknown = remember_object(state, state->unknown,
												 entry->row, entry->scope,
												 entry->name);
			else if (entry->action != SNOWFDW_ACTION_CREATE ||
					 call_created(state, call))
				state->done = remember_object(state, state->done, entry->row,
											  entry->scope, entry->name);
			break;
		case SNOWFDW_OUTCOME_MAYBE:
			state->unknown = remember_object(state, state->unknown, entry->row,
											 entry->scope, entry->name);
			break;
		case SNOWFDW_OUTCOME_NONE:
			break;
	}
}

/*
 * harvest_calls
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
static void
harvest_calls(SnowfdwModifyState *state)
{
	MemoryContext oldcxt;
	int			n = 0;
	int			i;

	if (state->current.call != NULL)
	{
		list_call(state, &state->current);
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
		list_call(state, entry);
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
		append_objects(buf, state->done);
		appendStringInfoChar(buf, '.');
	}
	if (state->unknown != NIL)
	{
		if (buf->len > 0)
			appendStringInfoChar(buf, ' ');
		appendStringInfo(buf, "Snowflake may also have %s these %ss, whose requests ended without an answer: ",
						 verb, state->info->noun);
		append_objects(buf, state->unknown);
		appendStringInfoChar(buf, '.');
	}
}

/*
 * rethrow_with_lists
 *		Re-raise the current error, its detail naming what the given
 *		modifications changed in Snowflake
 *
 * Called in PG_CATCH with the memory context to work in.  Each
 * modification is listed once: one already reported is passed over, so
 * that run_row_action's catch and the ExecutorRun hook that the same
 * error then reaches never list it twice.
 */
static void
rethrow_with_lists(SnowfdwModifyState **states, int nstates,
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
		harvest_calls(states[i]);
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
 * outcome (harvest_calls).
 */
static SnowfdwCall *
row_call(SnowfdwModifyState *state, SnowfdwAction action, char *const *scope,
		 char *name, char *body, bool retry_safe, bool missing_ok)
{
	int64		before = state->conn->requests;
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
	if (current->call == call)
	{
		SnowfdwPendingRow ended = *current;

		/* listed now: an error from here on must not list it again */
		current->call = NULL;
		list_call(state, &ended);
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
 * row_identity
 *		Scope and name of the object a row to update or delete stands for
 *
 * NULL for the row of a dropped object (listed with history): the REST
 * calls address live objects by name, so acting on it would alter or drop
 * a live namesake, if any.  Such rows are skipped, like vanished ones.
 */
static char *
row_identity(SnowfdwModifyState *state, TupleTableSlot *planSlot,
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

/* The work for one row of INSERT, UPDATE or DELETE */
typedef TupleTableSlot *(*SnowfdwRowAction) (SnowfdwModifyState *state,
											 TupleTableSlot *slot,
											 TupleTableSlot *planSlot);

/*
 * run_row_action
 *		Run one row's work in the per-row context
 *
 * An error names the objects the statement already changed: Snowflake
 * keeps them whatever happens to the transaction.
 */
static TupleTableSlot *
run_row_action(SnowfdwModifyState *state, SnowfdwRowAction action,
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
		rethrow_with_lists(&state, 1, oldcxt);
	}
	PG_END_TRY();
	MemoryContextSwitchTo(oldcxt);
	return result;
}

/*
 * call_created
 *		Whether a create call made a new object
 *
 * With ifNotExists an existing object is left alone, and Snowflake says so
 * ("X already exists, statement succeeded."): like ON CONFLICT DO NOTHING,
 * that row counts as not inserted.
 */
static bool
call_created(SnowfdwModifyState *state, SnowfdwCall *call)
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
	const SnowfdwObjectInfo *info = state->info;
	char	   *scope[SNOWFDW_MAX_SCOPES] = {NULL, NULL, NULL};
	char	   *body;
	char	   *name;
	SnowfdwCall *call;
	int			level;

	state->rows++;
	slot_getallattrs(slot);
	for (level = 0; level < info->nscopes; level++)
		scope[level] = snowfdw_new_object_scope(state->map, slot, level,
												snowfdw_scope_option(state->options,
																	 level));
	body = snowfdw_create_body(state->map, slot);
	name = snowfdw_column_text(state->rel, state->map->name_attnum,
							   slot->tts_values[state->map->name_attnum - 1]);

	/* repeating errorIfExists could turn success into a 409 */
	call = row_call(state, SNOWFDW_ACTION_CREATE, scope, name, body,
					snowfdw_create_is_repeatable(state->create_mode), false);

	if (!call_created(state, call))
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
	return run_row_action(rinfo->ri_FdwState, insert_row, slot, planSlot);
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
	char	   *name = row_identity(state, planSlot, scope);
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

	return run_row_action(state, state->window > 1 ? update_row_pipelined :
						  update_row, slot, planSlot);
}

/*
 * store_scanned_row
 *		Fill a slot with a deleted row as the scan gave it (DELETE RETURNING)
 */
static void
store_scanned_row(SnowfdwModifyState *state, TupleTableSlot *slot,
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
	char	   *name = row_identity(state, planSlot, scope);

	state->rows++;
	if (name == NULL)
		return NULL;			/* a dropped object: nothing to drop */

	(void) row_call(state, SNOWFDW_ACTION_DROP, scope, name, NULL, true,
					false);

	if (state->has_returning)
		store_scanned_row(state, slot, planSlot);
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

	return run_row_action(state, state->window > 1 ? delete_row_pipelined :
						  delete_row, slot, planSlot);
}

/*
 * Pipelined writes.  Up to "window" rows have calls in flight; a row is
 * returned to the executor once its call is sent, and counted as done in an
 * error's detail once its call has ended well.  After a call has failed,
 * nothing more is sent: the calls in flight are let end, so that what they
 * did is known, and then the failure is raised.  Any other error (one a
 * step raises for an answer, or one raised outside the callbacks) takes
 * the answers that arrived and stops the rest (harvest_calls).  The
 * statement ends the pipeline once its plan has run (finish_statement),
 * or a batch INSERT in its batch; EndForeignModify ends what is left
 * (COPY, which has no ExecutorRun).
 */

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
	list_call(state, entry);
	if (entry->action == SNOWFDW_ACTION_CREATE)
		state->inserted[entry->batch_index] = !call->failed &&
			call_created(state, call);
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
 * a pause) are listed by their earlier attempts (harvest_calls).
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
	char	   *name = row_identity(state, planSlot, scope);

	state->rows++;
	if (name == NULL)
		return NULL;
	return take_entry(state, state->rows, scope, name);
}

/*
 * delete_row_pipelined
 *		Send the drop of one row's object; the row counts as deleted
 */
static TupleTableSlot *
delete_row_pipelined(SnowfdwModifyState *state, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	SnowfdwPendingRow *entry = take_row_entry(state, planSlot);

	if (entry == NULL)
		return NULL;
	send_row_call(state, entry, SNOWFDW_ACTION_DROP, NULL, true, false);
	(void) step_pipeline(state, false);

	if (state->has_returning)
		store_scanned_row(state, slot, planSlot);
	return slot;
}

/*
 * update_row_pipelined
 *		Send the GET of one row's schema, which its PUT follows; the row
 *		counts as updated (and is taken off the count if its schema is
 *		found gone)
 */
static TupleTableSlot *
update_row_pipelined(SnowfdwModifyState *state, TupleTableSlot *slot,
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
 * insert_batch
 *		Create the objects of a batch of rows; the rows that made new ones
 *		go to inserted_slots
 *
 * Every row's request is made before any is sent, so that a row that
 * cannot be sent fails the batch with nothing of it done.
 */
static TupleTableSlot *
insert_batch(SnowfdwModifyState *state, TupleTableSlot *slot,
			 TupleTableSlot *planSlot)
{
	int			n = state->batch_rows;
	TupleTableSlot **slots = state->batch_slots;
	char	  **scopes = palloc(sizeof(char *) * n * SNOWFDW_MAX_SCOPES);
	char	  **names = palloc(sizeof(char *) * n);
	char	  **bodies = palloc(sizeof(char *) * n);
	int64		first = state->rows + 1;
	int			i;
	int			level;

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

		slot_getallattrs(slots[i]);
		for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
			scope[level] = level < state->info->nscopes ?
				snowfdw_new_object_scope(state->map, slots[i], level,
										 snowfdw_scope_option(state->options,
															  level)) : NULL;
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
 * finish_pipeline
 *		Wait for the calls still in flight at the end of the statement
 */
static TupleTableSlot *
finish_pipeline(SnowfdwModifyState *state, TupleTableSlot *slot,
				TupleTableSlot *planSlot)
{
	drive_pipeline(state, 0);
	return NULL;
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
	(void) run_row_action(state, insert_batch, NULL, NULL);
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
		(void) run_row_action(state, finish_pipeline, NULL, NULL);
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
			(void) run_row_action(state, finish_pipeline, NULL, NULL);
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
 *		modifications not yet reported (see rethrow_with_lists)
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
	rethrow_with_lists(states, n, cxt);
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

/*
 * snowfdwIsForeignRelUpdatable
 *		The operations the object kind has REST calls for
 *
 * Never raises an error: information_schema asks about every foreign table.
 */
static int
snowfdwIsForeignRelUpdatable(Relation rel)
{
	SnowfdwOptions *options;
	const SnowfdwObjectInfo *info;
	int			ops = 0;

	options = snowfdw_get_options(GetForeignTable(RelationGetRelid(rel))->serverid,
								  InvalidOid, RelationGetRelid(rel));
	info = options->object ? snowfdw_object_by_option(options->object) :
		snowfdw_object_by_table_name(RelationGetRelationName(rel));
	if (info == NULL)
		return 0;
	if (info->has_create)
		ops |= 1 << CMD_INSERT;
	if (info->has_put)
		ops |= 1 << CMD_UPDATE;
	if (info->has_delete)
		ops |= 1 << CMD_DELETE;
	return ops;
}

/*
 * snowfdwExplainForeignModify
 *		Show the REST requests each row makes, and with ANALYZE their count
 */
static void
snowfdwExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
							List *fdw_private, int subplan_index,
							ExplainState *es)
{
	SnowfdwModifyState *state = rinfo->ri_FdwState;
	SnowfdwOptions *options;
	const SnowfdwObjectInfo *info = relation_object(rinfo->ri_RelationDesc,
													&options);
	bool		do_nothing = intVal(list_nth(fdw_private, SnowfdwModifyPrivateDoNothing)) != 0;
	bool		returning = intVal(list_nth(fdw_private, SnowfdwModifyPrivateReturning)) != 0;
	SnowfdwAction action = mtstate->operation == CMD_INSERT ? SNOWFDW_ACTION_CREATE :
		mtstate->operation == CMD_UPDATE ? SNOWFDW_ACTION_REPLACE : SNOWFDW_ACTION_DROP;
	const char *scope[SNOWFDW_MAX_SCOPES] = {NULL};
	char	   *object_path;
	int			level;

	/* what the table options fix; a row gives the rest */
	for (level = 0; level < info->nscopes; level++)
		scope[level] = snowfdw_scope_option(options, level);
	object_path = snowfdw_write_path(info, options, SNOWFDW_ACTION_FETCH, scope, NULL,
							 NULL);
	ExplainPropertyText("Remote request",
						psprintf("%s %s", snowfdw_action_method(action),
								 snowfdw_write_path(info, options, action, scope, NULL,
											snowfdw_insert_create_mode(options,
															   do_nothing))),
						es);
	if (mtstate->operation == CMD_UPDATE)
		ExplainPropertyText("Remote fetch",
							psprintf("GET %s (before the PUT%s)", object_path,
									 returning ? ", and after it for RETURNING" : ""),
							es);
	else if (mtstate->operation == CMD_INSERT && returning)
		ExplainPropertyText("Remote fetch",
							psprintf("GET %s (for RETURNING)", object_path), es);
	if (es->analyze && state != NULL)
		ExplainPropertyInteger("Remote calls", NULL,
							   state->requests,
							   es);
}

/*
 * snowfdw_set_modify_routines
 *		Install the modification callbacks in the handler's FdwRoutine
 */
void
snowfdw_set_modify_routines(FdwRoutine *routine)
{
	routine->AddForeignUpdateTargets = snowfdwAddForeignUpdateTargets;
	routine->PlanForeignModify = snowfdwPlanForeignModify;
	routine->BeginForeignModify = snowfdwBeginForeignModify;
	routine->ExecForeignInsert = snowfdwExecForeignInsert;
	routine->GetForeignModifyBatchSize = snowfdwGetForeignModifyBatchSize;
	routine->ExecForeignBatchInsert = snowfdwExecForeignBatchInsert;
	routine->ExecForeignUpdate = snowfdwExecForeignUpdate;
	routine->ExecForeignDelete = snowfdwExecForeignDelete;
	routine->EndForeignModify = snowfdwEndForeignModify;
	routine->BeginForeignInsert = snowfdwBeginForeignInsert;
	routine->EndForeignInsert = snowfdwEndForeignInsert;
	routine->IsForeignRelUpdatable = snowfdwIsForeignRelUpdatable;
	routine->ExplainForeignModify = snowfdwExplainForeignModify;
}
