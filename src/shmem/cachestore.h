/*-------------------------------------------------------------------------
 *
 * cachestore.h
 *		  The stores of the response cache, for cache.c alone: the key and
 *		  data block they share, the shared store (cacheshared.c), the
 *		  backend-local store (cachelocal.c) and their data blocks
 *		  (cachedata.c).  The statement store is cache.c's own.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/cachestore.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_CACHESTORE_H
#define SNOWFDW_CACHESTORE_H

#include "datatype/timestamp.h"
#include "utils/dsa.h"

#include "model/options.h"

/*
 * Key of both stores: who signed the request, and what it asked.  Compared
 * and hashed as bytes, so it is always zeroed first (make_key): padding
 * must be zero.
 */
typedef struct CacheKey
{
	SnowfdwSigner signer;
	uint64		request_hash;
} CacheKey;

/* One cached answer: in the DSA area (shared) or the cache's context */
typedef struct CacheData
{
	dsa_pointer prev;			/* shared: towards the most recently used */
	dsa_pointer next;			/* shared: towards the least recently used */
	CacheKey	key;
	TimestampTz stored_at;
	long		status;
	Size		size;			/* bytes allocated, counted in the bound */
	Size		request_len;
	Size		link_len;		/* 0: no Link header */
	Size		body_len;
	int			pins;			/* shared: backends reading it, lock-free */
	bool		dropped;		/* shared: out of the table; the last unpin
								 * frees it */
	char		text[FLEXIBLE_ARRAY_MEMBER];	/* request, link, body; each
												 * NUL-terminated */
} CacheData;

/* What a look-up found */
typedef enum CacheFound
{
	CACHE_MISS,
	CACHE_HIT,
	CACHE_STALE,				/* a hit past its TTL, within the stale window */
	CACHE_NO_MEMORY				/* a hit that could not be copied out */
} CacheFound;

/* in cachedata.c */
extern Size snowfdw_cache_answer_size(const char *request, size_t len,
									  const char *link);
extern TimestampTz snowfdw_cache_now(void);
extern void snowfdw_cache_fill_data(CacheData *data, Size size,
									const CacheKey *key, const char *request,
									long status, const char *body,
									size_t len, const char *link);
extern bool snowfdw_cache_data_fresh(CacheData *data, const char *request,
									 int ttl, TimestampTz now);
extern bool snowfdw_cache_copy_out(CacheData *data, long *status, char **body,
								   size_t *len, char **link);

/* in cacheshared.c: dshash table, DSA data blocks, the cache lock */
extern void snowfdw_cache_shared_register(void);
extern void snowfdw_cache_shared_attach(void);
extern bool snowfdw_cache_shared_attached(void);
extern CacheFound snowfdw_cache_shared_lookup(const CacheKey *key,
											  const char *request, int ttl,
											  int stale_ttl, long *status,
											  char **body, size_t *len,
											  char **link);
extern void snowfdw_cache_shared_store(const CacheKey *key,
									   const char *request, long status,
									   const char *body, size_t len,
									   const char *link, Size size,
									   Size limit);
extern void snowfdw_cache_shared_drop(Oid serverid, int64 *dropped);
extern void snowfdw_cache_shared_counts(int64 *entries, Size *bytes);
extern void snowfdw_cache_shared_unpin_all(void);

/* in cachelocal.c: dynahash table and LRU list in backend memory */
extern void snowfdw_cache_local_attach(void);
extern bool snowfdw_cache_local_attached(void);
extern CacheFound snowfdw_cache_local_lookup(const CacheKey *key,
											 const char *request, int ttl,
											 long *status, char **body,
											 size_t *len, char **link);
extern void snowfdw_cache_local_store(const CacheKey *key,
									  const char *request, long status,
									  const char *body, size_t len,
									  const char *link, Size size,
									  Size limit);
extern void snowfdw_cache_local_drop(Oid serverid, int64 *dropped);
extern void snowfdw_cache_local_counts(int64 *entries, Size *bytes);

#endif							/* SNOWFDW_CACHESTORE_H */
