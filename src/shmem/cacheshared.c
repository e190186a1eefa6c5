/*-------------------------------------------------------------------------
 *
 * cacheshared.c
 *		  The shared store of the response cache: a dshash table, DSA data blocks and the cache lock
 *
 * Locking and the lifetime of entries are described at the top of
 * cache.c, the facade that asks this store.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/cacheshared.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "lib/dshash.h"
#include "storage/lwlock.h"
#include "utils/dsa.h"

#include "compat.h"
#include "shmem/cachestore.h"
#include "shmem/fault.h"
#include "shmem/shmem.h"

static void shared_cache_init(void *ptr);


/* Name of the cache's struct and table in shmem.c */
#define CACHE_SHMEM_NAME "snowfdw cache"

/* Entry of the shared dshash table: the key and where the data is */
typedef struct SharedEntry
{
	CacheKey	key;
	dsa_pointer data;			/* CacheData; invalid: a placeholder */
} SharedEntry;

/* The shared cache's fixed struct (shmem.c) */
typedef struct SharedCache
{
	LWLock		lock;			/* the cache lock */
	dsa_pointer lru_head;
	dsa_pointer lru_tail;
	Size		total_bytes;
	int64		entries;
} SharedCache;

/*
 * Data blocks this backend reads outside the cache lock (pinned): a lookup
 * holds one while it copies the answer out; the transaction callbacks of
 * cache.c release any left by an error
 */
#define PINS_MAX 4
static dsa_pointer pins[PINS_MAX];
static int	npins = 0;

/* shared mode, once attached */
static SharedCache *shared = NULL;
static dsa_area *area = NULL;
static dshash_table *shared_table = NULL;

static const dshash_parameters cache_params = {
	.key_size = sizeof(CacheKey),
	.entry_size = sizeof(SharedEntry),
	.compare_function = dshash_memcmp,
	.hash_function = dshash_memhash,
	SNOWFDW_DSHASH_COPY_MEMCPY
};

/*
 * snowfdw_cache_shared_register
 *		Module load: register the shared struct and table with shmem.c
 */
void
snowfdw_cache_shared_register(void)
{
	snowfdw_shmem_register(CACHE_SHMEM_NAME, sizeof(SharedCache),
						   shared_cache_init);
	snowfdw_shmem_register_table(CACHE_SHMEM_NAME, &cache_params);
}

/*
 * snowfdw_cache_shared_attach
 *		Find the shared struct, area and table, once
 */
void
snowfdw_cache_shared_attach(void)
{
	if (shared_table != NULL)
		return;
	shared = snowfdw_shmem_struct(CACHE_SHMEM_NAME);
	area = snowfdw_shmem_area();
	shared_table = snowfdw_shmem_table(CACHE_SHMEM_NAME);
}

/*
 * snowfdw_cache_shared_attached
 *		Whether this backend found the shared table already
 */
bool
snowfdw_cache_shared_attached(void)
{
	return shared_table != NULL;
}

/*
 * snowfdw_cache_shared_counts
 *		Entries and bytes of the shared cache
 */
void
snowfdw_cache_shared_counts(int64 *entries, Size *bytes)
{
	LWLockAcquire(&shared->lock, LW_SHARED);
	*entries = shared->entries;
	*bytes = shared->total_bytes;
	LWLockRelease(&shared->lock);
}

/*
 * shared_cache_init
 *		Set up the shared cache's struct, once (shmem.c)
 */
static void
shared_cache_init(void *ptr)
{
	SharedCache *c = ptr;

	snowfdw_shmem_lock_init(&c->lock, "cache");
	c->lru_head = InvalidDsaPointer;
	c->lru_tail = InvalidDsaPointer;
	c->total_bytes = 0;
	c->entries = 0;
}

/*
 * lru_unlink
 *		Take a data block out of the LRU list (cache lock held)
 */
static void
lru_unlink(dsa_pointer dp, CacheData *data)
{
	if (DsaPointerIsValid(data->prev))
		((CacheData *) dsa_get_address(area, data->prev))->next = data->next;
	else
		shared->lru_head = data->next;
	if (DsaPointerIsValid(data->next))
		((CacheData *) dsa_get_address(area, data->next))->prev = data->prev;
	else
		shared->lru_tail = data->prev;
	data->prev = data->next = InvalidDsaPointer;
}

