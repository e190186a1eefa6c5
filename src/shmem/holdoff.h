/*-------------------------------------------------------------------------
 *
 * holdoff.h
 *		  The shared 429 back-off
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/holdoff.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_HOLDOFF_H
#define SNOWFDW_HOLDOFF_H

#include "datatype/timestamp.h"

#include "model/options.h"

/* in holdoff.c: the shared 429 back-off */
extern void snowfdw_holdoff_init(void);
extern void snowfdw_holdoff_note(const SnowfdwSigner *signer,
								 TimestampTz until);
extern TimestampTz snowfdw_holdoff_until(const SnowfdwSigner *signer);

#endif							/* SNOWFDW_HOLDOFF_H */
