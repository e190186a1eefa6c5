/*-------------------------------------------------------------------------
 *
 * report.h
 *		  Errors of calls: the one HTTP-status-to-SQLSTATE mapping
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/report.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_REPORT_H
#define SNOWFDW_REPORT_H

#include "calls/rest.h"
#include "compat.h"

pg_noreturn extern void snowfdw_report_failure(SnowfdwConnection *conn,
											  SnowfdwCall *call,
											  SnowfdwHttpResponse *resp);
extern bool snowfdw_call_may_have_acted(SnowfdwCall *call,
										SnowfdwHttpResponse *resp);
pg_noreturn extern void snowfdw_report_bad_body(SnowfdwCall *call,
											 const char *problem);
extern char *snowfdw_quote_text(const char *text, size_t len);

#endif							/* SNOWFDW_REPORT_H */
