/*-------------------------------------------------------------------------
 *
 * cache.h
 *		  The response cache: the statement store and the stores across statements
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/cache.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_CACHE_H
#define SNOWFDW_CACHE_H

#include "model/options.h"

/* in cache.c */
extern void snowfdw_cache_init(void);
extern bool snowfdw_cache_lookup(const SnowfdwSigner *signer, const char *role,
								 const char *path, int ttl, int stale_ttl,
								 double refresh_timeout, long *status,
								 char **body, size_t *len, char **link,
								 uint64 *ident);
extern void snowfdw_cache_store(const SnowfdwSigner *signer, const char *role,
								const char *path, long status,
								const char *body, size_t len,
								const char *link, int ttl);
extern void snowfdw_cache_prepare_changes(void);
extern void snowfdw_cache_note_changed(Oid serverid);
extern void snowfdw_cache_flush_changed(void);

#endif							/* SNOWFDW_CACHE_H */
