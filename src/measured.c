/*-------------------------------------------------------------------------
 *
 * measured.c
 *		  What requests measured: listing sizes and response times
 *
 * The call layer reports here (rest.c each request's response time,
 * scan.c the size of each complete listing); the planner's estimates
 * (estimate.c) read from here.  Nothing here calls either.
 *
 * When snowfdw is preloaded the measurements live in a fixed-size shared
 * hash table, so that a new session plans from what other sessions
 * measured; otherwise in a backend-local one.  Both hold at most
 * MEASURED_MAX entries and are emptied when full.  The shared table is
 * guarded by one LWLock of a named tranche; keys are built before it is
 * taken, and under it only dynahash calls that do not raise errors run
 * (HASH_ENTER_NULL on a fixed-size table returns NULL when it is full).
 * Keys carry the database, since OIDs are per database.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/measured.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/hsearch.h"

#include "snowfdw.h"

/* Bound of the table; a full table is emptied */
#define MEASURED_MAX 2048
#define MEASURED_SCOPE_LEN 256
#define MEASURED_TRANCHE "snowfdw measured"

/* A count seen by a complete listing, or a server's latency */
typedef struct MeasuredKey
{
	Oid			dbid;
	Oid			serverid;
	int			kind;			/* SnowfdwObjectKind; -1 for the latency */
	char		scope[MEASURED_SCOPE_LEN];	/* names joined by '/' */
} MeasuredKey;

typedef struct MeasuredEntry
{
	MeasuredKey key;
	double		value;			/* rows, or milliseconds */
	double		samples;		/* averages: how many values it holds */
} MeasuredEntry;

static HTAB *measured = NULL;
static LWLock *measured_lock = NULL;	/* NULL: backend-local table */

/*
 * snowfdw_measured_shmem_size
 *		Shared memory the table needs when preloaded
 */
Size
snowfdw_measured_shmem_size(void)
{
	return hash_estimate_size(MEASURED_MAX, sizeof(MeasuredEntry));
}

/*
 * snowfdw_measured_shmem_request
 *		From the shmem request hook: the lock's tranche
 */
void
snowfdw_measured_shmem_request(void)
{
	RequestNamedLWLockTranche(MEASURED_TRANCHE, 1);
}

/*
 * snowfdw_measured_shmem_startup
 *		From the shmem startup hook: find or make the shared table
 */
void
snowfdw_measured_shmem_startup(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(MeasuredKey);
	ctl.entrysize = sizeof(MeasuredEntry);
	measured = snowfdw_shmem_init_hash("snowfdw measured", MEASURED_MAX,
									   &ctl,
									   HASH_ELEM | HASH_BLOBS | HASH_FIXED_SIZE);
	measured_lock = &(GetNamedLWLockTranche(MEASURED_TRANCHE))->lock;
}

/*
 * make_key
 *		Key of a server's count of a kind under a scope; false if the scope
 *		is too long to be a key (it is simply not remembered)
 */
static bool
make_key(Oid serverid, int kind, const char *scope, MeasuredKey *key)
{
	if (strlen(scope) >= MEASURED_SCOPE_LEN)
		return false;
	memset(key, 0, sizeof(MeasuredKey));
	key->dbid = MyDatabaseId;
	key->serverid = serverid;
	key->kind = kind;
	strlcpy(key->scope, scope, sizeof(key->scope));
	return true;
}

/*
 * lock_table
 *		Take the shared table's lock, or make the local table
 */
static void
lock_table(LWLockMode mode)
{
	if (measured_lock != NULL)
		LWLockAcquire(measured_lock, mode);
	else if (measured == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(MeasuredKey);
		ctl.entrysize = sizeof(MeasuredEntry);
		measured = hash_create("snowfdw measured", 256, &ctl,
							   HASH_ELEM | HASH_BLOBS);
	}
}

/*
 * unlock_table
 *		Release the shared table's lock
 */
static void
unlock_table(void)
{
	if (measured_lock != NULL)
		LWLockRelease(measured_lock);
}

/*
 * empty_table
 *		Remove every entry (lock held exclusively)
 */
