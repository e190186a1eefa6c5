/*-------------------------------------------------------------------------
 *
 * listing.h
 *		  A list body read while it arrives
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/listing.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_LISTING_H
#define SNOWFDW_LISTING_H

#include "calls/rest.h"

/* in listing.c */
typedef struct SnowfdwListing SnowfdwListing;
extern SnowfdwListing *snowfdw_listing_open(SnowfdwConnection *conn,
											SnowfdwCall *call);
extern SnowfdwJson *snowfdw_listing_next(SnowfdwListing *listing,
										 bool *is_document);
extern int64 snowfdw_listing_count(SnowfdwListing *listing);
extern const char *snowfdw_listing_last_name(SnowfdwListing *listing);
extern void snowfdw_listing_close(SnowfdwListing *listing);

#endif							/* SNOWFDW_LISTING_H */
