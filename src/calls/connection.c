/*-------------------------------------------------------------------------
 *
 * connection.c
 *		  Per-user-mapping session cache of snowfdw
 *
 * A session holds the HTTP session (and so its kept-alive connections), a
 * private copy of the merged server and mapping options, and the current
 * bearer token.  Sessions are keyed by user mapping OID and live for the
 * backend's lifetime; ALTER or DROP of the server or mapping marks them
 * invalid through syscache callbacks.
 *
 * A scan keeps a pointer to its session, possibly across statements (a
 * cursor), so a session used by the current transaction is never freed
 * before the transaction ends: as in postgres_fdw, an invalidated session
 * is closed by the transaction callback, or rebuilt by the next
 * snowfdw_get_connection outside any transaction that used it, and
 * snowfdw_disconnect leaves a session in use alone with a warning.
 *
 * A transfer belongs to the resource owner current when it started: the
 * portal of a cursor or query, or the (sub)transaction of a PL/pgSQL block.
 * When that owner is released, on error or not, its transfers are stopped,
 * so a caught error frees its transfers, connections and buffers at once.
 * A resource owner rather than a subtransaction callback: an upper-level
 * cursor fetched in a subtransaction that is rolled back stays usable, and
 * its transfer, owned by the cursor's portal, must survive with it; and a
 * portal closed or dropped releases its transfers even where no executor
 * end runs (a failed portal).
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/connection.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_user_mapping.h"
#include "foreign/foreign.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"

#include "calls/connection.h"
#include "model/options.h"
#include "model/waitevent.h"
#include "shmem/shmem.h"
#include "transport/auth.h"
#include "transport/http.h"

static void snowfdw_connection_init(void);

/* Renew a JWT this long before it expires */
#define SNOWFDW_JWT_LIFETIME 3540
#define SNOWFDW_JWT_RENEW_MARGIN 300

static HTAB *ConnectionHash = NULL;

PG_FUNCTION_INFO_V1(snowfdw_get_connections);
PG_FUNCTION_INFO_V1(snowfdw_disconnect);
PG_FUNCTION_INFO_V1(snowfdw_disconnect_all);

static void invalidation_callback(Datum arg, int cacheid, uint32 hashvalue);
static void xact_callback(XactEvent event, void *arg);
static void resowner_callback(ResourceReleasePhase phase, bool isCommit,
							  bool isTopLevel, void *arg);
static void make_connection(SnowfdwConnection *conn, Oid serverid,
							UserMapping *mapping);
static void release_connection(SnowfdwConnection *conn);

/*
 * snowfdw_connection_init
 *		Create the cache and register its invalidation callbacks
 */
static void
snowfdw_connection_init(void)
{
	HASHCTL		ctl;

	if (ConnectionHash)
		return;
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(SnowfdwConnection);
	ConnectionHash = hash_create("snowfdw connections", 8, &ctl,
								 HASH_ELEM | HASH_BLOBS);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, invalidation_callback,
								  (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, invalidation_callback,
								  (Datum) 0);
	RegisterXactCallback(xact_callback, NULL);
	RegisterResourceReleaseCallback(resowner_callback, NULL);
}

/*
 * xact_callback
 *		At the end of a transaction, release what it used
 *
 * Sessions stop being in use; those invalidated meanwhile are closed, so
 * that their secrets and connections do not outlive the change.  On abort,
 * transfers an error left running are stopped (rest.c normally does that
 * itself).
 */
static void
xact_callback(XactEvent event, void *arg)
{
	HASH_SEQ_STATUS scan;
	SnowfdwConnection *conn;

	if (!snowfdw_xact_ending(event))
		return;

	hash_seq_init(&scan, ConnectionHash);
	while ((conn = hash_seq_search(&scan)) != NULL)
	{
		if (conn->http == NULL)
			continue;
		conn->in_xact = false;
		if (conn->invalidated)
			release_connection(conn);
		else if (snowfdw_http_busy(conn->http))
			snowfdw_http_abort_all(conn->http);
	}
}

