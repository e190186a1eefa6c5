/*-------------------------------------------------------------------------
 *
 * snowfdw.h
 *		  Private declarations shared by the snowfdw source files
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/snowfdw.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_H
#define SNOWFDW_H

#include "access/xact.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "storage/lwlock.h"
#include "utils/relcache.h"

#include "compat.h"
#include "http.h"
#include "httptext.h"
#include "ident.h"
#include "json.h"

/* Scope levels: the path parameters above an object */
#define SNOWFDW_MAX_SCOPES 3
#define SNOWFDW_SCOPE_DATABASE 0
#define SNOWFDW_SCOPE_SCHEMA 1
#define SNOWFDW_SCOPE_STAGE 2

/*
 * Most objects one list request may return: the maximum of the spec's
 * showLimit parameter (common.yaml), and so the cap of option page_size.
 */
#define SNOWFDW_MAX_PAGE_SIZE 10000

/* Query parameters a list endpoint declares (bit set) */
#define SNOWFDW_PARAM_LIKE			0x01
#define SNOWFDW_PARAM_STARTS_WITH	0x02
#define SNOWFDW_PARAM_SHOW_LIMIT	0x04
#define SNOWFDW_PARAM_FROM_NAME		0x08
#define SNOWFDW_PARAM_HISTORY		0x10
#define SNOWFDW_PARAM_PATTERN		0x20

/* Object kinds a foreign table can expose; databases serve enumeration */
typedef enum SnowfdwObjectKind
{
	SNOWFDW_OBJECT_DATABASES,
	SNOWFDW_OBJECT_SCHEMAS,
	SNOWFDW_OBJECT_STAGES,
	SNOWFDW_OBJECT_STREAMS,
	SNOWFDW_OBJECT_STAGE_FILES
} SnowfdwObjectKind;

/* JSON type of a field, and the SQL type IMPORT declares for it */
typedef enum SnowfdwFieldType
{
	SNOWFDW_FIELD_TEXT,
	SNOWFDW_FIELD_BOOLEAN,
	SNOWFDW_FIELD_INTEGER,
	SNOWFDW_FIELD_BIGINT,
	SNOWFDW_FIELD_TIMESTAMPTZ,	/* a string in JSON */
	SNOWFDW_FIELD_JSONB			/* an object or array */
} SnowfdwFieldType;

/* One field of a REST model, and the column IMPORT makes of it */
typedef struct SnowfdwFieldInfo
{
	const char *name;			/* JSON key and default column name */
	SnowfdwFieldType type;
	bool		read_only;		/* set by the service, never sent */
	bool		write_only;		/* sent, never returned */
	bool		required;		/* required in a create body */
} SnowfdwFieldInfo;

/* What snowfdw knows about one object kind */
typedef struct SnowfdwObjectInfo
{
	SnowfdwObjectKind kind;
	const char *object_option;	/* value of the "object" table option */
	const char *table_name;		/* name IMPORT FOREIGN SCHEMA gives */
	const char *collection;		/* last path segment of the list call */
	const char *noun;			/* for messages: "schema", "stage", ... */
	int			nscopes;		/* path parameters above the object */
	int			list_params;	/* SNOWFDW_PARAM_* the list call takes */
	bool		has_fetch;		/* GET <collection>/{name} exists */
	bool		has_create;
	bool		has_delete;
	bool		has_put;		/* PUT create-or-alter exists */
	const SnowfdwFieldInfo *fields; /* NULL-terminated */
} SnowfdwObjectInfo;

/* Scope column names, indexed by scope level */
extern const char *const snowfdw_scope_columns[SNOWFDW_MAX_SCOPES];

