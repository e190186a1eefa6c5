/*-------------------------------------------------------------------------
 *
 * stats.c
 *		  Request statistics of snowfdw, per server and user mapping
 *
 * Counters live in a dshash table that shmem.c keeps in its DSA area,
 * shared by all backends, when snowfdw is preloaded; otherwise in a
 * backend-local dynahash table.  This file is a leaf under the call layer:
 * rest.c counts every transfer when it ends, every retry it schedules,
 * the cache's hits and misses, and every batch of calls that ends in an
 * error; listing.c the bytes of a streamed body.
 *
 * Locking: an update holds one partition lock of the shared table for a
 * few additions, and nothing else.  A row's first counting inserts it with
 * no lock of snowfdw's held (the NO_OOM insert where the server has one;
 * memory that runs out leaves that count out).  An error handler takes no
 * lock: snowfdw_stats_count_error only notes the error in backend memory,
 * and the note is counted when the transaction ends (after every lock was
 * released), or at the next update or read of the view.
 *
 * Statistics are private: a role sees the rows of the current database whose
 * user mapping is its own or whose server it owns; members of
 * pg_read_all_stats see every role's rows, as with pg_stat_statements.  A
 * PUBLIC mapping's rows count every role that used it, so only the server's
 * owner sees them.  Rows of other databases are never shown: their server
 * and mapping OIDs mean nothing here.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/stats.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_user_mapping.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "lib/dshash.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "shmem/fault.h"
#include "shmem/pacer.h"
#include "shmem/shmem.h"
#include "shmem/stats.h"

/* the columns of snowfdw_stats_raw in 1.3; 1.0 to 1.2 have the first 13 */
#define STATS_COLUMNS 16

/* Name of the shared table in shmem.c */
#define STATS_SHMEM_NAME "snowfdw stats"

/* Errors noted by error handlers, not yet counted (no allocation there) */
#define PENDING_ERROR_SLOTS 16

typedef struct PendingErrors
{
	Oid			serverid;
	Oid			umid;
	int64		errors;
} PendingErrors;

static PendingErrors pending[PENDING_ERROR_SLOTS];
static int	npending = 0;
static bool xact_callback_registered = false;

/* local mode: this backend's counters */
static HTAB *local_table = NULL;

static const dshash_parameters stats_params = {
	.key_size = sizeof(SnowfdwStatsKey),
	.entry_size = sizeof(SnowfdwStatsEntry),
	.compare_function = dshash_memcmp,
	.hash_function = dshash_memhash,
	SNOWFDW_DSHASH_COPY_MEMCPY
};

PG_FUNCTION_INFO_V1(snowfdw_stats_raw);
PG_FUNCTION_INFO_V1(snowfdw_stats_reset);

static void flush_pending(bool may_insert);

/*
 * snowfdw_stats_init
 *		Module load: register the shared table with shmem.c
 */
void
snowfdw_stats_init(void)
{
	snowfdw_shmem_register_table(STATS_SHMEM_NAME, &stats_params);
}

/*
 * stats_xact_callback
 *		Count the noted errors when a transaction ends
 *
 * At abort every LWLock was released already; rows are only looked up
 * then, never inserted, so nothing there needs memory (a note for a row
 * not made yet waits for the next counting).
 */
static void
stats_xact_callback(XactEvent event, void *arg)
{
	if (npending == 0)
		return;
	if (event == XACT_EVENT_PRE_COMMIT)
		flush_pending(true);
	else if (event == XACT_EVENT_ABORT)
		flush_pending(false);
}

/*
 * stats_table
 *		The shared table, attached on first use, or NULL in local mode
 *		(the local table is made then)
 */