/*
 * resowner_callback
 *		Stop the transfers of a resource owner being released
 *
 * Called for every owner released in the backend, with that owner current;
 * the transfer count makes it cheap when nothing runs.
 */
static void
resowner_callback(ResourceReleasePhase phase, bool isCommit,
				  bool isTopLevel, void *arg)
{
	HASH_SEQ_STATUS scan;
	SnowfdwConnection *conn;

	if (phase != RESOURCE_RELEASE_BEFORE_LOCKS ||
		snowfdw_http_open_transfers() == 0)
		return;
	hash_seq_init(&scan, ConnectionHash);
	while ((conn = hash_seq_search(&scan)) != NULL)
	{
		if (conn->http != NULL)
			snowfdw_http_abort_owned(conn->http, CurrentResourceOwner);
	}
}

/*
 * invalidation_callback
 *		Mark sessions whose server or user mapping changed
 *
 * hashvalue 0 means "everything changed".
 */
static void
invalidation_callback(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	SnowfdwConnection *conn;

	hash_seq_init(&scan, ConnectionHash);
	while ((conn = hash_seq_search(&scan)) != NULL)
	{
		if (conn->http == NULL)
			continue;
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && conn->server_hashvalue == hashvalue) ||
			(cacheid == USERMAPPINGOID && conn->mapping_hashvalue == hashvalue))
			conn->invalidated = true;
	}
}

/*
 * make_connection
 *		Fill a cache entry for a user mapping
 */
static void
make_connection(SnowfdwConnection *conn, Oid serverid, UserMapping *mapping)
{
	ForeignServer *server = GetForeignServer(serverid);
	SnowfdwOptions *src;
	SnowfdwOptions *opts;
	SnowfdwSigner signer;
	MemoryContext oldcxt;

	/*
	 * The signer is the versions the options were read from: a catalog
	 * change taken up in between (a lookup may accept invalidations) would
	 * pair old options with a new version, so read again until both agree.
	 */
	for (;;)
	{
		SnowfdwSigner after;

		memset(&signer, 0, sizeof(signer));
		signer.dbid = MyDatabaseId;
		signer.serverid = serverid;
		signer.umid = mapping->umid;
		signer.server_xmin = snowfdw_catalog_version(FOREIGNSERVEROID, serverid);
		signer.mapping_xmin = snowfdw_catalog_version(USERMAPPINGOID, mapping->umid);
		src = snowfdw_get_options(serverid, mapping->userid, InvalidOid);
		after = signer;
		after.server_xmin = snowfdw_catalog_version(FOREIGNSERVEROID, serverid);
		after.mapping_xmin = snowfdw_catalog_version(USERMAPPINGOID, mapping->umid);
		if (memcmp(&signer, &after, sizeof(signer)) == 0)
			break;
		snowfdw_wipe_secrets(src);
	}

	if (src->token == NULL && src->private_key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has neither option \"%s\" nor option \"%s\"",
						server->servername,
						snowfdw_option_name(offsetof(SnowfdwOptions, token)),
						snowfdw_option_name(offsetof(SnowfdwOptions, private_key))),
				 errhint("Snowflake needs a credential: set a programmatic access token or OAuth token, or a user and private key.")));
	if (src->private_key && src->account == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("server \"%s\" needs option \"%s\" for key-pair authentication",
						server->servername,
						snowfdw_option_name(offsetof(SnowfdwOptions, account))),
				 errdetail("The account identifier is part of the JWT claims.")));

	conn->cxt = AllocSetContextCreate(CacheMemoryContext,
									  "snowfdw connection",
									  ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(conn->cxt);
	opts = snowfdw_copy_session_options(src);
	conn->options = opts;
	conn->server_name = pstrdup(server->servername);
	if (opts->url)
	{
		size_t		len = strlen(opts->url);

		conn->base_url = pstrdup(opts->url);
		if (len > 0 && conn->base_url[len - 1] == '/')
			conn->base_url[len - 1] = '\0';
	}
	else
		conn->base_url = psprintf("https://%s.snowflakecomputing.com",
								  opts->account);
	MemoryContextSwitchTo(oldcxt);

	conn->allow_plain_http = snowfdw_url_is_loopback(conn->base_url);
	conn->serverid = serverid;
	conn->signer = signer;
	conn->bearer = NULL;
	conn->bearer_expires = 0;
	conn->requests = 0;
	conn->cache_hits = 0;
	conn->bytes_received = 0;
	conn->invalidated = false;
	conn->server_hashvalue =
		GetSysCacheHashValue1(FOREIGNSERVEROID, ObjectIdGetDatum(serverid));
	conn->mapping_hashvalue =
		GetSysCacheHashValue1(USERMAPPINGOID, ObjectIdGetDatum(mapping->umid));
	conn->paced_wait_us = 0;
	conn->poll_us = 0;
	conn->coalesce_us = 0;
	conn->http = snowfdw_http_session_create(snowfdw_wait_event(SNOWFDW_WAIT_TRANSFER));
}

