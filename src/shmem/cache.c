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
 *	  start time), at transaction end, and by any write through snowfdw
 *	  that may have changed something (write.c).
 *	  It holds at most STATEMENT_STORE_MAX bytes, and no single answer
 *	  larger than STATEMENT_ENTRY_MAX (a full page of a big listing is
 *	  larger), so that big listings still flow through the scan one batch
 *	  at a time.
 *
 *	- The response cache (across statements, on when a call's cache_ttl is
 *	  above 0) is bounded by snowfdw.cache_size with least-recently-used
 *	  eviction.  When snowfdw is in shared_preload_libraries it is shared
 *	  by every backend: a dshash table and data blocks in the DSA area of
 *	  shmem.c, and a fixed struct (the LRU list, the byte count and the
 *	  cache lock) registered there.  Otherwise it is this backend's: a
 *	  dynahash table and a dlist in a memory context of its own, with no
 *	  lock, which the writes of other backends do not reach (entries age
 *	  out after cache_ttl).
 *
 * Writes: write.c notes each server a write call may have changed
 * (snowfdw_cache_note_changed: no lock, no allocation, so that error paths
 * may call it) and flushes once when the write ends.  Servers noted and
 * not flushed are dropped when the (sub)transaction aborts, where every
 * LWLock has been released (never in a PG_CATCH, which may run while this
 * backend holds the cache lock), else before commit, else at the next
 * cache access.
 *
 * A key is the request's signer (the server, the user mapping and the
 * catalog versions its options were read from, see SnowfdwSigner) and a
 * hash of the request text (Snowflake role and path); the text itself is
 * stored and compared, so a hash collision is a miss.  No secret is part
 * of a key or an entry.  The signer is the call's, fixed when the request
 * was built: a token changed while the request was under way makes a new
 * signer, so the old token's answer is never found under the new one, and
 * an answer whose signer is no longer current is kept for its own
 * statement only.
 *
 * This file is the facade of the stores and keeps the statement store
 * itself; the response cache's stores are cacheshared.c (shared mode) and
 * cachelocal.c (backend-local), on the data blocks of cachedata.c, all
 * declared in cachestore.h for this file alone.
 *
 * This file is a leaf under the call layer: it never sends a request,
 * never starts a worker and never counts statistics; the call scheduler
 * (calls/schedule.c) asks it, stores into it, counts its hits and misses,
 * and does the batch dedupe and the coalescing on the key it returns.  A
 * call says whether it may be cached (its cache_ttl: -1 never, 0 the
 * statement store only).
 *
 * Shared mode also coalesces misses and has a stale window (inflight.c,
 * refresh.c): a call that misses claims its request before it is sent, or
 * waits while another process fetches it; an entry past its cache_ttl but
 * within the call's cache_stale_ttl answers, and queues one refresh.
 *
 * Locking (shared mode): the cache lock serializes every change of the
 * LRU list, the byte count and the links from table entries to data
 * blocks; dshash's partition locks are taken under it, never the other
 * way round.  Nothing that can raise an error runs while it is held: the
 * table entry of a new answer is inserted (the NO_OOM insert where the
 * server has one) and its data block allocated and filled before the lock
 * is taken, and an answer is copied out with NO_OOM allocations, the
 * error raised after the release.  A hit is pinned under the lock and
 * copied out after it (a pinned data block is never changed, and freed by
 * its last reader if it was dropped meanwhile), so that lookups and stores
 * do not queue behind the copy of a large answer; pins left by an error
 * are released by the transaction callbacks.  An entry inserted but not yet linked
 * to its data is a placeholder: a miss for everyone, linked or deleted by
 * its inserter, dropped by any clear.  A backend that fails between the
 * insert and the link leaves a harmless placeholder, never a half-filled
 * entry.  What remains under the lock are DSA address look-ups, which
 * fail only if the operating system refuses to map a segment (as for
 * PostgreSQL's own shared statistics).
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/cache.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_user_mapping.h"
#include "common/hashfn.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "lib/dshash.h"
#include "lib/ilist.h"
#include "miscadmin.h"
#include "storage/lwlock.h"
#include "utils/builtins.h"
#include "utils/dsa.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "model/guc.h"
#include "model/options.h"
#include "shmem/cache.h"
#include "shmem/cachestore.h"
#include "shmem/fault.h"
#include "shmem/inflight.h"
#include "shmem/shmem.h"

/* Bounds of the statement store */
#define STATEMENT_STORE_MAX (4 * 1024 * 1024)
#define STATEMENT_ENTRY_MAX (256 * 1024)

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

static HTAB *statement_store = NULL;
static MemoryContext statement_cxt = NULL;
static LocalTransactionId statement_lxid = InvalidLocalTransactionId;
static TimestampTz statement_start = 0;
static Size statement_bytes = 0;

static bool pending_invals = false;	/* a server changed meanwhile */
static bool callbacks_registered = false;

/* Servers this backend's writes changed, whose entries are not dropped */
#define MAX_CHANGED_SERVERS 8
static Oid	changed_servers[MAX_CHANGED_SERVERS];
static int	nchanged = 0;
static bool all_changed = false;	/* more servers than the array holds */

/*
 * Named members only: 17 inserted copy_function before tranche_id, and a
 * positional list compiled there left it NULL (a crash at the first insert).
 * shmem.c sets the tranche.
 */
PG_FUNCTION_INFO_V1(snowfdw_cache_clear);
PG_FUNCTION_INFO_V1(snowfdw_cache_info);

static void register_callbacks(void);
static void process_pending_invals(void);
static void drop_entries(Oid serverid, int64 *dropped);
static void flush_changed(bool may_attach);

/*
 * snowfdw_cache_init
 *		Module load: register the shared struct and table with shmem.c
 */
void
snowfdw_cache_init(void)
{
	snowfdw_cache_shared_register();
}

/*
 * attach
 *		Find the stores of this mode: the shared struct, area and table, or
 *		the local table
 */
static void
attach(void)
{
	register_callbacks();
	if (snowfdw_shmem_is_shared())
		snowfdw_cache_shared_attach();
	else
		snowfdw_cache_local_attach();
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
	/* at abort every LWLock is released: a failed write's servers go now */
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
	{
		if (snowfdw_cache_shared_attached())
			snowfdw_cache_shared_unpin_all();
		flush_changed(false);
	}
	else if (event == XACT_EVENT_PRE_COMMIT)
		flush_changed(true);
	if (snowfdw_xact_ending(event))
		statement_store_reset();
}

/*
 * statement_subxact_callback
 *		A subtransaction aborts: drop the servers its failed writes changed
 */
static void
statement_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
	{
		if (snowfdw_cache_shared_attached())
			snowfdw_cache_shared_unpin_all();
		flush_changed(false);
	}
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
	RegisterSubXactCallback(statement_subxact_callback, NULL);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, server_inval_callback,
								  (Datum) 0);
	callbacks_registered = true;
}

