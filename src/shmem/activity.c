/*-------------------------------------------------------------------------
 *
 * activity.c
 *		  Requests under way: a few slots per backend, read without a lock
 *
 * Each backend owns SNOWFDW_ACTIVITY_SLOTS slots, one per request it has
 * under way (the calls layer, calls/progress.c, says what each does).
 * Preloaded, every backend's slots are in one array in the main shared
 * memory segment, indexed by the backend's PGPROC number, so that
 * snowfdw_activity shows the whole cluster; not preloaded, this backend's
 * own slots are in its memory and it sees only them.  A backend with more
 * requests under way at once than it has slots leaves the rest out: they
 * run as ever, unseen.
 *
 * Nobody takes a lock.  Only the owner writes its slots, with the
 * changecount protocol of PostgreSQL's backend status array (pgstat's
 * st_changecount): the count is odd while a write is in progress, and is
 * raised before and after, with write barriers; a reader copies a slot
 * between two reads of the count and tries again until both are the same
 * even number.  A write is a few stores and copies that cannot fail, in a
 * critical section as pgstat's are, so that the count is never left odd.
 *
 * A slot goes back at the end of its call, and whatever happens to the
 * call: at the abort of the subtransaction that took it, at the end of the
 * transaction, and when the backend exits.  The writer's handle carries a
 * generation, so that a call whose slot went back (its subtransaction
 * aborted) writes nowhere afterwards.
 *
 * Privacy, as snowfdw_stats: a role sees the rows of requests made as a
 * role whose privileges it has; pg_read_all_stats sees every row.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/activity.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/twophase.h"
#include "access/xact.h"
#include "catalog/pg_authid.h"
#include "commands/dbcommands.h"	/* get_database_name before 19 */
#include "funcapi.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"	/* get_database_name from 19 on */
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "compat.h"
#include "shmem/activity.h"
#include "shmem/shmem.h"

/* Name of the struct in shmem.c */
#define ACTIVITY_SHMEM_NAME "snowfdw activity"

#define ACTIVITY_COLUMNS 14

/* One request under way, as readers see it */
typedef struct ActivitySlot
{
	uint32		changecount;	/* odd while its owner writes */
	bool		in_use;
	int			pid;
	Oid			dbid;
	Oid			userid;			/* the role the request is made as */
	uint8		state;			/* a SnowfdwActivityState */
	int32		attempt;
	int32		pages;
	TimestampTz started;
	TimestampTz since;			/* when it entered its state */
	int64		bytes_received;
	int64		rows_delivered;
	char		method[8];
	char		server[NAMEDATALEN];
	char		request_id[SNOWFDW_ACTIVITY_REQUEST_ID];
	char		path[SNOWFDW_ACTIVITY_PATH];
} ActivitySlot;

/* The struct: every backend's slots, backend after backend */
typedef struct ActivityControl
{
	int			nbackends;
	ActivitySlot slots[FLEXIBLE_ARRAY_MEMBER];
} ActivityControl;

/* What this backend knows of its own slots */
typedef struct OwnSlot
{
	uint32		generation;		/* of the handle that holds it; 0: free */
	SubTransactionId subid;		/* that took it */
} OwnSlot;

static const char *const state_names[] = {
	[SNOWFDW_STATE_QUEUED] = "queued",
	[SNOWFDW_STATE_PACED] = "paced",
	[SNOWFDW_STATE_HELD_OFF] = "held off",
	[SNOWFDW_STATE_SENDING] = "sending",
	[SNOWFDW_STATE_RECEIVING] = "receiving",
	[SNOWFDW_STATE_POLLING] = "polling",
	[SNOWFDW_STATE_WAITING] = "waiting",
	[SNOWFDW_STATE_REFRESHING] = "refreshing",
};

static ActivityControl *control = NULL; /* once found */
static ActivitySlot *mine = NULL;	/* this backend's slots, or NULL */
static bool looked = false;		/* whether mine was looked for */
static OwnSlot own[SNOWFDW_ACTIVITY_SLOTS];
static int	nown = 0;			/* slots held */
static uint32 next_generation = 1;

PG_FUNCTION_INFO_V1(snowfdw_activity_raw);

/*
 * Write a slot of this backend's (the changecount protocol)
 */
#define BEGIN_WRITE(slot) \
	do { \
		START_CRIT_SECTION(); \
		(slot)->changecount++; \
		pg_write_barrier(); \
	} while (0)

#define END_WRITE(slot) \
	do { \
		pg_write_barrier(); \
		(slot)->changecount++; \
		Assert(((slot)->changecount & 1) == 0); \
		END_CRIT_SECTION(); \
	} while (0)

