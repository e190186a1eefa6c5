/*-------------------------------------------------------------------------
 *
 * deferredcommit.c
 *		  COMMIT of the writes defer_writes held: in order, all or undo
 *
 * PRE_COMMIT sends the net changes of the transaction (deferred.c folds
 * them) in groups: schema creates, other creates, schema updates, schema
 * drops, then the drops that cannot be undone (stages, streams), each
 * group pipelined.  Before anything is sent, every schema an UPDATE read
 * is read again (40001 if it changed), and the server log gets the list of
 * requests, so that a backend that dies while sending leaves a record.  A
 * failure (a refused call, a cancel) stops the sending; the requests in
 * flight end; what was applied and can be undone is undone, interrupts
 * held; and COMMIT fails with the list of what happened to each change.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/deferredcommit.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "utils/memutils.h"

#include "calls/connection.h"
#include "calls/rest.h"
#include "calls/write.h"
#include "fdw/deferred.h"
#include "model/objects.h"
#include "transport/json.h"

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
	List	   *net = snowfdw_defer_fold(InvalidCommandId, NULL);
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
 * finish_in_flight
 *		After a cancel, interrupts held: let the transfers running end
 *		(each within request_timeout), starting none; an error leaves the
 *		rest to snowfdw_harvest_calls
 */
static void
finish_in_flight(SnowfdwConnection *conn, SnowfdwCall **calls, int n)
{
	MemoryContext cxt = CurrentMemoryContext;

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
			finish_in_flight(conn, calls, n);
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
		appendStringInfoString(buf, snowfdw_defer_object_name(item->change));
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
							snowfdw_defer_object_name(c)),
					 errdetail("%s since UPDATE read it; COMMIT sent nothing and the transaction is rolled back.",
							   now == NULL ? "It was dropped" : "Its definition changed")));
	}
}

/*
 * snowfdw_defer_send_changes
 *		PRE_COMMIT: send the net changes, all or undo what can be undone
 *
 * Groups go in order: schema creates, other creates (their schemas
 * exist), schema updates, schema drops; then the drops that cannot be
 * undone (stages, streams), only if all before succeeded.  Each group is
 * pipelined.  Any failure (a refused call, a cancel, statement_timeout)
 * stops the sending, undoes what can be undone and fails the COMMIT with
 * the list of what happened to each change.
 */
void
snowfdw_defer_send_changes(void)
{
	MemoryContext cxt = AllocSetContextCreate(TopTransactionContext,
											  "snowfdw commit",
											  ALLOCSET_DEFAULT_SIZES);
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	List	   *net = snowfdw_defer_take_changes();
	DeferItem  *items;
	int			nitems = 0;
	StringInfoData log;
	int			group;
	ListCell   *lc;

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

