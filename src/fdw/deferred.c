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
 *	  object and sends them, see send_changes.
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

typedef enum DeferOp
{
	DEFER_CREATE,
	DEFER_REPLACE,
	DEFER_DROP
} DeferOp;

/* One change a statement made, or the net change of one object */
typedef struct DeferChange
{
	int			level;			/* subtransaction nesting level */
	CommandId	cid;			/* command that made it */
	Oid			serverid;
	Oid			userid;
	SnowfdwObjectKind kind;
	char	   *scope[SNOWFDW_MAX_SCOPES];
	char	   *name;
	DeferOp		op;
	char	   *path;			/* the request COMMIT sends */
	char	   *body;			/* create: its body; replace: the whole
								 * definition */
	char	   *before;			/* replace: the definition the statement
								 * read; NULL for one of a pending create */
	char	   *fetch_path;		/* GET of the object */
	char	   *undo_path;		/* create: drop; replace: PUT; schema drop:
								 * undrop; NULL: cannot be undone */
	bool		retry_safe;
	int			seq;			/* place in the log, for reports */
} DeferChange;

/* The log of the transaction, in TopTransactionContext */
static List *change_log = NIL;
static int	change_seq = 0;

/* What COMMIT did with a net change */
typedef enum DeferOutcome
{
	DEFER_NOT_SENT,
	DEFER_APPLIED,
	DEFER_MAYBE,				/* sent, its outcome unknown */
	DEFER_FAILED,
	DEFER_UNDONE,
	DEFER_UNDO_FAILED
} DeferOutcome;

typedef struct DeferItem
{
	DeferChange *change;
	SnowfdwConnection *conn;
	SnowfdwCall *call;
	DeferOutcome outcome;
	int			group;
	char	   *why;			/* failed, or why not undone */
} DeferItem;

/* COMMIT's groups, in the order they are sent */
#define GROUP_SCHEMA_CREATES	0
#define GROUP_OTHER_CREATES		1
#define GROUP_SCHEMA_REPLACES	2
#define GROUP_SCHEMA_DROPS		3
#define GROUP_FINAL_DROPS		4	/* cannot be undone: last */
#define NGROUPS					5

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
 * fold_changes
 *		The net change of each object, from the log entries made before
 *		command before_cid (all of them if InvalidCommandId), of the
 *		object like "only" if given; copies in the current context
 *
 * create + update is a create of the new definition, create + drop is
 * nothing, update + update keeps the first definition read and the last
 * one written, update + drop is a drop.
 */
static List *
fold_changes(CommandId before_cid, const DeferChange *only)
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
	List	   *net = fold_changes(InvalidCommandId, key);

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
 * object_name
 *		A change's object for messages: noun and qualified name
 */
static char *
object_name(const DeferChange *c)
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
	int			level;

	state->rows++;
	slot_getallattrs(slot);
	for (level = 0; level < info->nscopes; level++)
		scope[level] = snowfdw_new_object_scope(state->map, slot, level,
												snowfdw_scope_option(state->options,
																	 level));
	name = snowfdw_column_text(state->rel, state->map->name_attnum,
							   slot->tts_values[state->map->name_attnum - 1]);
	new_change(state, &c, DEFER_CREATE, scope, name);
	c.body = snowfdw_create_body(state->map, slot);

	pending = pending_of(&c);
	if (pending != NULL && pending->op != DEFER_DROP)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("%s already exists in this transaction", object_name(&c)),
				 errdetail("Its create is deferred to COMMIT (defer_writes).")));
	if (pending != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot create %s: its drop is deferred to COMMIT in this transaction",
						object_name(&c)),
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
							function, object_name(c)),
					 errdetail("%s() acts at once; the deferred change (defer_writes) would be sent after it.",
							   function),
					 errhint("Commit the transaction first.")));
	}
}

/*
 * change_request
 *		"METHOD path" of a change's request
 */
static char *
change_request(const DeferChange *c)
{
	return psprintf("%s %s", c->op == DEFER_CREATE ? "POST" :
					c->op == DEFER_REPLACE ? "PUT" : "DELETE", c->path);
}

/*
 * change_group
 *		The group of COMMIT a net change goes in
 */
static int
change_group(const DeferChange *c)
{
	if (c->op == DEFER_CREATE)
		return c->kind == SNOWFDW_OBJECT_SCHEMAS ? GROUP_SCHEMA_CREATES :
			GROUP_OTHER_CREATES;
	if (c->op == DEFER_REPLACE)
		return GROUP_SCHEMA_REPLACES;
	return c->undo_path != NULL ? GROUP_SCHEMA_DROPS : GROUP_FINAL_DROPS;
}

/*
 * snowfdw_defer_explain_pending
 *		The requests COMMIT would send now, in order (EXPLAIN)
 */
