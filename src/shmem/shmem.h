/*-------------------------------------------------------------------------
 *
 * shmem.h
 *		  snowfdw's shared memory: structs, tables, the area, the locks
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/shmem.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_SHMEM_H
#define SNOWFDW_SHMEM_H

#include "access/xact.h"
#include "lib/dshash.h"
#include "storage/lwlock.h"
#include "utils/dsa.h"

/*
 * snowfdw_xact_ending
 *		Whether a transaction callback event ends the transaction
 */
static inline bool
snowfdw_xact_ending(XactEvent event)
{
	switch (event)
	{
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			return true;
		default:
			return false;
	}
}

/* in shmem.c */
typedef void (*SnowfdwShmemInit) (void *ptr);
typedef Size (*SnowfdwShmemSize) (void);
extern void snowfdw_shmem_init(void);
extern bool snowfdw_shmem_is_shared(void);
extern void snowfdw_shmem_register(const char *name, Size size,
								   SnowfdwShmemInit init);
extern void snowfdw_shmem_register_sized(const char *name,
										 SnowfdwShmemSize size_fn,
										 SnowfdwShmemInit init);
extern void snowfdw_shmem_register_table(const char *name,
										 const dshash_parameters *params);
extern void *snowfdw_shmem_struct(const char *name);
extern dsa_area *snowfdw_shmem_area(void);
extern dshash_table *snowfdw_shmem_table(const char *name);
extern dshash_table *snowfdw_shmem_attached_table(const char *name);
extern void snowfdw_shmem_lock_init(LWLock *lock, const char *name);
extern int	snowfdw_shmem_locks_held(const char **name);

#endif							/* SNOWFDW_SHMEM_H */