/* What a request does to a kind: its method and the shape of its path */
typedef enum SnowfdwAction
{
	SNOWFDW_ACTION_LIST,		/* GET .../<collection> */
	SNOWFDW_ACTION_FETCH,		/* GET .../<collection>/{name} */
	SNOWFDW_ACTION_CREATE,		/* POST .../<collection> */
	SNOWFDW_ACTION_REPLACE,		/* PUT .../<collection>/{name} */
	SNOWFDW_ACTION_DROP,		/* DELETE .../<collection>/{name} */
	SNOWFDW_ACTION_CLONE,		/* POST .../<collection>/{name}:clone */
	SNOWFDW_ACTION_UNDROP,		/* POST .../<collection>/{name}:undrop */
	SNOWFDW_ACTION_PRESIGN		/* POST .../files/{file}:presigned-url */
} SnowfdwAction;

/* Options merged from server, user mapping and foreign table */
typedef struct SnowfdwOptions
{
	/* server */
	char	   *account;
	char	   *url;
	char	   *role;
	char	   *ca_file;
	double		connect_timeout;	/* seconds */
	double		request_timeout;	/* seconds, per attempt */
	double		poll_timeout;	/* seconds for a 202 to finish */
	int			max_retries;
	double		retry_max_time; /* seconds for all retries of a call */
	int			max_concurrency;
	int			page_size;
	int64		max_response_size;	/* bytes */
	double		request_cost;	/* planner cost of one request; -1: measured */
	double		row_cost;		/* planner cost of one row; -1: default */
	int			cache_ttl;		/* seconds; 0: statement scope only */
	int			cache_stale_ttl;	/* seconds past cache_ttl a stale
									 * answer serves while it is refreshed */
	bool		async_capable;	/* scans may run at once under an Append */
	bool		pipeline_writes;	/* writes keep requests in flight */
	/* user mapping */
	char	   *token;
	char	   *token_type;
	char	   *user;
	char	   *private_key;
	char	   *private_key_passphrase;
	/* foreign table */
	char	   *object;
	char	   *database;
	char	   *schema;
	char	   *stage;
	bool		history;
	char	   *create_mode;
	bool		restrict_drop;
	bool		copy_grants;
} SnowfdwOptions;

/*
 * The credentials and options that sign a request: the server and user
 * mapping, in the catalog versions their options were read from.  Whatever
 * is learned from an answer (a cached response, a hold-off, a measurement,
 * an in-flight marker) is keyed by the signer of its request, fixed when the
 * request is built, never by what the catalog says when the answer comes:
 * an ALTER SERVER or ALTER USER MAPPING in between makes a new signer, and
 * nothing of the old one is found under it.  No secret is part of it.
 */
typedef struct SnowfdwSigner
{
	Oid			dbid;			/* OIDs are per database */
	Oid			serverid;
	Oid			umid;
	TransactionId server_xmin;	/* catalog versions (raw xmin) of the */
	TransactionId mapping_xmin; /* rows the options were read from */
} SnowfdwSigner;

/* A cached session for one user mapping */
typedef struct SnowfdwConnection
{
	Oid			umid;			/* hash key: user mapping OID */
	Oid			serverid;
	SnowfdwSigner signer;		/* of every request of the session */
	char	   *server_name;
	SnowfdwHttpSession *http;
	SnowfdwOptions *options;	/* copy in the connection's context */
	char	   *base_url;		/* scheme://host[:port], no trailing slash */
	bool		allow_plain_http;	/* base_url is a loopback host */
	char	   *bearer;			/* current token or JWT */
	int64		bearer_expires; /* Unix seconds; 0 when it does not expire */
	MemoryContext cxt;			/* owns options, strings */
	bool		invalidated;
	bool		in_xact;		/* used by the current transaction */
	uint32		server_hashvalue;
	uint32		mapping_hashvalue;
	int64		requests;		/* HTTP requests sent */
	int64		cache_hits;		/* calls answered from a cache */
	int64		bytes_received; /* response bytes of the requests */
} SnowfdwConnection;

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
} SnowfdwCall;

/* GUC variables */
extern bool snowfdw_enable_pushdown;
extern bool snowfdw_enable_scope_join;
extern int	snowfdw_max_concurrency;
extern int	snowfdw_max_retries;
extern double snowfdw_retry_max_time;
extern double snowfdw_poll_timeout;
extern char *snowfdw_create_mode;
extern bool snowfdw_pipeline_writes;

