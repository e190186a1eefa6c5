/*-------------------------------------------------------------------------
 *
 * writemap.h
 *		  What a write may do to a kind, and the body and path of its call
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/writemap.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_WRITEMAP_H
#define SNOWFDW_WRITEMAP_H

#include "executor/tuptable.h"
#include "nodes/nodes.h"
#include "utils/relcache.h"

#include "model/objects.h"
#include "model/options.h"
#include "transport/json.h"

/* in writemap.c */
typedef struct SnowfdwWriteMap
{
	Relation	rel;
	char	   *relname;
	const SnowfdwObjectInfo *info;
	/* per attribute, indexed by attnum - 1 */
	int			natts;
	char	  **json_names;		/* NULL for dropped columns */
	int		   *scope_level;	/* -1, or the scope level of the column */
	const SnowfdwFieldInfo **fields;	/* model field, or NULL */
	AttrNumber	name_attnum;	/* the "name" column, or 0 */
	AttrNumber	dropped_attnum; /* the "dropped_on" column, or 0 */
	AttrNumber	scope_attnums[SNOWFDW_MAX_SCOPES];	/* or 0 */
} SnowfdwWriteMap;

extern const char *snowfdw_operation_verb(CmdType operation);
extern void snowfdw_check_modify_allowed(Relation rel,
										 const SnowfdwObjectInfo *info,
										 CmdType operation);
extern const char *snowfdw_insert_create_mode(SnowfdwOptions *options,
											  bool do_nothing);
extern char *snowfdw_write_path(const SnowfdwObjectInfo *info,
								SnowfdwOptions *options, SnowfdwAction action,
								const char *const *scope, const char *name,
								const char *create_mode);
extern SnowfdwWriteMap *snowfdw_write_map(Relation rel,
										  const SnowfdwObjectInfo *info);
extern char *snowfdw_column_text(Relation rel, AttrNumber attnum,
								 Datum value);
extern void snowfdw_check_update_column(Relation rel,
										const SnowfdwObjectInfo *info,
										AttrNumber attnum);
extern char *snowfdw_new_object_scope(SnowfdwWriteMap *map,
									  TupleTableSlot *slot, int level,
									  const char *option);
extern char *snowfdw_create_body(SnowfdwWriteMap *map, TupleTableSlot *slot);
extern char *snowfdw_replace_body(SnowfdwWriteMap *map, TupleTableSlot *slot,
								  const bool *updated, const char *name,
								  SnowfdwJson *current);

#endif							/* SNOWFDW_WRITEMAP_H */