/*
 * lru_push
 *		Put a data block at the most recently used end (cache lock held)
 */
static void
lru_push(dsa_pointer dp, CacheData *data)
{
	data->prev = InvalidDsaPointer;
	data->next = shared->lru_head;
	if (DsaPointerIsValid(shared->lru_head))
		((CacheData *) dsa_get_address(area, shared->lru_head))->prev = dp;
	else
		shared->lru_tail = dp;
	shared->lru_head = dp;
}

/*
 * free_data
 *		Unlink and free a data block whose table entry is gone (lock held);
 *		a pinned one is freed by its last reader (unpin)
 */
static void
free_data(dsa_pointer dp)
{
	CacheData  *data = dsa_get_address(area, dp);

	lru_unlink(dp, data);
	shared->total_bytes -= data->size;
	shared->entries--;
	if (data->pins > 0)
		data->dropped = true;
	else
		dsa_free(area, dp);
}

/*
 * unpin
 *		This backend no longer reads a data block; the last reader of a
 *		dropped one frees it
 */
static void
unpin(dsa_pointer dp)
{
	CacheData  *data;
	int			i;

	LWLockAcquire(&shared->lock, LW_EXCLUSIVE);
	data = dsa_get_address(area, dp);
	if (--data->pins == 0 && data->dropped)
		dsa_free(area, dp);
	LWLockRelease(&shared->lock);
	for (i = 0; i < npins; i++)
	{
		if (pins[i] == dp)
		{
			pins[i] = pins[--npins];
			break;
		}
	}
}

/*
 * snowfdw_cache_shared_unpin_all
 *		Release the pins an error left (transaction or subtransaction
 *		abort: every LWLock is released by then)
 */
void
snowfdw_cache_shared_unpin_all(void)
{
	while (npins > 0)
		unpin(pins[npins - 1]);
}

/*
 * evict_one
 *		Drop the least recently used entry (cache lock held); false if none
 */
static bool
evict_one(void)
{
	dsa_pointer dp = shared->lru_tail;
	CacheData  *data;
	SharedEntry *entry;

	if (!DsaPointerIsValid(dp))
		return false;
	data = dsa_get_address(area, dp);
	entry = dshash_find(shared_table, &data->key, true);
	if (entry != NULL && entry->data == dp)
		dshash_delete_entry(shared_table, entry);
	else if (entry != NULL)
		dshash_release_lock(shared_table, entry);
	free_data(dp);
	return true;
}

/*
 * snowfdw_cache_shared_lookup
 *		The shared cache's answer to a request no older than ttl seconds,
 *		or no older than ttl + stale_ttl (CACHE_STALE)
 *
 * An entry past both is dropped on the way.
 */
CacheFound
snowfdw_cache_shared_lookup(const CacheKey *key, const char *request, int ttl,
							int stale_ttl, long *status, char **body, size_t *len,
							char **link)
{
	TimestampTz now = snowfdw_cache_now();
	SharedEntry *entry;
	CacheFound	found = CACHE_MISS;
	dsa_pointer pinned = InvalidDsaPointer;

	LWLockAcquire(&shared->lock, LW_EXCLUSIVE);
	entry = dshash_find(shared_table, key, true);
	if (entry != NULL && !DsaPointerIsValid(entry->data))
		dshash_release_lock(shared_table, entry);	/* being stored */
	else if (entry != NULL)
	{
		dsa_pointer dp = entry->data;
		CacheData  *data = dsa_get_address(area, dp);

		if (!snowfdw_cache_data_fresh(data, request, ttl + stale_ttl, now))
		{
			/* expired, or another request with the same hash */
			dshash_delete_entry(shared_table, entry);
			free_data(dp);
		}
		else
		{
			lru_unlink(dp, data);
			lru_push(dp, data);
			found = snowfdw_cache_data_fresh(data, request, ttl, now) ?
				CACHE_HIT : CACHE_STALE;
			if (npins < PINS_MAX)
			{
				/* read after the release: nobody changes or frees it */
				data->pins++;
				pins[npins++] = dp;
				pinned = dp;
			}
			else if (!snowfdw_cache_copy_out(data, status, body, len, link))
				found = CACHE_NO_MEMORY;
			dshash_release_lock(shared_table, entry);
		}
	}
	LWLockRelease(&shared->lock);
	if (DsaPointerIsValid(pinned))
	{
		if (!snowfdw_cache_copy_out(dsa_get_address(area, pinned), status,
									body, len, link))
			found = CACHE_NO_MEMORY;
		unpin(pinned);
	}
	return found;
}