void
snowfdw_defer_explain_pending(List **lines)
{
	List	   *net = fold_changes(InvalidCommandId, NULL);
	int			group;
	ListCell   *lc;

	for (group = 0; group < NGROUPS; group++)
		foreach(lc, net)
			if (change_group(lfirst(lc)) == group)
				*lines = lappend(*lines, change_request(lfirst(lc)));
}

/*-------------------------------------------------------------------------
 * COMMIT
 *-------------------------------------------------------------------------
 */

/*
 * call_failure_text
 *		The message of a failed call's error, without raising it
 */
static ErrorData *
call_failure(SnowfdwConnection *conn, SnowfdwCall *call)
{
	MemoryContext cxt = CurrentMemoryContext;
	ErrorData  *edata = NULL;

	PG_TRY();
	{
		snowfdw_raise_call_failure(conn, call);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
	}
	PG_END_TRY();
	return edata;
}

/*
 * classify_call
 *		What a sent (or harvested) call of a change did (an undo's call is
 *		only noted: undo_items reads it)
 */
static void
classify_call(DeferItem *item, bool undo)
{
	SnowfdwCall *call = item->call;
	SnowfdwCallOutcome outcome = snowfdw_call_outcome(call);

	snowfdw_note_write(item->conn, call);
	if (undo)
		return;					/* the change's outcome stays; undo_items
								 * reads the call */
	if (call->done && !call->failed)
		item->outcome = DEFER_APPLIED;
	else if (call->done && call->failed)
		item->outcome = outcome == SNOWFDW_OUTCOME_NONE ? DEFER_FAILED :
			DEFER_MAYBE;
	else
		item->outcome = outcome == SNOWFDW_OUTCOME_NONE ? DEFER_NOT_SENT :
			DEFER_MAYBE;
}

/*
 * run_items
 *		Send the calls of items (of one connection) at once, up to
 *		max_concurrency in flight; after a failure nothing more starts.
 *		Returns the first failed item, or NULL.
 *
 * An error (a cancel, statement_timeout) takes the answers that arrived
 * and stops the rest (snowfdw_harvest_calls), classifies every item and is
 * raised again.
 */
static DeferItem *
run_items(DeferItem **items, int n, bool undo)
{
	SnowfdwConnection *conn = items[0]->conn;
	MemoryContext cxt = CurrentMemoryContext;
	SnowfdwCall **calls = palloc(sizeof(SnowfdwCall *) * n);
	DeferItem  *volatile failed = NULL;
	int			i;

	snowfdw_write_begin();
	for (i = 0; i < n; i++)
	{
		DeferChange *c = items[i]->change;
		const char *method;
		char	   *body = NULL;
		bool		retry_safe = true;

		if (!undo)
		{
			method = c->op == DEFER_CREATE ? "POST" :
				c->op == DEFER_REPLACE ? "PUT" : "DELETE";
			body = c->body;
			retry_safe = c->retry_safe;
		}
		else if (c->op == DEFER_DROP)
		{
			method = "POST";	/* undrop: a repeat would find it live */
			retry_safe = false;
		}
		else if (c->op == DEFER_REPLACE && c->before != NULL)
		{
			method = "PUT";
			body = c->before;
		}
		else
			method = "DELETE";
		calls[i] = snowfdw_new_call(method, undo ? c->undo_path : c->path,
									body, retry_safe, false);
		calls[i]->defer_failure = true;
		items[i]->call = calls[i];
	}
	PG_TRY();
	{
		/* an undo goes on past a failure: each one undone counts */
		while (snowfdw_step_calls(conn, calls, n, undo || failed == NULL, true))
		{
			for (i = 0; i < n && failed == NULL; i++)
				if (calls[i]->done && calls[i]->failed)
					failed = items[i];
		}
		for (i = 0; i < n && failed == NULL; i++)
			if (calls[i]->done && calls[i]->failed)
				failed = items[i];
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();

		/*
		 * A cancel or statement_timeout: the requests in flight end first
		 * (each within request_timeout), so that what they did is known
		 * and can be undone; nothing more starts.
		 */
		if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		{
			ereport(LOG,
					(errmsg("snowfdw: COMMIT interrupted (%s): the requests in flight end, then what was applied is undone",
							edata->message)));
			PG_TRY();
			{
				while (snowfdw_step_calls(conn, calls, n, false, true))
					;
			}
			PG_CATCH();
			{
				MemoryContextSwitchTo(cxt);
				FlushErrorState();
			}
			PG_END_TRY();
		}
		snowfdw_harvest_calls(conn, calls, n);
		for (i = 0; i < n; i++)
			classify_call(items[i], undo);
		RESUME_INTERRUPTS();
		ReThrowError(edata);
	}
	PG_END_TRY();
	for (i = 0; i < n; i++)
		classify_call(items[i], undo);
	return failed;
}

