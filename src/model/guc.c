/*-------------------------------------------------------------------------
 *
 * guc.c
 *		  The snowfdw.* settings, each with its variable
 *
 * Every GUC of snowfdw is defined here and its variable lives here, so
 * that the layers that read a setting (the options' defaults, the cache's
 * size, the planner's switches) depend on this file and not on each
 * other.  Per-server settings are options (options.c), not GUCs.  Two
 * settings are read-only counters whose show hooks count at the moment
 * they are shown: snowfdw.open_transfers (http.c) and
 * snowfdw.write_invalidations (counted by the cache, cache.c).
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/guc.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "model/guc.h"
#include "model/options.h"
#include "transport/http.h"

/* GUC variables */
bool		snowfdw_enable_pushdown = true;
bool		snowfdw_enable_scope_join = true;
int			snowfdw_max_concurrency = 8;
int			snowfdw_max_retries = 4;
double		snowfdw_retry_max_time = 30.0;
double		snowfdw_poll_timeout = 300.0;
char	   *snowfdw_create_mode = NULL;
bool		snowfdw_pipeline_writes = true;
bool		snowfdw_defer_writes = false;
bool		snowfdw_pace_requests = true;
int			snowfdw_cache_ttl = 0;
int			snowfdw_cache_stale_ttl = 0;
int			snowfdw_cache_size_kb = 64 * 1024;
int			snowfdw_log_min_duration = -1;

/* Flushes of this backend's writes that dropped cached answers (cache.c) */
int64		snowfdw_write_invalidations = 0;

/* back snowfdw.open_transfers and write_invalidations (show hooks count) */
static int	open_transfers_shown = 0;
static int	write_invalidations_shown = 0;

static bool check_create_mode(char **newval, void **extra, GucSource source);

/*
 * show_open_transfers
 *		Show hook of snowfdw.open_transfers: the count at this moment
 */
static const char *
show_open_transfers(void)
{
	static char buf[16];

	snprintf(buf, sizeof(buf), "%d", snowfdw_http_open_transfers());
	return buf;
}

/*
 * show_write_invalidations
 *		Show hook of snowfdw.write_invalidations: the count at this moment
 */
static const char *
show_write_invalidations(void)
{
	static char buf[24];

	snprintf(buf, sizeof(buf), INT64_FORMAT, snowfdw_write_invalidations);
	return buf;
}

/*
 * snowfdw_define_gucs
 *		Define the snowfdw.* settings
 */
