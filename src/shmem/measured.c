/*-------------------------------------------------------------------------
 *
 * measured.c
 *		  What requests measured: listing sizes and response times
 *
 * The call layer reports here (rest.c each request's response time,
 * scan.c the size of each complete listing); the planner's estimates
 * (estimate.c) read from here.  Nothing here calls either.
 *
 * The measurements live in a fixed struct registered with shmem.c: shared
 * by every backend when snowfdw is preloaded, so that a new session plans
 * from what other sessions measured; this backend's otherwise.  It is an
 * open-addressing hash table of MEASURED_SLOTS slots, emptied when it is
 * three quarters full.  Keys are made before the struct's lock is taken;
 * under it only comparisons and stores run.  Keys carry the signer of the
 * requests that measured (SnowfdwSigner), which holds the database, since
 * OIDs are per database.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/measured.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "miscadmin.h"
#include "storage/lwlock.h"

#include "model/objects.h"
#include "model/options.h"
#include "shmem/measured.h"
#include "shmem/shmem.h"

/* Slots of the table; it is emptied when MEASURED_MAX are in use */
#define MEASURED_SLOTS 1024
#define MEASURED_MAX (MEASURED_SLOTS / 4 * 3)
#define MEASURED_SCOPE_LEN 256
#define MEASURED_SHMEM_NAME "snowfdw measured"

/*
 * A count seen by a complete listing, or a server's latency, as the
 * requests' signer saw them: roles see different objects, and a change of
 * options (another account, URL or token) starts afresh
 */
typedef struct MeasuredKey
{
	SnowfdwSigner signer;
	int			kind;			/* SnowfdwObjectKind; -1 for the latency */
	char		scope[MEASURED_SCOPE_LEN];	/* names joined by '/' */
} MeasuredKey;

typedef struct MeasuredEntry
{
	MeasuredKey key;
	bool		used;
	double		value;			/* rows, or milliseconds */
	double		samples;		/* averages: how many values it holds */
} MeasuredEntry;

typedef struct Measured
{
	LWLock		lock;
	int			count;			/* slots in use */
	MeasuredEntry slots[MEASURED_SLOTS];
} Measured;

/*
 * measured_init
 *		Set up the struct, once (shmem.c)
 */
static void
measured_init(void *ptr)
{
	Measured   *m = ptr;

	snowfdw_shmem_lock_init(&m->lock, "measured");
	m->count = 0;
	memset(m->slots, 0, sizeof(m->slots));
}

/*
 * snowfdw_measured_init
 *		Module load: register the struct with shmem.c
 */
void
snowfdw_measured_init(void)
{
	snowfdw_shmem_register(MEASURED_SHMEM_NAME, sizeof(Measured),
						   measured_init);
}

/*
 * make_key
 *		Key of a server's count of a kind under a scope, and its first slot;
 *		false if the scope is too long to be a key (it is not remembered)
 */
static bool
make_key(const SnowfdwSigner *signer, int kind, const char *scope,
		 MeasuredKey *key, uint32 *slot)
{
	if (signer == NULL || strlen(scope) >= MEASURED_SCOPE_LEN)
		return false;
	memset(key, 0, sizeof(MeasuredKey));
	key->signer = *signer;
	key->kind = kind;
	strlcpy(key->scope, scope, sizeof(key->scope));
	*slot = hash_bytes((const unsigned char *) key, sizeof(MeasuredKey)) %
		MEASURED_SLOTS;
	return true;
}

/*
 * find_slot
 *		The entry of a key, or with create a new one; NULL if absent (or,
 *		with create, if the table was full and is now empty: try again)
 *
 * Lock held, exclusively with create.  Linear probing: the table is never
 * more than three quarters full, so a free slot ends every probe.
 */
