/*-------------------------------------------------------------------------
 *
 * modifyplan.c
 *		  Planning of INSERT, UPDATE and DELETE, their EXPLAIN and updatability
 *
 * UPDATE and DELETE identify the object by junk columns that the scan
 * fills: the name column and the scope columns, each named
 * "snowfdw_<column>_<attnum>" so that inheritance children with other
 * column positions do not clash.  The plan's fdw_private list is indexed
 * by SnowfdwModifyPrivateIndex (modify.h).
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/modifyplan.c
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


static void snowfdwAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
										   RangeTblEntry *target_rte,
										   Relation target_relation);
static List *snowfdwPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
									  Index resultRelation,
									  int subplan_index);
static int	snowfdwIsForeignRelUpdatable(Relation rel);
static void snowfdwExplainForeignModify(ModifyTableState *mtstate,
										ResultRelInfo *rinfo,
										List *fdw_private,
										int subplan_index,
										ExplainState *es);

/*
 * snowfdw_set_modify_plan_routines
 *		Fill the planning, updatability and EXPLAIN members of a write
 */
void
snowfdw_set_modify_plan_routines(FdwRoutine *routine)
{
	routine->AddForeignUpdateTargets = snowfdwAddForeignUpdateTargets;
	routine->PlanForeignModify = snowfdwPlanForeignModify;
	routine->IsForeignRelUpdatable = snowfdwIsForeignRelUpdatable;
	routine->ExplainForeignModify = snowfdwExplainForeignModify;
}

/*
 * snowfdw_modify_relation_object
 *		Options and object kind of a foreign table
 */
const SnowfdwObjectInfo *
snowfdw_modify_relation_object(Relation rel, SnowfdwOptions **options)
{
	*options = snowfdw_get_options(GetForeignTable(RelationGetRelid(rel))->serverid,
								   InvalidOid, RelationGetRelid(rel));
	return snowfdw_relation_object(rel, *options);
}

/*
 * snowfdw_modify_junk_name
 *		Name of the junk column carrying one identity column
 */
char *
snowfdw_modify_junk_name(const char *json_name, AttrNumber attnum)
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

	add_row_identity_var(root, var, rtindex, snowfdw_modify_junk_name(json_name, attnum));
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
	const SnowfdwObjectInfo *info = snowfdw_modify_relation_object(target_relation, &options);
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
	const SnowfdwObjectInfo *info = snowfdw_modify_relation_object(rel, &options);
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
 *		(and with its timings, the time they were waited for)
 */
static void
snowfdwExplainForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
							List *fdw_private, int subplan_index,
							ExplainState *es)
{
	SnowfdwModifyState *state = rinfo->ri_FdwState;
	SnowfdwOptions *options;
	const SnowfdwObjectInfo *info = snowfdw_modify_relation_object(rinfo->ri_RelationDesc,
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
	{
		ExplainPropertyInteger("Remote calls", NULL,
							   state->requests,
							   es);
		/* a time varies from run to run: shown with the other timings */
		if (es->timing)
			ExplainPropertyFloat("Snowflake wait", "ms",
								 (double) state->snowflake_wait_us / 1000.0,
								 3, es);
	}
	if (options->defer_writes)
	{
		/* the request above waits for COMMIT; only reads run now */
		ExplainPropertyText("Deferred", "until COMMIT (defer_writes)", es);
		if (es->verbose)
		{
			List	   *lines = NIL;

			snowfdw_defer_explain_pending(&lines);
			ExplainPropertyList("Requests at COMMIT", lines, es);
		}
	}
}

