/*-------------------------------------------------------------------------
 *
 * waitevent.h
 *		  The wait events snowfdw reports while it waits
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/waitevent.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_WAITEVENT_H
#define SNOWFDW_WAITEVENT_H

/* What a wait is for (names in waitevent.c) */
typedef enum SnowfdwWait
{
	SNOWFDW_WAIT_TRANSFER,		/* on Snowflake: a transfer under way */
	SNOWFDW_WAIT_PACED,			/* the rate limit, a retry's backoff, a 429 */
	SNOWFDW_WAIT_POLL,			/* between the polls of a 202 */
	SNOWFDW_WAIT_COALESCE,		/* on another backend's fetch */
	SNOWFDW_WAIT_KINDS
} SnowfdwWait;

/* in waitevent.c */
extern uint32 snowfdw_wait_event(SnowfdwWait which);

#endif							/* SNOWFDW_WAITEVENT_H */
