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

#endif							/* SNOWFDW_WRITE_H */
