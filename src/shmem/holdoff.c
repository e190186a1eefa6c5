/*-------------------------------------------------------------------------
 *
 * holdoff.c
 *		  Shared 429 back-off: when Snowflake asked a user mapping to wait
 *
 * A 429 with Retry-After seen by one backend holds off every backend of
 * the same server and user mapping until then, instead of each one
 * discovering the rate limit with a request of its own.  rest.c notes the
 * time (snowfdw_holdoff_note) and asks before sending any request
 * (snowfdw_holdoff_until).
 *
 * The times live in a small fixed struct registered with shmem.c: shared
 * by every backend when snowfdw is preloaded, this backend's otherwise (a
 * backend then holds off only its own later calls).  A change of the
 * server's or the user mapping's options (ALTER SERVER, ALTER USER
 * MAPPING) starts afresh, as it does for sessions: entries are keyed by the
 * signer of the request that got the 429 (SnowfdwSigner).  A full struct
 * first forgets the times already past; a time that still finds no room is
 * not shared.  Under the struct's lock only plain comparisons and stores
 * run.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/holdoff.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "model/options.h"
#include "shmem/holdoff.h"
#include "shmem/shmem.h"

/* Bound of the struct: user mappings rate-limited at the same time */
#define HOLDOFF_MAX 64
#define HOLDOFF_SHMEM_NAME "snowfdw holdoff"

typedef struct HoldoffEntry
{
	SnowfdwSigner key;			/* a change of options starts afresh */
	TimestampTz until;			/* no request before this time */
} HoldoffEntry;

typedef struct Holdoffs
{
	LWLock		lock;
	int			count;			/* entries in use, the first ones */
	HoldoffEntry entries[HOLDOFF_MAX];
} Holdoffs;

/*
 * holdoffs_init
 *		Set up the struct, once (shmem.c)
 */
static void
holdoffs_init(void *ptr)
{
	Holdoffs   *h = ptr;

	snowfdw_shmem_lock_init(&h->lock, "holdoff");
	h->count = 0;
}

/*
 * snowfdw_holdoff_init
 *		Module load: register the struct with shmem.c
 */
void
snowfdw_holdoff_init(void)
{
	snowfdw_shmem_register(HOLDOFF_SHMEM_NAME, sizeof(Holdoffs),
						   holdoffs_init);
}

/*
 * find_entry
 *		The entry of a key, or NULL (lock held)
 */
static HoldoffEntry *
find_entry(Holdoffs *h, const SnowfdwSigner *key)
{
	int			i;

	for (i = 0; i < h->count; i++)
		if (memcmp(&h->entries[i].key, key, sizeof(SnowfdwSigner)) == 0)
			return &h->entries[i];
	return NULL;
}

/*
 * forget_past
 *		Remove the entries whose time has passed (lock held exclusively)
 */
static void
forget_past(Holdoffs *h, TimestampTz now)
{
	int			i = 0;

	while (i < h->count)
	{
		if (h->entries[i].until <= now)
			h->entries[i] = h->entries[--h->count];
		else
			i++;
	}
}

/*
 * snowfdw_holdoff_note
 *		Snowflake asked the signer of a request to send nothing before a time
 */
void
snowfdw_holdoff_note(const SnowfdwSigner *signer, TimestampTz until)
{
	Holdoffs   *h = snowfdw_shmem_struct(HOLDOFF_SHMEM_NAME);
	HoldoffEntry *entry;
	TimestampTz now = GetCurrentTimestamp();

	LWLockAcquire(&h->lock, LW_EXCLUSIVE);
	entry = find_entry(h, signer);
	if (entry == NULL)
	{
		if (h->count >= HOLDOFF_MAX)
			forget_past(h, now);
		if (h->count < HOLDOFF_MAX)
		{
			entry = &h->entries[h->count++];
			entry->key = *signer;
			entry->until = until;
		}
	}
	else if (entry->until < until)
		entry->until = until;
	LWLockRelease(&h->lock);
}

/*
 * snowfdw_holdoff_until
 *		The time before which a signer must send nothing, or 0
 */
TimestampTz
snowfdw_holdoff_until(const SnowfdwSigner *signer)
{
	Holdoffs   *h = snowfdw_shmem_struct(HOLDOFF_SHMEM_NAME);
	HoldoffEntry *entry;
	TimestampTz until = 0;

	/* an unlocked peek: most of the time nobody is held off */
	if (h->count == 0)
		return 0;
	LWLockAcquire(&h->lock, LW_SHARED);
	entry = find_entry(h, signer);
	if (entry != NULL)
		until = entry->until;
	LWLockRelease(&h->lock);
	return until > GetCurrentTimestamp() ? until : 0;
}
