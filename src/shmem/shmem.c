/*-------------------------------------------------------------------------
 *
 * shmem.c
 *		  Shared state of snowfdw: fixed structs, one DSA area, dshash tables
 *
 * This file alone talks to PostgreSQL's shared-memory set-up: it chains
 * shmem_request_hook and shmem_startup_hook, makes snowfdw's LWLock
 * tranches, one per lock or kind of lock ("snowfdw cache", "snowfdw DSA",
 * "snowfdw cache partitions", "snowfdw in-flight", "snowfdw pacer", ...:
 * the wait event pg_stat_activity shows; named in a way that works from 15
 * to 19), and owns the one DSA
 * area and the handles of the dshash tables in it.  The other files say
 * what they need from _PG_init and get it back by name:
 *
 *	snowfdw_shmem_register(name, size, init)
 *		A fixed-size struct.  Preloaded, it lives in the main shared memory
 *		segment, and init(ptr) runs once, at postmaster start-up.  Not
 *		preloaded, it is backend-local (zeroed, in TopMemoryContext) and
 *		init(ptr) runs at the first snowfdw_shmem_struct(name).  init must
 *		not raise errors; LWLocks in the struct use snowfdw_shmem_lock_init.
 *	snowfdw_shmem_register_sized(name, size_fn, init)
 *		The same, for a struct whose size is known only once the server's
 *		settings are (max_connections and the like, which _PG_init cannot
 *		read yet): size_fn() is asked in shmem_request_hook when preloaded,
 *		at first use otherwise (it may ask snowfdw_shmem_is_shared()).
 *	snowfdw_shmem_struct(name)
 *		The struct, never NULL (an unregistered name is an elog ERROR).
 *	snowfdw_shmem_register_table(name, params)
 *		A dshash table in the shared DSA area (preloaded only; the caller
 *		keeps its own backend-local structure otherwise).  params is copied;
 *		its tranche_id is set here ("<name> partitions").
 *	snowfdw_shmem_table(name)
 *		The table, attached on first use; NULL when not preloaded.
 *	snowfdw_shmem_area()
 *		The DSA area the tables live in, for data the entries point to;
 *		NULL when not preloaded.
 *	snowfdw_shmem_is_shared()
 *		Whether snowfdw is preloaded, so that all of the above is shared.
 *	snowfdw_shmem_lock_init(lock, name)
 *		Initialize a lock of a registered struct (from its init function)
 *		in a tranche of its own, "snowfdw <name>", and name it for
 *		snowfdw_shmem_locks_held.
 *	snowfdw_shmem_locks_held(&name)
 *		How many of those locks, and of this file's, this backend holds,
 *		and the name of one: the test build checks that no error is raised
 *		while one is held (below).
 *
 * Registration happens in _PG_init only (up to SHMEM_MAX_STRUCTS structs
 * and SHMEM_MAX_TABLES tables), in the same order in every process.
 *
 * Attaching the area raises no error under a lock: a backend that finds no
 * published area makes its own area and tables with no lock held, then
 * takes the control lock only to publish their handles if they are still
 * unset; a backend that lost that race drops its area and attaches to the
 * published one, again with no lock held.  An area made in vain is
 * released with the resource owner if an error comes before it is pinned.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/shmem.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "lib/dshash.h"
#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "utils/dsa.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "compat.h"
#include "shmem/fault.h"
#include "shmem/shmem.h"

static int	snowfdw_shmem_tranche(const char *name);

#define SHMEM_MAX_STRUCTS 8
#define SHMEM_MAX_TABLES 8
#define SHMEM_MAX_LOCKS 8

/*
 * The wait event names of snowfdw's locks, one tranche each: "snowfdw
 * control", "snowfdw DSA", "snowfdw <table> partitions" for each table's
 * partition locks, and "snowfdw <name>" for each named lock of a struct,
 * so that pg_stat_activity tells which one a backend waits on
 */
#define SHMEM_MAX_TRANCHES (2 + SHMEM_MAX_TABLES + SHMEM_MAX_LOCKS)
#define CONTROL_TRANCHE "snowfdw control"
#define AREA_TRANCHE "snowfdw DSA"

