/*-------------------------------------------------------------------------
 *
 * cache.c
 *		  Response cache of snowfdw: per statement, and across statements
 *
 * Two stores answer GET calls of scans without a transfer:
 *
 *	- The statement store (backend-local, always on) keeps the 2xx answers
 *	  of the current top-level statement, whatever the TTL, so that several
 *	  scans of one query, or a rescan, see one consistent answer and make
 *	  each distinct request once.  It is emptied when the next statement
 *	  starts (its scope is the transaction's local id and the statement's
 *	  start time), at transaction end, and by any write through snowfdw.
 *	  It holds at most STATEMENT_STORE_MAX bytes, and no single answer
 *	  larger than STATEMENT_ENTRY_MAX (a full page of a big listing is
 *	  larger), so that big listings still flow through the scan one batch
 *	  at a time.
 *
 *	- The response cache (across statements, on when a scan's cache_ttl
 *	  is above 0) lives in a DSA area with a dshash table, bounded by
 *	  snowfdw.cache_size with least-recently-used eviction.  When snowfdw is
 *	  in shared_preload_libraries the area is pinned and shared by every
 *	  backend: its handles sit in a small fixed shared memory struct
 *	  reserved through shmem_request_hook.  Otherwise each backend makes a
 *	  private area with the same code, and writes reach the caches of the
 *	  other backends as a catalog invalidation of the server (sent at
 *	  commit).
 *
 * A key is the server, the user mapping, the catalog versions (xmin) of
 * both, and a hash of the request text (Snowflake role and path); the text
 * itself is stored and compared, so a hash collision is a miss.  No secret
 * is part of a key or an entry: a changed token changes the mapping's
 * xmin, and entries of the old version are never found again.
 *
 * Locking: one LWLock (the control lock) serializes every change of the
 * cache table, the LRU list and the byte count; dshash's partition locks
 * are only taken under it.  Nothing that can throw an error runs while it
 * is held except DSA and dshash calls that fail only on corruption or an
 * exhausted DSM space; allocations use the NO_OOM variants.  An entry is
 * written whole before it is linked, under the lock with interrupts held,
 * so a backend terminated at any point leaves no half-filled entry.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/cache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_user_mapping.h"
#include "common/hashfn.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "lib/dshash.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/builtins.h"
#include "utils/dsa.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "snowfdw.h"

/* Bounds of the statement store */
#define STATEMENT_STORE_MAX (4 * 1024 * 1024)
#define STATEMENT_ENTRY_MAX (256 * 1024)

/* Key of both stores; no padding, compared and hashed as bytes */
typedef struct CacheKey
{
	Oid			serverid;
	Oid			umid;
	TransactionId server_xmin;
	TransactionId mapping_xmin;
	uint64		request_hash;
} CacheKey;

/* Entry of the dshash cache table: the key and where the data is */
typedef struct CacheEntry
{
	CacheKey	key;
	dsa_pointer data;			/* CacheData */
} CacheEntry;

/* One cached answer in the DSA area, linked in the LRU list */
typedef struct CacheData
{
	dsa_pointer prev;			/* towards the most recently used */
	dsa_pointer next;			/* towards the least recently used */
	CacheKey	key;
	TimestampTz stored_at;
	long		status;
	Size		size;			/* bytes allocated, counted in the bound */
	Size		request_len;
	Size		link_len;		/* 0: no Link header */
	Size		body_len;
	char		text[FLEXIBLE_ARRAY_MEMBER];	/* request, link, body; each
												 * NUL-terminated */
} CacheData;

/* Where the area is, in shared memory (preloaded) or local memory */
typedef struct CacheControl
{
	LWLock		lock;			/* the control lock */
	int			tranche_id;
	dsa_handle	area_handle;	/* DSM_HANDLE_INVALID until made */
	dshash_table_handle cache_handle;
	dshash_table_handle stats_handle;
	dsa_pointer lru_head;
	dsa_pointer lru_tail;
	Size		total_bytes;
	int64		entries;
} CacheControl;

/* Entry of the statement store */
typedef struct StatementEntry
{
	CacheKey	key;
	char	   *request;
	char	   *body;
	size_t		body_len;
	char	   *link;
	long		status;
} StatementEntry;