/*
 * run_group
 *		Send one group of items, connection by connection; the first item
 *		that failed, or NULL
 */
static DeferItem *
run_group(DeferItem *items, int nitems, int group, bool undo)
{
	DeferItem **batch = palloc(sizeof(DeferItem *) * nitems);
	int			i;

	for (i = 0; i < nitems; i++)
	{
		int			n = 0;
		int			j;
		DeferItem  *failed;

		if (items[i].group != group || items[i].call != NULL ||
			(undo && (items[i].outcome != DEFER_APPLIED &&
					  items[i].outcome != DEFER_MAYBE)))
			continue;
		for (j = i; j < nitems; j++)
			if (items[j].group == group && items[j].conn == items[i].conn &&
				items[j].call == NULL &&
				(!undo || items[j].outcome == DEFER_APPLIED ||
				 items[j].outcome == DEFER_MAYBE))
				batch[n++] = &items[j];
		failed = run_items(batch, n, undo);
		if (failed != NULL && !undo)
			return failed;
	}
	return NULL;
}

/*
 * undo_items
 *		Undo what was applied (or may have been) and can be undone, groups
 *		in the reverse order; interrupts are held, so that a cancel that
 *		stopped the COMMIT does not stop its undo
 */
static void
undo_items(DeferItem *items, int nitems)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile int group;
	int			i;

	HOLD_INTERRUPTS();
	for (i = 0; i < nitems; i++)
	{
		items[i].call = NULL;
		if ((items[i].outcome == DEFER_APPLIED || items[i].outcome == DEFER_MAYBE) &&
			items[i].change->undo_path == NULL)
			items[i].why = items[i].change->kind == SNOWFDW_OBJECT_STAGES ?
				"a dropped stage cannot be restored" :
				"a dropped stream cannot be restored";
	}
	for (group = NGROUPS - 1; group >= 0; group--)
	{
		char	   *volatile stopped = NULL;

		if (group == GROUP_FINAL_DROPS)
			continue;
		PG_TRY();
		{
			(void) run_group(items, nitems, group, true);
		}
		PG_CATCH();
		{
			ErrorData  *edata;

			MemoryContextSwitchTo(cxt);
			edata = CopyErrorData();
			FlushErrorState();
			stopped = edata->message;
		}
		PG_END_TRY();
		for (i = 0; i < nitems; i++)
		{
			DeferItem  *item = &items[i];

			if (item->group != group || item->call == NULL)
				continue;
			if (item->call->done && !item->call->failed)
			{
				/* a request without an answer may still be carried out */
				if (item->outcome == DEFER_MAYBE)
					item->why = "its undo was sent, but Snowflake may carry out the request after it";
				else
					item->outcome = DEFER_UNDONE;
			}
			else if (item->call->failed)
				item->why = psprintf("its undo failed: %s",
									 call_failure(item->conn, item->call)->message);
			else
				item->why = psprintf("its undo was stopped: %s",
									 stopped ? stopped : "no answer");
		}
	}
	RESUME_INTERRUPTS();
}

/*
 * append_items
 *		"N <what>: a, b, c." for the items of one outcome
 */
static void
append_items(StringInfo buf, DeferItem *items, int nitems, DeferOutcome outcome,
			 bool with_why, const char *what)
{
	int			n = 0;
	int			i;

	for (i = 0; i < nitems; i++)
		if (items[i].outcome == outcome && (items[i].why != NULL) == with_why)
			n++;
	if (n == 0)
		return;
	if (buf->len > 0)
		appendStringInfoChar(buf, ' ');
	appendStringInfo(buf, "%d %s: ", n, what);
	n = 0;
	for (i = 0; i < nitems; i++)
	{
		DeferItem  *item = &items[i];

		if (item->outcome != outcome || (item->why != NULL) != with_why)
			continue;
		if (n++ > 0)
			appendStringInfoString(buf, ", ");
		appendStringInfoString(buf, object_name(item->change));
		if (item->why != NULL)
			appendStringInfo(buf, " (%s)", item->why);
	}
	appendStringInfoChar(buf, '.');
}

/*
 * report_and_raise
 *		Undo what can be undone, then raise the error that stopped COMMIT
 *		with the list of what happened to each change
 */