static dshash_table *
stats_table(void)
{
	if (!xact_callback_registered)
	{
		RegisterXactCallback(stats_xact_callback, NULL);
		xact_callback_registered = true;
	}
	if (snowfdw_shmem_is_shared())
		return snowfdw_shmem_table(STATS_SHMEM_NAME);
	if (local_table == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(SnowfdwStatsKey);
		ctl.entrysize = sizeof(SnowfdwStatsEntry);
		ctl.hcxt = TopMemoryContext;
		local_table = hash_create("snowfdw statistics", 16, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	return NULL;
}

/*
 * add_counts
 *		Add a set of counts to the row of a server and mapping; false if
 *		the row is missing and may not be made
 *
 * Shared: a row that exists is updated under its partition lock; a new one
 * is inserted with no lock of ours held, and memory that runs out leaves
 * the counts out.  Local: dynahash raises the error itself.
 */
static bool
add_counts(Oid serverid, Oid umid, const SnowfdwStatsEntry *delta,
		   bool may_insert)
{
	dshash_table *table;
	SnowfdwStatsKey key;
	SnowfdwStatsEntry *entry;
	bool		found = true;

	/* at abort: nothing is attached or made */
	if (may_insert)
		table = stats_table();
	else if (snowfdw_shmem_is_shared())
	{
		table = snowfdw_shmem_attached_table(STATS_SHMEM_NAME);
		if (table == NULL)
			return false;
	}
	else if (local_table == NULL)
		return false;
	else
		table = NULL;

	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.serverid = serverid;
	key.umid = umid;
	if (table != NULL)
	{
		entry = dshash_find(table, &key, true);
		if (entry == NULL && !may_insert)
			return false;
		if (entry == NULL)
		{
			entry = snowfdw_fault("stats_insert") ? NULL :
				snowfdw_dshash_insert(table, &key, &found);
			if (entry == NULL)
				return true;	/* out of memory: left out */
		}
	}
	else
	{
		entry = hash_search(local_table, &key, HASH_FIND, NULL);
		if (entry == NULL && !may_insert)
			return false;
		if (entry == NULL)
		{
			if (snowfdw_fault("stats_insert"))
				snowfdw_fault_error("stats_insert");
			entry = hash_search(local_table, &key, HASH_ENTER, &found);
		}
	}
	if (!found)
	{
		memset(entry, 0, sizeof(SnowfdwStatsEntry));
		entry->key = key;
	}
	entry->requests += delta->requests;
	entry->status_2xx += delta->status_2xx;
	entry->status_4xx += delta->status_4xx;
	entry->status_5xx += delta->status_5xx;
	entry->status_429 += delta->status_429;
	entry->retries += delta->retries;
	entry->bytes_received += delta->bytes_received;
	entry->cache_hits += delta->cache_hits;
	entry->cache_misses += delta->cache_misses;
	entry->errors += delta->errors;
	entry->total_time_ms += delta->total_time_ms;
	entry->paced_requests += delta->paced_requests;
	entry->paced_wait_ms += delta->paced_wait_ms;
	if (table != NULL)
		dshash_release_lock(table, entry);
	return true;
}

/*
 * flush_pending
 *		Count the errors error handlers noted; without may_insert, notes
 *		of rows not made yet stay
 *
 * Each note is taken off before it is counted, so an error while counting
 * cannot count it twice.
 */
static void
flush_pending(bool may_insert)
{
	PendingErrors notes[PENDING_ERROR_SLOTS];
	int			nnotes = npending;
	int			i;

	memcpy(notes, pending, sizeof(PendingErrors) * nnotes);
	npending = 0;
	for (i = 0; i < nnotes; i++)
	{
		SnowfdwStatsEntry delta;

		memset(&delta, 0, sizeof(delta));
		delta.errors = notes[i].errors;
		if (!add_counts(notes[i].serverid, notes[i].umid, &delta, may_insert))
			pending[npending++] = notes[i];
	}
}

/*
 * count
 *		Add a session's counts, and the errors noted before them
 */
static void
count(Oid serverid, Oid umid, const SnowfdwStatsEntry *delta)
{
	if (npending > 0)
		flush_pending(true);
	(void) add_counts(serverid, umid, delta, true);
}

/*
 * snowfdw_stats_count_request
 *		Count one ended transfer: status (0 if no HTTP answer), bytes, time
 */
void
snowfdw_stats_count_request(Oid serverid, Oid umid, long status,
							size_t bytes, double elapsed_ms)
{
	SnowfdwStatsEntry delta;

	memset(&delta, 0, sizeof(delta));
	delta.requests = 1;
	if (status >= 200 && status < 300)
		delta.status_2xx = 1;
	else if (status >= 400 && status < 500)
		delta.status_4xx = 1;
	else if (status >= 500 && status < 600)
		delta.status_5xx = 1;
	if (status == 429)
		delta.status_429 = 1;
	delta.bytes_received = bytes;
	delta.total_time_ms = elapsed_ms;
	count(serverid, umid, &delta);
}

/*
 * snowfdw_stats_count_bytes
 *		Count the bytes of a streamed body, known only once it was read
 */
void
snowfdw_stats_count_bytes(Oid serverid, Oid umid, size_t bytes)
{
	SnowfdwStatsEntry delta;

	memset(&delta, 0, sizeof(delta));
	delta.bytes_received = bytes;
	count(serverid, umid, &delta);
}

/*
 * snowfdw_stats_count_retry
 *		Count one scheduled retry
 */
void
snowfdw_stats_count_retry(Oid serverid, Oid umid)
{
	SnowfdwStatsEntry delta;

	memset(&delta, 0, sizeof(delta));
	delta.retries = 1;
	count(serverid, umid, &delta);
}

/*
 * snowfdw_stats_count_paced
 *		Count a request about to be sent: whether it took a pacer slot, and
 *		how long it waited for the pacer or a hold-off
 */
void
snowfdw_stats_count_paced(Oid serverid, Oid umid, bool paced,
						  double waited_ms)
{
	SnowfdwStatsEntry delta;

	if (!paced && waited_ms <= 0)
		return;
	memset(&delta, 0, sizeof(delta));
	delta.paced_requests = paced ? 1 : 0;
	delta.paced_wait_ms = waited_ms;
	count(serverid, umid, &delta);
}

/*
 * snowfdw_stats_count_error
 *		Note calls that ended in an error (a cancel included)
 *
 * Called from error handlers: no lock, no allocation, nothing that can
 * fail.  The note is counted later (flush_pending).  With every slot taken
 * by other sessions, the error goes uncounted.
 */
void
snowfdw_stats_count_error(Oid serverid, Oid umid)
{
	int			i;

	for (i = 0; i < npending; i++)
	{
		if (pending[i].serverid == serverid &&
			pending[i].umid == umid)
		{
			pending[i].errors++;
			return;
		}
	}
	if (npending < PENDING_ERROR_SLOTS)
	{
		pending[npending].serverid = serverid;
		pending[npending].umid = umid;
		pending[npending].errors = 1;
		npending++;
	}
}

/*
 * snowfdw_stats_count_cache
 *		Count a request answered from a cache, or looked up in vain
 */
void
snowfdw_stats_count_cache(Oid serverid, Oid umid, bool hit)
{
	SnowfdwStatsEntry delta;

	memset(&delta, 0, sizeof(delta));
	if (hit)
		delta.cache_hits = 1;
	else
		delta.cache_misses = 1;
	count(serverid, umid, &delta);
}

/*
 * copy_rows
 *		Copy the rows of the current database out of the table
 *
 * Shared: under the partition locks of a scan, so the array grows with
 * NO_OOM allocations, and running out of memory is reported after the
 * scan ended.
 */
static SnowfdwStatsEntry *
copy_rows(dshash_table *table, int *nrows)
{
	SnowfdwStatsEntry *rows = NULL;
	SnowfdwStatsEntry *entry;
	int			maxrows = 0;
	bool		no_memory = false;

	*nrows = 0;
	if (table == NULL)
	{
		HASH_SEQ_STATUS status;

		hash_seq_init(&status, local_table);
		while ((entry = hash_seq_search(&status)) != NULL)
		{
			if (entry->key.dbid != MyDatabaseId)
				continue;
			if (snowfdw_fault("stats_rows"))
			{
				hash_seq_term(&status);
				snowfdw_fault_error("stats_rows");
			}
			if (*nrows == maxrows)
			{
				maxrows = maxrows == 0 ? 16 : maxrows * 2;
				rows = rows == NULL ?
					palloc(maxrows * sizeof(SnowfdwStatsEntry)) :
					repalloc(rows, maxrows * sizeof(SnowfdwStatsEntry));
			}
			rows[(*nrows)++] = *entry;
		}
		return rows;
	}
	else
	{
		dshash_seq_status status;

		dshash_seq_init(&status, table, false);
		while ((entry = dshash_seq_next(&status)) != NULL)
		{
			if (entry->key.dbid != MyDatabaseId)
				continue;
			if (*nrows == maxrows)
			{
				SnowfdwStatsEntry *grown;

				maxrows = maxrows == 0 ? 16 : maxrows * 2;
				grown = snowfdw_fault("stats_rows") ? NULL :
					palloc_extended(maxrows * sizeof(SnowfdwStatsEntry),
									MCXT_ALLOC_NO_OOM);
				if (grown == NULL)
				{
					no_memory = true;
					break;
				}
				if (rows != NULL)
				{
					memcpy(grown, rows, *nrows * sizeof(SnowfdwStatsEntry));
					pfree(rows);
				}
				rows = grown;
			}
			rows[(*nrows)++] = *entry;
		}
		dshash_seq_term(&status);
	}
	if (no_memory)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory"),
				 errdetail("Failed to copy the rows of snowfdw_stats.")));
	return rows;
}