/* GUC variables */
int			snowfdw_cache_ttl = 0;
int			snowfdw_cache_stale_ttl = 0;
int			snowfdw_cache_size_kb = 64 * 1024;

/* This process is a refresh worker: its GETs always go to Snowflake */
bool		snowfdw_cache_refreshing = false;

/* How often a call waiting for another process's answer looks again */
#define COALESCE_RECHECK_MS 100

/* What the response cache had for a request */
typedef enum CacheLookup
{
	CACHE_MISS,
	CACHE_FRESH,
	CACHE_STALE					/* past its TTL, within the stale window */
} CacheLookup;

/* the wait event name of the shared cache's locks */
#define SNOWFDW_TRANCHE_NAME "snowfdw"

static bool shared_mode = false;
static CacheControl *control = NULL;
static dsa_area *area = NULL;
static dshash_table *cache_table = NULL;
static dshash_table *stats_table = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static HTAB *statement_store = NULL;
static MemoryContext statement_cxt = NULL;
static LocalTransactionId statement_lxid = InvalidLocalTransactionId;
static TimestampTz statement_start = 0;
static Size statement_bytes = 0;

static bool pending_invals = false;	/* a server changed meanwhile */
static bool callbacks_registered = false;

/*
 * Named members only: 17 inserted copy_function before tranche_id, and a
 * positional list compiled there left it NULL (a crash at the first insert).
 * The tranche is set at attach.
 */
static const dshash_parameters cache_params = {
	.key_size = sizeof(CacheKey),
	.entry_size = sizeof(CacheEntry),
	.compare_function = dshash_memcmp,
	.hash_function = dshash_memhash,
	SNOWFDW_DSHASH_COPY_MEMCPY
};
static const dshash_parameters stats_params = {
	.key_size = sizeof(SnowfdwStatsKey),
	.entry_size = sizeof(SnowfdwStatsEntry),
	.compare_function = dshash_memcmp,
	.hash_function = dshash_memhash,
	SNOWFDW_DSHASH_COPY_MEMCPY
};

PG_FUNCTION_INFO_V1(snowfdw_cache_clear);
PG_FUNCTION_INFO_V1(snowfdw_cache_info);

static void cache_shmem_request(void);
static void cache_shmem_startup(void);
static void register_callbacks(void);
static void process_pending_invals(void);
static void drop_entries(Oid serverid, int64 *dropped);

/*
 * snowfdw_cache_init
 *		Module load: reserve shared memory when preloaded
 */
void
snowfdw_cache_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		return;
	shared_mode = true;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = cache_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = cache_shmem_startup;
}

/*
 * snowfdw_cache_is_shared
 *		Whether the cache and statistics are shared by all backends
 */
bool
snowfdw_cache_is_shared(void)
{
	return shared_mode;
}

/*
 * cache_shmem_request
 *		Ask for the control struct's space
 */
static void
cache_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(MAXALIGN(sizeof(CacheControl)));
}

/*
 * cache_shmem_startup
 *		Create or find the control struct; the area is made on first use
 */
