/*-------------------------------------------------------------------------
 *
 * stats.h
 *		  Request statistics per server and user mapping
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/stats.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_STATS_H
#define SNOWFDW_STATS_H


/* in stats.c */
typedef struct SnowfdwStatsKey
{
	Oid			dbid;			/* the database of the server and mapping */
	Oid			serverid;
	Oid			umid;
} SnowfdwStatsKey;

typedef struct SnowfdwStatsEntry
{
	SnowfdwStatsKey key;
	int64		requests;		/* transfers ended, answered or not */
	int64		status_2xx;
	int64		status_4xx;
	int64		status_5xx;
	int64		status_429;
	int64		retries;
	int64		bytes_received;
	int64		cache_hits;
	int64		cache_misses;
	int64		errors;
	double		total_time_ms;
	int64		paced_requests; /* sent at a slot of the pacer */
	double		paced_wait_ms;	/* waited for pacer slots and hold-offs */
} SnowfdwStatsEntry;

extern void snowfdw_stats_init(void);
extern void snowfdw_stats_count_request(Oid serverid, Oid umid, long status,
										size_t bytes, double elapsed_ms);
extern void snowfdw_stats_count_bytes(Oid serverid, Oid umid, size_t bytes);
extern void snowfdw_stats_count_retry(Oid serverid, Oid umid);
extern void snowfdw_stats_count_error(Oid serverid, Oid umid);
extern void snowfdw_stats_count_cache(Oid serverid, Oid umid, bool hit);
extern void snowfdw_stats_count_paced(Oid serverid, Oid umid, bool paced,
									  double waited_ms);

#endif							/* SNOWFDW_STATS_H */