static void
empty_table(void)
{
	HASH_SEQ_STATUS scan;
	MeasuredEntry *entry;

	hash_seq_init(&scan, measured);
	while ((entry = hash_seq_search(&scan)) != NULL)
		(void) hash_search(measured, &entry->key, HASH_REMOVE, NULL);
}

/*
 * entry_for_update
 *		Find or make an entry (lock held exclusively); NULL if no room
 */
static MeasuredEntry *
entry_for_update(const MeasuredKey *key)
{
	MeasuredEntry *entry;
	bool		found;

	entry = hash_search(measured, key, HASH_FIND, NULL);
	if (entry != NULL)
		return entry;
	if (hash_get_num_entries(measured) >= MEASURED_MAX)
		empty_table();
	entry = hash_search(measured, key,
						measured_lock ? HASH_ENTER_NULL : HASH_ENTER, &found);
	if (entry != NULL && !found)
	{
		entry->value = 0;
		entry->samples = 0;
	}
	return entry;
}

/*
 * scope_key
 *		Key text of the first n scope names: "SALES/PUBLIC"
 */
static char *
scope_key(char *const *scope, int n)
{
	StringInfoData buf;
	int			i;

	initStringInfo(&buf);
	for (i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoChar(&buf, '/');
		appendStringInfoString(&buf, scope[i]);
	}
	return buf.data;
}

/*
 * average_key
 *		Key text of the average over every scope of a depth: "*2"
 */
static char *
average_key(int depth)
{
	return psprintf("*%d", depth);
}

/*
 * snowfdw_note_listing
 *		Remember how many objects a complete listing of a scope gave
 *
 * Also kept: the average over the scopes of that depth, for scans whose
 * scope is not known when they are planned (enumerated or a join's).
 */
void
snowfdw_note_listing(Oid serverid, SnowfdwObjectKind kind,
					 char *const *scope, int nscopes, double rows)
{
	MeasuredKey key;
	MeasuredKey average_of;
	MeasuredEntry *entry;
	MeasuredEntry *average;
	double		previous = -1;

	if (!make_key(serverid, kind, scope_key(scope, nscopes), &key) ||
		!make_key(serverid, kind, average_key(nscopes), &average_of))
		return;
	lock_table(LW_EXCLUSIVE);
	entry = entry_for_update(&key);
	if (entry != NULL)
	{
		if (entry->samples > 0)
			previous = entry->value;
		entry->value = rows;
		entry->samples = 1;
		average = entry_for_update(&average_of);
		/* a scope listed again replaces its share of the average */
		if (average != NULL && previous >= 0)
			average->value += (rows - previous) / Max(average->samples, 1);
		else if (average != NULL)
		{
			average->samples += 1;
			average->value += (rows - average->value) / average->samples;
		}
	}
	unlock_table();
}

/*
 * snowfdw_note_latency
 *		Fold a request's response time into its server's moving average
 */
void
snowfdw_note_latency(Oid serverid, double ms)
{
	MeasuredKey key;
	MeasuredEntry *entry;

	(void) make_key(serverid, -1, "", &key);
	lock_table(LW_EXCLUSIVE);
	entry = entry_for_update(&key);
	if (entry != NULL && entry->samples == 0)
	{
		entry->value = ms;
		entry->samples = 1;
	}
	else if (entry != NULL)
		entry->value = 0.8 * entry->value + 0.2 * ms;
	unlock_table();
}

/*
 * snowfdw_measured_value
 *		A remembered count of a kind under a scope prefix, or -1
 *
 * kind -1 is the server's latency in milliseconds.  With an unknown prefix
 * (NULL scope), the average over all prefixes of that depth.
 */
double
snowfdw_measured_value(Oid serverid, int kind, char *const *scope, int n)
{
	MeasuredKey key;
	MeasuredEntry *entry;
	double		value = -1;

	if (!make_key(serverid, kind,
				  (scope || n == 0) ? scope_key(scope, n) : average_key(n),
				  &key))
		return -1;
	lock_table(LW_SHARED);
	entry = hash_search(measured, &key, HASH_FIND, NULL);
	if (entry != NULL && entry->samples > 0)
		value = entry->value;
	unlock_table();
	return value;
}
