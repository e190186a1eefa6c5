/*-------------------------------------------------------------------------
 *
 * signer.c
 *		  The signer of a request: the server and user mapping, in the
 *		  catalog versions its options were read from
 *
 * Whatever is learned from an answer (a cached response, a hold-off, a
 * measurement, an in-flight marker) is keyed by the signer of its request
 * (see SnowfdwSigner in options.h).  This file finds the signer a user's
 * requests would have now, and tells whether a signer's versions are still
 * the catalog's.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/signer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_user_mapping.h"
#include "miscadmin.h"
#include "utils/inval.h"
#include "utils/syscache.h"

#include "model/options.h"

/*
 * snowfdw_catalog_version
 *		Raw xmin of a server or user mapping catalog row, or 0 if it is gone
 */
TransactionId
snowfdw_catalog_version(int cacheid, Oid oid)
{
	HeapTuple	tuple = SearchSysCache1(cacheid, ObjectIdGetDatum(oid));
	TransactionId version;

	if (!HeapTupleIsValid(tuple))
		return InvalidTransactionId;
	version = HeapTupleHeaderGetRawXmin(tuple->t_data);
	ReleaseSysCache(tuple);
	return version;
}

/*
 * snowfdw_find_signer
 *		The signer a user's requests to a server would have now; false if
 *		the user has no user mapping for it (no error: the planner asks)
 */
bool
snowfdw_find_signer(Oid serverid, Oid userid, SnowfdwSigner *signer)
{
	HeapTuple	tuple;

	tuple = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
							ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tuple))
		tuple = SearchSysCache2(USERMAPPINGUSERSERVER,
								ObjectIdGetDatum(InvalidOid),
								ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tuple))
		return false;
	memset(signer, 0, sizeof(SnowfdwSigner));
	signer->dbid = MyDatabaseId;
	signer->serverid = serverid;
	signer->umid = ((Form_pg_user_mapping) GETSTRUCT(tuple))->oid;
	signer->mapping_xmin = HeapTupleHeaderGetRawXmin(tuple->t_data);
	ReleaseSysCache(tuple);
	signer->server_xmin = snowfdw_catalog_version(FOREIGNSERVEROID, serverid);
	return true;
}

/*
 * snowfdw_signer_is_current
 *		Whether the catalog still holds the versions a signer was made from
 *
 * Asked before an answer is kept for other statements: an answer signed
 * by options that an ALTER has replaced since is for its own statement
 * only.  Invalidations are taken up first, so that a change committed
 * while the request was under way is seen.
 */
bool
snowfdw_signer_is_current(const SnowfdwSigner *signer)
{
	AcceptInvalidationMessages();
	return signer->dbid == MyDatabaseId &&
		snowfdw_catalog_version(FOREIGNSERVEROID, signer->serverid) == signer->server_xmin &&
		snowfdw_catalog_version(USERMAPPINGOID, signer->umid) == signer->mapping_xmin;
}

