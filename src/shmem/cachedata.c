/*-------------------------------------------------------------------------
 *
 * cachedata.c
 *		  The data block of a cached answer, shared by both stores
 *
 * Locking and the lifetime of entries are described at the top of
 * cache.c, the facade that asks this store.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/shmem/cachedata.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "shmem/cachestore.h"
#include "shmem/fault.h"


/*
 * snowfdw_cache_answer_size
 *		Bytes of the data block of an answer
 */
Size
snowfdw_cache_answer_size(const char *request, size_t len, const char *link)
{
	return offsetof(CacheData, text) + strlen(request) +
		(link ? strlen(link) : 0) + len + 3;
}

/*
 * snowfdw_cache_now
 *		The time answers are stored at and aged against: the clock, moved on
 *		in the test build by the offset every process shares (fault.c), so
 *		that tests age entries past cache_ttl without waiting
 */
TimestampTz
snowfdw_cache_now(void)
{
	return GetCurrentTimestamp() + snowfdw_fault_clock_offset();
}

/*
 * snowfdw_cache_fill_data
 *		Write an answer into its data block (no lock needed: not linked)
 */
void
snowfdw_cache_fill_data(CacheData *data, Size size, const CacheKey *key,
						const char *request, long status, const char *body, size_t len,
						const char *link)
{
	Size		request_len = strlen(request);
	Size		link_len = link ? strlen(link) : 0;

	data->prev = data->next = InvalidDsaPointer;
	data->key = *key;
	data->stored_at = snowfdw_cache_now();
	data->status = status;
	data->size = size;
	data->request_len = request_len;
	data->link_len = link_len;
	data->body_len = len;
	data->pins = 0;
	data->dropped = false;
	memcpy(data->text, request, request_len + 1);
	if (link)
		memcpy(data->text + request_len + 1, link, link_len + 1);
	else
		data->text[request_len + 1] = '\0';
	memcpy(data->text + request_len + link_len + 2, body, len);
	data->text[request_len + link_len + 2 + len] = '\0';
}

/*
 * snowfdw_cache_data_fresh
 *		Whether a data block answers a request and is younger than ttl
 */
bool
snowfdw_cache_data_fresh(CacheData *data, const char *request, int ttl,
						 TimestampTz now)
{
	return data->stored_at + (TimestampTz) ttl * USECS_PER_SEC > now &&
		strcmp(data->text, request) == 0;
}

/*
 * snowfdw_cache_copy_out
 *		Copy an answer into the current memory context; false when memory
 *		ran out (NO_OOM: this may run under the cache lock)
 */
bool
snowfdw_cache_copy_out(CacheData *data, long *status, char **body, size_t *len,
					   char **link)
{
	char	   *link_text = data->text + data->request_len + 1;
	char	   *body_text = link_text + data->link_len + 1;
	int			flags = MCXT_ALLOC_NO_OOM | MCXT_ALLOC_HUGE;

	if (snowfdw_fault("cache_copy"))
		return false;
	*body = palloc_extended(data->body_len + 1, flags);
	*link = NULL;
	if (*body == NULL)
		return false;
	if (data->link_len > 0)
	{
		*link = palloc_extended(data->link_len + 1, flags);
		if (*link == NULL)
		{
			pfree(*body);
			*body = NULL;
			return false;
		}
		memcpy(*link, link_text, data->link_len + 1);
	}
	memcpy(*body, body_text, data->body_len + 1);
	*len = data->body_len;
	*status = data->status;
	return true;
}

/* ----------------------------------------------------------------
 * Shared mode: dshash table, DSA data blocks, the cache lock
 * ----------------------------------------------------------------
 */

