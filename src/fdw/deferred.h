/*-------------------------------------------------------------------------
 *
 * deferred.h
 *		  Writes that follow the transaction (defer_writes): fdw layer only
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/deferred.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_DEFERRED_H
#define SNOWFDW_DEFERRED_H

#include "executor/tuptable.h"
#include "utils/relcache.h"

#include "fdw/modify.h"
#include "model/mapping.h"
#include "model/objects.h"
#include "model/options.h"
#include "transport/json.h"

/* in deferred.c: recording, and COMMIT */
extern void snowfdw_defer_init(void);
extern void snowfdw_defer_check_modify(SnowfdwModifyState *state);
extern TupleTableSlot *snowfdw_defer_insert(SnowfdwModifyState *state,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
extern TupleTableSlot *snowfdw_defer_update(SnowfdwModifyState *state,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
extern TupleTableSlot *snowfdw_defer_delete(SnowfdwModifyState *state,
											TupleTableSlot *slot,
											TupleTableSlot *planSlot);
extern int	snowfdw_defer_count(void);
extern void snowfdw_defer_check_object(Oid serverid, SnowfdwObjectKind kind,
									   char *const *scope, const char *name,
									   const char *function);
extern void snowfdw_defer_explain_pending(List **lines);

/* in deferred.c: what a scan of the same transaction sees */
typedef struct SnowfdwOverlay SnowfdwOverlay;
extern SnowfdwOverlay *snowfdw_overlay_begin(Oid serverid, Oid userid,
											 Relation rel,
											 const SnowfdwObjectInfo *info,
											 SnowfdwOptions *options,
											 CommandId curcid,
											 MemoryContext cxt);
extern void snowfdw_overlay_restart(SnowfdwOverlay *overlay);
extern SnowfdwJson *snowfdw_overlay_row(SnowfdwOverlay *overlay,
										SnowfdwJson *row, char **scope,
										bool *skip);
extern SnowfdwJson *snowfdw_overlay_next_created(SnowfdwOverlay *overlay,
												 char ***scope);
extern void snowfdw_overlay_merge(SnowfdwOverlay *overlay,
								  SnowfdwRowConverter *converter,
								  TupleDesc tupdesc, SnowfdwJson *pending,
								  char **scope, bool listed,
								  Datum *values, bool *isnull);

#endif							/* SNOWFDW_DEFERRED_H */
