/*-------------------------------------------------------------------------
 *
 * deferred.c
 *		  Writes that follow the transaction: option defer_writes
 *
 * With defer_writes on, INSERT, UPDATE and DELETE send no write during the
 * statement.  Each row is checked as far as can be known here, and its
 * change is appended to a log that lives in TopTransactionContext, marked
 * with the subtransaction level and the command id that made it:
 *	- ROLLBACK (or an error) forgets the log, ROLLBACK TO SAVEPOINT the
 *	  suffix that the aborted subtransaction appended (a subtransaction that
 *	  commits hands its entries to its parent);
 *	- PREPARE TRANSACTION with pending changes is refused;
 *	- COMMIT (XACT_EVENT_PRE_COMMIT) folds the log into one net change per
 *	  object and sends them (deferredcommit.c).
 * Scans of the same transaction see the changes of earlier commands (the
 * overlay): a pending create appears, a pending drop disappears, a pending
 * update shows its new values.  The overlay is applied to the rows a scan
 * gets, after any cache, so no cached answer ever holds a pending row;
 * every qual a scan pushes down is also checked by PostgreSQL on the rows
 * it returns (plan.c keeps them all local), and a scan with pending
 * changes pushes no LIMIT, so the rows are those PostgreSQL would give if
 * the writes had been sent.
 *
 * Only errorIfExists creates are deferred: ifNotExists and orReplace
 * depend on what exists at Snowflake when they run, and an orReplace
 * cannot be undone.  A create of an object whose drop is pending is
 * refused (the order at COMMIT puts creates before drops).
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/deferred.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "calls/connection.h"
#include "calls/rest.h"
#include "calls/write.h"
#include "fdw/deferred.h"
#include "fdw/modify.h"
#include "model/mapping.h"
#include "model/objects.h"
#include "model/writemap.h"
#include "transport/json.h"

/* The log of the transaction, in TopTransactionContext */
static List *change_log = NIL;
static int	change_seq = 0;

static void defer_xact_callback(XactEvent event, void *arg);
static void defer_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
								   SubTransactionId parentSubid, void *arg);

/*
 * snowfdw_defer_init
 *		Module load: the transaction callbacks
 */
void
snowfdw_defer_init(void)
{
	RegisterXactCallback(defer_xact_callback, NULL);
	RegisterSubXactCallback(defer_subxact_callback, NULL);
}

/*
 * snowfdw_defer_count
 *		Changes the transaction holds for COMMIT
 */
int
snowfdw_defer_count(void)
{
	return list_length(change_log);
}

/*
 * snowfdw_defer_take_changes
 *		COMMIT: the net changes, in the current context; the log is
 *		emptied, so that nothing is ever sent twice
 */
List *
snowfdw_defer_take_changes(void)
{
	List	   *net = snowfdw_defer_fold(InvalidCommandId, NULL);

	change_log = NIL;
	return net;
}

static int
kind_scopes(SnowfdwObjectKind kind)
{
	return snowfdw_object_info(kind)->nscopes;
}

/*
 * same_object
 *		Whether two changes are of one object (same server, user, kind,
 *		scope and name: Snowflake's stored names, compared exactly)
 */
static bool
same_object(const DeferChange *a, const DeferChange *b)
{
	int			level;

	if (a->serverid != b->serverid || a->userid != b->userid ||
		a->kind != b->kind || strcmp(a->name, b->name) != 0)
		return false;
	for (level = 0; level < kind_scopes(a->kind); level++)
		if (strcmp(a->scope[level], b->scope[level]) != 0)
			return false;
	return true;
}

/*
 * snowfdw_defer_fold
 *		The net change of each object, from the log entries made before
 *		command before_cid (all of them if InvalidCommandId), of the
 *		object like "only" if given; copies in the current context
 *
 * create + update is a create of the new definition, create + drop is
 * nothing, update + update keeps the first definition read and the last
 * one written, update + drop is a drop.
 */
List *
snowfdw_defer_fold(CommandId before_cid, const DeferChange *only)
{
	List	   *net = NIL;
	ListCell   *lc;

	foreach(lc, change_log)
	{
		DeferChange *c = lfirst(lc);
		DeferChange *n = NULL;
		ListCell   *ln;

		if (before_cid != InvalidCommandId && c->cid >= before_cid)
			continue;
		if (only != NULL && !same_object(c, only))
			continue;
		foreach(ln, net)
			if (same_object(lfirst(ln), c))
				n = lfirst(ln);
		if (c->op == DEFER_CREATE || n == NULL || n->op == DEFER_DROP)
		{
			DeferChange *copy = palloc(sizeof(DeferChange));

			*copy = *c;
			net = lappend(net, copy);
		}
		else if (c->op == DEFER_REPLACE)
			n->body = c->body;	/* a create keeps its path, a replace its
								 * first "before" */
		else if (n->op == DEFER_CREATE)
			net = list_delete_ptr(net, n);
		else
			*n = *c;			/* the drop of an updated object */
	}
	return net;
}