/* A registered fixed-size struct */
typedef struct ShmemStruct
{
	const char *name;
	Size		size;			/* 0 until size_fn was asked */
	SnowfdwShmemSize size_fn;	/* or NULL: size is fixed */
	SnowfdwShmemInit init;
	void	   *ptr;			/* NULL until found or made */
} ShmemStruct;

/* A registered dshash table */
typedef struct ShmemTable
{
	const char *name;
	dshash_parameters params;
	dshash_table *table;		/* NULL until attached */
} ShmemTable;

/* A lock of a registered struct, known by name */
typedef struct ShmemNamedLock
{
	const char *name;
	LWLock	   *lock;
} ShmemNamedLock;

/* A tranche made at start-up, with the name every backend gives it */
typedef struct ShmemTranche
{
	int			id;
	char		name[NAMEDATALEN];
} ShmemTranche;

/* In shared memory: the tranches and the handles of the area and tables */
typedef struct ShmemControl
{
	LWLock		lock;			/* guards the handles */
	int			ntranches;		/* made in shmem_startup only */
	ShmemTranche tranches[SHMEM_MAX_TRANCHES];
	dsa_handle	area_handle;	/* DSM_HANDLE_INVALID until published */
	dshash_table_handle table_handles[SHMEM_MAX_TABLES];
} ShmemControl;

static bool shared_mode = false;
static ShmemStruct structs[SHMEM_MAX_STRUCTS];
static int	nstructs = 0;
static ShmemTable tables[SHMEM_MAX_TABLES];
static int	ntables = 0;
static ShmemNamedLock locks[SHMEM_MAX_LOCKS];
static int	nlocks = 0;
static ShmemControl *control = NULL;
static dsa_area *area = NULL;
static int	tranches_registered = 0;	/* of control's, in this backend */
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static void shmem_request(void);
static void shmem_startup(void);

#ifdef SNOWFDW_FAULT_INJECTION

/*
 * The test build's lock checks and cache clock.  Nothing may raise an
 * error while it holds one of snowfdw's locks.  An error releases every
 * LWLock before any later statement can look, so the test build looks
 * when the error is raised: a fault point's own error
 * (snowfdw_fault_error), and any error reported to the client or the log
 * (emit_log_hook runs before the abort releases the locks), becomes an
 * internal error naming the lock (snowfdw_shmem_locks_held names the
 * locks of every registered struct and this file's own).
 *
 * The cache ages its answers against its clock plus an offset kept here,
 * the same in every process (in shared memory when preloaded: an answer
 * the refresh worker stores must look as fresh to the backends as one
 * they stored), so that tests age entries past cache_ttl without waiting
 * for it.  C functions the tests declare for themselves:
 *	snowfdw_fault_locks_held()		snowfdw's named locks this backend holds,
 *									and the interrupt holdoff count, which
 *									every held LWLock raises by one
 *	snowfdw_fault_advance_clock(s)	move the cache's clock s seconds on;
 *									returns the offset in seconds
 */

/* Name of the clock offset's struct */
#define TEST_CLOCK_SHMEM_NAME "snowfdw test clock"

/* The cache clock's offset, shared when preloaded */
typedef struct TestClock
{
	pg_atomic_uint64 offset;	/* microseconds (a non-negative int64) */
} TestClock;

static TestClock *test_clock = NULL;	/* once found */
static emit_log_hook_type prev_emit_log_hook = NULL;

PG_FUNCTION_INFO_V1(snowfdw_fault_locks_held);
PG_FUNCTION_INFO_V1(snowfdw_fault_advance_clock);

static void test_clock_init(void *ptr);
static void check_locks_at_error(ErrorData *edata);

#endif							/* SNOWFDW_FAULT_INJECTION */

/*
 * snowfdw_shmem_init
 *		Module load: reserve shared memory when preloaded
 */
void
snowfdw_shmem_init(void)
{
#ifdef SNOWFDW_FAULT_INJECTION
	snowfdw_shmem_register(TEST_CLOCK_SHMEM_NAME, sizeof(TestClock),
						   test_clock_init);
	prev_emit_log_hook = emit_log_hook;
	emit_log_hook = check_locks_at_error;
#endif
	if (!process_shared_preload_libraries_in_progress)
		return;
	shared_mode = true;
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = shmem_startup;
}

