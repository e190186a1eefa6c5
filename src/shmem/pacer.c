/*-------------------------------------------------------------------------
 *
 * pacer.c
 *		  The request pacer: send slots under an account's rate limit
 *
 * Snowflake limits each account's request rate and answers 429 over it,
 * with no number and no rate-limit header, so the rate is learned from the
 * 429s (AIMD, as TCP learns a path's capacity):
 *	- a 429 of a request sent a second or more after the last decrease (so
 *	  that the 429s of one burst, and of the account's debt it left, count
 *	  once, however many backends share the limit) lowers the rate to
 *	  PACER_DECREASE of what it was;
 *	  the first one, when no rate was learned yet, sets it to what went
 *	  through: the 2xx answers of the last one or two seconds, per second;
 *	- every second in which requests went out without a 429 raises it by
 *	  a step, an eighth of the rate set at the last decrease (at least 0.5,
 *	  at most the rate itself) (back to the
 *	  rate before it in about 8 * (1 - 0.7) / 0.7 = 3.4 seconds: probes of
 *	  the limit that far apart keep 429s to a few in hundreds);
 *	  after a 429 with Retry-After, a 32nd: such a probe holds everyone;
 *	- a 429 with Retry-After also holds every slot until then, and the
 *	  slots then resume one interval apart at the learned rate: no burst.
 * The server or user mapping option max_requests_per_second caps the rate;
 * alone (nothing learned) it is the rate.
 *
 * Every request takes a send slot before it is sent (schedule.c): the
 * next free slot, one interval (1 / rate) after the one before, so slots
 * are handed out in the order they are asked for.  A call waits for its
 * slot and then sends without asking again; a backend holds at most
 * max_concurrency slots at once (schedule.c), so a statement with 1,000
 * pending calls takes its turns between those of a statement with 3, and
 * the backend that has waited longest goes first.  A call that gives up
 * its slot before it is due (a cancel, an error, a hold-off) hands it back
 * (snowfdw_pacer_release): the next slot asked for is one interval
 * earlier, so no token is lost.
 *
 * One entry per signer (the server and user mapping in the catalog
 * versions that sign the request, as the cache and the hold-off key theirs)
 * in a fixed struct registered with shmem.c: shared by every backend and
 * the refresh workers when snowfdw is preloaded, this backend's alone
 * otherwise.  PACER_MAX entries: a new signer that finds them all used
 * takes the one used longest ago, which starts afresh (its rate is learned
 * again from the next 429).  Under the struct's lock only comparisons,
 * arithmetic and stores run.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/pacer.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "model/options.h"
#include "shmem/fault.h"
#include "shmem/pacer.h"
#include "shmem/shmem.h"

/* Bound of the struct: signers paced at the same time (README) */
#define PACER_MAX 64
#define PACER_SHMEM_NAME "snowfdw pacer"

/* The learned rate after a 429, as a part of the rate before it */
#define PACER_DECREASE 0.7
/* The step of the increase per second, as a part of the decreased rate */
#define PACER_STEP_DIVISOR 8
/* ... and its least, requests per second: alike for every backend's pacer
 * when not preloaded, so that their shares of the account converge */
#define PACER_MIN_STEP 0.5
/* ... after a 429 with Retry-After */
#define PACER_HELD_STEP_DIVISOR 32
/* 429s of requests sent this soon after a decrease do not decrease again */
#define PACER_COOLDOWN USECS_PER_SEC
/* Bounds of a learned rate, requests per second */
#define PACER_MIN_RATE 0.5
#define PACER_MAX_RATE 100000.0
/* The first learned rate when no 2xx answer came before the 429 */
#define PACER_FIRST_RATE 10.0
/* Shortest span the 2xx answers of the first estimate are counted over */
#define PACER_MIN_SPAN (USECS_PER_SEC / 4)

typedef struct PacerEntry
{
	SnowfdwSigner key;
	TimestampTz last_used;		/* a slot was asked for; LRU order */
	double		rate;			/* learned, per second; 0: none learned */
	double		step;			/* increase per second without a 429 */
	TimestampTz grown_at;		/* the rate was last raised or lowered */
	TimestampTz decreased_at;	/* 429s of requests sent before: counted */
	TimestampTz next_slot;		/* the next free send slot */
	TimestampTz hold_until;		/* a Retry-After: no slot before this */
	TimestampTz ok_since;		/* 2xx answers counted from this time */
	TimestampTz ok_prev_since;	/* the window before, or 0 */
	int32		ok_count;		/* 2xx answers since ok_since */
	int32		ok_prev_count;	/* and in the window before */
} PacerEntry;

typedef struct Pacer
{
	LWLock		lock;
	int			count;			/* entries in use, the first ones */
	PacerEntry	entries[PACER_MAX];
} Pacer;