/* in options.c */
extern void snowfdw_define_gucs(void);
extern SnowfdwOptions *snowfdw_get_options(Oid serverid, Oid userid,
										   Oid relid);
extern char *snowfdw_column_json_name(Oid relid, AttrNumber attnum);
extern SnowfdwOptions *snowfdw_copy_session_options(const SnowfdwOptions *src);
extern void snowfdw_refresh_session_options(SnowfdwOptions *opts,
											const SnowfdwOptions *src);
extern void snowfdw_wipe_secrets(SnowfdwOptions *opts);
extern const char *snowfdw_option_name(size_t offset);
extern const char *snowfdw_scope_option(const SnowfdwOptions *options,
										int level);
extern void snowfdw_set_scope_option(SnowfdwOptions *options, int level,
									 char *value);
extern const char *snowfdw_scope_option_name(int level);
extern bool snowfdw_create_mode_is_valid(const char *mode);
extern bool snowfdw_create_is_repeatable(const char *mode);
extern char *snowfdw_create_mode_values(void);

/* in objects.c */
extern const SnowfdwObjectInfo *snowfdw_object_info(SnowfdwObjectKind kind);
extern const SnowfdwObjectInfo *snowfdw_object_by_option(const char *value);
extern const SnowfdwObjectInfo *snowfdw_object_by_table_name(const char *name);
extern const SnowfdwObjectInfo *snowfdw_relation_object(Relation rel,
														SnowfdwOptions *options);
extern const SnowfdwFieldInfo *snowfdw_find_field(const SnowfdwObjectInfo *info,
												  const char *name);
extern const char *snowfdw_field_type_name(SnowfdwFieldType type);
extern int	snowfdw_scope_level(const SnowfdwObjectInfo *info,
								const char *column);
extern char *snowfdw_quote_identifier(const char *name);
extern void snowfdw_append_path_segment(StringInfo buf, const char *segment);
extern void snowfdw_append_query(StringInfo buf, const char *key,
								 const char *value);
extern const char *snowfdw_action_method(SnowfdwAction action);
extern const SnowfdwObjectInfo *snowfdw_scope_object(int level);
extern void snowfdw_append_request_path(StringInfo buf,
										const SnowfdwObjectInfo *info,
										SnowfdwAction action,
										const char *const *scope,
										const char *name);
extern char *snowfdw_request_path(const SnowfdwObjectInfo *info,
								  SnowfdwAction action,
								  const char *const *scope, const char *name);

/* in auth.c */
extern char *snowfdw_jwt_account_name(const char *account);
extern char *snowfdw_jwt_user_name(const char *user);
extern void snowfdw_check_private_key(const char *private_key_pem,
									  const char *passphrase);
extern char *snowfdw_build_keypair_jwt(const char *account, const char *user,
									   const char *private_key_pem,
									   const char *passphrase,
									   int64 issued_at, int lifetime_secs);

/* in connection.c */
extern void snowfdw_connection_init(void);
extern bool snowfdw_xact_ending(XactEvent event);
extern SnowfdwConnection *snowfdw_get_connection(Oid serverid, Oid userid);
extern const char *snowfdw_connection_bearer(SnowfdwConnection *conn,
											 bool renew);
extern bool snowfdw_find_signer(Oid serverid, Oid userid,
								SnowfdwSigner *signer);
extern bool snowfdw_signer_is_current(const SnowfdwSigner *signer);

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
pg_noreturn extern void snowfdw_report_bad_body(SnowfdwCall *call,
											 const char *problem);
extern char *snowfdw_link_target(const char *link, const char *rel);
extern char *snowfdw_quote_text(const char *text, size_t len);