/*
 * stats_row_visible
 *		Whether the current role may see a row of the current database: its
 *		user mapping is the role's (or one whose privileges the role has), or
 *		the role owns the server.  A dropped mapping's row is nobody's.
 */
static bool
stats_row_visible(const SnowfdwStatsKey *key)
{
	Oid			userid = GetUserId();
	HeapTuple	tuple;
	Oid			umuser;
	ForeignServer *server;

	tuple = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(key->umid));
	if (!HeapTupleIsValid(tuple))
		return false;
	umuser = ((Form_pg_user_mapping) GETSTRUCT(tuple))->umuser;
	ReleaseSysCache(tuple);

	if (OidIsValid(umuser) && has_privs_of_role(userid, umuser))
		return true;
	server = GetForeignServerExtended(key->serverid, FSV_MISSING_OK);
	return server != NULL && has_privs_of_role(userid, server->owner);
}

/*
 * snowfdw_stats_raw
 *		SQL function behind the snowfdw_stats view: one row per counter set
 *		the current role may see
 *
 * The rows are copied out first: the catalog lookups that decide what a role
 * sees, and the tuplestore, must not run under the table's partition locks.
 */
Datum
snowfdw_stats_raw(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		read_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	SnowfdwStatsEntry *rows;
	int			nrows;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	flush_pending(true);
	rows = copy_rows(stats_table(), &nrows);

	for (n = 0; n < nrows; n++)
	{
		SnowfdwStatsEntry *row = &rows[n];
		Datum		values[STATS_COLUMNS];
		bool		nulls[STATS_COLUMNS];
		double		learned;
		int			i = 0;

		CHECK_FOR_INTERRUPTS();
		if (!read_all && !stats_row_visible(&row->key))
			continue;
		memset(nulls, 0, sizeof(nulls));
		values[i++] = ObjectIdGetDatum(row->key.serverid);
		values[i++] = ObjectIdGetDatum(row->key.umid);
		values[i++] = Int64GetDatum(row->requests);
		values[i++] = Int64GetDatum(row->status_2xx);
		values[i++] = Int64GetDatum(row->status_4xx);
		values[i++] = Int64GetDatum(row->status_5xx);
		values[i++] = Int64GetDatum(row->status_429);
		values[i++] = Int64GetDatum(row->retries);
		values[i++] = Int64GetDatum(row->bytes_received);
		values[i++] = Int64GetDatum(row->cache_hits);
		values[i++] = Int64GetDatum(row->cache_misses);
		values[i++] = Int64GetDatum(row->errors);
		values[i++] = Float8GetDatum(row->total_time_ms);
		values[i++] = Int64GetDatum(row->paced_requests);
		values[i++] = Float8GetDatum(row->paced_wait_ms / 1000.0);
		learned = snowfdw_pacer_learned_rate(row->key.dbid, row->key.serverid,
											 row->key.umid);
		nulls[i] = learned < 0;
		values[i++] = Float8GetDatum(Max(learned, 0));
		/* a database still at 1.2 objects declares the first 13 columns */
		Assert(rsinfo->setDesc->natts <= STATS_COLUMNS);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	return (Datum) 0;
}

/*
 * snowfdw_stats_reset
 *		SQL function: forget every counter
 */
Datum
snowfdw_stats_reset(PG_FUNCTION_ARGS)
{
	dshash_table *table = stats_table();

	npending = 0;
	if (table == NULL)
	{
		hash_destroy(local_table);
		local_table = NULL;
		PG_RETURN_VOID();
	}
	{
		dshash_seq_status status;

		dshash_seq_init(&status, table, true);
		while (dshash_seq_next(&status) != NULL)
			dshash_delete_current(&status);
		dshash_seq_term(&status);
	}
	PG_RETURN_VOID();
}
