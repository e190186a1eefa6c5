/*-------------------------------------------------------------------------
 *
 * listing.c
 *		  Reading the elements of a list response while it arrives
 *
 * A list call answers with a JSON array that may hold millions of objects.
 * The array is split into its elements as its bytes arrive (jsontext.c),
 * and each element is parsed on its own into the caller's memory context,
 * so a scan returns its first rows while the transfer goes on, and memory
 * holds the receive buffer and one element, not the listing.
 *
 * A body that is not an array (the large-result hand-off answers with an
 * object) is read whole, up to max_response_size, and handed out as one
 * document.  When a transfer fails midway and the call may be repeated,
 * the body starts over: the elements already handed out are passed over,
 * and the last of them must be the same object again, or the listing
 * changed and the scan fails rather than return rows twice or not at all.
 *
 * A streamed body that ends well is also handed back to the call layer
 * (rest.c), which keeps it as the call's cache policy says, when the body
 * is small enough to keep: its bytes are copied as they are consumed, up
 * to the bound rest.c gives.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/listing.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"

#include "calls/connection.h"
#include "calls/listing.h"
#include "calls/progress.h"
#include "calls/report.h"
#include "calls/rest.h"
#include "shmem/stats.h"
#include "text/jsontext.h"
#include "transport/json.h"

struct SnowfdwListing
{
	SnowfdwConnection *conn;
	SnowfdwCall *call;
	SnowfdwSplitter splitter;
	size_t		max_element;	/* max_response_size */
	bool		at_end;			/* every byte of the body is in the window */
	bool		finished;		/* the end of the array was seen */
	int64		count;			/* elements handed out */
	int64		skip;			/* after a restart: elements to pass over */
	StringInfoData last_name;	/* "name" of the last element handed out */
	bool		has_last_name;
	size_t		received;		/* body bytes consumed, for the statistics */
	StringInfo	copy;			/* the body so far, for the cache, or NULL */
	size_t		copy_limit;
};

/*
 * snowfdw_listing_open
 *		Start reading the body of a successful list call
 */
SnowfdwListing *
snowfdw_listing_open(SnowfdwConnection *conn, SnowfdwCall *call)
{
	SnowfdwListing *listing = palloc0(sizeof(SnowfdwListing));

	listing->conn = conn;
	listing->call = call;
	listing->max_element = (size_t) conn->options->max_response_size;
	snowfdw_split_init(&listing->splitter, listing->max_element);
	initStringInfo(&listing->last_name);
	listing->copy_limit = snowfdw_call_cache_limit(call);
	if (listing->copy_limit > 0)
		listing->copy = makeStringInfo();
	return listing;
}

/*
 * keep_bytes
 *		Copy consumed body bytes for the cache, as long as they fit
 */
static void
keep_bytes(SnowfdwListing *listing, const char *data, size_t n)
{
	listing->received += n;
	if (listing->call->streaming)
		snowfdw_progress_received(listing->call, n);
	if (listing->copy == NULL)
		return;
	if (listing->copy->len + n > listing->copy_limit)
	{
		/* too large to keep: the processes waiting for it ask themselves */
		snowfdw_call_release_claim(listing->call);
		pfree(listing->copy->data);
		pfree(listing->copy);
		listing->copy = NULL;
		return;
	}
	appendBinaryStringInfo(listing->copy, data, n);
}

/*
 * finish_body
 *		The body was read to its end: count it, and offer it to the cache
 */
static void
finish_body(SnowfdwListing *listing)
{
	const char *data;
	size_t		len;

	snowfdw_call_window(listing->conn, listing->call, &data, &len);
	keep_bytes(listing, data, len);
	if (!listing->call->streaming)
		return;
	listing->conn->bytes_received += listing->received;
	snowfdw_stats_count_bytes(listing->conn->serverid, listing->conn->umid,
							  listing->received);
	if (listing->copy)
		snowfdw_call_keep_body(listing->conn, listing->call,
							   listing->copy->data, listing->copy->len);
}

/*
 * discard_done
 *		Give back the bytes the splitter is done with
 */
static void
discard_done(SnowfdwListing *listing)
{
	size_t		n = snowfdw_split_done_bytes(&listing->splitter);
	const char *data;
	size_t		len;

	if (n == 0)
		return;
	snowfdw_call_window(listing->conn, listing->call, &data, &len);
	keep_bytes(listing, data, n);
	snowfdw_call_consume(listing->conn, listing->call, n);
	snowfdw_split_discard(&listing->splitter, n);
}

/*
 * receive_more
 *		Wait for more bytes; false when none will come
 */
static void
receive_more(SnowfdwListing *listing)
{
	discard_done(listing);
	switch (snowfdw_call_more(listing->conn, listing->call))
	{
		case SNOWFDW_CALL_MORE:
			break;
		case SNOWFDW_CALL_END:
			listing->at_end = true;
			break;
		case SNOWFDW_CALL_RESTARTED:
			snowfdw_split_init(&listing->splitter, listing->max_element);
			listing->skip = listing->count;
			listing->count = 0;
			listing->at_end = false;
			if (listing->copy)
				resetStringInfo(listing->copy);
			break;
	}
}

/*
 * report_split_error
 *		Raise the error for a body the splitter refused
 */
