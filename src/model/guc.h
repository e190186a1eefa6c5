/*-------------------------------------------------------------------------
 *
 * guc.h
 *		  The snowfdw.* settings and their variables
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/guc.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_GUC_H
#define SNOWFDW_GUC_H


/* GUC variables */
extern bool snowfdw_enable_pushdown;
extern bool snowfdw_enable_scope_join;
extern int	snowfdw_max_concurrency;
extern int	snowfdw_max_retries;
extern double snowfdw_retry_max_time;
extern double snowfdw_poll_timeout;
extern char *snowfdw_create_mode;
extern bool snowfdw_pipeline_writes;
extern bool snowfdw_defer_writes;
extern bool snowfdw_pace_requests;

extern int	snowfdw_cache_ttl;
extern int	snowfdw_cache_stale_ttl;
extern int	snowfdw_cache_size_kb;
extern int64 snowfdw_write_invalidations;
extern int	snowfdw_log_min_duration;

/* in guc.c */
extern void snowfdw_define_gucs(void);

#endif							/* SNOWFDW_GUC_H */
