/*-------------------------------------------------------------------------
 *
 * scanned.c
 *		  Objects an UPDATE's own scan fetched, kept for the PUTs that follow
 *
 * A pipelined UPDATE replaces each schema with its full definition, the
 * SET columns merged in.  When the scan under it fetched the schemas one
 * by one (name = or IN: GET of each object, never from the cache, since
 * the scan of a target relation bypasses it), that definition was fetched
 * moments ago by the same statement; the PUT is built from it instead of
 * a second GET of the same path.  A listing's rows are not kept: the
 * pipeline fetches those objects itself.
 *
 * The modify node asks for a store in BeginForeignModify, before any row
 * is read; the scan of the same relation in the same EState finds it and
 * keeps each fetched object as JSON text.  The store lives in a child of
 * the query's memory context and unregisters itself when that goes, on
 * success or error.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/scanned.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "snowfdw.h"

/* Objects with one hash of their identity */
typedef struct ScannedBucket
{
	uint64		hash;			/* key */
	List	   *objects;		/* ScannedObject */
} ScannedBucket;

typedef struct ScannedObject
{
	char	   *identity;		/* scopes and name, see object_identity */
	char	   *json;			/* the object as fetched */
} ScannedObject;

struct SnowfdwScanned
{
	EState	   *estate;
	Oid			relid;
	MemoryContext cxt;
	HTAB	   *objects;		/* ScannedBucket */
	SnowfdwScanned *next;
};

/* Stores of the statements running in this backend (nested ones too) */
static SnowfdwScanned *stores = NULL;

/*
 * forget_store
 *		Unregister a store whose memory goes
 */
static void
forget_store(void *arg)
{
	SnowfdwScanned *store = arg;
	SnowfdwScanned **link;

	for (link = &stores; *link != NULL; link = &(*link)->next)
	{
		if (*link == store)
		{
			*link = store->next;
			break;
		}
	}
}

/*
 * snowfdw_scanned_begin
 *		A store for the objects that the scan of relid fetches in this
 *		statement
 */
SnowfdwScanned *
snowfdw_scanned_begin(EState *estate, Oid relid)
{
	MemoryContext cxt = AllocSetContextCreate(estate->es_query_cxt,
											  "snowfdw scanned objects",
											  ALLOCSET_DEFAULT_SIZES);
	SnowfdwScanned *store = MemoryContextAllocZero(cxt, sizeof(SnowfdwScanned));
	MemoryContextCallback *callback;
	HASHCTL		ctl;

	store->estate = estate;
	store->relid = relid;
	store->cxt = cxt;
	ctl.keysize = sizeof(uint64);
	ctl.entrysize = sizeof(ScannedBucket);
	ctl.hcxt = cxt;
	store->objects = hash_create("snowfdw scanned objects", 64, &ctl,
								 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	callback = MemoryContextAllocZero(cxt, sizeof(MemoryContextCallback));
	callback->func = forget_store;
	callback->arg = store;
	MemoryContextRegisterResetCallback(cxt, callback);
	store->next = stores;
	stores = store;
	return store;
}

/*
 * snowfdw_scanned_find_store
 *		The store a modify node of this statement made for relid, or NULL
 */
SnowfdwScanned *
snowfdw_scanned_find_store(EState *estate, Oid relid)
{
	SnowfdwScanned *store;

	for (store = stores; store != NULL; store = store->next)
		if (store->estate == estate && store->relid == relid)
			return store;
	return NULL;
}

/*
 * object_identity
 *		Scope values and name, separated by a byte no identifier holds
 */
static char *
object_identity(char *const *scope, const char *name)
{
	StringInfoData buf;
	int			level;

	initStringInfo(&buf);
	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
	{
		if (scope[level])
			appendStringInfoString(&buf, scope[level]);
		appendStringInfoChar(&buf, '\x1f');
	}
	appendStringInfoString(&buf, name);
	return buf.data;
}

/*
 * snowfdw_scanned_keep
 *		Keep a fetched object under its scope and name
 */
void
snowfdw_scanned_keep(SnowfdwScanned *store, char *const *scope,
					 const SnowfdwJson *object)
{
	const char *name = snowfdw_json_object_string(object, "name");
	MemoryContext oldcxt;
	ScannedObject *kept;
	ScannedBucket *bucket;
	char	   *identity;
	uint64		hash;
	bool		found;
	ListCell   *lc;

	if (name == NULL)
		return;
	oldcxt = MemoryContextSwitchTo(store->cxt);
	identity = object_identity(scope, name);
	hash = hash_bytes_extended((const unsigned char *) identity,
							   strlen(identity), 0);
	bucket = hash_search(store->objects, &hash, HASH_ENTER, &found);
	if (!found)
		bucket->objects = NIL;
	foreach(lc, bucket->objects)
	{
		kept = lfirst(lc);
		/* a rescan fetched it again: the newest copy counts */
		if (strcmp(kept->identity, identity) == 0)
		{
			kept->json = snowfdw_json_to_text(object);
			MemoryContextSwitchTo(oldcxt);
			return;
		}
	}
	kept = palloc(sizeof(ScannedObject));
	kept->identity = identity;
	kept->json = snowfdw_json_to_text(object);
	bucket->objects = lappend(bucket->objects, kept);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * snowfdw_scanned_find
 *		The object kept under a scope and name, parsed in the current
 *		memory context, or NULL
 */
SnowfdwJson *
snowfdw_scanned_find(SnowfdwScanned *store, char *const *scope,
					 const char *name)
{
	char	   *identity = object_identity(scope, name);
	uint64		hash = hash_bytes_extended((const unsigned char *) identity,
										   strlen(identity), 0);
	ScannedBucket *bucket = hash_search(store->objects, &hash, HASH_FIND, NULL);
	ListCell   *lc;

	if (bucket == NULL)
		return NULL;
	foreach(lc, bucket->objects)
	{
		ScannedObject *kept = lfirst(lc);
		char	   *error = NULL;

		if (strcmp(kept->identity, identity) == 0)
			return snowfdw_json_parse(kept->json, strlen(kept->json), &error);
	}
	return NULL;
}
