/*-------------------------------------------------------------------------
 *
 * modify.h
 *		  The state of a modification, shared by the files of INSERT, UPDATE and DELETE (fdw layer only)
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/modify.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_MODIFY_H
#define SNOWFDW_MODIFY_H

#include "executor/tuptable.h"
#include "foreign/fdwapi.h"
#include "nodes/execnodes.h"

#include "calls/rest.h"
#include "calls/write.h"
#include "compat.h"
#include "model/mapping.h"
#include "model/objects.h"
#include "model/options.h"
#include "model/writemap.h"

/* Indexes of the fdw_private list of a modification */
enum SnowfdwModifyPrivateIndex
{
	SnowfdwModifyPrivateKind,	/* Integer: SnowfdwObjectKind */
	SnowfdwModifyPrivateDoNothing,	/* Integer (bool): ON CONFLICT DO
									 * NOTHING */
	SnowfdwModifyPrivateReturning,	/* Integer (bool): RETURNING wanted */
	SnowfdwModifyPrivateUpdated,	/* List of Integer: attnums UPDATE sets */
	SnowfdwModifyPrivateRetrieved	/* List of Integer: attnums RETURNING
									 * converts (as for a scan) */
};

/* Name of the junk column that carries the whole row (DELETE RETURNING) */
#define WHOLEROW_JUNK "wholerow"

/* Rows a batch INSERT hands over at once (GetForeignModifyBatchSize) */
#define SNOWFDW_WRITE_BATCH_ROWS 200

/*
 * Rows the write pipeline holds, as a multiple of max_concurrency.  Calls
 * in flight stay bounded by max_concurrency (with the statement's scans);
 * the rows beyond wait for room, so that the executor goes on reading
 * while writes wait, and the scan's own requests under an UPDATE or DELETE
 * get the room as it frees.
 */
#define SNOWFDW_WRITE_AHEAD 4

/*
 * A row whose calls are in flight (pipelined writes), or the call of the
 * row at hand (one at a time)
 */
typedef struct SnowfdwPendingRow
{
	SnowfdwCall *call;			/* the call in flight; NULL: entry free */
	SnowfdwAction action;		/* its action; FETCH leads to an UPDATE's PUT */
	int64		row;
	char	   *scope[SNOWFDW_MAX_SCOPES];
	char	   *name;
	int			batch_index;	/* INSERT: the row's place in its batch */
	TupleTableSlot *slot;		/* UPDATE: the new row, for the PUT body */
	MemoryContext cxt;			/* the call, its answer and the strings */
} SnowfdwPendingRow;

/* Execution state of a modification of one foreign table */
typedef struct SnowfdwModifyState
{
	EState	   *estate;			/* of the statement: the hook finds it so */
	struct SnowfdwModifyState *next;	/* in modify_states */
	bool		can_set_tag;	/* its rows count in es_processed */
	bool		reported;		/* an error lists what it did: not again */
	Relation	rel;
	char	   *relname;
	CmdType		operation;
	const SnowfdwObjectInfo *info;
	SnowfdwOptions *options;	/* table options, GUC defaults */
	SnowfdwConnection *conn;
	Oid			userid;			/* whose user mapping conn is */
	bool		deferred;		/* defer_writes: COMMIT sends (deferred.c) */
	const char *create_mode;	/* createMode of INSERT */
	bool		has_returning;
	int64		requests;		/* HTTP requests of this node, for EXPLAIN */
	int64		snowflake_wait_us;	/* time they were waited for */
	MemoryContext cxt;			/* statement lifetime: the state, "done" */
	MemoryContext temp_cxt;		/* one row, reset at the next */
	List	   *done;			/* SnowfdwDoneObject, in completion order */
	List	   *unknown;		/* SnowfdwDoneObject: outcome unknown */
	int64		rows;			/* rows handed to the FDW so far */
	SnowfdwPendingRow current;	/* one at a time: the write call under way */

	/* pipelined writes: window > 1 rows with calls in flight or due */
	int			window;
	int64		vanished;		/* UPDATE rows counted whose schema was gone */
	SnowfdwPendingRow *pending; /* window entries */
	SnowfdwCall **calls;		/* the calls of busy entries, for a step */
	SnowfdwPendingRow **busy;	/* their entries, ordered by row */
	SnowfdwCall *failure;		/* first call that failed; nothing more sent */
	MemoryContext step_cxt;		/* answers of one step, reset after it */
	TupleTableSlot **batch_slots;	/* batch INSERT: the rows */
	int			batch_rows;
	bool	   *inserted;		/* batch INSERT: per row, created */
	TupleTableSlot **inserted_slots;	/* batch INSERT: the created rows */
	int			batch_done;		/* how many */

	SnowfdwWriteMap *map;		/* columns to fields, for request bodies */
	SnowfdwRowConverter *returning; /* fetched object to row, or NULL */
	bool	   *updated;		/* per attribute: UPDATE sets the column */

	/* UPDATE and DELETE: junk columns of the subplan's output */
	AttrNumber	junk_name;
	AttrNumber	junk_scope[SNOWFDW_MAX_SCOPES];
	AttrNumber	junk_dropped;	/* or 0 */
	AttrNumber	junk_wholerow;
} SnowfdwModifyState;

