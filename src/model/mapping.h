/*-------------------------------------------------------------------------
 *
 * mapping.h
 *		  JSON objects to rows, and column values to JSON
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/mapping.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_MAPPING_H
#define SNOWFDW_MAPPING_H

#include "access/tupdesc.h"
#include "fmgr.h"
#include "utils/relcache.h"

#include "model/objects.h"
#include "transport/json.h"

/* in mapping.c */
typedef struct SnowfdwRowConverter
{
	int			natts;
	bool	   *needed;			/* per attribute: converted at all */
	char	  **json_names;
	char	  **column_names;	/* for the conversion error context */
	int		   *scope_level;	/* -1, or the scope level of the column */
	FmgrInfo   *in_functions;
	Oid		   *typioparams;
	char	   *relname;
	int			current_attnum; /* for the conversion error context */
} SnowfdwRowConverter;

extern SnowfdwRowConverter *snowfdw_row_converter(Relation rel,
												  const SnowfdwObjectInfo *info,
												  List *retrieved);
extern void snowfdw_convert_row(SnowfdwRowConverter *conv, TupleDesc tupdesc,
								SnowfdwJson *row, char **scope,
								Datum *values, bool *nulls);
extern char *snowfdw_datum_to_json(Datum value, Oid typid, bool *is_text);

#endif							/* SNOWFDW_MAPPING_H */