/*
 * activity_size
 *		Size of the struct: slots for every PGPROC when preloaded, for this
 *		backend alone otherwise
 */
static Size
activity_size(void)
{
	Size		nbackends = 1;

	if (snowfdw_shmem_is_shared())
		nbackends = (Size) MaxBackends + NUM_AUXILIARY_PROCS +
			max_prepared_xacts;
	return add_size(offsetof(ActivityControl, slots),
					mul_size(mul_size(nbackends, SNOWFDW_ACTIVITY_SLOTS),
							 sizeof(ActivitySlot)));
}

/*
 * activity_struct_init
 *		Set up the struct, once (shmem.c zeroed it)
 */
static void
activity_struct_init(void *ptr)
{
	ActivityControl *c = ptr;

	c->nbackends = (int) ((activity_size() - offsetof(ActivityControl, slots)) /
						  (SNOWFDW_ACTIVITY_SLOTS * sizeof(ActivitySlot)));
}

/*
 * snowfdw_activity_init
 *		Module load: register the struct with shmem.c
 */
void
snowfdw_activity_init(void)
{
	snowfdw_shmem_register_sized(ACTIVITY_SHMEM_NAME, activity_size,
								 activity_struct_init);
}

/*
 * release_all
 *		Give back every slot of this backend (transaction end, exit)
 *
 * Runs in abort callbacks: nothing here can raise an error.
 */
static void
release_all(void)
{
	int			i;

	if (nown == 0 || mine == NULL)
		return;
	for (i = 0; i < SNOWFDW_ACTIVITY_SLOTS; i++)
	{
		if (own[i].generation == 0)
			continue;
		BEGIN_WRITE(&mine[i]);
		mine[i].in_use = false;
		END_WRITE(&mine[i]);
		own[i].generation = 0;
	}
	nown = 0;
}

/*
 * activity_exit
 *		on_shmem_exit: the slots go with the backend
 */
static void
activity_exit(int code, Datum arg)
{
	release_all();
	mine = NULL;
}

/*
 * activity_xact_callback
 *		Transaction end: every request of the transaction has ended
 */
static void
activity_xact_callback(XactEvent event, void *arg)
{
	if (snowfdw_xact_ending(event))
		release_all();
}

/*
 * activity_subxact_callback
 *		Subtransaction abort gives back the slots it took; its commit hands
 *		them to its parent
 */
static void
activity_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						  SubTransactionId parentSubid, void *arg)
{
	int			i;

	if (nown == 0 || mine == NULL)
		return;
	for (i = 0; i < SNOWFDW_ACTIVITY_SLOTS; i++)
	{
		if (own[i].generation == 0 || own[i].subid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_COMMIT_SUB)
			own[i].subid = parentSubid;
		else if (event == SUBXACT_EVENT_ABORT_SUB)
		{
			BEGIN_WRITE(&mine[i]);
			mine[i].in_use = false;
			END_WRITE(&mine[i]);
			own[i].generation = 0;
			nown--;
		}
	}
}

/*
 * find_mine
 *		This backend's slots, found once; NULL when it has none (a process
 *		with no PGPROC, or beyond the array)
 */
static ActivitySlot *
find_mine(void)
{
	int			index = 0;

	if (looked)
		return mine;
	looked = true;
	if (control == NULL)
		control = snowfdw_shmem_struct(ACTIVITY_SHMEM_NAME);
	if (snowfdw_shmem_is_shared())
	{
		if (MyProc == NULL)
			return NULL;
		index = (int) (MyProc - ProcGlobal->allProcs);
		if (index < 0 || index >= control->nbackends)
			return NULL;
	}
	mine = &control->slots[index * SNOWFDW_ACTIVITY_SLOTS];
	RegisterXactCallback(activity_xact_callback, NULL);
	RegisterSubXactCallback(activity_subxact_callback, NULL);
	on_shmem_exit(activity_exit, (Datum) 0);
	return mine;
}

/*
 * own_slot
 *		The slot a handle holds, or NULL if it went back
 */
static ActivitySlot *
own_slot(SnowfdwActivity a)
{
	int			i = (int) (a % SNOWFDW_ACTIVITY_SLOTS);

	if (a == 0 || mine == NULL ||
		own[i].generation != a / SNOWFDW_ACTIVITY_SLOTS)
		return NULL;
	return &mine[i];
}

/*
 * copy_path
 *		A path into a slot, with "..." in place of what does not fit
 */
static void
copy_path(char *dst, const char *path)
{
	size_t		len = strlen(path);

	if (len < SNOWFDW_ACTIVITY_PATH)
	{
		memcpy(dst, path, len + 1);
		return;
	}
	memcpy(dst, path, SNOWFDW_ACTIVITY_PATH - 4);
	memcpy(dst + SNOWFDW_ACTIVITY_PATH - 4, "...", 4);
}