/*
 * pending_of
 *		The net pending change of one object, or NULL
 */
static DeferChange *
pending_of(DeferChange *key)
{
	List	   *net = snowfdw_defer_fold(InvalidCommandId, key);

	return net != NIL ? llast(net) : NULL;
}

/*
 * record_change
 *		Append a change to the transaction's log
 */
static void
record_change(DeferChange *change)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(TopTransactionContext);
	DeferChange *c = palloc(sizeof(DeferChange));
	int			level;

	*c = *change;
	c->level = GetCurrentTransactionNestLevel();
	c->cid = GetCurrentCommandId(true);
	c->seq = ++change_seq;
	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
		c->scope[level] = change->scope[level] ? pstrdup(change->scope[level]) : NULL;
	c->name = pstrdup(change->name);
	c->path = pstrdup(change->path);
	c->body = change->body ? pstrdup(change->body) : NULL;
	c->before = change->before ? pstrdup(change->before) : NULL;
	c->fetch_path = pstrdup(change->fetch_path);
	c->undo_path = change->undo_path ? pstrdup(change->undo_path) : NULL;
	change_log = lappend(change_log, c);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * new_change
 *		A change of one row's object, with its fetch path
 */
static void
new_change(SnowfdwModifyState *state, DeferChange *c, DeferOp op,
		   char *const *scope, const char *name)
{
	int			level;

	memset(c, 0, sizeof(DeferChange));
	c->serverid = state->conn->serverid;
	c->userid = state->userid;
	c->kind = state->info->kind;
	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
		c->scope[level] = level < state->info->nscopes ? scope[level] : NULL;
	c->name = (char *) name;
	c->op = op;
	c->fetch_path = snowfdw_write_path(state->info, state->options,
									   SNOWFDW_ACTION_FETCH,
									   (const char *const *) scope, name, NULL);
}

/*
 * snowfdw_defer_object_name
 *		A change's object for messages: noun and qualified name
 */
char *
snowfdw_defer_object_name(const DeferChange *c)
{
	const SnowfdwObjectInfo *info = snowfdw_object_info(c->kind);
	StringInfoData buf;
	int			level;

	initStringInfo(&buf);
	appendStringInfo(&buf, "%s ", info->noun);
	for (level = 0; level < info->nscopes; level++)
		appendStringInfo(&buf, "%s.", snowfdw_quote_identifier(c->scope[level]));
	appendStringInfoString(&buf, snowfdw_quote_identifier(c->name));
	return buf.data;
}

/*
 * snowfdw_defer_check_modify
 *		Refuse what a deferred write cannot do (at BeginForeignModify)
 */
void
snowfdw_defer_check_modify(SnowfdwModifyState *state)
{
	if (state->operation == CMD_INSERT &&
		strcmp(state->create_mode, "errorIfExists") != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("deferred INSERT into foreign table \"%s\" supports only create_mode errorIfExists",
						state->relname),
				 errdetail("With defer_writes, COMMIT sends the create; %s depends on what exists at Snowflake then%s.",
						   state->create_mode,
						   strcmp(state->create_mode, "orReplace") == 0 ?
						   ", and a replaced object cannot be restored" : ""),
				 errhint("Turn defer_writes off for this statement, or use a plain INSERT.")));
}

/*
 * snowfdw_defer_insert
 *		Record the create of one row's object
 */
TupleTableSlot *
snowfdw_defer_insert(SnowfdwModifyState *state, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	const SnowfdwObjectInfo *info = state->info;
	char	   *scope[SNOWFDW_MAX_SCOPES] = {NULL, NULL, NULL};
	DeferChange c;
	DeferChange *pending;
	char	   *name;

	state->rows++;
	snowfdw_modify_new_scope(state, slot, scope);
	name = snowfdw_column_text(state->rel, state->map->name_attnum,
							   slot->tts_values[state->map->name_attnum - 1]);
	new_change(state, &c, DEFER_CREATE, scope, name);
	c.body = snowfdw_create_body(state->map, slot);

	pending = pending_of(&c);
	if (pending != NULL && pending->op != DEFER_DROP)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s already exists in this transaction", snowfdw_defer_object_name(&c)),
				 errdetail("Its create is deferred to COMMIT (defer_writes).")));
	if (pending != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot create %s: its drop is deferred to COMMIT in this transaction",
						snowfdw_defer_object_name(&c)),
				 errhint("Commit the drop first.")));

	c.path = snowfdw_write_path(info, state->options, SNOWFDW_ACTION_CREATE,
								(const char *const *) scope, NULL,
								state->create_mode);
	/* undone by a drop; ifExists makes the drop repeatable */
	c.undo_path = snowfdw_write_path(info, state->options, SNOWFDW_ACTION_DROP,
									 (const char *const *) scope, name, NULL);
	c.retry_safe = false;		/* errorIfExists: a repeat could turn into 409 */
	record_change(&c);
	return slot;
}

