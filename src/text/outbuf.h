/*-------------------------------------------------------------------------
 *
 * outbuf.h
 *		  snprintf-style output into a caller's buffer (backend-free)
 *
 * The builders of httptext.c and ident.c count every byte of their result
 * but store only what fits in outsize - 1 bytes, then a terminating NUL
 * (nothing at all when outsize is 0), and return the full length, so that
 * calling them with (NULL, 0) first tells the caller what to allocate.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/outbuf.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_OUTBUF_H
#define SNOWFDW_OUTBUF_H

#include <stddef.h>

/*
 * snowfdw_out_byte
 *		Count one byte of the result, storing it if it fits
 */
static inline void
snowfdw_out_byte(char *out, size_t outsize, size_t *n, char c)
{
	if (*n + 1 < outsize)
		out[*n] = c;
	(*n)++;
}

/*
 * snowfdw_out_finish
 *		Terminate the stored part of an n-byte result; returns n
 */
static inline size_t
snowfdw_out_finish(char *out, size_t outsize, size_t n)
{
	if (outsize > 0)
		out[n < outsize ? n : outsize - 1] = '\0';
	return n;
}

#endif							/* SNOWFDW_OUTBUF_H */
