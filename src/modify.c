/*-------------------------------------------------------------------------
 *
 * modify.c
 *		  INSERT, UPDATE and DELETE on snowfdw foreign tables
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/modify.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "foreign/fdwapi.h"

#include "snowfdw.h"

/*
 * snowfdw_set_modify_routines
 *		Install the modification callbacks (none yet: tables are read-only)
 */
void
snowfdw_set_modify_routines(FdwRoutine *routine)
{
}
