/*-------------------------------------------------------------------------
 *
 * pacer.h
 *		  The request pacer: send slots under an account's rate limit
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/pacer.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_PACER_H
#define SNOWFDW_PACER_H

#include "datatype/timestamp.h"

#include "model/options.h"

/* in pacer.c */
extern void snowfdw_pacer_init(void);
extern TimestampTz snowfdw_pacer_reserve(const SnowfdwSigner *signer,
										 double max_rate, TimestampTz now);
extern void snowfdw_pacer_release(const SnowfdwSigner *signer,
								  TimestampTz slot, TimestampTz now);
extern void snowfdw_pacer_teach(const SnowfdwSigner *signer, bool limited,
								TimestampTz sent, TimestampTz until,
								TimestampTz now);
extern double snowfdw_pacer_learned_rate(Oid dbid, Oid serverid, Oid umid);

#endif							/* SNOWFDW_PACER_H */