static void
cache_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	control = ShmemInitStruct("snowfdw cache", sizeof(CacheControl), &found);
	if (!found)
	{
		control->tranche_id = snowfdw_new_tranche_id(SNOWFDW_TRANCHE_NAME);
		LWLockInitialize(&control->lock, control->tranche_id);
		control->area_handle = DSM_HANDLE_INVALID;
		control->lru_head = InvalidDsaPointer;
		control->lru_tail = InvalidDsaPointer;
		control->total_bytes = 0;
		control->entries = 0;
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * attach
 *		Attach to the area and its tables, making them on first use
 *
 * The first backend creates the area (pinned in shared mode, so that it
 * outlives that backend); the others attach.  Mappings are pinned for the
 * backend's life.
 */
static void
attach(void)
{
	MemoryContext oldcxt;
	dshash_parameters cparams = cache_params;
	dshash_parameters sparams = stats_params;

	if (cache_table != NULL)
		return;
	register_callbacks();
	if (control == NULL)
	{
		if (shared_mode)
			elog(ERROR, "snowfdw shared memory is not initialized");
		control = MemoryContextAllocZero(TopMemoryContext, sizeof(CacheControl));

		/*
		 * The area and its locks are this backend's alone, so nobody waits
		 * on them: borrow a built-in tranche rather than make one per
		 * backend (19 caps named tranches cluster-wide).
		 */
		control->tranche_id = LWTRANCHE_PER_SESSION_DSA;
		LWLockInitialize(&control->lock, control->tranche_id);
		control->area_handle = DSM_HANDLE_INVALID;
		control->lru_head = InvalidDsaPointer;
		control->lru_tail = InvalidDsaPointer;
	}
	else
		snowfdw_register_tranche(control->tranche_id, SNOWFDW_TRANCHE_NAME);
	cparams.tranche_id = control->tranche_id;
	sparams.tranche_id = control->tranche_id;

	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	LWLockAcquire(&control->lock, LW_EXCLUSIVE);
	if (control->area_handle == DSM_HANDLE_INVALID)
	{
		area = dsa_create(control->tranche_id);
		if (shared_mode)
			dsa_pin(area);
		dsa_pin_mapping(area);
		cache_table = dshash_create(area, &cparams, NULL);
		stats_table = dshash_create(area, &sparams, NULL);
		control->cache_handle = dshash_get_hash_table_handle(cache_table);
		control->stats_handle = dshash_get_hash_table_handle(stats_table);
		control->area_handle = dsa_get_handle(area);
	}
	else
	{
		area = dsa_attach(control->area_handle);
		dsa_pin_mapping(area);
		cache_table = dshash_attach(area, &cparams, control->cache_handle, NULL);
		stats_table = dshash_attach(area, &sparams, control->stats_handle, NULL);
	}
	LWLockRelease(&control->lock);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * snowfdw_stats_table
 *		The statistics table (stats.c), attaching first if may_attach
 *
 * NULL while this backend holds the control lock: an error raised under it
 * is being handled, and the caller must not wait for the lock.  Error
 * handlers pass may_attach false, so as not to create the area then.
 */
dshash_table *
snowfdw_stats_table(bool may_attach)
{
	if (control != NULL && LWLockHeldByMe(&control->lock))
		return NULL;
	if (may_attach)
		attach();
	return stats_table;
}

/*
 * statement_store_reset
 *		Forget the statement store
 */
static void
statement_store_reset(void)
{
	if (statement_cxt != NULL)
	{
		MemoryContextDelete(statement_cxt);
		statement_cxt = NULL;
		statement_store = NULL;
		statement_bytes = 0;
	}
}

/*
 * statement_xact_callback
 *		Free the statement store at transaction end
 */
static void
statement_xact_callback(XactEvent event, void *arg)
{
	if (snowfdw_xact_ending(event))
		statement_store_reset();
}

/*
 * server_inval_callback
 *		Remember a server invalidation; entries go at the next cache access
 *
 * Nothing is dropped here: the callback can run inside any catalog access,
 * so it only sets a flag.
 */
static void
server_inval_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	pending_invals = true;
}

/*
 * register_callbacks
 *		Transaction and server invalidation callbacks, once per backend
 */
static void
register_callbacks(void)
{
	if (callbacks_registered)
		return;
	RegisterXactCallback(statement_xact_callback, NULL);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, server_inval_callback,
								  (Datum) 0);
	callbacks_registered = true;
}

/*
 * process_pending_invals
 *		Drop the local cache's entries after a server invalidation
 *
 * Only the backend-local cache needs this: writes drop the entries of the
 * shared cache directly.  Server invalidations are rare (ALTER SERVER, or
 * a write in another backend), and computing a server's hash value may
 * open the catalog, which must not happen under the control lock: so any
 * of them drops every local entry.
 */
static void
process_pending_invals(void)
{
	if (!pending_invals)
		return;
	pending_invals = false;
	if (!shared_mode && cache_table != NULL)
		drop_entries(InvalidOid, NULL);
}

/*
 * tuple_xmin
 *		Raw xmin of a server or user mapping catalog row
 */
static TransactionId
tuple_xmin(int cacheid, Oid oid)
{
	HeapTuple	tuple = SearchSysCache1(cacheid, ObjectIdGetDatum(oid));
	TransactionId xmin = InvalidTransactionId;

	if (HeapTupleIsValid(tuple))
	{
		xmin = HeapTupleHeaderGetRawXmin(tuple->t_data);
		ReleaseSysCache(tuple);
	}
	return xmin;
}

/*
 * request_text
 *		The request as the stores see it: Snowflake role, then the path
 */
