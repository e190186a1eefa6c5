/*-------------------------------------------------------------------------
 *
 * inflight.h
 *		  In-flight markers of coalesced misses, and the queue of refreshes
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/inflight.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_INFLIGHT_H
#define SNOWFDW_INFLIGHT_H

#include "datatype/timestamp.h"

#include "model/options.h"

/* in inflight.c */
#define SNOWFDW_REFRESH_JOBS 256
#define SNOWFDW_REFRESH_WORKERS 4
#define SNOWFDW_REFRESH_REQUEST_MAX 1024

/* A queued refresh of a stale response cache entry */
typedef struct SnowfdwRefreshJob
{
	uint64		ident;			/* the request's in-flight identity; 0: free */
	bool		running;		/* a worker took it */
	Oid			dboid;
	Oid			userid;			/* the role the worker connects as */
	SnowfdwSigner signer;		/* of the stale entry: refreshed only with
								 * the same options */
	int			ttl;
	int			stale_ttl;
	char		request[SNOWFDW_REFRESH_REQUEST_MAX];	/* role, newline, path */
} SnowfdwRefreshJob;

/*
 * A refresh worker's slot: the database and user it serves.  Each launch
 * gets a new generation, which the worker carries: a worker that starts
 * after its slot was given up (it took too long to start) finds another
 * generation there and leaves the slot alone.
 */
typedef struct SnowfdwRefreshWorker
{
	bool		in_use;
	Oid			dboid;
	Oid			userid;
	uint32		generation;
	int			pid;			/* once the worker started; 0 before */
	TimestampTz launched_at;
} SnowfdwRefreshWorker;

/* A launched worker that has not started by then is given up */
#define SNOWFDW_REFRESH_START_TIMEOUT 10

extern void snowfdw_inflight_init(void);
extern bool snowfdw_inflight_enabled(void);
typedef enum SnowfdwClaim
{
	SNOWFDW_CLAIM_MINE,			/* this backend fetches the request */
	SNOWFDW_CLAIM_BUSY,			/* another process does: wait for it */
	SNOWFDW_CLAIM_NONE			/* fetch it, not coalesced */
} SnowfdwClaim;
extern SnowfdwClaim snowfdw_inflight_claim(uint64 ident, double timeout_s,
										   bool take_over);
extern void snowfdw_inflight_streaming(uint64 ident);
extern void snowfdw_inflight_release(uint64 ident);
extern void snowfdw_inflight_end_wait(void);
extern int	snowfdw_refresh_enqueue(const SnowfdwRefreshJob *job,
									double timeout_s, uint32 *generation);
extern bool snowfdw_refresh_worker_started(int worker, uint32 generation);
extern int	snowfdw_refresh_take(int worker, SnowfdwRefreshJob *out, int max);
extern void snowfdw_refresh_done(const SnowfdwRefreshJob *jobs, int n);
extern void snowfdw_refresh_worker_exit(int worker, uint32 generation,
										bool in_worker);

/* What a refresh worker is told at launch, in bgw_extra */
typedef struct SnowfdwRefreshLaunch
{
	Oid			dboid;
	Oid			userid;
	uint32		generation;
} SnowfdwRefreshLaunch;

/* in refresh.c (the worker's main is fdw/worker.c's snowfdw_refresh_main) */
extern void snowfdw_refresh_request(const SnowfdwRefreshJob *job,
									double timeout_s);

#endif							/* SNOWFDW_INFLIGHT_H */