/* The modifications of the statements running (nested ones too) */
/* The work for one row of INSERT, UPDATE or DELETE */
typedef TupleTableSlot *(*SnowfdwRowAction) (SnowfdwModifyState *state,
											 TupleTableSlot *slot,
											 TupleTableSlot *planSlot);

/* in modify.c: the DML callbacks */
extern void snowfdw_modify_list_call(SnowfdwModifyState *state,
									 SnowfdwPendingRow *entry);
extern void snowfdw_modify_harvest_calls(SnowfdwModifyState *state);
extern bool snowfdw_modify_call_created(SnowfdwModifyState *state,
										SnowfdwCall *call);
extern void snowfdw_modify_new_scope(SnowfdwModifyState *state,
									 TupleTableSlot *slot, char **scope);
extern char *snowfdw_modify_row_identity(SnowfdwModifyState *state,
										 TupleTableSlot *planSlot,
										 char **scope);
extern void snowfdw_modify_store_scanned_row(SnowfdwModifyState *state,
											 TupleTableSlot *slot,
											 TupleTableSlot *planSlot);
extern void snowfdw_modify_rethrow_with_lists(SnowfdwModifyState **states,
											  int nstates, MemoryContext cxt);
extern TupleTableSlot *snowfdw_modify_run_row_action(SnowfdwModifyState *state,
													 SnowfdwRowAction action,
													 TupleTableSlot *slot,
													 TupleTableSlot *planSlot);

/* in modifyplan.c: planning, EXPLAIN and updatability */
extern void snowfdw_set_modify_plan_routines(FdwRoutine *routine);
extern const SnowfdwObjectInfo *snowfdw_modify_relation_object(Relation rel,
															   SnowfdwOptions **options);
extern char *snowfdw_modify_junk_name(const char *json_name,
									  AttrNumber attnum);

/* in pipeline.c: pipelined writes */
extern TupleTableSlot *snowfdw_pipeline_delete(SnowfdwModifyState *state,
											   TupleTableSlot *slot,
											   TupleTableSlot *planSlot);
extern TupleTableSlot *snowfdw_pipeline_update(SnowfdwModifyState *state,
											   TupleTableSlot *slot,
											   TupleTableSlot *planSlot);
extern TupleTableSlot *snowfdw_pipeline_insert_batch(SnowfdwModifyState *state,
													 TupleTableSlot *slot,
													 TupleTableSlot *planSlot);
extern TupleTableSlot *snowfdw_pipeline_finish(SnowfdwModifyState *state,
											   TupleTableSlot *slot,
											   TupleTableSlot *planSlot);

/* in writestmt.c: the statement around the writes (ExecutorRun hook) */
extern void snowfdw_modify_register_state(SnowfdwModifyState *state);

#endif							/* SNOWFDW_MODIFY_H */