/*
 * pacer_struct_init
 *		Set up the struct, once (shmem.c)
 */
static void
pacer_struct_init(void *ptr)
{
	Pacer	   *p = ptr;

	snowfdw_shmem_lock_init(&p->lock, "pacer");
	p->count = 0;
}

/*
 * snowfdw_pacer_init
 *		Module load: register the struct with shmem.c
 */
void
snowfdw_pacer_init(void)
{
	snowfdw_shmem_register(PACER_SHMEM_NAME, sizeof(Pacer),
						   pacer_struct_init);
}

/*
 * find_entry
 *		The entry of a signer, or NULL (lock held)
 */
static PacerEntry *
find_entry(Pacer *p, const SnowfdwSigner *key)
{
	int			i;

	for (i = 0; i < p->count; i++)
		if (memcmp(&p->entries[i].key, key, sizeof(SnowfdwSigner)) == 0)
			return &p->entries[i];
	return NULL;
}

/*
 * add_entry
 *		A fresh entry for a signer, in a free place or the one used longest
 *		ago (lock held exclusively)
 */
static PacerEntry *
add_entry(Pacer *p, const SnowfdwSigner *key, TimestampTz now)
{
	PacerEntry *e;
	int			i;

	if (p->count < PACER_MAX)
		e = &p->entries[p->count++];
	else
	{
		e = &p->entries[0];
		for (i = 1; i < PACER_MAX; i++)
			if (p->entries[i].last_used < e->last_used)
				e = &p->entries[i];
	}
	memset(e, 0, sizeof(PacerEntry));
	e->key = *key;
	e->last_used = now;
	e->ok_since = now;
	return e;
}

/*
 * grow
 *		The additive increase: a step for every whole second since the rate
 *		last changed (lock held exclusively)
 *
 * grown_at is on the rate's clock, real time moved on by shift: the test
 * build's clock offset (shmem.c, read before the lock is taken), so that a
 * test sees the rate grow without waiting.
 */
static void
grow(PacerEntry *e, TimestampTz real_now, TimestampTz shift)
{
	TimestampTz now = real_now + shift;
	int64		secs;

	if (e->rate <= 0 || now - e->grown_at < USECS_PER_SEC)
		return;
	secs = (now - e->grown_at) / USECS_PER_SEC;
	e->rate = Min(e->rate + e->step * secs, PACER_MAX_RATE);
	e->grown_at += secs * USECS_PER_SEC;
}

/*
 * effective_rate
 *		The rate slots are given at: the learned one under the option's cap
 *		(max_rate, 0 when not set); 0: not paced
 */
static double
effective_rate(const PacerEntry *e, double max_rate)
{
	if (e == NULL || e->rate <= 0)
		return max_rate;
	if (max_rate > 0)
		return Min(e->rate, max_rate);
	return e->rate;
}

/*
 * snowfdw_pacer_reserve
 *		The send slot of a request: the time it may be sent (now or later),
 *		or 0 when its signer is not paced
 *
 * max_rate is the option max_requests_per_second (0 when not set).  The
 * slot is the caller's: it sends then without asking again, or gives it
 * back with snowfdw_pacer_release.
 */
TimestampTz
snowfdw_pacer_reserve(const SnowfdwSigner *signer, double max_rate,
					  TimestampTz now)
{
	Pacer	   *p = snowfdw_shmem_struct(PACER_SHMEM_NAME);
	PacerEntry *e;
	TimestampTz slot = 0;
	TimestampTz shift;
	TimestampTz idle;
	double		rate;

	/* an unlocked peek: nothing answered yet, nothing learned */
	if (p->count == 0 && max_rate <= 0)
		return 0;
	shift = snowfdw_fault_clock_offset();
	LWLockAcquire(&p->lock, LW_EXCLUSIVE);
	e = find_entry(p, signer);
	if (e == NULL && max_rate > 0)
		e = add_entry(p, signer, now);
	if (e != NULL)
	{
		/*
		 * An idle second is not a successful one: no increase for it.  Idle
		 * means no slot asked for and none to come (slots asked for ahead
		 * keep the pacer busy until the last one).
		 */
		idle = now - Max(e->last_used, e->next_slot);
		if (e->rate > 0 && idle > USECS_PER_SEC)
			e->grown_at = Min(now + shift, e->grown_at + idle);
		grow(e, now, shift);
		e->last_used = now;
		rate = effective_rate(e, max_rate);
		if (rate > 0 || e->hold_until > now)
		{
			slot = Max(now, e->next_slot);
			slot = Max(slot, e->hold_until);
			if (rate > 0)
				e->next_slot = slot + (TimestampTz) (USECS_PER_SEC / rate);
		}
	}
	LWLockRelease(&p->lock);
	return slot;
}