/*
 * snowfdw_connection_snowflake_wait
 *		Microseconds the session waited on Snowflake: for its transfers,
 *		and between the polls of a 202
 */
int64
snowfdw_connection_snowflake_wait(SnowfdwConnection *conn)
{
	return snowfdw_http_waited_us(conn->http) + conn->poll_us;
}

/*
 * release_connection
 *		Close a session's connections and forget its secrets
 */
static void
release_connection(SnowfdwConnection *conn)
{
	if (conn->http)
		snowfdw_http_session_destroy(conn->http);
	conn->http = NULL;
	conn->in_xact = false;
	conn->invalidated = false;
	if (conn->bearer)
		explicit_bzero(conn->bearer, strlen(conn->bearer));
	if (conn->options)
		snowfdw_wipe_secrets(conn->options);
	if (conn->cxt)
		MemoryContextDelete(conn->cxt);
	conn->cxt = NULL;
	conn->options = NULL;
	conn->bearer = NULL;
}

/*
 * refresh_settings
 *		Take up the current values of the tuning settings
 *
 * A server option only changes with an invalidation, but the snowfdw.*
 * GUCs that stand in for missing options can change at any time, and a
 * SET must apply to the next statement, not to the next session.
 */
static void
refresh_settings(SnowfdwConnection *conn)
{
	SnowfdwOptions *src = snowfdw_get_options(conn->serverid, InvalidOid,
											  InvalidOid);

	snowfdw_refresh_session_options(conn->options, src);
	pfree(src);
}

/*
 * snowfdw_get_connection
 *		Session of the current user's mapping for a server
 */