/*
 * snowfdw_defer_update
 *		Record the new definition of one row's schema
 *
 * The definition is read now (or taken from the pending change), as the
 * immediate mode reads it before its PUT; COMMIT reads it again and fails
 * with 40001 if Snowflake changed it meanwhile.
 */
TupleTableSlot *
snowfdw_defer_update(SnowfdwModifyState *state, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	char	   *scope[SNOWFDW_MAX_SCOPES] = {NULL, NULL, NULL};
	char	   *name = snowfdw_modify_row_identity(state, planSlot, scope);
	DeferChange c;
	DeferChange *pending;
	SnowfdwJson *current;
	char	   *error = NULL;

	state->rows++;
	if (name == NULL)
		return NULL;			/* a dropped schema */
	new_change(state, &c, DEFER_REPLACE, scope, name);
	pending = pending_of(&c);
	if (pending != NULL && pending->op != DEFER_DROP)
	{
		current = snowfdw_json_parse(pending->body, strlen(pending->body), &error);
		c.before = pending->before;
	}
	else
	{
		int64		before = state->conn->requests;
		SnowfdwCall *call = snowfdw_write_call(state->conn, "GET", c.fetch_path,
											   NULL, true, true);

		state->requests += state->conn->requests - before;
		if (call->status == 404)
			return NULL;		/* dropped meanwhile: nothing to update */
		current = snowfdw_call_response_object(call);
		c.before = snowfdw_json_to_text(current);
	}
	if (current == NULL)
		elog(ERROR, "invalid pending definition: %s", error ? error : "");

	slot_getallattrs(slot);
	c.body = snowfdw_replace_body(state->map, slot, state->updated, name,
								  current);
	c.path = snowfdw_write_path(state->info, state->options,
								SNOWFDW_ACTION_REPLACE,
								(const char *const *) scope, name, NULL);
	/* undone by a PUT of the definition read (a create: by its drop) */
	c.undo_path = c.before != NULL ? c.path :
		snowfdw_write_path(state->info, state->options, SNOWFDW_ACTION_DROP,
						   (const char *const *) scope, name, NULL);
	c.retry_safe = true;
	record_change(&c);
	return slot;
}

/*
 * snowfdw_defer_delete
 *		Record the drop of one row's object
 */
TupleTableSlot *
snowfdw_defer_delete(SnowfdwModifyState *state, TupleTableSlot *slot,
					 TupleTableSlot *planSlot)
{
	char	   *scope[SNOWFDW_MAX_SCOPES] = {NULL, NULL, NULL};
	char	   *name = snowfdw_modify_row_identity(state, planSlot, scope);
	DeferChange c;

	state->rows++;
	if (name == NULL)
		return NULL;			/* a dropped object: nothing to drop */
	new_change(state, &c, DEFER_DROP, scope, name);
	c.path = snowfdw_write_path(state->info, state->options, SNOWFDW_ACTION_DROP,
								(const char *const *) scope, name, NULL);
	/* a schema comes back with UNDROP; a stage's files, a stream's offset not */
	if (state->info->kind == SNOWFDW_OBJECT_SCHEMAS)
		c.undo_path = snowfdw_request_path(state->info, SNOWFDW_ACTION_UNDROP,
										   (const char *const *) scope, name);
	c.retry_safe = true;
	record_change(&c);

	if (state->has_returning)
		snowfdw_modify_store_scanned_row(state, slot, planSlot);
	return slot;
}

/*
 * snowfdw_defer_check_object
 *		A function that acts at once (clone, undrop, presign) refuses an
 *		object with a change pending in this transaction
 */