/*
 * in write.c: calls that may change Snowflake objects.  A write runs each
 * of its calls with snowfdw_write_call, or runs them itself: then it calls
 * snowfdw_write_begin before the first request and passes each ended
 * call, answered or failed, to snowfdw_note_write (no lock, no allocation:
 * it may run in PG_CATCH).  Once the statement's write ends it calls
 * snowfdw_flush_write_invalidations (EndForeignModify), never from
 * PG_CATCH: a failed write's changes are dropped by the abort.
 */
extern SnowfdwCall *snowfdw_write_call(SnowfdwConnection *conn,
									   const char *method, char *path,
									   char *body, bool retry_safe,
									   bool missing_ok);
extern void snowfdw_write_run(SnowfdwConnection *conn, SnowfdwCall *call);
extern void snowfdw_write_begin(void);
extern void snowfdw_note_write(SnowfdwConnection *conn, SnowfdwCall *call);
extern void snowfdw_flush_write_invalidations(void);

/* in shmem.c */
typedef void (*SnowfdwShmemInit) (void *ptr);
extern void snowfdw_shmem_init(void);
extern bool snowfdw_shmem_is_shared(void);
extern void snowfdw_shmem_register(const char *name, Size size,
								   SnowfdwShmemInit init);
extern void snowfdw_shmem_register_table(const char *name,
										 const dshash_parameters *params);
extern int	snowfdw_shmem_tranche(void);
extern void *snowfdw_shmem_struct(const char *name);
extern dsa_area *snowfdw_shmem_area(void);
extern dshash_table *snowfdw_shmem_table(const char *name);
extern dshash_table *snowfdw_shmem_attached_table(const char *name);
extern void snowfdw_shmem_lock_init(LWLock *lock, const char *name);
extern int	snowfdw_shmem_locks_held(const char **name);

/*
 * in fault.c: test-build fault points (snowfdw.fault_point); in any other
 * build a fault never fires and the calls compile to nothing
 */
#ifdef SNOWFDW_FAULT_INJECTION
extern void snowfdw_fault_init(void);
extern bool snowfdw_fault(const char *point);
pg_noreturn extern void snowfdw_fault_error(const char *point);
extern TimestampTz snowfdw_fault_clock_offset(void);
#else
#define snowfdw_fault_init() ((void) 0)
#define snowfdw_fault(point) false
#define snowfdw_fault_error(point) ((void) 0)
#define snowfdw_fault_clock_offset() ((TimestampTz) 0)
#endif

/* in cache.c */
extern int	snowfdw_cache_ttl;
extern int	snowfdw_cache_stale_ttl;
extern int	snowfdw_cache_size_kb;
extern void snowfdw_cache_init(void);
extern bool snowfdw_cache_lookup(SnowfdwConnection *conn, const char *path,
								 int ttl, long *status, char **body,
								 size_t *len, char **link, bool *missed);
extern void snowfdw_cache_store(SnowfdwConnection *conn,
								const SnowfdwSigner *signer, const char *path,
								long status, const char *body, size_t len,
								const char *link, int ttl);
extern bool snowfdw_cache_answer(SnowfdwConnection *conn, SnowfdwCall **calls,
								 int ncalls, SnowfdwCall *call, bool *missed);
extern void snowfdw_cache_store_call(SnowfdwConnection *conn,
									 SnowfdwCall *call);
extern void snowfdw_cache_invalidate(Oid serverid);
extern void snowfdw_cache_prepare_changes(void);
extern void snowfdw_cache_note_changed(Oid serverid);
extern void snowfdw_cache_flush_changed(void);
extern int64 snowfdw_cache_write_invalidations(void);
extern bool snowfdw_cache_refreshing;

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
extern void snowfdw_inflight_release_all(void);
extern void snowfdw_inflight_end_wait(void);
extern int	snowfdw_refresh_enqueue(const SnowfdwRefreshJob *job,
									double timeout_s, uint32 *generation);
extern bool snowfdw_refresh_worker_started(int worker, uint32 generation);
extern int	snowfdw_refresh_take(int worker, SnowfdwRefreshJob *out, int max);
extern void snowfdw_refresh_done(const SnowfdwRefreshJob *jobs, int n);
extern void snowfdw_refresh_worker_exit(int worker, uint32 generation,
										bool in_worker);
