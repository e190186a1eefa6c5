/*-------------------------------------------------------------------------
 *
 * options.h
 *		  Options merged from the catalog, and the signer of a request
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/options.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_OPTIONS_H
#define SNOWFDW_OPTIONS_H

#include "access/attnum.h"

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
	bool		defer_writes;	/* writes wait for COMMIT (fdw/deferred.c) */
	double		max_requests_per_second;	/* the pacer's cap; 0: not set */
	/* user mapping (and max_requests_per_second) */
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

/* in options.c */
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
extern const char *snowfdw_create_mode_default(void);
extern bool snowfdw_create_is_repeatable(const char *mode);
extern char *snowfdw_create_mode_values(void);

/* in signer.c */
extern TransactionId snowfdw_catalog_version(int cacheid, Oid oid);
extern bool snowfdw_find_signer(Oid serverid, Oid userid,
								SnowfdwSigner *signer);
extern bool snowfdw_signer_is_current(const SnowfdwSigner *signer);

#endif							/* SNOWFDW_OPTIONS_H */