/*
 * snowfdw_activity_begin
 *		Take a slot for a request under way; 0 when every slot is taken
 *
 * The request is made as the current role (GetUserId), in the current
 * database.
 */
SnowfdwActivity
snowfdw_activity_begin(const char *server, const char *method,
					   const char *path, SnowfdwActivityState state)
{
	TimestampTz now = GetCurrentTimestamp();
	ActivitySlot *slot;
	uint32		generation;
	int			i;

	if (find_mine() == NULL || nown >= SNOWFDW_ACTIVITY_SLOTS)
		return 0;
	for (i = 0; i < SNOWFDW_ACTIVITY_SLOTS; i++)
		if (own[i].generation == 0)
			break;
	Assert(i < SNOWFDW_ACTIVITY_SLOTS);
	generation = next_generation++;
	/* a handle is generation * slots + slot, never 0 */
	if (next_generation > PG_UINT32_MAX / SNOWFDW_ACTIVITY_SLOTS)
		next_generation = 1;
	own[i].generation = generation;
	own[i].subid = GetCurrentSubTransactionId();
	nown++;

	slot = &mine[i];
	BEGIN_WRITE(slot);
	slot->in_use = true;
	slot->pid = MyProcPid;
	slot->dbid = MyDatabaseId;
	slot->userid = GetUserId();
	slot->state = (uint8) state;
	slot->attempt = 0;
	slot->pages = 0;
	slot->started = now;
	slot->since = now;
	slot->bytes_received = 0;
	slot->rows_delivered = 0;
	strlcpy(slot->method, method, sizeof(slot->method));
	strlcpy(slot->server, server ? server : "", sizeof(slot->server));
	slot->request_id[0] = '\0';
	copy_path(slot->path, path);
	END_WRITE(slot);
	return generation * SNOWFDW_ACTIVITY_SLOTS + i;
}

/*
 * snowfdw_activity_state
 *		A request entered a state (the same state keeps its since)
 */
void
snowfdw_activity_state(SnowfdwActivity a, SnowfdwActivityState state)
{
	ActivitySlot *slot = own_slot(a);

	if (slot == NULL || slot->state == (uint8) state)
		return;
	BEGIN_WRITE(slot);
	slot->state = (uint8) state;
	slot->since = GetCurrentTimestamp();
	END_WRITE(slot);
}

/*
 * snowfdw_activity_attempt
 *		A request's attempt was sent
 */
void
snowfdw_activity_attempt(SnowfdwActivity a, int attempt,
						 SnowfdwActivityState state)
{
	ActivitySlot *slot = own_slot(a);

	if (slot == NULL)
		return;
	BEGIN_WRITE(slot);
	slot->attempt = attempt;
	slot->state = (uint8) state;
	slot->since = GetCurrentTimestamp();
	END_WRITE(slot);
}

/*
 * snowfdw_activity_request_id
 *		Snowflake's ID of a request's last answer
 */
void
snowfdw_activity_request_id(SnowfdwActivity a, const char *id)
{
	ActivitySlot *slot = own_slot(a);

	if (slot == NULL || id == NULL)
		return;
	BEGIN_WRITE(slot);
	strlcpy(slot->request_id, id, sizeof(slot->request_id));
	END_WRITE(slot);
}

/*
 * snowfdw_activity_add
 *		Bytes received, rows handed to the executor, pages read
 */
void
snowfdw_activity_add(SnowfdwActivity a, int64 bytes, int64 rows, int pages)
{
	ActivitySlot *slot = own_slot(a);

	if (slot == NULL)
		return;
	BEGIN_WRITE(slot);
	slot->bytes_received += bytes;
	slot->rows_delivered += rows;
	slot->pages += pages;
	END_WRITE(slot);
}

/*
 * snowfdw_activity_end
 *		A request ended: its slot goes back
 */
void
snowfdw_activity_end(SnowfdwActivity a)
{
	ActivitySlot *slot = own_slot(a);
	int			i = (int) (a % SNOWFDW_ACTIVITY_SLOTS);

	if (slot == NULL)
		return;
	BEGIN_WRITE(slot);
	slot->in_use = false;
	END_WRITE(slot);
	own[i].generation = 0;
	nown--;
}

/*
 * read_slot
 *		Copy a slot as it stands between two of its owner's writes; false
 *		if it is free
 *
 * The owner never waits for a reader, so a reader that keeps finding a
 * write in progress only retries; a backend being written right now is the
 * same few stores, so this ends at once in practice.
 */
