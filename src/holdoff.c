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
 * When snowfdw is preloaded the times live in a fixed-size shared hash
 * table under one LWLock of a named tranche; otherwise in a backend-local
 * one (a backend then holds off only its own later calls).  A change of
 * the server's or the user mapping's options (ALTER SERVER, ALTER USER
 * MAPPING) starts afresh, as it does for sessions.  A full
 * table first forgets the times already past; a time that still finds no
 * room is not shared.  Under the lock only dynahash calls that raise no
 * error run (HASH_ENTER_NULL on a fixed-size table).
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/holdoff.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "snowfdw.h"

/* Bound of the table: user mappings rate-limited at the same time */
#define HOLDOFF_MAX 256
#define HOLDOFF_TRANCHE "snowfdw holdoff"

typedef struct HoldoffKey
{
	Oid			dbid;			/* OIDs are per database */
	Oid			serverid;
	Oid			umid;
	TransactionId server_xmin;	/* catalog versions: a change of options */
	TransactionId mapping_xmin; /* starts afresh */
} HoldoffKey;

typedef struct HoldoffEntry
{
	HoldoffKey	key;
	TimestampTz until;			/* no request before this time */
} HoldoffEntry;

static HTAB *holdoffs = NULL;
static LWLock *holdoff_lock = NULL; /* NULL: backend-local table */

/*
 * snowfdw_holdoff_shmem_size
 *		Shared memory the table needs when preloaded
 */
Size
snowfdw_holdoff_shmem_size(void)
{
	return hash_estimate_size(HOLDOFF_MAX, sizeof(HoldoffEntry));
}

/*
 * snowfdw_holdoff_shmem_request
 *		From the shmem request hook: the lock's tranche
 */
void
snowfdw_holdoff_shmem_request(void)
{
	RequestNamedLWLockTranche(HOLDOFF_TRANCHE, 1);
}

/*
 * snowfdw_holdoff_shmem_startup
 *		From the shmem startup hook: find or make the shared table
 */
void
snowfdw_holdoff_shmem_startup(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(HoldoffKey);
	ctl.entrysize = sizeof(HoldoffEntry);
	holdoffs = snowfdw_shmem_init_hash("snowfdw holdoff", HOLDOFF_MAX,
									   &ctl,
									   HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);
	holdoff_lock = &(GetNamedLWLockTranche(HOLDOFF_TRANCHE))->lock;
}

/*
 * catalog_version
 *		Raw xmin of a catalog row found through a syscache, or 0
 */
static TransactionId
catalog_version(int cacheid, Oid oid)
{
	HeapTuple	tuple = SearchSysCache1(cacheid, ObjectIdGetDatum(oid));
	TransactionId version;

	if (!HeapTupleIsValid(tuple))
		return InvalidTransactionId;
	version = HeapTupleHeaderGetRawXmin(tuple->t_data);
	ReleaseSysCache(tuple);
	return version;
}

/*
 * make_key
 *		Key of a server and user mapping, in their current versions, in
 *		this database (looked up before any lock is taken)
 */
static void
make_key(Oid serverid, Oid umid, HoldoffKey *key)
{
	memset(key, 0, sizeof(HoldoffKey));
	key->dbid = MyDatabaseId;
	key->serverid = serverid;
	key->umid = umid;
	key->server_xmin = catalog_version(FOREIGNSERVEROID, serverid);
	key->mapping_xmin = catalog_version(USERMAPPINGOID, umid);
}

/*
 * forget_past
 *		Remove the entries whose time has passed (lock held exclusively)
 */
static void
forget_past(TimestampTz now)
{
	HASH_SEQ_STATUS scan;
	HoldoffEntry *entry;

	hash_seq_init(&scan, holdoffs);
	while ((entry = hash_seq_search(&scan)) != NULL)
		if (entry->until <= now)
			(void) hash_search(holdoffs, &entry->key, HASH_REMOVE, NULL);
}

/*
 * snowfdw_holdoff_note
 *		Snowflake asked a user mapping to send nothing before a time
 */
void
snowfdw_holdoff_note(Oid serverid, Oid umid, TimestampTz until)
{
	HoldoffKey	key;
	HoldoffEntry *entry;
	bool		found;
	TimestampTz now = GetCurrentTimestamp();

	make_key(serverid, umid, &key);
	if (holdoff_lock == NULL && holdoffs == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(HoldoffKey);
		ctl.entrysize = sizeof(HoldoffEntry);
		holdoffs = hash_create("snowfdw holdoff", 16, &ctl,
							   HASH_ELEM | HASH_BLOBS);
	}
	if (holdoff_lock)
		LWLockAcquire(holdoff_lock, LW_EXCLUSIVE);
	if (hash_get_num_entries(holdoffs) >= HOLDOFF_MAX)
		forget_past(now);
	entry = hash_search(holdoffs, &key,
						holdoff_lock ? HASH_ENTER_NULL : HASH_ENTER, &found);
	if (entry != NULL && (!found || entry->until < until))
		entry->until = until;
	if (holdoff_lock)
		LWLockRelease(holdoff_lock);
}

/*
 * snowfdw_holdoff_until
 *		The time before which a user mapping must send nothing, or 0
 */
TimestampTz
snowfdw_holdoff_until(Oid serverid, Oid umid)
{
	HoldoffKey	key;
	HoldoffEntry *entry;
	TimestampTz until = 0;

	/* an unlocked peek: most of the time nobody is held off */
	if (holdoffs == NULL || hash_get_num_entries(holdoffs) == 0)
		return 0;
	make_key(serverid, umid, &key);
	if (holdoff_lock)
		LWLockAcquire(holdoff_lock, LW_SHARED);
	entry = hash_search(holdoffs, &key, HASH_FIND, NULL);
	if (entry != NULL)
		until = entry->until;
	if (holdoff_lock)
		LWLockRelease(holdoff_lock);
	return until > GetCurrentTimestamp() ? until : 0;
}
