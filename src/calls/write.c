/*-------------------------------------------------------------------------
 *
 * write.c
 *		  Calls that may change Snowflake objects, and what they invalidate
 *
 * A write (INSERT, UPDATE, DELETE, or a function such as clone) runs its
 * calls through snowfdw_write_call.  Each call that may have changed
 * something (a 2xx or 202 answer, a 5xx, a timeout or another transport
 * failure; not a 4xx that Snowflake refused, nor a call never sent) notes
 * its server with snowfdw_note_write:
 *	- the statement store of this backend is dropped at once, so that the
 *	  statement's later reads see the change;
 *	- the server is remembered as changed, and the response cache loses
 *	  the server's entries once, when the write ends
 *	  (snowfdw_flush_write_invalidations: EndForeignModify, the end of a
 *	  function call), not once per row.
 *
 * When the write fails, the flush is not run from the error path: the
 * error may have been raised while this backend held the cache's lock,
 * and no PG_CATCH or PG_FINALLY block may take a lock.  cache.c keeps the
 * changed servers and drops their entries when the (sub)transaction
 * aborts, after every LWLock is released (see snowfdw_cache_note_changed).
 *
 * Other backends learn of a write through the shared cache when snowfdw
 * is preloaded.  Without preload each backend has its own cache, and they
 * are not told: their entries age out after cache_ttl, as after a change
 * made outside PostgreSQL.  No write resets another backend's sessions or
 * plan caches.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/write.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "calls/connection.h"
#include "calls/rest.h"
#include "calls/write.h"
#include "model/objects.h"
#include "shmem/cache.h"

/*
 * may_have_changed
 *		Whether a write call may have changed something
 *
 * As its outcome says (snowfdw_call_outcome): a call never sent changed
 * nothing, nor one whose every answer refused it (a 4xx, a 404 of a
 * missing_ok call included, 429, 503).  Anything else may have been
 * carried out: a 2xx, a 202 whose result never came, another 5xx (a 504
 * may come after the work was done), no answer at all, a transfer cut.
 */
static bool
may_have_changed(SnowfdwCall *call)
{
	return snowfdw_call_outcome(call) != SNOWFDW_OUTCOME_NONE;
}

/*
 * snowfdw_note_write
 *		A write call ended, with an answer or an error: note what it changed
 *
 * Takes no lock and allocates nothing, so that it may run in an error path
 * (the pipelined writes of modify.c call it per completed request).
 */
void
snowfdw_note_write(SnowfdwConnection *conn, SnowfdwCall *call)
{
	if (may_have_changed(call))
		snowfdw_cache_note_changed(conn->serverid);
}

/*
 * snowfdw_write_begin
 *		Before a write's first request: what its error path will need
 *
 * snowfdw_write_call does this itself; code that runs write calls with
 * snowfdw_run_calls calls it first, while an error is still harmless.
 */
void
snowfdw_write_begin(void)
{
	snowfdw_cache_prepare_changes();
}

/*
 * snowfdw_flush_write_invalidations
 *		The write ended: drop the cached answers of what it changed
 *
 * Once per statement (EndForeignModify) or function call, however many
 * rows it wrote; nothing happens when nothing changed.  Not from an error
 * path: see the head comment.
 */
void
snowfdw_flush_write_invalidations(void)
{
	snowfdw_cache_flush_changed();
}

/*
 * snowfdw_write_call
 *		Run a call that may change Snowflake objects, noting what it changed
 *
 * A GET (the reads of a write) goes to Snowflake, never to a cache, and
 * changes nothing.  The caller flushes with
 * snowfdw_flush_write_invalidations when its write ends.
 */
SnowfdwCall *
snowfdw_write_call(SnowfdwConnection *conn, const char *method, char *path,
				   char *body, bool retry_safe, bool missing_ok)
{
	SnowfdwCall *call = snowfdw_new_call(method, path, body, retry_safe,
										 missing_ok);

	snowfdw_write_run(conn, call);
	return call;
}

/*
 * snowfdw_write_run
 *		Run a call made with snowfdw_new_call as snowfdw_write_call does
 *
 * For a caller that keeps the call, so that its error path can tell what
 * it did (snowfdw_call_outcome) when the call fails.
 */
void
snowfdw_write_run(SnowfdwConnection *conn, SnowfdwCall *call)
{
	if (strcmp(call->method, "GET") == 0)
	{
		snowfdw_run_calls(conn, &call, 1);
		return;
	}
	snowfdw_write_begin();
	PG_TRY();
	{
		snowfdw_run_calls(conn, &call, 1);
	}
	PG_CATCH();
	{
		snowfdw_note_write(conn, call);
		PG_RE_THROW();
	}
	PG_END_TRY();
	snowfdw_note_write(conn, call);
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
 * snowfdw_write_remember
 *		Add an object of a row to a list of done or unknown objects, in the
 *		statement's context cxt
 */
List *
snowfdw_write_remember(MemoryContext cxt, const SnowfdwObjectInfo *info,
					   List *list, int64 row, char *const *scope,
					   const char *name)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(cxt);
	SnowfdwDoneObject *object = palloc(sizeof(SnowfdwDoneObject));

	object->row = row;
	object->name = qualified_name(info, scope, name);
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
 * snowfdw_write_append_objects
 *		The names of a list of objects, in row order, separated by commas
 */
void
snowfdw_write_append_objects(StringInfo buf, List *objects)
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

