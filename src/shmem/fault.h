/*-------------------------------------------------------------------------
 *
 * fault.h
 *		  Test-build fault points
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/fault.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_FAULT_H
#define SNOWFDW_FAULT_H

#include "datatype/timestamp.h"

#include "compat.h"

/*
 * Test-build fault points (snowfdw.fault_point): snowfdw_fault_init and
 * snowfdw_fault in fault.c, the error of a point and the cache's test
 * clock in shmem.c (which knows the locks); in any other build a fault
 * never fires and the calls compile to nothing
 */
#ifdef SNOWFDW_FAULT_INJECTION
extern void snowfdw_fault_init(void);
extern bool snowfdw_fault(const char *point);
pg_noreturn extern void snowfdw_fault_error(const char *point);
extern TimestampTz snowfdw_fault_clock_offset(void);
#else
#define snowfdw_fault_init() ((void) 0)
#define snowfdw_fault(point) false
#define snowfdw_fault_error(point) ((void) 0)
#define snowfdw_fault_clock_offset() ((TimestampTz) 0)
#endif

#endif							/* SNOWFDW_FAULT_H */