static void
report_split_error(SnowfdwListing *listing)
{
	SnowfdwSplitter *s = &listing->splitter;

	if (s->error == SNOWFDW_SPLIT_TOO_LARGE)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("Snowflake response has an element larger than %zu bytes",
						listing->max_element),
				 errdetail("The element starts at byte %zu of the response.",
						   s->discarded + s->element_start),
				 errhint("Raise the server option \"max_response_size\"."),
				 errcontext("Snowflake request: %s %s", listing->call->method,
							listing->call->path)));
	snowfdw_report_bad_body(listing->call,
							psprintf("%s at byte %zu",
									 snowfdw_split_error_text(s->error),
									 s->error_offset));
}

/*
 * parse_text
 *		Parse JSON text of the body, or raise an error
 */
static SnowfdwJson *
parse_text(SnowfdwListing *listing, const char *text, size_t len)
{
	char	   *error;
	SnowfdwJson *value = snowfdw_json_parse(text, len, &error);

	if (value == NULL)
		snowfdw_report_bad_body(listing->call,
								psprintf("malformed JSON (%s)", error));
	return value;
}

/*
 * read_document
 *		Read a body that is not an array whole, and parse it
 */
static SnowfdwJson *
read_document(SnowfdwListing *listing)
{
	const char *data;
	size_t		len;

	for (;;)
	{
		snowfdw_call_window(listing->conn, listing->call, &data, &len);
		if (len > listing->max_element)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("Snowflake response is larger than %zu bytes",
							listing->max_element),
					 errhint("Raise the server option \"max_response_size\", or lower \"page_size\"."),
					 errcontext("Snowflake request: %s %s", listing->call->method,
								listing->call->path)));
		if (listing->at_end)
			break;
		/* only blanks before the document are discarded */
		receive_more(listing);
	}
	listing->finished = true;
	finish_body(listing);
	return parse_text(listing, data, len);
}

/*
 * remember_name
 *		Keep the "name" of the element just handed out
 */
static void
remember_name(SnowfdwListing *listing, SnowfdwJson *element)
{
	const char *name = snowfdw_json_object_string(element, "name");

	resetStringInfo(&listing->last_name);
	listing->has_last_name = name != NULL;
	if (name)
		appendStringInfoString(&listing->last_name, name);
}

/*
 * check_resumed
 *		After a restart, the last element passed over must be the one that
 *		was handed out last before
 */
static void
check_resumed(SnowfdwListing *listing, SnowfdwJson *element)
{
	const char *name = snowfdw_json_object_string(element, "name");

	if (listing->has_last_name &&
		(name == NULL || strcmp(name, listing->last_name.data) != 0))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_ERROR),
				 errmsg("Snowflake listing changed while it was read again"),
				 errdetail("The transfer failed midway; when it was repeated, element %lld was \"%s\" instead of \"%s\".",
						   (long long) listing->count,
						   name ? name : "(no name)", listing->last_name.data),
				 errhint("Run the statement again."),
				 errcontext("Snowflake request: %s %s", listing->call->method,
							listing->call->path)));
}

/*
 * snowfdw_listing_next
 *		Next element of the array, parsed in the current memory context
 *
 * Returns NULL after the last one.  A body that is not an array comes back
 * whole, once, with *is_document set.
 */
SnowfdwJson *
snowfdw_listing_next(SnowfdwListing *listing, bool *is_document)
{
	*is_document = false;
	if (listing->finished)
		return NULL;
	for (;;)
	{
		const char *data;
		size_t		len;
		size_t		start;
		size_t		length;
		SnowfdwJson *element;

		snowfdw_call_window(listing->conn, listing->call, &data, &len);
		switch (snowfdw_split_next(&listing->splitter, data, len,
								   listing->at_end, &start, &length))
		{
			case SNOWFDW_SPLIT_NEED_MORE:
				receive_more(listing);
				continue;
			case SNOWFDW_SPLIT_END:
				listing->finished = true;
				finish_body(listing);
				return NULL;
			case SNOWFDW_SPLIT_NOT_ARRAY:
				*is_document = true;
				return read_document(listing);
			case SNOWFDW_SPLIT_ERROR:
				report_split_error(listing);
				break;
			case SNOWFDW_SPLIT_ELEMENT:
				break;
		}

		listing->count++;
		if (listing->skip > 0)
		{
			listing->skip--;
			if (listing->skip == 0)
			{
				element = parse_text(listing, data + start, length);
				check_resumed(listing, element);
			}
			discard_done(listing);
			continue;
		}
		element = parse_text(listing, data + start, length);
		discard_done(listing);
		remember_name(listing, element);
		return element;
	}
}

/*
 * snowfdw_listing_count
 *		Elements of the array read so far
 */
int64
snowfdw_listing_count(SnowfdwListing *listing)
{
	return listing->count;
}

/*
 * snowfdw_listing_last_name
 *		"name" of the last element handed out, or NULL
 */
const char *
snowfdw_listing_last_name(SnowfdwListing *listing)
{
	return listing->has_last_name ? listing->last_name.data : NULL;
}

/*
 * snowfdw_listing_close
 *		Stop reading; the rest of the body is abandoned, not read
 */
void
snowfdw_listing_close(SnowfdwListing *listing)
{
	snowfdw_call_close(listing->conn, listing->call);
}
