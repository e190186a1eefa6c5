/*-------------------------------------------------------------------------
 *
 * schedule.h
 *		  The call scheduler, for the call life cycle (rest.c) only
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/schedule.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_SCHEDULE_H
#define SNOWFDW_SCHEDULE_H

#include "calls/rest.h"
#include "model/waitevent.h"

/* in schedule.c */
extern bool snowfdw_schedule_waits_for_room(SnowfdwCall **calls, int ncalls,
											TimestampTz now);
extern void snowfdw_schedule_release_unstored(SnowfdwCall **calls,
											  int ncalls);
extern int	snowfdw_schedule_count_pending(SnowfdwCall **calls, int ncalls,
										   int *running);
extern int	snowfdw_schedule_start_due(SnowfdwConnection *conn,
									   SnowfdwCall **calls, int ncalls,
									   TimestampTz now, int running,
									   int max_running);
extern TimestampTz snowfdw_schedule_next_wake(SnowfdwCall **calls,
											  int ncalls);
extern SnowfdwWait snowfdw_schedule_wait_kind(SnowfdwCall **calls, int ncalls,
											  TimestampTz next_wake);
extern bool snowfdw_schedule_answer(SnowfdwConnection *conn,
									SnowfdwCall **calls, int ncalls,
									SnowfdwCall *call, bool *missed);
extern void snowfdw_schedule_store(SnowfdwConnection *conn,
								   SnowfdwCall *call);
extern void snowfdw_schedule_poll(SnowfdwConnection *conn, SnowfdwCall *call,
								  SnowfdwHttpResponse *resp);
extern void snowfdw_schedule_release_slot(SnowfdwCall *call,
										  TimestampTz now);
extern void snowfdw_schedule_teach_pacer(SnowfdwConnection *conn,
										 SnowfdwCall *call,
										 SnowfdwHttpResponse *resp);
extern bool snowfdw_schedule_retry(SnowfdwConnection *conn, SnowfdwCall *call,
								   SnowfdwHttpResponse *resp);

/* in rest.c */
extern void snowfdw_call_start(SnowfdwConnection *conn, SnowfdwCall *call);
extern double snowfdw_seconds_since(TimestampTz start);

#endif							/* SNOWFDW_SCHEDULE_H */