static bool
read_slot(volatile ActivitySlot *slot, ActivitySlot *copy)
{
	for (;;)
	{
		uint32		before = slot->changecount;
		uint32		after;
		bool		in_use;

		pg_read_barrier();
		in_use = slot->in_use;
		if (in_use)
			memcpy(copy, (ActivitySlot *) slot, sizeof(ActivitySlot));
		pg_read_barrier();
		after = slot->changecount;
		if (before == after && (before & 1) == 0)
			return in_use;
		CHECK_FOR_INTERRUPTS();
	}
}

/*
 * snowfdw_activity_raw
 *		SQL function: one row per request under way that the caller may see
 */
Datum
snowfdw_activity_raw(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			me = GetUserId();
	bool		read_all = has_privs_of_role(me, ROLE_PG_READ_ALL_STATS);
	ActivitySlot copy;
	Oid			last_db = InvalidOid;
	Oid			last_user = InvalidOid;
	char	   *db_name = NULL;
	char	   *user_name = NULL;
	int			nslots;
	int			i;

	InitMaterializedSRF(fcinfo, 0);
	if (control == NULL)
		control = snowfdw_shmem_struct(ACTIVITY_SHMEM_NAME);
	nslots = control->nbackends * SNOWFDW_ACTIVITY_SLOTS;
	for (i = 0; i < nslots; i++)
	{
		Datum		values[ACTIVITY_COLUMNS];
		bool		nulls[ACTIVITY_COLUMNS];
		int			c = 0;

		if (!read_slot(&control->slots[i], &copy))
			continue;
		if (!read_all && !has_privs_of_role(me, copy.userid))
			continue;
		copy.method[sizeof(copy.method) - 1] = '\0';
		copy.server[sizeof(copy.server) - 1] = '\0';
		copy.request_id[sizeof(copy.request_id) - 1] = '\0';
		copy.path[sizeof(copy.path) - 1] = '\0';
		memset(nulls, 0, sizeof(nulls));

		/* a backend's slots come in a row: names are looked up once */
		if (copy.dbid != last_db)
		{
			db_name = get_database_name(copy.dbid);
			last_db = copy.dbid;
		}
		if (copy.userid != last_user)
		{
			user_name = GetUserNameFromId(copy.userid, true);
			last_user = copy.userid;
		}
		values[c++] = Int32GetDatum(copy.pid);
		nulls[c] = db_name == NULL;
		values[c++] = db_name ? CStringGetTextDatum(db_name) : (Datum) 0;
		values[c++] = CStringGetTextDatum(copy.server);
		nulls[c] = user_name == NULL;
		values[c++] = user_name ? CStringGetTextDatum(user_name) : (Datum) 0;
		values[c++] = CStringGetTextDatum(copy.method);
		values[c++] = CStringGetTextDatum(copy.path);
		values[c++] = CStringGetTextDatum(copy.state < lengthof(state_names) ?
										  state_names[copy.state] : "?");
		values[c++] = TimestampTzGetDatum(copy.since);
		values[c++] = TimestampTzGetDatum(copy.started);
		values[c++] = Int32GetDatum(copy.attempt);
		values[c++] = Int64GetDatum(copy.bytes_received);
		values[c++] = Int64GetDatum(copy.rows_delivered);
		values[c++] = Int32GetDatum(copy.pages);
		nulls[c] = copy.request_id[0] == '\0';
		values[c++] = CStringGetTextDatum(copy.request_id);
		Assert(c == ACTIVITY_COLUMNS);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	return (Datum) 0;
}

#ifdef SNOWFDW_FAULT_INJECTION

PG_FUNCTION_INFO_V1(snowfdw_fault_fill_activity);

/*
 * snowfdw_fault_fill_activity
 *		SQL function of the test build: take n slots of this backend for
 *		requests that are not under way (GET /api/v2/fill/i, state sending),
 *		held until the transaction or subtransaction ends; returns how many
 *		it got
 *
 * The bench fills every backend's slots this way, and the tests see what
 * happens past the last slot and at a subtransaction's abort.
 */
Datum
snowfdw_fault_fill_activity(PG_FUNCTION_ARGS)
{
	int32		n = PG_GETARG_INT32(0);
	int32		got = 0;
	int32		i;

	for (i = 0; i < n; i++)
	{
		char		path[64];

		snprintf(path, sizeof(path), "/api/v2/fill/%d", i + 1);
		if (snowfdw_activity_begin("fill", "GET", path,
								   SNOWFDW_STATE_SENDING) != 0)
			got++;
	}
	PG_RETURN_INT32(got);
}

#endif							/* SNOWFDW_FAULT_INJECTION */