/*
 * snowfdw_shmem_is_shared
 *		Whether the shared state is shared by all backends (preloaded)
 */
bool
snowfdw_shmem_is_shared(void)
{
	return shared_mode;
}

/*
 * snowfdw_shmem_register
 *		Ask for a fixed-size struct (from _PG_init)
 */
void
snowfdw_shmem_register(const char *name, Size size, SnowfdwShmemInit init)
{
	if (shared_mode && !process_shared_preload_libraries_in_progress)
		elog(ERROR, "snowfdw shared memory must be registered from _PG_init");
	if (nstructs >= SHMEM_MAX_STRUCTS)
		elog(ERROR, "too many snowfdw shared memory structs");
	structs[nstructs++] = (ShmemStruct) {
		.name = name,
		.size = size,
		.size_fn = NULL,
		.init = init,
		.ptr = NULL
	};
}

/*
 * snowfdw_shmem_register_sized
 *		Ask for a struct whose size depends on the server's settings (from
 *		_PG_init); size_fn must not raise errors
 */
void
snowfdw_shmem_register_sized(const char *name, SnowfdwShmemSize size_fn,
							 SnowfdwShmemInit init)
{
	snowfdw_shmem_register(name, 0, init);
	structs[nstructs - 1].size_fn = size_fn;
}

/*
 * struct_size
 *		The size of a registered struct, asked of its size function once
 */
static Size
struct_size(ShmemStruct *s)
{
	if (s->size_fn != NULL && s->size == 0)
		s->size = s->size_fn();
	return s->size;
}

/*
 * snowfdw_shmem_register_table
 *		Ask for a dshash table in the shared area (from _PG_init)
 */
void
snowfdw_shmem_register_table(const char *name,
							 const dshash_parameters *params)
{
	if (shared_mode && !process_shared_preload_libraries_in_progress)
		elog(ERROR, "snowfdw shared memory must be registered from _PG_init");
	if (ntables >= SHMEM_MAX_TABLES)
		elog(ERROR, "too many snowfdw shared hash tables");
	tables[ntables].name = name;
	tables[ntables].params = *params;
	tables[ntables].table = NULL;
	ntables++;
}

/*
 * shmem_request
 *		Ask for the space of the control struct and the registered structs
 */
static void
shmem_request(void)
{
	Size		size = MAXALIGN(sizeof(ShmemControl));
	int			i;

	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	for (i = 0; i < nstructs; i++)
		size = add_size(size, MAXALIGN(struct_size(&structs[i])));
	RequestAddinShmemSpace(size);
}

/*
 * shmem_startup
 *		Create or find the control struct and the registered structs
 *
 * The tranche is made first, so that the structs' init functions can give
 * their locks to it.  The area is made on first use, by a backend.
 */
static void
shmem_startup(void)
{
	bool		found;
	int			i;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	control = ShmemInitStruct("snowfdw control", sizeof(ShmemControl), &found);
	if (!found)
	{
		control->ntranches = 0;
		LWLockInitialize(&control->lock, snowfdw_shmem_tranche(CONTROL_TRANCHE));
		(void) snowfdw_shmem_tranche(AREA_TRANCHE);
		for (i = 0; i < ntables; i++)
			(void) snowfdw_shmem_tranche(psprintf("%s partitions",
												  tables[i].name));
		control->area_handle = DSM_HANDLE_INVALID;
		for (i = 0; i < SHMEM_MAX_TABLES; i++)
			control->table_handles[i] = (dshash_table_handle) InvalidDsaPointer;
	}
	for (i = 0; i < nstructs; i++)
	{
		Size		size = struct_size(&structs[i]);

		structs[i].ptr = ShmemInitStruct(structs[i].name, size, &found);
		if (!found)
		{
			memset(structs[i].ptr, 0, size);
			structs[i].init(structs[i].ptr);
		}
	}
	LWLockRelease(AddinShmemInitLock);
}

