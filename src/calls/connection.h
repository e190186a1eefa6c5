/*-------------------------------------------------------------------------
 *
 * connection.h
 *		  Sessions per user mapping: the curl handles, the token
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/connection.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_CONNECTION_H
#define SNOWFDW_CONNECTION_H

#include "model/options.h"
#include "transport/http.h"

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
	int64		poll_us;		/* slept between the polls of a 202 */
	int64		coalesce_us;	/* slept for another backend's fetch */
	int64		paced_wait_us;	/* calls' waits for the pacer and hold-offs */
} SnowfdwConnection;

/* in connection.c */
extern SnowfdwConnection *snowfdw_get_connection(Oid serverid, Oid userid);
extern int64 snowfdw_connection_snowflake_wait(SnowfdwConnection *conn);
extern const char *snowfdw_connection_bearer(SnowfdwConnection *conn,
											 bool renew);

#endif							/* SNOWFDW_CONNECTION_H */