/*
 * snowfdw_pacer_release
 *		A request gives back a slot it will not use
 *
 * A slot still to come makes the next one asked for an interval earlier
 * (never before now or a hold); one already past was the request's to
 * send at, and nothing is given back.
 */
void
snowfdw_pacer_release(const SnowfdwSigner *signer, TimestampTz slot,
					  TimestampTz now)
{
	Pacer	   *p = snowfdw_shmem_struct(PACER_SHMEM_NAME);
	PacerEntry *e;

	if (slot <= now)
		return;
	LWLockAcquire(&p->lock, LW_EXCLUSIVE);
	e = find_entry(p, signer);
	if (e != NULL && e->next_slot > now)
	{
		double		rate = e->rate;
		TimestampTz floor = Max(now, e->hold_until);

		/* the interval the slot was given at, as near as is known */
		if (rate <= 0)
			rate = PACER_MAX_RATE;
		e->next_slot = Max(floor,
						   e->next_slot - (TimestampTz) (USECS_PER_SEC / rate));
	}
	LWLockRelease(&p->lock);
}

/*
 * first_rate
 *		The rate of the 2xx answers of the last window or two: what the
 *		account let through before its first 429 (lock held)
 */
static double
first_rate(const PacerEntry *e, TimestampTz now)
{
	TimestampTz since = e->ok_prev_since != 0 ? e->ok_prev_since : e->ok_since;
	int64		count = (int64) e->ok_count + e->ok_prev_count;
	TimestampTz span = Max(now - since, PACER_MIN_SPAN);

	if (count == 0)
		return PACER_FIRST_RATE;
	return (double) count * USECS_PER_SEC / span;
}

/*
 * snowfdw_pacer_teach
 *		What the answer of a request sent at a time teaches: limited (a
 *		429) or not, and until when Snowflake asked to wait (0: it did not)
 */
void
snowfdw_pacer_teach(const SnowfdwSigner *signer, bool limited,
					TimestampTz sent, TimestampTz until, TimestampTz now)
{
	Pacer	   *p = snowfdw_shmem_struct(PACER_SHMEM_NAME);
	PacerEntry *e;
	TimestampTz shift = snowfdw_fault_clock_offset();

	/* 2xx answers are counted too: the first 429 learns from them */
	LWLockAcquire(&p->lock, LW_EXCLUSIVE);
	e = find_entry(p, signer);
	if (e == NULL)
		e = add_entry(p, signer, now);
	if (!limited)
	{
		/* windows of a second: this one and the one before */
		if (now - e->ok_since >= USECS_PER_SEC)
		{
			e->ok_prev_since = e->ok_since;
			e->ok_prev_count = e->ok_count;
			if (now - e->ok_since >= 2 * USECS_PER_SEC)
				e->ok_prev_count = 0;
			e->ok_since = now;
			e->ok_count = 0;
		}
		e->ok_count++;
	}
	else
	{
		if (until > e->hold_until)
		{
			e->hold_until = until;
			e->next_slot = Max(e->next_slot, until);
		}
		if (sent >= e->decreased_at + PACER_COOLDOWN)
		{
			double		rate;

			grow(e, now, shift);
			rate = e->rate > 0 ? e->rate * PACER_DECREASE : first_rate(e, now);
			e->rate = Max(PACER_MIN_RATE, Min(rate, PACER_MAX_RATE));
			/* a limit that holds everyone costs more to probe again */
			e->step = Max(PACER_MIN_STEP, e->rate / (until > now ?
										  PACER_HELD_STEP_DIVISOR :
										  PACER_STEP_DIVISOR));
			/* at most doubling a second, for a limit of a few a second */
			e->step = Min(e->step, e->rate);
			e->decreased_at = now;
		}
		/* a second with a 429 is no successful one; none while all wait */
		e->grown_at = Max(now, until) + shift;
	}
	LWLockRelease(&p->lock);
}

/*
 * snowfdw_pacer_learned_rate
 *		The learned rate of a server and user mapping (of their latest
 *		signer), or -1 when none is learned
 */
double
snowfdw_pacer_learned_rate(Oid dbid, Oid serverid, Oid umid)
{
	Pacer	   *p = snowfdw_shmem_struct(PACER_SHMEM_NAME);
	TimestampTz latest = 0;
	double		rate = -1;
	int			i;

	if (p->count == 0)
		return -1;
	LWLockAcquire(&p->lock, LW_SHARED);
	for (i = 0; i < p->count; i++)
	{
		PacerEntry *e = &p->entries[i];

		if (e->key.dbid == dbid && e->key.serverid == serverid &&
			e->key.umid == umid && e->rate > 0 && e->last_used >= latest)
		{
			latest = e->last_used;
			rate = e->rate;
		}
	}
	LWLockRelease(&p->lock);
	return rate;
}