void
snowfdw_defer_check_object(Oid serverid, SnowfdwObjectKind kind,
						   char *const *scope, const char *name,
						   const char *function)
{
	ListCell   *lc;

	foreach(lc, change_log)
	{
		DeferChange *c = lfirst(lc);
		int			level;
		bool		same = c->serverid == serverid && c->kind == kind &&
			strcmp(c->name, name) == 0;

		for (level = 0; same && level < kind_scopes(kind); level++)
			same = scope[level] != NULL &&
				strcmp(c->scope[level], scope[level]) == 0;
		if (same)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s() cannot act on %s: a change of it is deferred to COMMIT in this transaction",
							function, snowfdw_defer_object_name(c)),
					 errdetail("%s() acts at once; the deferred change (defer_writes) would be sent after it.",
							   function),
					 errhint("Commit the transaction first.")));
	}
}

/*
 * defer_xact_callback
 *		COMMIT sends the changes; PREPARE refuses them; an abort forgets
 */
static void
defer_xact_callback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
			if (change_log != NIL)
				snowfdw_defer_send_changes();
			break;
		case XACT_EVENT_PRE_PREPARE:
			if (change_log != NIL)
				ereport(ERROR,
						(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
						 errmsg("cannot PREPARE a transaction that has deferred snowfdw changes"),
						 errdetail("%d change(s) of defer_writes wait for COMMIT; Snowflake cannot take part in a two-phase commit.",
								   list_length(change_log))));
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PREPARE:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_PARALLEL_ABORT:
			/* the memory went with TopTransactionContext */
			change_log = NIL;
			change_seq = 0;
			break;
		default:
			break;
	}
}

/*
 * defer_subxact_callback
 *		ROLLBACK TO SAVEPOINT forgets the changes of what it rolls back; a
 *		subtransaction that commits hands its changes to its parent
 */
static void
defer_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	int			level = GetCurrentTransactionNestLevel();
	ListCell   *lc;

	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		/* the subtransaction's entries are the log's tail */
		foreach(lc, change_log)
		{
			DeferChange *c = lfirst(lc);

			if (c->level >= level)
			{
				change_log = list_truncate(change_log, foreach_current_index(lc));
				break;
			}
		}
	}
	else if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		foreach(lc, change_log)
		{
			DeferChange *c = lfirst(lc);

			if (c->level >= level)
				c->level = level - 1;
		}
	}
}

/*-------------------------------------------------------------------------
 * The overlay: what a scan of the same transaction sees
 *-------------------------------------------------------------------------
 */
struct SnowfdwOverlay
{
	List	   *net;			/* DeferChange of the scan's kind and session */
	List	   *dropped_schemas;	/* pending schema drops: their stages and
									 * streams go too */
	SnowfdwJson **objects;		/* their bodies, parsed */
	bool	   *seen;			/* a create the listing returned */
	const char *fixed[SNOWFDW_MAX_SCOPES];	/* scope the table options fix */
	int			nscopes;
	int			next;			/* next create to hand over at the end */
	SnowfdwWriteMap *map;
};

/*
 * snowfdw_overlay_begin
 *		The pending changes a scan sees: those of commands before its
 *		snapshot's, of its kind, server and user; NULL if none
 */
SnowfdwOverlay *
snowfdw_overlay_begin(Oid serverid, Oid userid, Relation rel,
					  const SnowfdwObjectInfo *info, SnowfdwOptions *options,
					  CommandId curcid, MemoryContext cxt)
{
	MemoryContext oldcxt;
	SnowfdwOverlay *ov;
	List	   *net;
	List	   *mine = NIL;
	List	   *dropped = NIL;
	ListCell   *lc;
	int			i = 0;
	int			level;

	if (change_log == NIL)
		return NULL;
	oldcxt = MemoryContextSwitchTo(cxt);
	net = snowfdw_defer_fold(curcid, NULL);
	foreach(lc, net)
	{
		DeferChange *c = lfirst(lc);

		if (c->serverid != serverid || c->userid != userid)
			continue;
		if (c->kind == info->kind)
			mine = lappend(mine, c);
		else if (c->kind == SNOWFDW_OBJECT_SCHEMAS && c->op == DEFER_DROP &&
				 info->nscopes >= 2)
			dropped = lappend(dropped, c);
	}
	if (mine == NIL && dropped == NIL)
	{
		MemoryContextSwitchTo(oldcxt);
		return NULL;
	}
	ov = palloc0(sizeof(SnowfdwOverlay));
	ov->net = mine;
	ov->dropped_schemas = dropped;
	ov->objects = palloc0(sizeof(SnowfdwJson *) * (list_length(mine) + 1));
	ov->seen = palloc0(sizeof(bool) * (list_length(mine) + 1));
	ov->nscopes = info->nscopes;
	for (level = 0; level < info->nscopes; level++)
		ov->fixed[level] = snowfdw_scope_option(options, level);
	ov->map = snowfdw_write_map(rel, info);
	foreach(lc, mine)
	{
		DeferChange *c = lfirst(lc);
		char	   *error = NULL;

		if (c->body != NULL)
		{
			ov->objects[i] = snowfdw_json_parse(c->body, strlen(c->body), &error);
			if (ov->objects[i] == NULL)
				elog(ERROR, "invalid pending definition: %s", error ? error : "");
		}
		i++;
	}
	MemoryContextSwitchTo(oldcxt);
	return ov;
}

