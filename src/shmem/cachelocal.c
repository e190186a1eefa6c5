/*-------------------------------------------------------------------------
 *
 * cachelocal.c
 *		  The backend-local store of the response cache: a dynahash table and an LRU list
 *
 * Locking and the lifetime of entries are described at the top of
 * cache.c, the facade that asks this store.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/cachelocal.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/ilist.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "shmem/cachestore.h"
#include "shmem/fault.h"


/* Entry of the backend-local table */
typedef struct LocalEntry
{
	CacheKey	key;
	CacheData  *data;			/* NULL: a placeholder */
	dlist_node	lru;			/* head: the most recently used */
} LocalEntry;


/* local mode */
static MemoryContext local_cxt = NULL;
static HTAB *local_table = NULL;
static dlist_head local_lru = DLIST_STATIC_INIT(local_lru);
static Size local_bytes = 0;
static int64 local_entries = 0;

/*
 * snowfdw_cache_local_attach
 *		Make the backend-local table, once
 */
void
snowfdw_cache_local_attach(void)
{
	HASHCTL		ctl;

	if (local_table != NULL)
		return;
	if (local_cxt == NULL)
		local_cxt = AllocSetContextCreate(TopMemoryContext,
										  "snowfdw response cache",
										  ALLOCSET_DEFAULT_SIZES);
	ctl.keysize = sizeof(CacheKey);
	ctl.entrysize = sizeof(LocalEntry);
	ctl.hcxt = local_cxt;
	local_table = hash_create("snowfdw response cache", 64, &ctl,
							  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	dlist_init(&local_lru);
	local_bytes = 0;
	local_entries = 0;
}

/*
 * snowfdw_cache_local_attached
 *		Whether this backend made its local table already
 */
bool
snowfdw_cache_local_attached(void)
{
	return local_table != NULL;
}

/*
 * snowfdw_cache_local_counts
 *		Entries and bytes of the backend-local cache
 */
void
snowfdw_cache_local_counts(int64 *entries, Size *bytes)
{
	*entries = local_entries;
	*bytes = local_bytes;
}

/*
 * local_remove
 *		Drop a local entry and its data
 */
static void
local_remove(LocalEntry *entry)
{
	if (entry->data != NULL)
	{
		dlist_delete(&entry->lru);
		local_bytes -= entry->data->size;
		local_entries--;
		pfree(entry->data);
	}
	(void) hash_search(local_table, &entry->key, HASH_REMOVE, NULL);
}

/*
 * snowfdw_cache_local_lookup
 *		This backend's cached answer to a request no older than ttl seconds
 */
CacheFound
snowfdw_cache_local_lookup(const CacheKey *key, const char *request, int ttl,
						   long *status, char **body, size_t *len, char **link)
{
	LocalEntry *entry = hash_search(local_table, key, HASH_FIND, NULL);

	if (entry == NULL || entry->data == NULL)
		return CACHE_MISS;
	if (!snowfdw_cache_data_fresh(entry->data, request, ttl, snowfdw_cache_now()))
	{
		local_remove(entry);
		return CACHE_MISS;
	}
	if (!snowfdw_cache_copy_out(entry->data, status, body, len, link))
		return CACHE_NO_MEMORY;
	dlist_move_head(&local_lru, &entry->lru);
	return CACHE_HIT;
}

/*
 * snowfdw_cache_local_store
 *		Keep an answer in this backend's cache, evicting LRU entries for room
 *
 * The entry is made first (a placeholder, no data): running out of memory
 * then, or for the data, leaves nothing half made.
 */
void
snowfdw_cache_local_store(const CacheKey *key, const char *request,
						  long status, const char *body, size_t len,
						  const char *link, Size size, Size limit)
{
	LocalEntry *entry;
	CacheData  *data;
	bool		found;
	if (snowfdw_fault("cache_insert"))
		snowfdw_fault_error("cache_insert");
	entry = hash_search(local_table, key, HASH_ENTER, &found);
	if (!found)
		entry->data = NULL;
	data = snowfdw_fault("cache_alloc") ? NULL :
		MemoryContextAllocExtended(local_cxt, size,
								   MCXT_ALLOC_NO_OOM | MCXT_ALLOC_HUGE);
	if (data == NULL)
	{
		if (entry->data == NULL)
			local_remove(entry);
		return;
	}
	snowfdw_cache_fill_data(data, size, key, request, status, body, len, link);
	if (entry->data != NULL)
	{
		dlist_delete(&entry->lru);
		local_bytes -= entry->data->size;
		local_entries--;
		pfree(entry->data);
		entry->data = NULL;
	}
	while (local_bytes + size > limit && !dlist_is_empty(&local_lru))
		local_remove(dlist_container(LocalEntry, lru,
									 dlist_tail_node(&local_lru)));
	entry->data = data;
	dlist_push_head(&local_lru, &entry->lru);
	local_bytes += size;
	local_entries++;
}

/*
 * snowfdw_cache_local_drop
 *		Drop this backend's entries of a server (InvalidOid: all)
 */
void
snowfdw_cache_local_drop(Oid serverid, int64 *dropped)
{
	HASH_SEQ_STATUS status;
	LocalEntry *entry;

	if (local_table == NULL)
		return;
	hash_seq_init(&status, local_table);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		if (OidIsValid(serverid) && entry->key.signer.serverid != serverid)
			continue;
		if (dropped && entry->data != NULL)
			(*dropped)++;
		local_remove(entry);
	}
}

/* ----------------------------------------------------------------
 * Both modes
 * ----------------------------------------------------------------
 */