/*
 * process_pending_invals
 *		Drop the local cache's entries after a server invalidation
 *
 * Only the backend-local cache needs this: the shared one is keyed by the
 * server's catalog version.  Server invalidations are rare (ALTER SERVER),
 * and computing a server's hash value may open the catalog: so any of them
 * drops every local entry.  Entries of servers this backend's writes
 * changed go first.
 */
static void
process_pending_invals(void)
{
	flush_changed(true);
	if (!pending_invals)
		return;
	pending_invals = false;
	if (!snowfdw_shmem_is_shared() && snowfdw_cache_local_attached())
		snowfdw_cache_local_drop(InvalidOid, NULL);
}

/*
 * request_text
 *		The request as the stores see it: Snowflake role, then the path
 */
static char *
request_text(const char *role, const char *path)
{
	return psprintf("%s\n%s", role ? role : "",
					path);
}

/*
 * make_key
 *		Key of a request signed by a signer
 */
static void
make_key(const SnowfdwSigner *signer, const char *request, CacheKey *key)
{
	memset(key, 0, sizeof(CacheKey));
	key->signer = *signer;
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
 * drop_entries
 *		Drop the response cache's entries of a server (InvalidOid: all);
 *		counts them into *dropped
 */
static void
drop_entries(Oid serverid, int64 *dropped)
{
	attach();
	if (snowfdw_shmem_is_shared())
		snowfdw_cache_shared_drop(serverid, dropped);
	else
		snowfdw_cache_local_drop(serverid, dropped);
}

/*
 * inflight_ident
 *		The identity of a request among the requests under way (inflight.c)
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
queue_refresh(const CacheKey *key, const char *request, int ttl,
			  int stale_ttl, double timeout_s)
{
	SnowfdwRefreshJob job;
	HeapTuple	tuple;

	if (strlen(request) >= SNOWFDW_REFRESH_REQUEST_MAX)
		return;
	memset(&job, 0, sizeof(job));
	job.ident = inflight_ident(key);
	job.dboid = MyDatabaseId;
	job.userid = GetUserId();
	/* the mapping's own user; the viewer's for a PUBLIC mapping */
	tuple = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(key->signer.umid));
	if (HeapTupleIsValid(tuple))
	{
		Oid			umuser = ((Form_pg_user_mapping) GETSTRUCT(tuple))->umuser;

		if (OidIsValid(umuser))
			job.userid = umuser;
		ReleaseSysCache(tuple);
	}
	job.signer = key->signer;
	job.ttl = ttl;
	job.stale_ttl = stale_ttl;
	strlcpy(job.request, request, sizeof(job.request));
	snowfdw_refresh_request(&job, timeout_s);
}