static char *
request_text(SnowfdwConnection *conn, const char *path)
{
	return psprintf("%s\n%s", conn->options->role ? conn->options->role : "",
					path);
}

/*
 * make_key
 *		Key of a request of a session
 */
static void
make_key(SnowfdwConnection *conn, const char *request, CacheKey *key)
{
	memset(key, 0, sizeof(CacheKey));
	key->serverid = conn->serverid;
	key->umid = conn->umid;
	key->server_xmin = tuple_xmin(FOREIGNSERVEROID, conn->serverid);
	key->mapping_xmin = tuple_xmin(USERMAPPINGOID, conn->umid);
	key->request_hash = hash_bytes_extended((const unsigned char *) request,
											strlen(request), 0);
}

/*
 * statement_scope_check
 *		Empty the statement store when a new top-level statement began
 */
static void
statement_scope_check(void)
{
	LocalTransactionId lxid = snowfdw_my_lxid();
	TimestampTz start = GetCurrentStatementStartTimestamp();

	if (statement_store != NULL &&
		lxid == statement_lxid && start == statement_start)
		return;
	register_callbacks();
	if (statement_cxt == NULL)
		statement_cxt = AllocSetContextCreate(TopMemoryContext,
											  "snowfdw statement responses",
											  ALLOCSET_DEFAULT_SIZES);
	else
		MemoryContextReset(statement_cxt);
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(CacheKey);
		ctl.entrysize = sizeof(StatementEntry);
		ctl.hcxt = statement_cxt;
		statement_store = hash_create("snowfdw statement responses", 32, &ctl,
									  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	statement_bytes = 0;
	statement_lxid = lxid;
	statement_start = start;
}

/*
 * statement_lookup
 *		The statement store's answer to a request, or NULL
 */
static StatementEntry *
statement_lookup(const CacheKey *key, const char *request)
{
	StatementEntry *entry;

	statement_scope_check();
	entry = hash_search(statement_store, key, HASH_FIND, NULL);
	if (entry == NULL || strcmp(entry->request, request) != 0)
		return NULL;
	return entry;
}

/*
 * statement_store_put
 *		Keep an answer for the rest of the statement, if it fits
 */
static void
statement_store_put(const CacheKey *key, const char *request, long status,
					const char *body, size_t len, const char *link)
{
	StatementEntry *entry;
	bool		found;
	MemoryContext oldcxt;
	Size		size = len + strlen(request) + (link ? strlen(link) : 0) + 64;

	statement_scope_check();
	if (len > STATEMENT_ENTRY_MAX ||
		statement_bytes + size > STATEMENT_STORE_MAX)
		return;
	entry = hash_search(statement_store, key, HASH_ENTER, &found);
	if (found)
		return;					/* the first answer stays the statement's */
	oldcxt = MemoryContextSwitchTo(statement_cxt);
	entry->request = pstrdup(request);
	entry->body = palloc(len + 1);
	memcpy(entry->body, body, len);
	entry->body[len] = '\0';
	entry->body_len = len;
	entry->link = link ? pstrdup(link) : NULL;
	entry->status = status;
	MemoryContextSwitchTo(oldcxt);
	statement_bytes += size;
}

/*
 * lru_unlink
 *		Take a data block out of the LRU list (control lock held)
 */
static void
lru_unlink(dsa_pointer dp, CacheData *data)
{
	if (DsaPointerIsValid(data->prev))
		((CacheData *) dsa_get_address(area, data->prev))->next = data->next;
	else
		control->lru_head = data->next;
	if (DsaPointerIsValid(data->next))
		((CacheData *) dsa_get_address(area, data->next))->prev = data->prev;
	else
		control->lru_tail = data->prev;
	data->prev = data->next = InvalidDsaPointer;
}

/*
 * lru_push
 *		Put a data block at the most recently used end (control lock held)
 */
static void
lru_push(dsa_pointer dp, CacheData *data)
{
	data->prev = InvalidDsaPointer;
	data->next = control->lru_head;
	if (DsaPointerIsValid(control->lru_head))
		((CacheData *) dsa_get_address(area, control->lru_head))->prev = dp;
	else
		control->lru_tail = dp;
	control->lru_head = dp;
}

/*
 * free_data
 *		Unlink and free a data block whose table entry is gone (lock held)
 */
static void
free_data(dsa_pointer dp)
{
	CacheData  *data = dsa_get_address(area, dp);

	lru_unlink(dp, data);
	control->total_bytes -= data->size;
	control->entries--;
	dsa_free(area, dp);
}

/*
 * evict_one
 *		Drop the least recently used entry (control lock held); false if none
 */
static bool
evict_one(void)
{
	dsa_pointer dp = control->lru_tail;
	CacheData  *data;
	CacheEntry *entry;

	if (!DsaPointerIsValid(dp))
		return false;
	data = dsa_get_address(area, dp);
	entry = dshash_find(cache_table, &data->key, true);
	if (entry != NULL && entry->data == dp)
		dshash_delete_entry(cache_table, entry);
	else if (entry != NULL)
		dshash_release_lock(cache_table, entry);
	free_data(dp);
	return true;
}

/*
 * cache_lookup_key
 *		The response cache's answer to a request no older than ttl seconds,
 *		or no older than ttl + stale_ttl (CACHE_STALE)
 *
 * The strings are copied into the current memory context.  An entry past
 * both is dropped on the way.
 */
static CacheLookup
cache_lookup_key(const CacheKey *key, const char *request, int ttl,
				 int stale_ttl, long *status, char **body, size_t *len,
				 char **link)
{
	CacheEntry *entry;
	CacheData  *data;
	CacheLookup result = CACHE_MISS;

	LWLockAcquire(&control->lock, LW_EXCLUSIVE);
	entry = dshash_find(cache_table, key, true);
	if (entry != NULL)
	{
		dsa_pointer dp = entry->data;
		TimestampTz now = GetCurrentTimestamp();
		TimestampTz fresh_until;

		data = dsa_get_address(area, dp);
		fresh_until = data->stored_at + (TimestampTz) ttl * USECS_PER_SEC;
		if (fresh_until + (TimestampTz) stale_ttl * USECS_PER_SEC <= now ||
			strcmp(data->text, request) != 0)
		{
			/* expired, or another request with the same hash */
			dshash_delete_entry(cache_table, entry);
			free_data(dp);
		}
		else
		{
			char	   *link_text = data->text + data->request_len + 1;
			char	   *body_text = link_text + data->link_len + 1;

			*body = palloc_extended(data->body_len + 1, MCXT_ALLOC_NO_OOM);
			*link = data->link_len > 0 ?
				palloc_extended(data->link_len + 1, MCXT_ALLOC_NO_OOM) : NULL;
			if (*body != NULL && (data->link_len == 0 || *link != NULL))
			{
				memcpy(*body, body_text, data->body_len + 1);
				*len = data->body_len;
				if (*link)
					memcpy(*link, link_text, data->link_len + 1);
				*status = data->status;
				lru_unlink(dp, data);
				lru_push(dp, data);
				result = fresh_until > now ? CACHE_FRESH : CACHE_STALE;
			}
			dshash_release_lock(cache_table, entry);
		}
	}
	LWLockRelease(&control->lock);
	return result;
}

/*
 * cache_store_key
 *		Keep an answer in the response cache, evicting LRU entries for room
 */
static void
cache_store_key(const CacheKey *key, const char *request, long status,
				const char *body, size_t len, const char *link)
{
	Size		limit = (Size) snowfdw_cache_size_kb * 1024;
	Size		request_len = strlen(request);
	Size		link_len = link ? strlen(link) : 0;
	Size		size = offsetof(CacheData, text) + request_len + link_len + len + 3;
	dsa_pointer dp;
	CacheData  *data;
	CacheEntry *entry;
	bool		found;

	if (size > limit)
		return;
	LWLockAcquire(&control->lock, LW_EXCLUSIVE);
	while (control->total_bytes + size > limit && evict_one())
		;
	dp = dsa_allocate_extended(area, size, DSA_ALLOC_NO_OOM);
	if (!DsaPointerIsValid(dp))
	{
		LWLockRelease(&control->lock);
		return;
	}
	data = dsa_get_address(area, dp);
	data->prev = data->next = InvalidDsaPointer;
	data->key = *key;
	data->stored_at = GetCurrentTimestamp();
	data->status = status;
	data->size = size;
	data->request_len = request_len;
	data->link_len = link_len;
	data->body_len = len;
	memcpy(data->text, request, request_len + 1);
	if (link)
		memcpy(data->text + request_len + 1, link, link_len + 1);
	else
		data->text[request_len + 1] = '\0';
	memcpy(data->text + request_len + link_len + 2, body, len);
	data->text[request_len + link_len + 2 + len] = '\0';

	entry = dshash_find_or_insert(cache_table, key, &found);
	if (found)
		free_data(entry->data);
	entry->data = dp;
	lru_push(dp, data);
	control->total_bytes += size;
	control->entries++;
	dshash_release_lock(cache_table, entry);
	LWLockRelease(&control->lock);
}

/*
 * inflight_ident
 *		The identity of a request among the requests under way
 */
static uint64
inflight_ident(const CacheKey *key)
{
	uint64		ident = hash_bytes_extended((const unsigned char *) key,
											sizeof(CacheKey), 0);

	return ident != 0 ? ident : 1;
}

/*
 * queue_refresh
 *		A stale entry answered: have its request fetched again in the
 *		background (refresh.c), unless it is under way
 */
static void
queue_refresh(SnowfdwConnection *conn, const CacheKey *key,
			  const char *request, int ttl, int stale_ttl)
{
	SnowfdwRefreshJob job;
	HeapTuple	tuple;
	int			worker;

	if (strlen(request) >= SNOWFDW_REFRESH_REQUEST_MAX)
		return;
	memset(&job, 0, sizeof(job));
	job.ident = inflight_ident(key);
	job.dboid = MyDatabaseId;
	job.userid = GetUserId();
	/* the mapping's own user; the viewer's for a PUBLIC mapping */
	tuple = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(conn->umid));
	if (HeapTupleIsValid(tuple))
	{
		Oid			umuser = ((Form_pg_user_mapping) GETSTRUCT(tuple))->umuser;

		if (OidIsValid(umuser))
			job.userid = umuser;
		ReleaseSysCache(tuple);
	}
	job.serverid = conn->serverid;
	job.umid = conn->umid;
	job.ttl = ttl;
	job.stale_ttl = stale_ttl;
	strlcpy(job.request, request, sizeof(job.request));
	worker = snowfdw_refresh_enqueue(&job, conn->options->request_timeout +
									 conn->options->connect_timeout);
	if (worker >= 0)
		snowfdw_refresh_launch(worker, job.dboid, job.userid);
}

