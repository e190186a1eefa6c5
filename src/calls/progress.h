/*-------------------------------------------------------------------------
 *
 * progress.h
 *		  What each call is doing, for snowfdw_activity, and the slow-request
 *		  log
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/progress.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_PROGRESS_H
#define SNOWFDW_PROGRESS_H

#include "calls/connection.h"
#include "calls/rest.h"
#include "transport/http.h"

/* in progress.c */
extern void snowfdw_progress_queued(SnowfdwConnection *conn,
									SnowfdwCall *call);
extern void snowfdw_progress_queued_again(SnowfdwCall *call);
extern void snowfdw_progress_paced(SnowfdwCall *call);
extern void snowfdw_progress_held_off(SnowfdwCall *call);
extern void snowfdw_progress_polling(SnowfdwCall *call);
extern void snowfdw_progress_waiting(SnowfdwCall *call);
extern void snowfdw_progress_sent(SnowfdwCall *call);
extern void snowfdw_progress_answered(SnowfdwCall *call,
									  const SnowfdwHttpResponse *resp);
extern void snowfdw_progress_received(SnowfdwCall *call, size_t bytes);
extern void snowfdw_progress_row(SnowfdwCall *call);
extern void snowfdw_progress_end(SnowfdwCall *call, bool answered);

#endif							/* SNOWFDW_PROGRESS_H */