pg_noreturn static void
report_and_raise(DeferItem *items, int nitems, ErrorData *edata)
{
	StringInfoData buf;
	int			i;

	undo_items(items, nitems);
	for (i = 0; i < nitems; i++)
		if ((items[i].outcome == DEFER_APPLIED || items[i].outcome == DEFER_MAYBE) &&
			items[i].why == NULL)
			items[i].why = "not undone";

	initStringInfo(&buf);
	append_items(&buf, items, nitems, DEFER_UNDONE, false, "applied and undone");
	append_items(&buf, items, nitems, DEFER_APPLIED, true, "applied and not undone");
	append_items(&buf, items, nitems, DEFER_MAYBE, true, "sent without an answer");
	append_items(&buf, items, nitems, DEFER_FAILED, false, "failed");
	append_items(&buf, items, nitems, DEFER_NOT_SENT, false, "not sent");
	elog(LOG, "snowfdw: COMMIT failed: %s", buf.data);
	if (edata->detail)
		appendStringInfo(&buf, " %s", edata->detail);

	ereport(ERROR,
			(errcode(edata->sqlerrcode),
			 errmsg("COMMIT of deferred snowfdw changes failed: %s", edata->message),
			 errdetail("The transaction is rolled back. %s", buf.data)));
}

/*
 * check_replaces
 *		Read again every object an UPDATE read: if Snowflake changed it
 *		since, nothing is sent (40001)
 */
static void
check_replaces(DeferItem *items, int nitems)
{
	int			i;

	for (i = 0; i < nitems; i++)
	{
		DeferChange *c = items[i].change;
		SnowfdwCall *call;
		char	   *now = NULL;

		if (c->op != DEFER_REPLACE || c->before == NULL)
			continue;
		call = snowfdw_write_call(items[i].conn, "GET", c->fetch_path, NULL,
								  true, true);
		if (call->status != 404)
			now = snowfdw_json_to_text(snowfdw_call_response_object(call));
		if (now == NULL || strcmp(now, c->before) != 0)
			ereport(ERROR,
					(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
					 errmsg("could not serialize access due to a concurrent change of %s at Snowflake",
							object_name(c)),
					 errdetail("%s since UPDATE read it; COMMIT sent nothing and the transaction is rolled back.",
							   now == NULL ? "It was dropped" : "Its definition changed")));
	}
}

/*
 * send_changes
 *		PRE_COMMIT: send the net changes, all or undo what can be undone
 *
 * Groups go in order: schema creates, other creates (their schemas
 * exist), schema updates, schema drops; then the drops that cannot be
 * undone (stages, streams), only if all before succeeded.  Each group is
 * pipelined.  Any failure (a refused call, a cancel, statement_timeout)
 * stops the sending, undoes what can be undone and fails the COMMIT with
 * the list of what happened to each change.
 */
static void
send_changes(void)
{
	MemoryContext cxt = AllocSetContextCreate(TopTransactionContext,
											  "snowfdw commit",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	List	   *net = fold_changes(InvalidCommandId, NULL);
	DeferItem  *items;
	int			nitems = 0;
	StringInfoData log;
	int			group;
	ListCell   *lc;

	/* whatever happens now, nothing is sent again */
	change_log = NIL;
	if (net == NIL)
	{
		MemoryContextSwitchTo(oldcxt);
		return;
	}
	items = palloc0(sizeof(DeferItem) * list_length(net));
	initStringInfo(&log);
	for (group = 0; group < NGROUPS; group++)
	{
		foreach(lc, net)
		{
			DeferChange *c = lfirst(lc);

			if (change_group(c) != group)
				continue;
			items[nitems].change = c;
			items[nitems].group = group;
			items[nitems].conn = snowfdw_get_connection(c->serverid, c->userid);
			if (nitems > 0)
				appendStringInfoString(&log, ", ");
			appendStringInfoString(&log, change_request(c));
			nitems++;
		}
	}

	check_replaces(items, nitems);

	/* the server log tells what may be applied if the backend dies now */
	ereport(LOG,
			(errmsg("snowfdw: COMMIT sends %d changes: %s", nitems, log.data)));

	PG_TRY();
	{
		DeferItem  *failed = NULL;

		for (group = 0; group < NGROUPS && failed == NULL; group++)
			failed = run_group(items, nitems, group, false);
		if (failed != NULL)
		{
			ErrorData  *edata = call_failure(failed->conn, failed->call);

			report_and_raise(items, nitems, edata);
		}
	}
	PG_CATCH();
	{
		ErrorData  *edata;
		int			i;

		HOLD_INTERRUPTS();
		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		/* already reported: a failure of a call, with its lists */
		if (strncmp(edata->message, "COMMIT of deferred", 18) == 0)
		{
			RESUME_INTERRUPTS();
			ReThrowError(edata);
		}
		for (i = 0; i < nitems; i++)
			if (items[i].call == NULL)
				items[i].outcome = DEFER_NOT_SENT;
		RESUME_INTERRUPTS();
		report_and_raise(items, nitems, edata);
	}
	PG_END_TRY();

	snowfdw_flush_write_invalidations();
	MemoryContextSwitchTo(oldcxt);
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
				send_changes();
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
	net = fold_changes(curcid, NULL);
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