SnowfdwConnection *
snowfdw_get_connection(Oid serverid, Oid userid)
{
	UserMapping *mapping = GetUserMapping(userid, serverid);
	SnowfdwConnection *conn;
	bool		found;

	snowfdw_connection_init();
	conn = hash_search(ConnectionHash, &mapping->umid, HASH_ENTER, &found);
	if (!found)
	{
		conn->http = NULL;
		conn->cxt = NULL;
		conn->options = NULL;
		conn->bearer = NULL;
		conn->in_xact = false;
		conn->invalidated = false;
	}
	/* a session this transaction already uses stays until it ends */
	if (conn->http != NULL && conn->invalidated && !conn->in_xact)
		release_connection(conn);
	if (conn->http == NULL)
	{
		PG_TRY();
		{
			make_connection(conn, serverid, mapping);
		}
		PG_CATCH();
		{
			release_connection(conn);
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	else if (!conn->invalidated)
		refresh_settings(conn);
	conn->in_xact = true;
	return conn;
}

/*
 * snowfdw_connection_bearer
 *		Token to send, making or renewing the key-pair JWT as needed
 */
const char *
snowfdw_connection_bearer(SnowfdwConnection *conn, bool renew)
{
	SnowfdwOptions *opts = conn->options;
	int64		now = (int64) time(NULL);
	char	   *jwt;

	if (opts->private_key == NULL)
		return opts->token;
	if (conn->bearer && !renew &&
		now < conn->bearer_expires - SNOWFDW_JWT_RENEW_MARGIN)
		return conn->bearer;

	jwt = snowfdw_build_keypair_jwt(opts->account, opts->user,
									opts->private_key,
									opts->private_key_passphrase,
									now, SNOWFDW_JWT_LIFETIME);
	if (conn->bearer)
	{
		explicit_bzero(conn->bearer, strlen(conn->bearer));
		pfree(conn->bearer);
	}
	conn->bearer = MemoryContextStrdup(conn->cxt, jwt);
	explicit_bzero(jwt, strlen(jwt));
	pfree(jwt);
	conn->bearer_expires = now + SNOWFDW_JWT_LIFETIME;
	return conn->bearer;
}

/*
 * snowfdw_get_connections
 *		List cached sessions: server name, user name, validity, requests
 */
Datum
snowfdw_get_connections(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HASH_SEQ_STATUS scan;
	SnowfdwConnection *conn;

	InitMaterializedSRF(fcinfo, 0);
	if (ConnectionHash == NULL)
		PG_RETURN_VOID();
	hash_seq_init(&scan, ConnectionHash);
	while ((conn = hash_seq_search(&scan)) != NULL)
	{
		Datum		values[4];
		bool		nulls[4] = {false, false, false, false};
		HeapTuple	tup;
		Oid			userid = InvalidOid;

		if (conn->http == NULL)
			continue;
		tup = SearchSysCache1(USERMAPPINGOID, ObjectIdGetDatum(conn->umid));
		if (HeapTupleIsValid(tup))
		{
			userid = ((Form_pg_user_mapping) GETSTRUCT(tup))->umuser;
			ReleaseSysCache(tup);
		}
		values[0] = CStringGetTextDatum(conn->server_name);
		if (OidIsValid(userid))
			values[1] = CStringGetTextDatum(GetUserNameFromId(userid, false));
		else if (HeapTupleIsValid(tup))
			values[1] = CStringGetTextDatum("public");
		else
			nulls[1] = true;
		values[2] = BoolGetDatum(!conn->invalidated);
		values[3] = Int64GetDatum(conn->requests);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	PG_RETURN_VOID();
}

/*
 * close_if_unused
 *		Close a session unless the current transaction uses it
 *
 * A scan of this transaction (a cursor, say) may still point at a session
 * in use, so it is left open with a warning, as postgres_fdw does.
 */
static bool
close_if_unused(SnowfdwConnection *conn)
{
	if (conn->in_xact)
	{
		ereport(WARNING,
				(errmsg("cannot close connection for server \"%s\" because it is still in use",
						conn->server_name)));
		return false;
	}
	release_connection(conn);
	return true;
}

/*
 * snowfdw_disconnect
 *		Close the current backend's sessions to one server
 */
Datum
snowfdw_disconnect(PG_FUNCTION_ARGS)
{
	ForeignServer *server = GetForeignServerByName(NameStr(*PG_GETARG_NAME(0)),
												   false);
	HASH_SEQ_STATUS scan;
	SnowfdwConnection *conn;
	bool		closed = false;

	if (ConnectionHash == NULL)
		PG_RETURN_BOOL(false);
	hash_seq_init(&scan, ConnectionHash);
	while ((conn = hash_seq_search(&scan)) != NULL)
	{
		if (conn->http != NULL && conn->serverid == server->serverid)
			closed |= close_if_unused(conn);
	}
	PG_RETURN_BOOL(closed);
}

/*
 * snowfdw_disconnect_all
 *		Close all sessions of the current backend
 */
Datum
snowfdw_disconnect_all(PG_FUNCTION_ARGS)
{
	HASH_SEQ_STATUS scan;
	SnowfdwConnection *conn;
	bool		closed = false;

	if (ConnectionHash == NULL)
		PG_RETURN_BOOL(false);
	hash_seq_init(&scan, ConnectionHash);
	while ((conn = hash_seq_search(&scan)) != NULL)
	{
		if (conn->http != NULL)
			closed |= close_if_unused(conn);
	}
	PG_RETURN_BOOL(closed);
}
