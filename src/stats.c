/*-------------------------------------------------------------------------
 *
 * stats.c
 *		  Request statistics of snowfdw, per server and user mapping
 *
 * Counters live in a dshash table of the cache's DSA area (cache.c): shared
 * by all backends when snowfdw is preloaded, this backend's otherwise.
 * rest.c counts every transfer when it ends, every retry it schedules and
 * every batch of calls that ends in an error; cache.c counts hits and
 * misses.  An update holds one partition lock of the table for a few
 * additions.
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
 *		  src/stats.c
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
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "snowfdw.h"

#define STATS_COLUMNS 13

PG_FUNCTION_INFO_V1(snowfdw_stats_raw);
PG_FUNCTION_INFO_V1(snowfdw_stats_reset);

/* an update is under way: an error inside it must not count itself */
static bool updating = false;

/*
 * stats_entry
 *		The locked counters of a session's server and mapping, or NULL
 *
 * Without may_attach, NULL also when this backend has not attached yet.
 */
static SnowfdwStatsEntry *
stats_entry(SnowfdwConnection *conn, dshash_table **table, bool may_attach)
{
	SnowfdwStatsKey key;
	SnowfdwStatsEntry *entry;
	bool		found;

	if (updating)
		return NULL;
	*table = snowfdw_stats_table(may_attach);
	if (*table == NULL)
		return NULL;
	memset(&key, 0, sizeof(key));
	key.dbid = MyDatabaseId;
	key.serverid = conn->serverid;
	key.umid = conn->umid;
	updating = true;
	entry = dshash_find_or_insert(*table, &key, &found);
	updating = false;
	if (!found)
	{
		memset(entry, 0, sizeof(SnowfdwStatsEntry));
		entry->key = key;
	}
	return entry;
}

/*
 * snowfdw_stats_count_request
 *		Count one ended transfer: status (0 if no HTTP answer), bytes, time
 */
void
snowfdw_stats_count_request(SnowfdwConnection *conn, long status,
							size_t bytes, double elapsed_ms)
{
	dshash_table *table;
	SnowfdwStatsEntry *entry = stats_entry(conn, &table, true);

	if (entry == NULL)
		return;
	entry->requests++;
	if (status >= 200 && status < 300)
		entry->status_2xx++;
	else if (status >= 400 && status < 500)
		entry->status_4xx++;
	else if (status >= 500 && status < 600)
		entry->status_5xx++;
	if (status == 429)
		entry->status_429++;
	entry->bytes_received += bytes;
	entry->total_time_ms += elapsed_ms;
	dshash_release_lock(table, entry);
}

/*
 * snowfdw_stats_count_bytes
 *		Count the bytes of a streamed body, known only once it was read
 */
void
snowfdw_stats_count_bytes(SnowfdwConnection *conn, size_t bytes)
{
	dshash_table *table;
	SnowfdwStatsEntry *entry;

	conn->bytes_received += bytes;
	entry = stats_entry(conn, &table, true);
	if (entry == NULL)
		return;
	entry->bytes_received += bytes;
	dshash_release_lock(table, entry);
}

/*
 * snowfdw_stats_count_retry
 *		Count one scheduled retry
 */
void
snowfdw_stats_count_retry(SnowfdwConnection *conn)
{
	dshash_table *table;
	SnowfdwStatsEntry *entry = stats_entry(conn, &table, true);

	if (entry == NULL)
		return;
	entry->retries++;
	dshash_release_lock(table, entry);
}

/*
 * snowfdw_stats_count_error
 *		Count calls that ended in an error (a cancel included)
 *
 * Called while the error is handled: nothing is created then.
 */
void
snowfdw_stats_count_error(SnowfdwConnection *conn)
{
	dshash_table *table;
	SnowfdwStatsEntry *entry = stats_entry(conn, &table, false);

	if (entry == NULL)
		return;
	entry->errors++;
	dshash_release_lock(table, entry);
}

/*
 * snowfdw_stats_count_cache
 *		Count a request answered from a cache, or looked up in vain
 */
void
snowfdw_stats_count_cache(SnowfdwConnection *conn, bool hit)
{
	dshash_table *table;
	SnowfdwStatsEntry *entry = stats_entry(conn, &table, true);

	if (entry == NULL)
		return;
	if (hit)
		entry->cache_hits++;
	else
		entry->cache_misses++;
	dshash_release_lock(table, entry);
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
 * sees must not run under the table's partition locks.
 */
Datum
snowfdw_stats_raw(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		read_all = has_privs_of_role(GetUserId(), ROLE_PG_READ_ALL_STATS);
	dshash_table *table;
	dshash_seq_status status;
	SnowfdwStatsEntry *entry;
	SnowfdwStatsEntry *rows = NULL;
	int			nrows = 0;
	int			maxrows = 0;
	int			n;

	InitMaterializedSRF(fcinfo, 0);
	table = snowfdw_stats_table(true);
	if (table == NULL)
		PG_RETURN_VOID();

	dshash_seq_init(&status, table, false);
	while ((entry = dshash_seq_next(&status)) != NULL)
	{
		if (entry->key.dbid != MyDatabaseId)
			continue;
		if (nrows == maxrows)
		{
			maxrows = maxrows == 0 ? 16 : maxrows * 2;
			rows = rows == NULL ?
				palloc(maxrows * sizeof(SnowfdwStatsEntry)) :
				repalloc(rows, maxrows * sizeof(SnowfdwStatsEntry));
		}
		rows[nrows++] = *entry;
	}
	dshash_seq_term(&status);

	for (n = 0; n < nrows; n++)
	{
		SnowfdwStatsEntry *row = &rows[n];
		Datum		values[STATS_COLUMNS];
		bool		nulls[STATS_COLUMNS];
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
	dshash_table *table = snowfdw_stats_table(true);
	dshash_seq_status status;

	if (table == NULL)
		PG_RETURN_VOID();
	dshash_seq_init(&status, table, true);
	while (dshash_seq_next(&status) != NULL)
		dshash_delete_current(&status);
	dshash_seq_term(&status);
	PG_RETURN_VOID();
}