/*
 * snowfdw_shmem_tranche
 *		The tranche of a lock by its wait event name; every tranche's name is
 *		registered in this backend on first use (before 19, each backend
 *		names them itself)
 *
 * The tranches are made in shmem_startup (the postmaster), as the control
 * struct and the structs' locks are set up; a name not made then gets the
 * control lock's tranche.  Not preloaded, the locks are this backend's
 * alone and nobody waits on them: a built-in tranche serves, rather than
 * new ones per backend (19 caps named tranches cluster-wide).
 */
static int
snowfdw_shmem_tranche(const char *name)
{
	int			i;

	if (!shared_mode)
		return LWTRANCHE_PER_SESSION_DSA;
	if (control == NULL)
		elog(ERROR, "snowfdw shared memory is not initialized");
	for (; tranches_registered < control->ntranches; tranches_registered++)
	{
		ShmemTranche *t = &control->tranches[tranches_registered];

		snowfdw_register_tranche(t->id, t->name);
	}
	for (i = 0; i < control->ntranches; i++)
		if (strcmp(control->tranches[i].name, name) == 0)
			return control->tranches[i].id;
	if (!IsUnderPostmaster && control->ntranches < SHMEM_MAX_TRANCHES)
	{
		ShmemTranche *t = &control->tranches[control->ntranches];

		strlcpy(t->name, name, NAMEDATALEN);
		t->id = snowfdw_new_tranche_id(t->name);
		control->ntranches++;
		return snowfdw_shmem_tranche(name);
	}
	return control->tranches[0].id;
}

/*
 * snowfdw_shmem_struct
 *		A registered struct, made backend-local on first use when not
 *		preloaded
 */
void *
snowfdw_shmem_struct(const char *name)
{
	int			i;

	for (i = 0; i < nstructs; i++)
	{
		ShmemStruct *s = &structs[i];

		if (strcmp(s->name, name) != 0)
			continue;
		if (s->ptr == NULL)
		{
			void	   *ptr;

			if (shared_mode)
				elog(ERROR, "snowfdw shared memory is not initialized");
			ptr = MemoryContextAllocZero(TopMemoryContext, struct_size(s));
			s->init(ptr);
			s->ptr = ptr;
		}
		(void) snowfdw_shmem_tranche(CONTROL_TRANCHE);
		return s->ptr;
	}
	elog(ERROR, "snowfdw shared memory struct \"%s\" is not registered", name);
	return NULL;				/* keep compiler quiet */
}

/*
 * make_area
 *		Make an area and every table in it, with no lock held; their handles
 *		go to the arrays
 *
 * An error on the way releases the area with the resource owner: nothing
 * is pinned yet.
 */
static dsa_area *
make_area(dshash_table **made, dshash_table_handle *handles)
{
	dsa_area   *new_area;
	int			i;

	if (snowfdw_fault("dsa_create"))
		snowfdw_fault_error("dsa_create");
	new_area = dsa_create(snowfdw_shmem_tranche(AREA_TRANCHE));
	for (i = 0; i < ntables; i++)
	{
		if (snowfdw_fault("dshash_create"))
			snowfdw_fault_error("dshash_create");
		made[i] = dshash_create(new_area, &tables[i].params, NULL);
		handles[i] = dshash_get_hash_table_handle(made[i]);
	}
	return new_area;
}

/*
 * attach_area
 *		Attach to the shared area and its tables, making them on first use
 */