void
snowfdw_define_gucs(void)
{
	DefineCustomBoolVariable("snowfdw.enable_pushdown",
							 "Sends WHERE and LIMIT conditions to Snowflake as request parameters.",
							 "When off, every scan lists everything and PostgreSQL filters locally.",
							 &snowfdw_enable_pushdown, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("snowfdw.enable_scope_join",
							 "Lets a join that names objects list each outer scope once.",
							 "When off, such a join fetches the objects one by one or lists the whole scope.",
							 &snowfdw_enable_scope_join, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("snowfdw.max_concurrency",
							"Maximum concurrent requests of one scan.",
							"A server's max_concurrency option can lower it further.",
							&snowfdw_max_concurrency, 8, 1, SNOWFDW_HTTP_MAX_SLOTS,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("snowfdw.max_retries",
							"Retries of a request after 429, 503, 504 or a transport error.",
							"A server's max_retries option takes precedence.",
							&snowfdw_max_retries, 4, 0, 100,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("snowfdw.retry_max_time",
							 "Seconds all retries of one request may take.",
							 "A server's retry_max_time option takes precedence.",
							 &snowfdw_retry_max_time, 30.0, 0.0, 3600.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomRealVariable("snowfdw.poll_timeout",
							 "Seconds to wait for a request Snowflake answered with 202.",
							 "A server's poll_timeout option takes precedence.",
							 &snowfdw_poll_timeout, 300.0, 0.001, 86400.0,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomStringVariable("snowfdw.create_mode",
							   "createMode of INSERT: errorIfExists, ifNotExists or orReplace.",
							   "A table's create_mode option takes precedence; ON CONFLICT DO NOTHING means ifNotExists.",
							   &snowfdw_create_mode, snowfdw_create_mode_default(),
							   PGC_USERSET, 0, check_create_mode, NULL, NULL);
	DefineCustomBoolVariable("snowfdw.pipeline_writes",
							 "Keeps up to max_concurrency write requests of one statement in flight.",
							 "When off, INSERT, UPDATE and DELETE send one request at a time; the pipeline_writes option of a server or foreign table takes precedence.",
							 &snowfdw_pipeline_writes, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("snowfdw.defer_writes",
							 "Holds the changes of INSERT, UPDATE and DELETE until COMMIT, which sends them; ROLLBACK sends nothing.",
							 "The defer_writes option of a server or foreign table takes precedence.",
							 &snowfdw_defer_writes, false,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomBoolVariable("snowfdw.pace_requests",
							 "Paces requests under the rate learned from Snowflake's 429s and max_requests_per_second.",
							 "When off, requests are sent at once and 429s are only retried.",
							 &snowfdw_pace_requests, true,
							 PGC_SUSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("snowfdw.cache_ttl",
							"Seconds a cached Snowflake response may be served to later statements.",
							"0 turns the response cache off; the cache_ttl option of a server or foreign table takes precedence.",
							&snowfdw_cache_ttl, 0, 0, 86400 * 365,
							PGC_USERSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("snowfdw.cache_stale_ttl",
							"Seconds past cache_ttl a cached Snowflake response may still answer while it is refreshed in the background.",
							"0 turns the stale window off; it needs snowfdw in shared_preload_libraries. The cache_stale_ttl option of a server or foreign table takes precedence.",
							&snowfdw_cache_stale_ttl, 0, 0, 86400 * 365,
							PGC_USERSET, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("snowfdw.cache_size",
							"Memory the response cache may use.",
							"Least recently used responses are evicted first. Shared by all backends when snowfdw is in shared_preload_libraries, per backend otherwise.",
							&snowfdw_cache_size_kb, 64 * 1024, 0, INT_MAX / 1024,
							PGC_SIGHUP, GUC_UNIT_KB, NULL, NULL, NULL);
	DefineCustomIntVariable("snowfdw.log_min_duration",
							"Logs each Snowflake request that took at least this long.",
							"-1 turns it off, 0 logs every request. The line gives the method, path, status, attempts, bytes received, duration and Snowflake's request ID.",
							&snowfdw_log_min_duration, -1, -1, INT_MAX,
							PGC_SUSET, GUC_UNIT_MS, NULL, NULL, NULL);
	/* read-only: the show hook counts, so tests can see leaks */
	DefineCustomIntVariable("snowfdw.open_transfers",
							"Transfers this backend has started and not yet released.",
							"Each holds a connection and a receive buffer; 0 between statements unless a cursor is open.",
							&open_transfers_shown, 0, 0, INT_MAX,
							PGC_INTERNAL,
							GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							NULL, NULL, show_open_transfers);
	DefineCustomIntVariable("snowfdw.write_invalidations",
							"Times this backend's writes dropped the cached answers of the servers they changed.",
							"Once per writing statement or function call that may have changed something.",
							&write_invalidations_shown, 0, 0, INT_MAX,
							PGC_INTERNAL,
							GUC_NOT_IN_SAMPLE | GUC_DISALLOW_IN_FILE,
							NULL, NULL, show_write_invalidations);
	MarkGUCPrefixReserved("snowfdw");
}

/*
 * check_create_mode
 *		GUC check hook of snowfdw.create_mode
 */
static bool
check_create_mode(char **newval, void **extra, GucSource source)
{
	return snowfdw_create_mode_is_valid(*newval);
}

