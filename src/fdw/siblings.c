/*-------------------------------------------------------------------------
 *
 * siblings.c
 *		  Sibling scans of one Append that PostgreSQL reads one after another
 *
 * PostgreSQL runs a foreign scan asynchronously only when it is a direct
 * child of an Append (snowfdw.c's ForeignAsync callbacks).  A UNION ALL
 * whose branches project (a view read for some of its columns, count(*)
 * over a UNION ALL) keeps a Subquery Scan between each scan and the Append,
 * and a MergeAppend reads its children one by one: those children run
 * serially.  For them, the scans of one Append form a group, and the first
 * of the group to be read has the others send their first calls too, so
 * their answers are on their way (or in) when their turn comes.
 *
 * Groups are found once per executor state by walking the plan: for each
 * Append and MergeAppend, the foreign scans under each child reached through
 * Subquery Scans and projection-only Results.  They live in the query's
 * memory; a reset callback forgets them with it.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/siblings.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/plannodes.h"
#include "utils/memutils.h"

#include "fdw/fdw.h"

/* The foreign scans under the children of one Append or MergeAppend */
struct SnowfdwSiblings
{
	List	   *plan_ids;		/* plan_node_id of each candidate scan */
	List	   *members;		/* the scans that joined (opaque) */
	bool		started;		/* this pass's first read has come */
};

/* The groups of one executor state */
typedef struct SiblingRegistry
{
	EState	   *estate;
	List	   *groups;			/* SnowfdwSiblings */
	struct SiblingRegistry *next;
} SiblingRegistry;

/* Registries of the executor states running now (nested: SPI) */
static SiblingRegistry *registries = NULL;

static void walk_plan(Plan *plan, SiblingRegistry *reg);

/*
 * scan_under
 *		The plan_node_id of the asynchronously-unrun foreign scan a child of
 *		an Append reaches through Subquery Scans and projection-only Results,
 *		or -1
 */
static int
scan_under(Plan *plan)
{
	while (plan)
	{
		if (IsA(plan, SubqueryScan))
			plan = ((SubqueryScan *) plan)->subplan;
		else if (IsA(plan, Result) &&
				 ((Result *) plan)->resconstantqual == NULL &&
				 plan->righttree == NULL)
			plan = plan->lefttree;
		else
			break;
	}
	if (plan && IsA(plan, ForeignScan) && !plan->async_capable)
		return plan->plan_node_id;
	return -1;
}

/*
 * add_group
 *		Note the scans under the children of an Append or MergeAppend
 */
static void
add_group(List *children, SiblingRegistry *reg)
{
	SnowfdwSiblings *group = palloc0(sizeof(SnowfdwSiblings));
	ListCell   *lc;

	foreach(lc, children)
	{
		int			id = scan_under(lfirst(lc));

		if (id >= 0)
			group->plan_ids = lappend_int(group->plan_ids, id);
	}
	if (list_length(group->plan_ids) >= 2)
		reg->groups = lappend(reg->groups, group);
}

/*
 * walk_list
 *		walk_plan over a List of plans
 */
static void
walk_list(List *plans, SiblingRegistry *reg)
{
	ListCell   *lc;

	foreach(lc, plans)
		walk_plan(lfirst(lc), reg);
}

/*
 * walk_plan
 *		Find the groups of a plan tree
 */
static void
walk_plan(Plan *plan, SiblingRegistry *reg)
{
	if (plan == NULL)
		return;
	check_stack_depth();
	switch (nodeTag(plan))
	{
		case T_Append:
			add_group(((Append *) plan)->appendplans, reg);
			walk_list(((Append *) plan)->appendplans, reg);
			break;
		case T_MergeAppend:
			add_group(((MergeAppend *) plan)->mergeplans, reg);
			walk_list(((MergeAppend *) plan)->mergeplans, reg);
			break;
		case T_SubqueryScan:
			walk_plan(((SubqueryScan *) plan)->subplan, reg);
			break;
		case T_BitmapAnd:
			walk_list(((BitmapAnd *) plan)->bitmapplans, reg);
			break;
		case T_BitmapOr:
			walk_list(((BitmapOr *) plan)->bitmapplans, reg);
			break;
		case T_CustomScan:
			walk_list(((CustomScan *) plan)->custom_plans, reg);
			break;
		default:
			break;
	}
	walk_plan(plan->lefttree, reg);
	walk_plan(plan->righttree, reg);
}

/*
 * forget_registry
 *		Memory reset callback: the executor state is gone
 */
static void
forget_registry(void *arg)
{
	SiblingRegistry **p;

	for (p = &registries; *p; p = &(*p)->next)
	{
		if (*p == arg)
		{
			*p = (*p)->next;
			return;
		}
	}
}

/*
 * registry_of
 *		The groups of an executor state, found on first use
 */
static SiblingRegistry *
registry_of(EState *estate)
{
	SiblingRegistry *reg;
	MemoryContextCallback *cb;
	MemoryContext oldcxt;

	for (reg = registries; reg; reg = reg->next)
		if (reg->estate == estate)
			return reg;

	oldcxt = MemoryContextSwitchTo(estate->es_query_cxt);
	reg = palloc0(sizeof(SiblingRegistry));
	reg->estate = estate;
	walk_plan(estate->es_plannedstmt->planTree, reg);
	walk_list(estate->es_plannedstmt->subplans, reg);
	cb = palloc0(sizeof(MemoryContextCallback));
	cb->func = forget_registry;
	cb->arg = reg;
	MemoryContextRegisterResetCallback(estate->es_query_cxt, cb);
	reg->next = registries;
	registries = reg;
	MemoryContextSwitchTo(oldcxt);
	return reg;
}

/*
 * snowfdw_siblings_join
 *		The group of a scan that an Append reads in turn, or NULL
 */
SnowfdwSiblings *
snowfdw_siblings_join(EState *estate, Plan *plan, void *scan)
{
	SiblingRegistry *reg;
	ListCell   *lc;

	if (estate->es_plannedstmt == NULL || plan->async_capable)
		return NULL;
	reg = registry_of(estate);
	foreach(lc, reg->groups)
	{
		SnowfdwSiblings *group = lfirst(lc);

		if (list_member_int(group->plan_ids, plan->plan_node_id))
		{
			MemoryContext oldcxt = MemoryContextSwitchTo(estate->es_query_cxt);

			group->members = lappend(group->members, scan);
			MemoryContextSwitchTo(oldcxt);
			return group;
		}
	}
	return NULL;
}

/*
 * snowfdw_siblings_first_read
 *		The other members of the group if this is the first read of the
 *		pass, else NIL
 */
List *
snowfdw_siblings_first_read(SnowfdwSiblings *group, void *scan)
{
	if (group == NULL || group->started)
		return NIL;
	group->started = true;
	return list_delete_ptr(list_copy(group->members), scan);
}

/*
 * snowfdw_siblings_rescan
 *		A member starts over: the next first read starts a new pass
 */
void
snowfdw_siblings_rescan(SnowfdwSiblings *group)
{
	if (group)
		group->started = false;
}
