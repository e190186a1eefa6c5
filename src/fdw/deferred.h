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

/* in deferred.c: recording, refusals, EXPLAIN (deferredcommit.c) */
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

/* Shared by deferred.c and deferredcommit.c only */
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

extern List *snowfdw_defer_fold(CommandId before_cid, const DeferChange *only);
extern List *snowfdw_defer_take_changes(void);
extern char *snowfdw_defer_object_name(const DeferChange *c);
/* in deferredcommit.c */
extern void snowfdw_defer_send_changes(void);

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
