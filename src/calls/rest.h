/*-------------------------------------------------------------------------
 *
 * rest.h
 *		  One logical REST call: its state, its life cycle and its reports
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/rest.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_REST_H
#define SNOWFDW_REST_H

#include "datatype/timestamp.h"

#include "calls/connection.h"
#include "compat.h"
#include "shmem/activity.h"
#include "transport/http.h"
#include "transport/json.h"

/*
 * What a call may have done at Snowflake, judged from all its attempts
 * (rest.c, snowfdw_call_outcome): the writes of a failed statement are
 * listed by it.  Ordered: an attempt only ever raises it.
 */
typedef enum SnowfdwCallOutcome
{
	SNOWFDW_OUTCOME_NONE,		/* never sent, or every answer refused it
								 * (4xx, 429, 503) */
	SNOWFDW_OUTCOME_MAYBE,		/* an attempt may have been carried out: 202,
								 * another 5xx, no answer, a transfer cut */
	SNOWFDW_OUTCOME_APPLIED		/* an attempt was answered 2xx (not 202) */
} SnowfdwCallOutcome;

/* One logical REST call, with retries, 202 polling and its outcome */
typedef struct SnowfdwCall
{
	/* input */
	const char *method;
	char	   *path;			/* "/api/v2/...?query", already encoded */
	char	   *body;			/* JSON body or NULL */
	bool		retry_safe;		/* repeating it cannot change the outcome */
	bool		missing_ok;		/* 404 is an answer, not an error */
	bool		stream;			/* a 200 body is read as it arrives */
	bool		defer_failure;	/* a failure is kept in the call, not raised */
	int			cache_ttl;		/* the cache policy: -1 (the default) never
								 * cached; 0 the statement store only; else
								 * seconds in the response cache */
	int			cache_stale_ttl;	/* seconds past cache_ttl a stale answer
									 * serves while it is refreshed */
	SnowfdwSigner signer;		/* set when the call is first driven: the
								 * key of what is learned from its answers */
	bool		refresh;		/* a refresh worker's: asks no store, the
								 * stale entry is known */
	int64		rows_before;	/* rows its listing delivered on earlier
								 * pages (snowfdw_activity) */
	int			page;			/* its page of a listing: 1, 2, ...; 0 if
								 * not a listing's */
	/* output */
	long		status;
	char	   *response;		/* body text, unless streaming */
	size_t		response_len;
	bool		streaming;		/* the body is read with snowfdw_call_more */
	size_t		consumed;		/* bytes of response already read */
	char	   *request_id;
	char	   *link;			/* raw Link header, or NULL */
	bool		failed;			/* done, with failure: defer_failure only */
	bool		maybe_done;		/* failed, and may have been carried out */
	long		last_status;	/* of the last transfer; 0: no HTTP answer */
	bool		accepted;		/* Snowflake answered 202 at least once */
	SnowfdwCallOutcome outcome; /* of the attempts that ended; read it with
								 * snowfdw_call_outcome */
	/* private to rest.c */
	int			attempts;
	int			retries;		/* failed transfers tried again */
	int			polls;
	int			handle;			/* transfer slot in the session, or -1 */
	int			stream_slot;	/* slot of the body being streamed */
	uint32		stream_serial;
	bool		done;
	bool		renewed;		/* a 401 already made a new JWT */
	TimestampTz first_sent;
	TimestampTz attempt_sent;	/* when the current transfer started */
	TimestampTz first_failure;	/* start of the retry time budget */
	TimestampTz not_before;
	char	   *poll_path;		/* Location of a pending 202 */
	SnowfdwHttpResponse *failure;	/* the answer that failed it, if failed */
	uint64		inflight;		/* the request this call claimed (inflight.c),
								 * or 0 */
	bool		coalescing;		/* waits for another process's answer */
	bool		held_behind;	/* waits behind a call of its batch that does */
	TimestampTz coalesce_since; /* when it began to wait, or 0 */
	/* private to progress.c */
	SnowfdwActivity activity;	/* its slot of snowfdw_activity, or 0 */
	int64		received;		/* body bytes of all its transfers */
	bool		logged;			/* snowfdw.log_min_duration looked at it */
	char		seen_request_id[SNOWFDW_ACTIVITY_REQUEST_ID];	/* of its last
																 * answer */
	TimestampTz paced_slot;		/* its send slot (pacer.c), or 0 */
	TimestampTz paced_since;	/* when it began to wait for the pacer or
								 * a hold-off, or 0 */
} SnowfdwCall;

/* in rest.c */
extern bool snowfdw_poll_calls(SnowfdwConnection *conn, SnowfdwCall **calls,
							   int ncalls);
extern void snowfdw_call_abort(SnowfdwConnection *conn, SnowfdwCall *call);
extern void snowfdw_run_calls(SnowfdwConnection *conn, SnowfdwCall **calls,
							  int ncalls);
extern void snowfdw_run_calls_until(SnowfdwConnection *conn,
									SnowfdwCall **calls, int ncalls,
									int needed);
extern bool snowfdw_step_calls(SnowfdwConnection *conn, SnowfdwCall **calls,
							   int ncalls, bool start_new, bool block);
pg_noreturn extern void snowfdw_raise_call_failure(SnowfdwConnection *conn,
												   SnowfdwCall *call);
extern void snowfdw_harvest_calls(SnowfdwConnection *conn, SnowfdwCall **calls,
								  int ncalls);
extern SnowfdwCallOutcome snowfdw_call_outcome(const SnowfdwCall *call);
extern SnowfdwCall *snowfdw_new_call(const char *method, char *path,
									 char *body, bool retry_safe,
									 bool missing_ok);
extern SnowfdwCall *snowfdw_call(SnowfdwConnection *conn, const char *method,
								 char *path, char *body, bool retry_safe,
								 bool missing_ok);
extern size_t snowfdw_call_cache_limit(SnowfdwCall *call);
extern void snowfdw_call_keep_body(SnowfdwConnection *conn, SnowfdwCall *call,
								   const char *body, size_t len);
extern const char *snowfdw_call_response_string(SnowfdwCall *call,
												const char *key);
extern SnowfdwJson *snowfdw_call_response_object(SnowfdwCall *call);
extern void snowfdw_call_window(SnowfdwConnection *conn, SnowfdwCall *call,
								const char **data, size_t *len);
extern void snowfdw_call_consume(SnowfdwConnection *conn, SnowfdwCall *call,
								 size_t n);

/* What snowfdw_call_more found */
typedef enum SnowfdwCallMore
{
	SNOWFDW_CALL_MORE,			/* more bytes in the window */
	SNOWFDW_CALL_END,			/* the body is complete in the window */
	SNOWFDW_CALL_RESTARTED		/* failed midway and sent again: the body
								 * starts over */
} SnowfdwCallMore;
extern SnowfdwCallMore snowfdw_call_more(SnowfdwConnection *conn,
										 SnowfdwCall *call);
extern void snowfdw_call_close(SnowfdwConnection *conn, SnowfdwCall *call);
extern void snowfdw_call_release_claim(SnowfdwCall *call);
extern char *snowfdw_link_target(const char *link, const char *rel);

#endif							/* SNOWFDW_REST_H */
