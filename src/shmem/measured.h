/*-------------------------------------------------------------------------
 *
 * measured.h
 *		  What requests measured, read by the estimates
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/measured.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_MEASURED_H
#define SNOWFDW_MEASURED_H

#include "model/objects.h"
#include "model/options.h"

/* in measured.c: what requests measured, read by the estimates */
extern void snowfdw_measured_init(void);
extern void snowfdw_note_listing(const SnowfdwSigner *signer,
								 SnowfdwObjectKind kind, char *const *scope,
								 int nscopes, double rows);
extern void snowfdw_note_latency(const SnowfdwSigner *signer, double ms);
extern double snowfdw_measured_value(const SnowfdwSigner *signer, int kind,
									 char *const *scope, int n);

#endif							/* SNOWFDW_MEASURED_H */