static void
attach_area(void)
{
	dsa_handle	published;
	dshash_table_handle handles[SHMEM_MAX_TABLES];
	dshash_table *made[SHMEM_MAX_TABLES];
	dsa_area   *new_area = NULL;
	MemoryContext oldcxt;
	int			i;

	if (area != NULL)
		return;
	if (!shared_mode || control == NULL)
		elog(ERROR, "snowfdw shared memory is not initialized");
	for (i = 0; i < ntables; i++)
		tables[i].params.tranche_id =
			snowfdw_shmem_tranche(psprintf("%s partitions", tables[i].name));

	oldcxt = MemoryContextSwitchTo(TopMemoryContext);
	LWLockAcquire(&control->lock, LW_SHARED);
	published = control->area_handle;
	memcpy(handles, control->table_handles, sizeof(handles));
	LWLockRelease(&control->lock);

	/* (the fault point plays a backend that loses the race to publish) */
	if (published == DSM_HANDLE_INVALID || snowfdw_fault("area_race"))
	{
		dshash_table_handle mine[SHMEM_MAX_TABLES];

		new_area = make_area(made, mine);
		/* pinned before it is published: it must outlive this backend */
		dsa_pin(new_area);
		LWLockAcquire(&control->lock, LW_EXCLUSIVE);
		if (control->area_handle == DSM_HANDLE_INVALID)
		{
			memcpy(control->table_handles, mine, sizeof(mine));
			control->area_handle = dsa_get_handle(new_area);
		}
		published = control->area_handle;
		memcpy(handles, control->table_handles, sizeof(handles));
		LWLockRelease(&control->lock);

		if (published != dsa_get_handle(new_area))
		{
			/* another backend was first: ours goes */
			for (i = 0; i < ntables; i++)
				dshash_detach(made[i]);
			dsa_unpin(new_area);
			dsa_detach(new_area);
			new_area = NULL;
		}
	}

	if (new_area != NULL)
	{
		area = new_area;
		for (i = 0; i < ntables; i++)
			tables[i].table = made[i];
	}
	else
	{
		if (snowfdw_fault("dsa_attach"))
			snowfdw_fault_error("dsa_attach");
		area = dsa_attach(published);
		PG_TRY();
		{
			for (i = 0; i < ntables; i++)
			{
				if (snowfdw_fault("dshash_attach"))
					snowfdw_fault_error("dshash_attach");
				tables[i].table = dshash_attach(area, &tables[i].params,
												handles[i], NULL);
			}
		}
		PG_CATCH();
		{
			/* the mapping goes with the resource owner; forget it */
			area = NULL;
			for (i = 0; i < ntables; i++)
				tables[i].table = NULL;
			PG_RE_THROW();
		}
		PG_END_TRY();
	}
	/* from now on the mapping lives as long as the backend */
	dsa_pin_mapping(area);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * snowfdw_shmem_area
 *		The shared DSA area, attached on first use; NULL when not preloaded
 */
dsa_area *
snowfdw_shmem_area(void)
{
	if (!shared_mode)
		return NULL;
	attach_area();
	return area;
}

/*
 * snowfdw_shmem_table
 *		A registered dshash table, attached on first use; NULL when not
 *		preloaded
 */
dshash_table *
snowfdw_shmem_table(const char *name)
{
	int			i;

	if (!shared_mode)
		return NULL;
	for (i = 0; i < ntables; i++)
	{
		if (strcmp(tables[i].name, name) != 0)
			continue;
		attach_area();
		return tables[i].table;
	}
	elog(ERROR, "snowfdw shared hash table \"%s\" is not registered", name);
	return NULL;				/* keep compiler quiet */
}

/*
 * snowfdw_shmem_attached_table
 *		A registered table if this backend is attached already, else NULL;
 *		never attaches (for exit callbacks)
 */
dshash_table *
snowfdw_shmem_attached_table(const char *name)
{
	int			i;

	for (i = 0; i < ntables; i++)
		if (strcmp(tables[i].name, name) == 0)
			return tables[i].table;
	return NULL;
}

/*
 * snowfdw_shmem_lock_init
 *		Initialize a lock of a registered struct and remember it by name
 *
 * Called from the struct's init function: once in the postmaster when
 * preloaded (its backends inherit the list), at first use otherwise.  A
 * name seen before (shared memory made again after a crash) is updated.
 */
void
snowfdw_shmem_lock_init(LWLock *lock, const char *name)
{
	int			i;

	LWLockInitialize(lock, snowfdw_shmem_tranche(psprintf("snowfdw %s",
														  name)));
	for (i = 0; i < nlocks; i++)
		if (strcmp(locks[i].name, name) == 0)
			break;
	if (i == nlocks)
	{
		if (nlocks >= SHMEM_MAX_LOCKS)
			return;				/* not counted; nothing else depends on it */
		nlocks++;
	}
	locks[i].name = name;
	locks[i].lock = lock;
}

/*
 * snowfdw_shmem_locks_held
 *		How many of snowfdw's named locks this backend holds; *name (if
 *		not NULL) gets the name of one, or NULL
 *
 * Raises nothing and allocates nothing: it runs in error reporting.  The
 * partition locks of the dshash tables are not named here (the tests count
 * them through the interrupt holdoff count).
 */
int
snowfdw_shmem_locks_held(const char **name)
{
	int			held = 0;
	int			i;

	if (name != NULL)
		*name = NULL;
	if (control != NULL && LWLockHeldByMe(&control->lock))
	{
		held++;
		if (name != NULL)
			*name = "control";
	}
	for (i = 0; i < nlocks; i++)
	{
		if (!LWLockHeldByMe(locks[i].lock))
			continue;
		held++;
		if (name != NULL && *name == NULL)
			*name = locks[i].name;
	}
	return held;
}

#ifdef SNOWFDW_FAULT_INJECTION

/*
 * test_clock_init
 *		Set up the test clock offset's struct, once
 */
static void
test_clock_init(void *ptr)
{
	TestClock  *c = ptr;

	pg_atomic_init_u64(&c->offset, 0);
}

/*
 * snowfdw_fault_error
 *		The error of a fault point whose step raises one (fault.c)
 *
 * Raised while one of snowfdw's locks is held, it is an internal error
 * instead: looked at here, the check also holds for an error that a
 * subtransaction catches, which is never reported.
 */
void
snowfdw_fault_error(const char *point)
{
	const char *lock;

	if (snowfdw_shmem_locks_held(&lock) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("fault point \"%s\" raised its error while snowfdw lock \"%s\" was held",
						point, lock)));
	ereport(ERROR,
			(errcode(ERRCODE_OUT_OF_MEMORY),
			 errmsg("out of memory"),
			 errdetail("Fault point \"%s\" of the test build failed.", point)));
}