static MeasuredEntry *
find_slot(Measured *m, const MeasuredKey *key, uint32 slot, bool create)
{
	for (;;)
	{
		MeasuredEntry *entry = &m->slots[slot];

		if (!entry->used)
			break;
		if (memcmp(&entry->key, key, sizeof(MeasuredKey)) == 0)
			return entry;
		slot = (slot + 1) % MEASURED_SLOTS;
	}
	if (!create)
		return NULL;
	if (m->count >= MEASURED_MAX)
	{
		memset(m->slots, 0, sizeof(m->slots));
		m->count = 0;
		return NULL;
	}
	m->slots[slot].key = *key;
	m->slots[slot].used = true;
	m->slots[slot].value = 0;
	m->slots[slot].samples = 0;
	m->count++;
	return &m->slots[slot];
}

/*
 * entry_for_update
 *		Find or make an entry (lock held exclusively)
 */
static MeasuredEntry *
entry_for_update(Measured *m, const MeasuredKey *key, uint32 slot)
{
	MeasuredEntry *entry = find_slot(m, key, slot, true);

	/* a full table was emptied: the key goes into the empty one */
	return entry ? entry : find_slot(m, key, slot, true);
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
snowfdw_note_listing(const SnowfdwSigner *signer, SnowfdwObjectKind kind,
					 char *const *scope, int nscopes, double rows)
{
	Measured   *m = snowfdw_shmem_struct(MEASURED_SHMEM_NAME);
	MeasuredKey key;
	MeasuredKey average_of;
	uint32		slot;
	uint32		average_slot;
	MeasuredEntry *entry;
	MeasuredEntry *average;
	double		previous = -1;

	if (!make_key(signer, kind, scope_key(scope, nscopes), &key, &slot) ||
		!make_key(signer, kind, average_key(nscopes), &average_of,
				  &average_slot))
		return;
	LWLockAcquire(&m->lock, LW_EXCLUSIVE);
	entry = entry_for_update(m, &key, slot);
	if (entry->samples > 0)
		previous = entry->value;
	entry->value = rows;
	entry->samples = 1;
	average = find_slot(m, &average_of, average_slot, true);
	/* a scope listed again replaces its share of the average */
	if (average != NULL && previous >= 0)
		average->value += (rows - previous) / Max(average->samples, 1);
	else if (average != NULL)
	{
		average->samples += 1;
		average->value += (rows - average->value) / average->samples;
	}
	LWLockRelease(&m->lock);
}

/*
 * snowfdw_note_latency
 *		Fold a request's response time into its signer's moving average
 */
void
snowfdw_note_latency(const SnowfdwSigner *signer, double ms)
{
	Measured   *m = snowfdw_shmem_struct(MEASURED_SHMEM_NAME);
	MeasuredKey key;
	uint32		slot;
	MeasuredEntry *entry;

	if (!make_key(signer, -1, "", &key, &slot))
		return;
	LWLockAcquire(&m->lock, LW_EXCLUSIVE);
	entry = entry_for_update(m, &key, slot);
	if (entry->samples == 0)
	{
		entry->value = ms;
		entry->samples = 1;
	}
	else
		entry->value = 0.8 * entry->value + 0.2 * ms;
	LWLockRelease(&m->lock);
}

/*
 * snowfdw_measured_value
 *		A remembered count of a kind under a scope prefix, or -1
 *
 * kind -1 is the server's latency in milliseconds.  With an unknown prefix
 * (NULL scope), the average over all prefixes of that depth.  A NULL
 * signer (no user mapping) knows nothing.
 */
double
snowfdw_measured_value(const SnowfdwSigner *signer, int kind,
					   char *const *scope, int n)
{
	Measured   *m = snowfdw_shmem_struct(MEASURED_SHMEM_NAME);
	MeasuredKey key;
	uint32		slot;
	MeasuredEntry *entry;
	double		value = -1;

	if (!make_key(signer, kind,
				  (scope || n == 0) ? scope_key(scope, n) : average_key(n),
				  &key, &slot))
		return -1;
	LWLockAcquire(&m->lock, LW_SHARED);
	entry = find_slot(m, &key, slot, false);
	if (entry != NULL && entry->samples > 0)
		value = entry->value;
	LWLockRelease(&m->lock);
	return value;
}