/*
 * snowfdw_cache_lookup
 *		Answer of a GET signed by signer (as role) from the statement store
 *		or the response cache; *ident gets the request's key among the
 *		requests under way (inflight.c)
 *
 * ttl 0 asks only the statement store.  The strings are palloc'd in the
 * current memory context.  A response-cache hit is also kept in the
 * statement store, so that the statement goes on seeing it after expiry.
 * A stale answer (shared mode, within stale_ttl past ttl) queues a
 * refresh, which may take refresh_timeout seconds.
 */
bool
snowfdw_cache_lookup(const SnowfdwSigner *signer, const char *role,
					 const char *path, int ttl, int stale_ttl,
					 double refresh_timeout, long *status, char **body,
					 size_t *len, char **link, uint64 *ident)
{
	char	   *request = request_text(role, path);
	StatementEntry *entry;
	CacheFound	found;
	CacheKey	key;

	make_key(signer, request, &key);
	*ident = inflight_ident(&key);
	entry = statement_lookup(&key, request);
	if (entry != NULL)
	{
		*status = entry->status;
		*body = pnstrdup(entry->body, entry->body_len);
		*len = entry->body_len;
		*link = entry->link ? pstrdup(entry->link) : NULL;
		return true;
	}
	if (ttl <= 0)
		return false;
	attach();
	process_pending_invals();
	if (snowfdw_shmem_is_shared())
		found = snowfdw_cache_shared_lookup(&key, request, ttl, Max(stale_ttl, 0), status,
							  body, len, link);
	else
		found = snowfdw_cache_local_lookup(&key, request, ttl, status, body, len, link);
	if (found == CACHE_NO_MEMORY)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed to copy a cached Snowflake response.")));
	if (found == CACHE_MISS)
		return false;
	statement_store_put(&key, request, *status, *body, *len, *link);
	if (found == CACHE_STALE)
		queue_refresh(&key, request, ttl, stale_ttl, refresh_timeout);
	return true;
}

/*
 * snowfdw_cache_store
 *		Keep the 2xx answer of a GET signed by signer (as role) for the
 *		statement, and for ttl seconds
 *
 * The signer is the one the request was sent with.  If its server or user
 * mapping changed while the request was under way, the answer is right for
 * the statement that asked, under the key of the old versions, but it is
 * not kept for other statements: nobody signs with those versions again.
 */