#ifdef SNOWFDW_FAULT_INJECTION
extern int	snowfdw_inflight_owners(int *pids, int max);
#endif

/* in refresh.c */
extern void snowfdw_refresh_request(const SnowfdwRefreshJob *job,
									double timeout_s);
extern PGDLLEXPORT void snowfdw_refresh_main(Datum arg);

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
} SnowfdwStatsEntry;

extern void snowfdw_stats_init(void);
extern void snowfdw_stats_count_request(SnowfdwConnection *conn, long status,
										size_t bytes, double elapsed_ms);
extern void snowfdw_stats_count_bytes(SnowfdwConnection *conn, size_t bytes);
extern void snowfdw_stats_count_retry(SnowfdwConnection *conn);
extern void snowfdw_stats_count_error(SnowfdwConnection *conn);
extern void snowfdw_stats_count_cache(SnowfdwConnection *conn, bool hit);

/* in mapping.c */
typedef struct SnowfdwRowConverter
{
	int			natts;
	bool	   *needed;			/* per attribute: converted at all */
	char	  **json_names;
	char	  **column_names;	/* for the conversion error context */
	int		   *scope_level;	/* -1, or the scope level of the column */
	FmgrInfo   *in_functions;
	Oid		   *typioparams;
	char	   *relname;
	int			current_attnum; /* for the conversion error context */
} SnowfdwRowConverter;

extern SnowfdwRowConverter *snowfdw_row_converter(Relation rel,
												  const SnowfdwObjectInfo *info,
												  List *retrieved);
extern void snowfdw_convert_row(SnowfdwRowConverter *conv, TupleDesc tupdesc,
								SnowfdwJson *row, char **scope,
								Datum *values, bool *nulls);
extern Datum snowfdw_json_to_datum(const SnowfdwJson *value, Oid typid,
								   int32 typmod, FmgrInfo *input,
								   Oid ioparam, bool *isnull);
extern char *snowfdw_datum_to_json(Datum value, Oid typid, bool *is_text);

/* in writemap.c */
typedef struct SnowfdwWriteMap
{
	Relation	rel;
	char	   *relname;
	const SnowfdwObjectInfo *info;
	/* per attribute, indexed by attnum - 1 */
	int			natts;
	char	  **json_names;		/* NULL for dropped columns */
	int		   *scope_level;	/* -1, or the scope level of the column */
	const SnowfdwFieldInfo **fields;	/* model field, or NULL */
	AttrNumber	name_attnum;	/* the "name" column, or 0 */
	AttrNumber	dropped_attnum; /* the "dropped_on" column, or 0 */
	AttrNumber	scope_attnums[SNOWFDW_MAX_SCOPES];	/* or 0 */
} SnowfdwWriteMap;

extern const char *snowfdw_operation_verb(CmdType operation);
extern void snowfdw_check_modify_allowed(Relation rel,
										 const SnowfdwObjectInfo *info,
										 CmdType operation);
extern const char *snowfdw_insert_create_mode(SnowfdwOptions *options,
											  bool do_nothing);
extern char *snowfdw_write_path(const SnowfdwObjectInfo *info,
								SnowfdwOptions *options, SnowfdwAction action,
								const char *const *scope, const char *name,
								const char *create_mode);
extern SnowfdwWriteMap *snowfdw_write_map(Relation rel,
										  const SnowfdwObjectInfo *info);
extern char *snowfdw_column_name(Relation rel, AttrNumber attnum);
extern char *snowfdw_column_text(Relation rel, AttrNumber attnum,
								 Datum value);
extern void snowfdw_check_writable(Relation rel, const SnowfdwObjectInfo *info,
								   const SnowfdwFieldInfo *field,
								   AttrNumber attnum, const char *json_name,
								   CmdType operation);
extern void snowfdw_check_update_column(Relation rel,
										const SnowfdwObjectInfo *info,
										AttrNumber attnum);