/*
 * lookup
 *		snowfdw_cache_lookup, saying also whether the answer is stale;
 *		*key gets the request's key
 */
static CacheLookup
lookup(SnowfdwConnection *conn, const char *path, int ttl, int stale_ttl,
	   CacheKey *key, long *status, char **body, size_t *len, char **link)
{
	char	   *request = request_text(conn, path);
	StatementEntry *entry;
	CacheLookup result;

	make_key(conn, request, key);
	entry = statement_lookup(key, request);
	if (entry != NULL)
	{
		*status = entry->status;
		*body = pnstrdup(entry->body, entry->body_len);
		*len = entry->body_len;
		*link = entry->link ? pstrdup(entry->link) : NULL;
		return CACHE_FRESH;
	}
	if (ttl <= 0)
		return CACHE_MISS;
	attach();
	process_pending_invals();
	/* the stale window needs a refresh worker: shared mode only */
	if (!snowfdw_inflight_enabled())
		stale_ttl = 0;
	result = cache_lookup_key(key, request, ttl, stale_ttl, status, body, len,
							  link);
	if (result == CACHE_MISS)
		return result;
	statement_store_put(key, request, *status, *body, *len, *link);
	if (result == CACHE_STALE)
		queue_refresh(conn, key, request, ttl, stale_ttl);
	return result;
}