/*
 * shared_forget_placeholder
 *		Delete the placeholder of a key, if it still is one
 */
static void
shared_forget_placeholder(const CacheKey *key)
{
	SharedEntry *entry;

	LWLockAcquire(&shared->lock, LW_EXCLUSIVE);
	entry = dshash_find(shared_table, key, true);
	if (entry != NULL && !DsaPointerIsValid(entry->data))
		dshash_delete_entry(shared_table, entry);
	else if (entry != NULL)
		dshash_release_lock(shared_table, entry);
	LWLockRelease(&shared->lock);
}

/*
 * snowfdw_cache_shared_store
 *		Keep an answer in the shared cache, evicting LRU entries for room
 *
 * The table entry and the data block are made with no lock of snowfdw's
 * held; the cache lock is taken only to link them.  Memory that runs out
 * leaves the answer uncached.
 */
void
snowfdw_cache_shared_store(const CacheKey *key, const char *request,
						   long status, const char *body, size_t len,
						   const char *link, Size size, Size limit)
{
	SharedEntry *entry;
	dsa_pointer dp;
	bool		found = false;

	/* 1. the table entry: a placeholder unless the key is there already */
	entry = snowfdw_fault("cache_insert") ? NULL :
		snowfdw_dshash_insert(shared_table, key, &found);
	if (entry == NULL)
		return;
	if (!found)
		entry->data = InvalidDsaPointer;
	dshash_release_lock(shared_table, entry);

	/* 2. the data block, written whole before anyone can see it */
	dp = snowfdw_fault("cache_alloc") ? InvalidDsaPointer :
		dsa_allocate_extended(area, size, DSA_ALLOC_NO_OOM | DSA_ALLOC_HUGE);
	if (!DsaPointerIsValid(dp))
	{
		shared_forget_placeholder(key);
		return;
	}
	snowfdw_cache_fill_data(dsa_get_address(area, dp), size, key, request, status, body,
			  len, link);

	/* 3. make room and link, unless a clear dropped the entry meanwhile */
	LWLockAcquire(&shared->lock, LW_EXCLUSIVE);
	while (shared->total_bytes + size > limit && evict_one())
		;
	entry = dshash_find(shared_table, key, true);
	if (entry == NULL)
		dsa_free(area, dp);
	else
	{
		if (DsaPointerIsValid(entry->data))
			free_data(entry->data);
		entry->data = dp;
		lru_push(dp, dsa_get_address(area, dp));
		shared->total_bytes += size;
		shared->entries++;
		dshash_release_lock(shared_table, entry);
	}
	LWLockRelease(&shared->lock);
}

/*
 * snowfdw_cache_shared_drop
 *		Drop the shared cache's entries of a server (InvalidOid: all),
 *		placeholders included; counts answers dropped into *dropped
 */
void
snowfdw_cache_shared_drop(Oid serverid, int64 *dropped)
{
	dshash_seq_status status;
	SharedEntry *entry;

	LWLockAcquire(&shared->lock, LW_EXCLUSIVE);
	dshash_seq_init(&status, shared_table, true);
	while ((entry = dshash_seq_next(&status)) != NULL)
	{
		dsa_pointer dp = entry->data;

		if (OidIsValid(serverid) && entry->key.signer.serverid != serverid)
			continue;
		dshash_delete_current(&status);
		if (!DsaPointerIsValid(dp))
			continue;
		free_data(dp);
		if (dropped)
			(*dropped)++;
	}
	dshash_seq_term(&status);
	LWLockRelease(&shared->lock);
}

/* ----------------------------------------------------------------
 * Local mode: dynahash table, dlist, the cache's memory context
 * ----------------------------------------------------------------
 */