void
snowfdw_cache_store(const SnowfdwSigner *signer, const char *role,
					const char *path, long status, const char *body,
					size_t len, const char *link, int ttl)
{
	char	   *request = request_text(role, path);
	Size		limit = (Size) snowfdw_cache_size_kb * 1024;
	Size		size = snowfdw_cache_answer_size(request, len, link);
	CacheKey	key;

	make_key(signer, request, &key);
	statement_store_put(&key, request, status, body, len, link);
	/* an answer larger than the whole cache is not kept */
	if (ttl <= 0 || size > limit)
		return;
	attach();
	process_pending_invals();
	if (!snowfdw_signer_is_current(signer))
	{
		/* waiters of the old versions ask again, and miss */
		snowfdw_inflight_release(inflight_ident(&key));
		return;
	}
	if (snowfdw_shmem_is_shared())
	{
		snowfdw_cache_shared_store(&key, request, status, body, len, link, size, limit);
		/* waiters for this answer find it now */
		snowfdw_inflight_release(inflight_ident(&key));
	}
	else
		snowfdw_cache_local_store(&key, request, status, body, len, link, size, limit);
}

/*
 * snowfdw_cache_prepare_changes
 *		Before a write: what dropping its entries after an error needs
 *
 * The callbacks are registered and, in shared mode, this backend attaches
 * to the shared cache: both can fail, which an abort callback must not.
 */
void
snowfdw_cache_prepare_changes(void)
{
	register_callbacks();
	if (snowfdw_shmem_is_shared())
		attach();
}

/*
 * snowfdw_cache_note_changed
 *		A write may have changed a server's objects
 *
 * The statement store goes at once, so that the rest of the statement
 * reads the change; the response cache's entries go at the next
 * flush_changed.  No lock and no allocation: error paths call this.
 */
void
snowfdw_cache_note_changed(Oid serverid)
{
	int			i;

	statement_store_reset();
	if (all_changed)
		return;
	for (i = 0; i < nchanged; i++)
		if (changed_servers[i] == serverid)
			return;
	if (nchanged < MAX_CHANGED_SERVERS)
		changed_servers[nchanged++] = serverid;
	else
		all_changed = true;
}

/*
 * snowfdw_cache_flush_changed
 *		A write ended: drop the entries of the servers it changed, once
 */
void
snowfdw_cache_flush_changed(void)
{
	flush_changed(true);
}

/*
 * flush_changed
 *		Drop the entries of the changed servers
 *
 * With may_attach false (abort callbacks), only a backend attached to the
 * shared cache drops them; the others keep them noted for the next
 * access.  A backend without a local cache has nothing to drop.
 */
static void
flush_changed(bool may_attach)
{
	int			i;

	if (nchanged == 0 && !all_changed)
		return;
	if (snowfdw_shmem_is_shared())
	{
		if (!snowfdw_cache_shared_attached() && !may_attach)
			return;
	}
	else if (!snowfdw_cache_local_attached())
	{
		nchanged = 0;
		all_changed = false;
		return;
	}
	if (all_changed)
		drop_entries(InvalidOid, NULL);
	else
		for (i = 0; i < nchanged; i++)
			drop_entries(changed_servers[i], NULL);
	nchanged = 0;
	all_changed = false;
	snowfdw_write_invalidations++;
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
	int64		entries;
	Size		bytes;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	attach();
	process_pending_invals();
	if (snowfdw_shmem_is_shared())
		snowfdw_cache_shared_counts(&entries, &bytes);
	else
		snowfdw_cache_local_counts(&entries, &bytes);
	values[0] = BoolGetDatum(snowfdw_shmem_is_shared());
	values[1] = Int64GetDatum(entries);
	values[2] = Int64GetDatum((int64) bytes);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}
