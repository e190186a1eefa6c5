/*-------------------------------------------------------------------------
 *
 * jsontext.h
 *		  Byte-level JSON scanning of snowfdw, free of backend calls
 *
 * Two scanners over JSON text as it comes from the network:
 *	- the array splitter finds the elements of a top-level JSON array in a
 *	  byte stream that arrives in pieces of any size, so that each element
 *	  can be parsed on its own while the transfer goes on;
 *	- the number rewriter turns every number token into a marked string, so
 *	  that cJSON (which keeps numbers as double) keeps their exact text, and
 *	  finds \u0000 escapes, which no C string or PostgreSQL text can hold.
 * Neither allocates, reports errors by ereport or needs postgres.h: the FDW
 * and the standalone tests and fuzz targets under test/fuzz/ link the same
 * code.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/text/jsontext.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_JSONTEXT_H
#define SNOWFDW_JSONTEXT_H

#include <stdbool.h>
#include <stddef.h>

/* A string that stands for a number starts with this: U+001F then '#' */
#define SNOWFDW_NUMBER_MARKER "\x1f#"
#define SNOWFDW_NUMBER_MARKER_LEN 2

/* What snowfdw_split_next found */
typedef enum SnowfdwSplitResult
{
	SNOWFDW_SPLIT_NEED_MORE,	/* no complete element in the bytes so far */
	SNOWFDW_SPLIT_ELEMENT,		/* an element: *start and *length are set */
	SNOWFDW_SPLIT_END,			/* the array ended and so did the text */
	SNOWFDW_SPLIT_NOT_ARRAY,	/* the text does not start with '[' */
	SNOWFDW_SPLIT_ERROR			/* see the splitter's error and offset */
} SnowfdwSplitResult;

typedef enum SnowfdwSplitError
{
	SNOWFDW_SPLIT_OK,
	SNOWFDW_SPLIT_SYNTAX,		/* misplaced ',' ']' or '}' */
	SNOWFDW_SPLIT_TRUNCATED,	/* the text ended inside the array */
	SNOWFDW_SPLIT_TRAILING,		/* something follows the array */
	SNOWFDW_SPLIT_ZERO_BYTE,	/* a zero byte: never valid JSON */
	SNOWFDW_SPLIT_TOO_LARGE		/* one element is over max_element bytes */
} SnowfdwSplitError;

/*
 * State of the splitter.  Offsets are relative to the start of the window
 * of bytes the caller still holds; snowfdw_split_discard moves that start.
 */
typedef struct SnowfdwSplitter
{
	int			state;			/* private: where in the array grammar */
	int			depth;			/* open brackets inside the element */
	bool		in_string;
	bool		escape;			/* the previous string byte was a backslash */
	size_t		pos;			/* next byte to look at */
	size_t		element_start;
	size_t		element_end;	/* one past its last non-blank byte */
	size_t		max_element;
	size_t		discarded;		/* bytes dropped before the window */
	SnowfdwSplitError error;
	size_t		error_offset;	/* from the start of the text */
} SnowfdwSplitter;

extern void snowfdw_split_init(SnowfdwSplitter *splitter, size_t max_element);
extern SnowfdwSplitResult snowfdw_split_next(SnowfdwSplitter *splitter,
											 const char *window, size_t len,
											 bool at_end, size_t *start,
											 size_t *length);
extern size_t snowfdw_split_done_bytes(const SnowfdwSplitter *splitter);
extern void snowfdw_split_discard(SnowfdwSplitter *splitter, size_t n);
extern const char *snowfdw_split_error_text(SnowfdwSplitError error);

/* What snowfdw_json_rewrite found wrong, if anything */
typedef enum SnowfdwRewriteError
{
	SNOWFDW_REWRITE_OK,
	SNOWFDW_REWRITE_BAD_NUMBER, /* a '-' or digit that starts no number */
	SNOWFDW_REWRITE_NUL_ESCAPE	/* \u0000 inside a string */
} SnowfdwRewriteError;

typedef struct SnowfdwRewriteResult
{
	SnowfdwRewriteError error;
	size_t		offset;			/* of the fault in the input */
	const char *field;			/* \u0000: raw key of the member, or NULL */
	size_t		field_len;
} SnowfdwRewriteResult;

extern size_t snowfdw_json_rewrite(const char *in, size_t len, char *out,
								   size_t outcap, SnowfdwRewriteResult *result);

/*
 * Called by the rewriter about every SNOWFDW_JSONTEXT_CHECK_BYTES of input,
 * if set: the backend checks for interrupts there (and may not return)
 */
#define SNOWFDW_JSONTEXT_CHECK_BYTES (1024 * 1024)
extern void (*snowfdw_jsontext_check_hook) (void);

#endif							/* SNOWFDW_JSONTEXT_H */