/*
 * check_locks_at_error
 *		emit_log_hook: an error reported while one of snowfdw's locks is
 *		held becomes an internal error that names the lock
 *
 * It runs before the abort releases the locks (a backend's or the refresh
 * worker's error handler reports first), so it sees what the code that
 * raised the error held, but for what PG_CATCH blocks released on the way.
 */
static void
check_locks_at_error(ErrorData *edata)
{
	const char *lock;

	if (edata->elevel >= ERROR && snowfdw_shmem_locks_held(&lock) > 0)
	{
		edata->sqlerrcode = ERRCODE_INTERNAL_ERROR;
		edata->message = psprintf("error raised while snowfdw lock \"%s\" was held: %s",
								  lock, edata->message ? edata->message : "");
	}
	if (prev_emit_log_hook)
		prev_emit_log_hook(edata);
}

/*
 * snowfdw_fault_clock_offset
 *		How far the cache's clock is moved on, in microseconds
 */
TimestampTz
snowfdw_fault_clock_offset(void)
{
	if (test_clock == NULL)
		test_clock = snowfdw_shmem_struct(TEST_CLOCK_SHMEM_NAME);
	return (TimestampTz) pg_atomic_read_u64(&test_clock->offset);
}

/*
 * snowfdw_fault_advance_clock
 *		SQL function: move the cache's clock on by a number of seconds, for
 *		every process (for this backend alone when not preloaded); returns
 *		the whole offset in seconds
 */
Datum
snowfdw_fault_advance_clock(PG_FUNCTION_ARGS)
{
	double		seconds = PG_GETARG_FLOAT8(0);
	uint64		offset;

	if (isnan(seconds) || seconds < 0 || seconds > 86400.0 * 365)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the cache clock moves forward by up to a year: %g seconds",
						seconds)));
	(void) snowfdw_fault_clock_offset();
	offset = pg_atomic_add_fetch_u64(&test_clock->offset,
									 (uint64) (seconds * USECS_PER_SEC));
	PG_RETURN_FLOAT8((double) offset / USECS_PER_SEC);
}

/*
 * snowfdw_fault_locks_held
 *		SQL function: snowfdw's named locks held by this backend, and the
 *		interrupt holdoff count (one for each held LWLock)
 */
Datum
snowfdw_fault_locks_held(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	Datum		values[2];
	bool		nulls[2] = {false, false};

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	values[0] = Int32GetDatum(snowfdw_shmem_locks_held(NULL));
	values[1] = Int32GetDatum((int32) InterruptHoldoffCount);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc),
													  values, nulls)));
}

#endif							/* SNOWFDW_FAULT_INJECTION */
