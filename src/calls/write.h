/*-------------------------------------------------------------------------
 *
 * write.h
 *		  Calls that may change Snowflake objects
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/write.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_WRITE_H
#define SNOWFDW_WRITE_H

#include "calls/rest.h"
#include "model/objects.h"

/*
 * in write.c: calls that may change Snowflake objects.  A write runs each
 * of its calls with snowfdw_write_call, or runs them itself: then it calls
 * snowfdw_write_begin before the first request and passes each ended
 * call, answered or failed, to snowfdw_note_write (no lock, no allocation:
 * it may run in PG_CATCH).  Once the statement's write ends it calls
 * snowfdw_flush_write_invalidations (EndForeignModify), never from
 * PG_CATCH: a failed write's changes are dropped by the abort.
 */
extern SnowfdwCall *snowfdw_write_call(SnowfdwConnection *conn,
									   const char *method, char *path,
									   char *body, bool retry_safe,
									   bool missing_ok);
extern void snowfdw_write_run(SnowfdwConnection *conn, SnowfdwCall *call);
extern void snowfdw_write_begin(void);
extern void snowfdw_note_write(SnowfdwConnection *conn, SnowfdwCall *call);
extern void snowfdw_flush_write_invalidations(void);

/*
 * The change record of a write statement, for its error details: the
 * objects it changed (or may have), each with its row's place
 */
/* An object the statement changed, with its row's place, for error details */
typedef struct SnowfdwDoneObject
{
	int64		row;			/* rows are numbered in the order they came */
	char	   *name;			/* qualified name */
} SnowfdwDoneObject;

extern List *snowfdw_write_remember(MemoryContext cxt,
									const SnowfdwObjectInfo *info, List *list,
									int64 row, char *const *scope,
									const char *name);
extern void snowfdw_write_append_objects(StringInfo buf, List *objects);

#endif							/* SNOWFDW_WRITE_H */