extern char *snowfdw_new_object_scope(SnowfdwWriteMap *map,
									  TupleTableSlot *slot, int level,
									  const char *option);
extern char *snowfdw_create_body(SnowfdwWriteMap *map, TupleTableSlot *slot);
extern char *snowfdw_replace_body(SnowfdwWriteMap *map, TupleTableSlot *slot,
								  const bool *updated, const char *name,
								  SnowfdwJson *current);

/* Indexes of the fdw_private list of a scan */
enum SnowfdwScanPrivateIndex
{
	SnowfdwScanPrivateKind,		/* Integer: SnowfdwObjectKind */
	SnowfdwScanPrivateScopeCounts,	/* List of Integer: fdw_exprs per scope
									 * level, -1 to enumerate */
	SnowfdwScanPrivateHasName,	/* Integer: last fdw_expr is the name */
	SnowfdwScanPrivateLike,		/* String, "" for none */
	SnowfdwScanPrivateStartsWith,	/* String, "" for none */
	SnowfdwScanPrivatePattern,	/* String, "" for none */
	SnowfdwScanPrivateHistory,	/* Integer (bool) */
	SnowfdwScanPrivateLimit,	/* String: int64 rows needed, -1 for none */
	SnowfdwScanPrivateFilterOps,	/* List of Integer: operators of the
									 * run-time name filters, whose values
									 * follow the name in fdw_exprs */
	SnowfdwScanPrivateLimitExprs,	/* Integer: 1 LIMIT, 2 OFFSET expression
									 * last in fdw_exprs */
	SnowfdwScanPrivateRetrieved,	/* List of Integer: attnums converted */
	SnowfdwScanPrivateExplain,	/* String: the requests, for EXPLAIN */
	SnowfdwScanPrivateRequests	/* Float: requests the planner expected */
};

/* in deparse.c */
typedef struct SnowfdwPushdown
{
	const SnowfdwObjectInfo *info;
	List	   *scope_exprs[SNOWFDW_MAX_SCOPES];	/* NIL: enumerate */
	Expr	   *name_expr;		/* name = value: use the fetch call */
	char	   *like;
	char	   *starts_with;
	char	   *pattern;
	bool		history;
	int64		limit;			/* rows the query needs, or -1 */
	/* values known only when the scan starts (parameters, stable calls) */
	List	   *filter_ops;		/* name LIKE/ILIKE/~ value: operator OIDs */
	List	   *filter_exprs;	/* ... and the values */
	Expr	   *limit_expr;		/* LIMIT of a generic plan, or NULL */
	Expr	   *offset_expr;	/* its OFFSET, or NULL */
} SnowfdwPushdown;

extern void snowfdw_apply_name_filter(SnowfdwPushdown *pushdown, Oid opno,
									  const char *value);

extern void snowfdw_classify_quals(PlannerInfo *root, RelOptInfo *baserel,
								   List *clauses, SnowfdwPushdown *pushdown,
								   SnowfdwOptions *options);
extern bool snowfdw_is_scope_or_name_clause(PlannerInfo *root,
											RelOptInfo *baserel,
											RestrictInfo *rinfo,
											const SnowfdwObjectInfo *info);
extern int	snowfdw_clause_scope_level(PlannerInfo *root, RelOptInfo *baserel,
									   RestrictInfo *rinfo,
									   const SnowfdwObjectInfo *info,
									   Expr **value);
extern void snowfdw_query_limit(PlannerInfo *root, RelOptInfo *baserel,
								SnowfdwPushdown *pushdown);
extern char *snowfdw_describe_requests(SnowfdwPushdown *pushdown,
									   int page_size);
extern int64 snowfdw_rows_needed(int64 count, int64 offset);
extern int64 snowfdw_show_limit(SnowfdwPushdown *pushdown, int page_size);
extern char *snowfdw_list_path(SnowfdwPushdown *pushdown,
							   const char *const *scope, int page_size,
							   const char *from_name, int64 *show_limit);