/*
 * snowfdw_overlay_restart
 *		A rescan: the creates are handed over again
 */
void
snowfdw_overlay_restart(SnowfdwOverlay *ov)
{
	if (ov == NULL)
		return;
	memset(ov->seen, 0, sizeof(bool) * list_length(ov->net));
	ov->next = 0;
}

/*
 * find_change
 *		The index of the pending change of an object, or -1
 */
static int
find_change(SnowfdwOverlay *ov, char *const *scope, const char *name)
{
	ListCell   *lc;

	if (name == NULL)
		return -1;
	foreach(lc, ov->net)
	{
		DeferChange *c = lfirst(lc);
		int			level;
		bool		same = strcmp(c->name, name) == 0;

		for (level = 0; same && level < ov->nscopes; level++)
			same = scope[level] != NULL && strcmp(c->scope[level], scope[level]) == 0;
		if (same)
			return foreach_current_index(lc);
	}
	return -1;
}

/*
 * snowfdw_overlay_row
 *		A listed row as the transaction sees it: *skip for a pending drop;
 *		else the pending definition to merge in (snowfdw_overlay_merge), or
 *		NULL to take the row as it is
 */
SnowfdwJson *
snowfdw_overlay_row(SnowfdwOverlay *ov, SnowfdwJson *row, char **scope,
					bool *skip)
{
	int			i;
	DeferChange *c;
	ListCell   *lc;

	*skip = false;
	foreach(lc, ov->dropped_schemas)
	{
		DeferChange *d = lfirst(lc);

		if (strcmp(d->scope[0], scope[0]) == 0 &&
			strcmp(d->name, scope[1]) == 0)
		{
			*skip = true;
			return NULL;
		}
	}
	i = find_change(ov, scope, snowfdw_json_object_string(row, "name"));
	if (i < 0)
		return NULL;
	c = list_nth(ov->net, i);
	if (c->op == DEFER_DROP)
	{
		*skip = true;
		return NULL;
	}
	ov->seen[i] = true;
	return ov->objects[i];
}

/*
 * snowfdw_overlay_next_created
 *		After the listing: the next pending create it did not return, in
 *		the scopes the table options fix (PostgreSQL checks the quals)
 */
SnowfdwJson *
snowfdw_overlay_next_created(SnowfdwOverlay *ov, char ***scope)
{
	while (ov->next < list_length(ov->net))
	{
		int			i = ov->next++;
		DeferChange *c = list_nth(ov->net, i);
		bool		match = c->op == DEFER_CREATE && !ov->seen[i];
		int			level;

		for (level = 0; match && level < ov->nscopes; level++)
			match = ov->fixed[level] == NULL ||
				strcmp(ov->fixed[level], c->scope[level]) == 0;
		if (!match)
			continue;
		*scope = c->scope;
		return ov->objects[i];
	}
	return NULL;
}

/*
 * snowfdw_overlay_merge
 *		A pending definition as a row: merged into a listed row (listed),
 *		whose fields that Snowflake sets (created_on, owner) stay as
 *		listed, or alone (a pending create: those are NULL); write-only
 *		fields (credentials) are never returned, as by a scan
 */
void
snowfdw_overlay_merge(SnowfdwOverlay *ov, SnowfdwRowConverter *converter,
					  TupleDesc tupdesc, SnowfdwJson *pending, char **scope,
					  bool listed, Datum *values, bool *isnull)
{
	Datum	   *pvalues = palloc(sizeof(Datum) * tupdesc->natts);
	bool	   *pnulls = palloc(sizeof(bool) * tupdesc->natts);
	int			i;

	snowfdw_convert_row(converter, tupdesc, pending, scope, pvalues, pnulls);
	for (i = 0; i < tupdesc->natts && i < ov->map->natts; i++)
	{
		const SnowfdwFieldInfo *field = ov->map->fields[i];

		if (field != NULL && field->write_only)
		{
			values[i] = (Datum) 0;
			isnull[i] = true;
		}
		else if (!listed || (field != NULL && !field->read_only &&
							 ov->map->scope_level[i] < 0))
		{
			values[i] = pvalues[i];
			isnull[i] = pnulls[i];
		}
	}
}