/*
 * snowfdw_cache_lookup
 *		Answer of a GET from the statement store or the response cache
 *
 * ttl 0 asks only the statement store.  The strings are palloc'd in the
 * current memory context.  A response-cache hit is also kept in the
 * statement store, so that the statement goes on seeing it after expiry.
 */
bool
snowfdw_cache_lookup(SnowfdwConnection *conn, const char *path, int ttl,
					 long *status, char **body, size_t *len, char **link)
{
	CacheKey	key;

	if (lookup(conn, path, ttl, conn->cache_stale_ttl, &key, status, body,
			   len, link) != CACHE_MISS)
		return true;
	if (ttl > 0)
		snowfdw_stats_count_cache(conn, false);
	return false;
}

/*
 * snowfdw_cache_store
 *		Keep the 2xx answer of a GET for the statement, and for ttl seconds
 */
void
snowfdw_cache_store(SnowfdwConnection *conn, const char *path, long status,
					const char *body, size_t len, const char *link, int ttl)
{
	char	   *request = request_text(conn, path);
	CacheKey	key;

	make_key(conn, request, &key);
	statement_store_put(&key, request, status, body, len, link);
	if (ttl <= 0)
		return;
	attach();
	process_pending_invals();
	cache_store_key(&key, request, status, body, len, link);
	/* waiters for this answer find it now */
	snowfdw_inflight_release(inflight_ident(&key));
}