extern char *snowfdw_enumeration_path(int level, const char *const *scope,
									  int page_size, const char *from_name,
									  int64 *show_limit);
extern List *snowfdw_pushdown_to_private(SnowfdwPushdown *pushdown,
										 List **fdw_exprs);
extern void snowfdw_pushdown_from_private(List *private, List *fdw_exprs,
										  SnowfdwPushdown *pushdown);

/* in estimate.c */
typedef struct SnowfdwEstimate
{
	double		rows;
	double		requests;
	double		rounds;			/* of up to max_concurrency requests */
} SnowfdwEstimate;

extern void snowfdw_estimate_scan(SnowfdwPushdown *pushdown,
								  SnowfdwOptions *options,
								  const SnowfdwSigner *signer,
								  SnowfdwEstimate *est);
extern void snowfdw_scan_cost(SnowfdwOptions *options,
							  const SnowfdwSigner *signer,
							  SnowfdwEstimate *est, Cost *startup,
							  Cost *total);
extern double snowfdw_request_cost(SnowfdwOptions *options,
								   const SnowfdwSigner *signer);

/* in measured.c: what requests measured, read by the estimates */
extern void snowfdw_measured_init(void);
extern void snowfdw_note_listing(const SnowfdwSigner *signer,
								 SnowfdwObjectKind kind, char *const *scope,
								 int nscopes, double rows);
extern void snowfdw_note_latency(const SnowfdwSigner *signer, double ms);
extern double snowfdw_measured_value(const SnowfdwSigner *signer, int kind,
									 char *const *scope, int n);

/* in holdoff.c: the shared 429 back-off */
extern void snowfdw_holdoff_init(void);
extern void snowfdw_holdoff_note(const SnowfdwSigner *signer,
								 TimestampTz until);
extern TimestampTz snowfdw_holdoff_until(const SnowfdwSigner *signer);

/* in analyze.c */
extern bool snowfdw_analyze_foreign_table(Relation relation,
										  AcquireSampleRowsFunc *func,
										  BlockNumber *totalpages);

/* in listing.c */
typedef struct SnowfdwListing SnowfdwListing;
extern SnowfdwListing *snowfdw_listing_open(SnowfdwConnection *conn,
											SnowfdwCall *call);
extern SnowfdwJson *snowfdw_listing_next(SnowfdwListing *listing,
										 bool *is_document);
extern int64 snowfdw_listing_count(SnowfdwListing *listing);
extern const char *snowfdw_listing_last_name(SnowfdwListing *listing);
extern void snowfdw_listing_close(SnowfdwListing *listing);

/* in scan.c */
typedef struct SnowfdwFetcher SnowfdwFetcher;
extern SnowfdwFetcher *snowfdw_fetcher_begin(SnowfdwConnection *conn,
											 SnowfdwPushdown *pushdown,
											 List **scope_values,
											 bool *scope_from_options,
											 List *names,
											 MemoryContext batch_cxt);
extern void snowfdw_fetcher_set_cache_ttl(SnowfdwFetcher *fetcher,
										  int cache_ttl, int cache_stale_ttl);
extern SnowfdwJson *snowfdw_fetcher_next(SnowfdwFetcher *fetcher,
										 char ***scope, bool nowait,
										 bool *waiting);
extern void snowfdw_fetcher_send(SnowfdwFetcher *fetcher);
extern void snowfdw_fetcher_end(SnowfdwFetcher *fetcher);

/* in siblings.c */
typedef struct SnowfdwSiblings SnowfdwSiblings;
extern SnowfdwSiblings *snowfdw_siblings_join(EState *estate, Plan *plan,
											  void *scan);
extern List *snowfdw_siblings_first_read(SnowfdwSiblings *group, void *scan);
extern void snowfdw_siblings_rescan(SnowfdwSiblings *group);

/* in modify.c */
extern void snowfdw_modify_init(void);
extern void snowfdw_set_modify_routines(FdwRoutine *routine);

#endif							/* SNOWFDW_H */