/*
 * cacheable
 *		Whether a call may be answered from, and kept in, the stores
 *
 * Only GET calls of scans qualify (conn->cache_ttl is -1 outside a scan):
 * the reads that writes make always go to Snowflake.
 */
static bool
cacheable(SnowfdwConnection *conn, SnowfdwCall *call)
{
	return conn->cache_ttl >= 0 && strcmp(call->method, "GET") == 0 &&
		call->poll_path == NULL && call->body == NULL;
}

/*
 * snowfdw_cache_answer
 *		Before a call starts: answer it from the stores, or hold it back
 *
 * Returns true when the call must not be started now: it was answered
 * (marked done, no transfer), another process is fetching the same
 * request (shared mode: the call looks again when that answer is stored,
 * or after COALESCE_RECHECK_MS), or an identical call of the same batch is
 * running, whose answer the statement store will have next time round.
 * A call that waited its request timeout for another process takes the
 * request over.
 */
bool
snowfdw_cache_answer(SnowfdwConnection *conn, SnowfdwCall **calls, int ncalls,
					 SnowfdwCall *call)
{
	CacheKey	key;
	int			i;

	if (!cacheable(conn, call) || call->attempts > 0)
		return false;
	if (snowfdw_cache_refreshing)
		return false;			/* a refresh worker: the stale entry is known */
	if (lookup(conn, call->path, conn->cache_ttl, conn->cache_stale_ttl, &key,
			   &call->status, &call->response, &call->response_len,
			   &call->link) != CACHE_MISS)
	{
		call->request_id = NULL;
		call->done = true;
		call->coalescing = call->held_behind = false;
		conn->cache_hits++;
		snowfdw_stats_count_cache(conn, true);
		return true;
	}
	if (conn->cache_ttl > 0 && call->coalesce_since == 0)
		snowfdw_stats_count_cache(conn, false);
	for (i = 0; i < ncalls; i++)
	{
		SnowfdwCall *other = calls[i];

		if (other != call && !other->done && other->handle >= 0 &&
			strcmp(other->method, call->method) == 0 &&
			strcmp(other->path, call->path) == 0)
			return true;
	}
	if (conn->cache_ttl > 0 && snowfdw_inflight_enabled())
	{
		TimestampTz now = GetCurrentTimestamp();
		double		timeout = conn->options->request_timeout;
		bool		take_over;
		SnowfdwClaim claim = SNOWFDW_CLAIM_NONE;

		if (call->coalesce_since == 0)
			call->coalesce_since = now;
		take_over = now - call->coalesce_since >=
			(TimestampTz) (timeout * USECS_PER_SEC);
		call->held_behind = false;
		for (i = 0; i < ncalls && !take_over; i++)
			if (calls[i] != call && !calls[i]->done && calls[i]->coalescing)
				call->held_behind = true;
		if (!call->held_behind)
			claim = snowfdw_inflight_claim(inflight_ident(&key),
										   timeout + conn->options->connect_timeout,
										   take_over);
		call->coalescing = claim == SNOWFDW_CLAIM_BUSY;
		if (call->held_behind || call->coalescing)
		{
			call->not_before = now + COALESCE_RECHECK_MS * 1000;
			return true;
		}
		if (claim == SNOWFDW_CLAIM_MINE)
			call->inflight = inflight_ident(&key);
	}
	return false;
}

/*
 * snowfdw_cache_store_call
 *		After a call got its 2xx answer: keep it if it is cacheable
 */
void
snowfdw_cache_store_call(SnowfdwConnection *conn, SnowfdwCall *call)
{
	if (!cacheable(conn, call) || call->response == NULL)
		return;
	snowfdw_cache_store(conn, call->path, call->status, call->response,
						call->response_len, call->link, conn->cache_ttl);
}

/*
 * drop_entries
 *		Drop the response cache's entries of a server (InvalidOid: all);
 *		counts them into *dropped
 */
static void
drop_entries(Oid serverid, int64 *dropped)
{
	dshash_seq_status status;
	CacheEntry *entry;

	LWLockAcquire(&control->lock, LW_EXCLUSIVE);
	dshash_seq_init(&status, cache_table, true);
	while ((entry = dshash_seq_next(&status)) != NULL)
	{
		dsa_pointer dp = entry->data;

		if (OidIsValid(serverid) && entry->key.serverid != serverid)
			continue;
		dshash_delete_current(&status);
		free_data(dp);
		if (dropped)
			(*dropped)++;
	}
	dshash_seq_term(&status);
	LWLockRelease(&control->lock);
}

/*
 * send_server_invalidation
 *		Make the other backends drop their local entries of a server
 *
 * A catalog invalidation of the server's row reaches every backend (at
 * the end of this transaction); their syscache callback marks the entries.
 * Only needed without shared memory.
 */
static void
send_server_invalidation(Oid serverid)
{
	Relation	rel;
	HeapTuple	tuple;

	rel = table_open(ForeignServerRelationId, AccessShareLock);
	tuple = SearchSysCacheCopy1(FOREIGNSERVEROID, ObjectIdGetDatum(serverid));
	if (HeapTupleIsValid(tuple))
	{
		CacheInvalidateHeapTuple(rel, tuple, NULL);
		heap_freetuple(tuple);
	}
	table_close(rel, AccessShareLock);
}

/*
 * snowfdw_cache_invalidate
 *		A write changed a server's objects: forget what is known of them
 *
 * The statement store is emptied, the response cache loses every entry of
 * the server, of every user mapping (the objects are the same for all); in
 * shared mode that is every backend's view at once.
 */
void
snowfdw_cache_invalidate(Oid serverid)
{
	statement_store_reset();
	attach();
	process_pending_invals();
	drop_entries(serverid, NULL);
	if (!shared_mode)
		send_server_invalidation(serverid);
}

/*
 * snowfdw_write_call
 *		Run a call that may change Snowflake objects, then invalidate
 *
 * The cache is dropped also when the call fails: a write that timed out
 * may have been carried out.
 */
SnowfdwCall *
snowfdw_write_call(SnowfdwConnection *conn, const char *method, char *path,
				   char *body, bool retry_safe, bool missing_ok)
{
	SnowfdwCall *volatile call = NULL;

	conn->cache_ttl = -1;
	if (strcmp(method, "GET") == 0)
		return snowfdw_call(conn, method, path, body, retry_safe, missing_ok);
	PG_TRY();
	{
		call = snowfdw_call(conn, method, path, body, retry_safe, missing_ok);
	}
	PG_FINALLY();
	{
		snowfdw_cache_invalidate(conn->serverid);
	}
	PG_END_TRY();
	return call;
}

/*
 * snowfdw_cache_clear
 *		SQL function: drop the cached responses of one server, or of all
 *
 * Returns the number of entries dropped from the response cache.
 */
Datum
snowfdw_cache_clear(PG_FUNCTION_ARGS)
{
	Oid			serverid = InvalidOid;
	int64		dropped = 0;

	if (!PG_ARGISNULL(0))
		serverid = GetForeignServerByName(NameStr(*PG_GETARG_NAME(0)),
										  false)->serverid;
	statement_store_reset();
	attach();
	process_pending_invals();
	drop_entries(serverid, &dropped);
	PG_RETURN_INT64(dropped);
}

/*
 * snowfdw_cache_info
 *		SQL function: whether the cache is shared, its entries and bytes
 */
Datum
snowfdw_cache_info(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	attach();
	process_pending_invals();
	LWLockAcquire(&control->lock, LW_SHARED);
	values[0] = BoolGetDatum(shared_mode);
	values[1] = Int64GetDatum(control->entries);
	values[2] = Int64GetDatum((int64) control->total_bytes);
	LWLockRelease(&control->lock);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
