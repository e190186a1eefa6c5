/*-------------------------------------------------------------------------
 *
 * scan.c
 *		  Fetching the rows of a scan: fan-out, paging, streaming
 *
 * A fetcher turns the scope of a scan into REST calls.  Scope levels
 * without a value are enumerated (databases, then schemas, then stages),
 * depth first, so rows come out grouped by scope.  Calls run in batches of
 * up to max_concurrency over one session (fetches of named objects: see
 * SNOWFDW_FETCH_AHEAD).  List bodies are streamed
 * (listing.c): rows come out while their page arrives, the other calls of
 * the batch receive meanwhile and pause once their buffer is full, and each
 * row is parsed in row_cxt, reset for the next.  Memory is thus bounded by
 * the receive buffers of one batch, not by the pages or the listing.
 *
 * A page continues with its Link rel="next" target (also after the
 * large-result hand-off), or, where the endpoint pages by keyset, with
 * fromName = the last name seen; rows up to that name are skipped, whether
 * the service repeats the fromName row or not.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/scan.c
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
#include "fdw/fdw.h"
#include "model/objects.h"
#include "shmem/measured.h"
#include "text/httptext.h"
#include "transport/json.h"

/* One call to make: a list page, an enumeration page or a fetch */
typedef struct FetchTask
{
	int			level;			/* scope level it lists; nscopes: the rows */
	char	   *scope[SNOWFDW_MAX_SCOPES];
	char	   *path;
	bool		fetch;			/* GET of one object by name */
	char	   *from_name;		/* keyset page: skip names <= this */
	int64		show_limit;		/* showLimit sent, 0 if none */
	int64		page_rows_before;	/* rows of its keyset page that earlier
									 * result pages of a hand-off gave */
	bool		missing_ok;		/* 404 means no rows */
	double		rows_before;	/* rows of the scope on earlier pages */
	int			pages_before;	/* pages of its listing before it */
} FetchTask;

/*
 * Fetches (GETs of objects named by the quals) are sent this many times
 * max_concurrency at once and read in order as each answers: a scan under
 * an UPDATE or DELETE then hands a row over as soon as its object is there,
 * and the write it leads to shares max_concurrency with the fetches still
 * to come.  Listings keep batches of max_concurrency: their rows come out
 * while their pages arrive.
 */
#define SNOWFDW_FETCH_AHEAD 8

/* A call of the current batch, read in turn */
typedef struct BatchEntry
{
	FetchTask  *task;
	SnowfdwCall *call;
} BatchEntry;

struct SnowfdwFetcher
{
	SnowfdwConnection *conn;
	SnowfdwPushdown *pushdown;
	const SnowfdwObjectInfo *info;
	List	   *scope_values[SNOWFDW_MAX_SCOPES];
	bool		scope_given[SNOWFDW_MAX_SCOPES];
	bool		all_from_options;	/* every scope level set by options */
	List	   *names;			/* fetch mode: names to fetch */
	bool		fetch_mode;
	MemoryContext cxt;			/* scan lifetime: tasks and names */
	MemoryContext batch_cxt;	/* calls of the current batch */
	MemoryContext row_cxt;		/* the row returned last */
	List	   *queue;			/* FetchTask, in order */
	SnowfdwCall **sent;			/* the next batch, sent, answers not all in */
	FetchTask **sent_tasks;
	int			nsent;
	int			nreceived;		/* fetch mode: its first calls, taken */
	int64		fetched;		/* fetch mode: objects returned so far */
	List	   *batch;			/* BatchEntry not read yet */
	List	   *front;			/* tasks the batch found, to run first */
	BatchEntry *current;		/* being read */
	double		current_rows;	/* rows it gave */
	SnowfdwListing *listing;	/* its body, for a list call */
	bool		handoff;		/* its body was a large-result hand-off */
	int			cache_ttl;		/* the calls' cache policy (SnowfdwCall) */
	int			cache_stale_ttl;
};

static List *expand_scope(SnowfdwFetcher *f, char **prefix, int depth);

/*
 * set_task_path
 *		Compute the path of a list task from its scope and cursor
 */
static void
set_task_path(SnowfdwFetcher *f, FetchTask *task)
{
	int			page_size = f->conn->options->page_size;
	const char *const *scope = (const char *const *) task->scope;

	if (task->level < f->info->nscopes)
		task->path = snowfdw_enumeration_path(task->level, scope, page_size,
											  task->from_name,
											  &task->show_limit);
	else
		task->path = snowfdw_list_path(f->pushdown, scope, page_size,
									   task->from_name, &task->show_limit);
}

/*
 * new_task
 *		A task of a level under a scope prefix
 */
static FetchTask *
new_task(SnowfdwFetcher *f, int level, char **prefix)
{
	FetchTask  *task = palloc0(sizeof(FetchTask));

	task->level = level;
	memcpy(task->scope, prefix, sizeof(task->scope));
	task->missing_ok = !(f->all_from_options && level == f->info->nscopes);
	return task;
}

/*
 * expand_scope
 *		Tasks for everything under a scope prefix of the given depth
 */
static List *
expand_scope(SnowfdwFetcher *f, char **prefix, int depth)
{
	List	   *tasks = NIL;
	char	   *scope[SNOWFDW_MAX_SCOPES];
	ListCell   *lc;

	memcpy(scope, prefix, sizeof(scope));
	if (depth == f->info->nscopes)
	{
		if (f->fetch_mode)
		{
			foreach(lc, f->names)
			{
				FetchTask  *task = new_task(f, depth, scope);

				task->fetch = true;
				task->missing_ok = true;
				task->path = snowfdw_request_path(f->info, SNOWFDW_ACTION_FETCH,
												  (const char *const *) scope,
												  lfirst(lc));
				tasks = lappend(tasks, task);
			}
		}
		else
		{
			FetchTask  *task = new_task(f, depth, scope);

			set_task_path(f, task);
			tasks = lappend(tasks, task);
		}
	}
	else if (f->scope_given[depth])
	{
		foreach(lc, f->scope_values[depth])
		{
			scope[depth] = lfirst(lc);
			tasks = list_concat(tasks, expand_scope(f, scope, depth + 1));
		}
	}
	else
	{
		FetchTask  *task = new_task(f, depth, scope);

		/* an enumerated parent that vanished meanwhile has no children */
		task->missing_ok = depth > 0;
		set_task_path(f, task);
		tasks = lappend(tasks, task);
	}
	return tasks;
}

/*
 * snowfdw_fetcher_begin
 *		Plan the calls of a scan; nothing is sent yet
 *
 * scope_values[level] is a List of C strings, or NIL with
 * scope_from_options[level] false to enumerate; names, if not NIL, switch
 * to fetching those objects one by one.
 */
SnowfdwFetcher *
snowfdw_fetcher_begin(SnowfdwConnection *conn, SnowfdwPushdown *pushdown,
					  List **scope_values, bool *scope_from_options,
					  List *names, MemoryContext batch_cxt)
{
	SnowfdwFetcher *f = palloc0(sizeof(SnowfdwFetcher));
	char	   *prefix[SNOWFDW_MAX_SCOPES] = {NULL, NULL, NULL};
	int			level;

	f->conn = conn;
	f->cache_ttl = -1;
	f->pushdown = pushdown;
	f->info = pushdown->info;
	f->cxt = CurrentMemoryContext;
	f->batch_cxt = batch_cxt;
	f->row_cxt = AllocSetContextCreate(CurrentMemoryContext,
									   "snowfdw row data",
									   ALLOCSET_SMALL_SIZES);
	f->all_from_options = true;
	for (level = 0; level < f->info->nscopes; level++)
	{
		f->scope_values[level] = scope_values[level];
		f->scope_given[level] = scope_values[level] != NIL ||
			pushdown->scope_exprs[level] != NIL;
		if (!scope_from_options[level])
			f->all_from_options = false;
	}
	f->fetch_mode = pushdown->name_expr != NULL;
	f->names = names;
	f->queue = expand_scope(f, prefix, 0);
	return f;
}

/*
 * row_name
 *		The "name" member of a listed object, or NULL
 */
static const char *
row_name(SnowfdwJson *row)
{
	return snowfdw_json_object_string(row, "name");
}

/*
 * continuation
 *		The task that fetches the page after this one, or NULL
 *
 * A later page is never missing_ok: the listing was there a page ago, so a
 * 404 now (its scope dropped, a result handle expired) is an error, not a
 * shorter result, whether the scope came from options, quals or a listing.
 */
static FetchTask *
continuation(SnowfdwFetcher *f, FetchTask *task, SnowfdwCall *call,
			 int64 nrows, const char *last, bool handoff)
{
	char	   *next;
	FetchTask  *cont;

	next = snowfdw_link_target(call->link, "next");
	if (handoff && next == NULL)
	{
		next = snowfdw_link_target(call->link, "first");
		if (next == NULL)
			next = snowfdw_link_target(call->link, "last");
		if (next == NULL)
			snowfdw_report_bad_body(call, "large result without a Link header");
	}
	if (next)
	{
		if (!snowfdw_valid_relative_path(next))
			ereport(ERROR,
					(errcode(ERRCODE_FDW_ERROR),
					 errmsg("Snowflake answered with an invalid Link header"),
					 errdetail("The Link target is \"%s\".",
							   snowfdw_quote_text(next, strlen(next))),
					 errhint("Only relative paths under /api/v2/ are followed."),
					 errcontext("Snowflake request: %s %s", call->method, call->path)));
		cont = new_task(f, task->level, task->scope);
		cont->missing_ok = false;
		cont->path = MemoryContextStrdup(f->cxt, next);

		/*
		 * A keyset page answered by a large-result hand-off goes on over
		 * result pages: the page is full, and another keyset page follows,
		 * only when they bring showLimit rows in all.
		 */
		cont->show_limit = task->show_limit;
		cont->from_name = task->from_name;
		cont->page_rows_before = task->page_rows_before + nrows;
		return cont;
	}
	nrows += task->page_rows_before;
	if (task->show_limit > 0 && nrows >= task->show_limit)
	{
		/* a full page that brought nothing new would loop forever */
		if (last == NULL ||
			(task->from_name && strcmp(last, task->from_name) <= 0))
			return NULL;
		cont = new_task(f, task->level, task->scope);
		cont->missing_ok = false;
		cont->from_name = MemoryContextStrdup(f->cxt, last);
		set_task_path(f, cont);
		return cont;
	}
	return NULL;
}

/*

 * snowfdw_fetcher_set_cache_ttl
 *		The cache policy of the fetcher's calls (SnowfdwCall.cache_ttl and
 *		cache_stale_ttl); a fetcher begins with -1, no cache (ANALYZE)
 */
void
snowfdw_fetcher_set_cache_ttl(SnowfdwFetcher *fetcher, int cache_ttl,
							  int cache_stale_ttl)
{
	fetcher->cache_ttl = cache_ttl;
	fetcher->cache_stale_ttl = cache_stale_ttl;
}

/*
 * send_batch
 *		Send the next tasks concurrently, without waiting for the answers
 */
static void
send_batch(SnowfdwFetcher *f)
{
	int			n = Max(f->conn->options->max_concurrency, 1);
	MemoryContext oldcxt;
	int			i;

	if (f->fetch_mode)
	{
		n *= SNOWFDW_FETCH_AHEAD;
		/* a pushed LIMIT: every object found is a row, no more are needed */
		if (f->pushdown->limit >= 0)
			n = Min(n, Max(f->pushdown->limit - f->fetched, 1));
	}
	n = Min(list_length(f->queue), n);
	MemoryContextReset(f->batch_cxt);
	oldcxt = MemoryContextSwitchTo(f->batch_cxt);
	f->sent = palloc(sizeof(SnowfdwCall *) * n);
	f->sent_tasks = palloc(sizeof(FetchTask *) * n);
	for (i = 0; i < n; i++)
	{
		FetchTask  *task = list_nth(f->queue, i);

		f->sent_tasks[i] = task;
		f->sent[i] = snowfdw_new_call("GET", task->path, NULL, true,
									  task->missing_ok);
		f->sent[i]->stream = !task->fetch;
		/* what snowfdw_activity shows of the listing it continues */
		if (!task->fetch)
		{
			f->sent[i]->rows_before = (int64) task->rows_before;
			f->sent[i]->page = task->pages_before + 1;
		}
		f->sent[i]->cache_ttl = f->cache_ttl;
		f->sent[i]->cache_stale_ttl = f->cache_stale_ttl;
	}
	f->nsent = n;
	f->nreceived = 0;
	MemoryContextSwitchTo(f->cxt);
	f->queue = list_copy_tail(f->queue, n);
	MemoryContextSwitchTo(f->batch_cxt);
	(void) snowfdw_poll_calls(f->conn, f->sent, n);
	MemoryContextSwitchTo(oldcxt);
}

/*
 * receive_batch
 *		The answers of the sent batch, read in turn from now on; with nowait,
 *		false while the first not read has not arrived
 *
 * A listing batch is taken whole; a fetch batch from its first call not
 * read to the last call that answered after it, in order (see
 * SNOWFDW_FETCH_AHEAD).
 */
static bool
receive_batch(SnowfdwFetcher *f, bool nowait)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(f->batch_cxt);
	SnowfdwCall **waiting = f->sent + f->nreceived;
	int			nwaiting = f->nsent - f->nreceived;
	int			upto = f->nsent;
	int			i;

	if (nowait)
	{
		if (!snowfdw_poll_calls(f->conn, waiting, nwaiting) &&
			!(f->fetch_mode && waiting[0]->done))
		{
			MemoryContextSwitchTo(oldcxt);
			return false;
		}
	}
	else if (f->fetch_mode)
		snowfdw_run_calls_until(f->conn, waiting, nwaiting, 0);
	else
		snowfdw_run_calls(f->conn, waiting, nwaiting);
	if (f->fetch_mode)
	{
		for (upto = f->nreceived; upto < f->nsent; upto++)
			if (!f->sent[upto]->done)
				break;
	}
	for (i = f->nreceived; i < upto; i++)
	{
		BatchEntry *entry = palloc(sizeof(BatchEntry));

		entry->task = f->sent_tasks[i];
		entry->call = f->sent[i];
		f->batch = lappend(f->batch, entry);
	}
	f->nreceived = upto;
	if (upto == f->nsent)
	{
		f->sent = NULL;
		f->sent_tasks = NULL;
		f->nsent = 0;
		f->nreceived = 0;
	}
	MemoryContextSwitchTo(oldcxt);
	return true;
}

/*
 * next_fetched
 *		The object a fetch call brought, once, or NULL
 */
static SnowfdwJson *
next_fetched(SnowfdwFetcher *f, BatchEntry *entry)
{
	SnowfdwCall *call = entry->call;
	SnowfdwJson *body;

	if (call->status == 404 || call->response == NULL)
		return NULL;
	body = snowfdw_call_response_object(call);
	call->response = NULL;		/* returned once */
	f->fetched++;
	return body;
}

/*
 * note_count
 *		Tell the planner's estimates how many objects a whole listing held
 *
 * Only listings that no filter or limit narrowed say that.
 */
static void
note_count(SnowfdwFetcher *f, FetchTask *task, double rows)
{
	SnowfdwPushdown *pd = f->pushdown;

	if (task->level < f->info->nscopes)
		snowfdw_note_listing(&f->conn->signer,
							 snowfdw_scope_object(task->level)->kind,
							 task->scope, task->level, rows);
	else if (pd->like == NULL && pd->starts_with == NULL &&
			 pd->pattern == NULL && pd->limit < 0)
		snowfdw_note_listing(&f->conn->signer, f->info->kind,
							 task->scope, task->level, rows);
}

/*
 * end_current
 *		Done reading the current call: queue the page after it
 */
static void
end_current(SnowfdwFetcher *f)
{
	BatchEntry *entry = f->current;
	FetchTask  *cont = NULL;
	MemoryContext oldcxt = MemoryContextSwitchTo(f->cxt);

	if (f->listing)
	{
		cont = continuation(f, entry->task, entry->call,
							snowfdw_listing_count(f->listing),
							snowfdw_listing_last_name(f->listing),
							f->handoff);
		snowfdw_listing_close(f->listing);
	}
	if (cont)
	{
		cont->rows_before = entry->task->rows_before + f->current_rows;
		cont->pages_before = entry->task->pages_before + 1;
		f->front = lappend(f->front, cont);
	}
	else if (f->listing)
		note_count(f, entry->task, entry->task->rows_before + f->current_rows);
	MemoryContextSwitchTo(oldcxt);
	f->listing = NULL;
	f->current = NULL;
	f->current_rows = 0;
	f->handoff = false;
}

/*
 * next_listed
 *		Next row of the current list call, or NULL at its end
 *
 * Rows of an enumeration level become tasks of the level below instead.
 */
static SnowfdwJson *
next_listed(SnowfdwFetcher *f, BatchEntry *entry)
{
	FetchTask  *task = entry->task;
	SnowfdwCall *call = entry->call;

	for (;;)
	{
		bool		is_document;
		SnowfdwJson *row;
		const char *name;

		MemoryContextReset(f->row_cxt);
		MemoryContextSwitchTo(f->row_cxt);
		row = snowfdw_listing_next(f->listing, &is_document);
		if (row == NULL)
			return NULL;
		if (is_document)
		{
			if (snowfdw_json_type(row) != SNOWFDW_JSON_OBJECT ||
				snowfdw_json_object_field(row, "result_handler") == NULL)
				snowfdw_report_bad_body(call, "expected a JSON array");
			f->handoff = true;
			continue;
		}

		if (task->level < f->info->nscopes)
		{
			char	   *scope[SNOWFDW_MAX_SCOPES];

			/* enumeration: the names become scopes of the next level */
			name = row_name(row);
			if (name == NULL)
				snowfdw_report_bad_body(call, "a listed object has no name");
			if (task->from_name && strcmp(name, task->from_name) <= 0)
				continue;
			memcpy(scope, task->scope, sizeof(scope));
			f->current_rows++;
			MemoryContextSwitchTo(f->cxt);
			scope[task->level] = pstrdup(name);
			f->front = list_concat(f->front, expand_scope(f, scope, task->level + 1));
			continue;
		}

		if (snowfdw_json_type(row) != SNOWFDW_JSON_OBJECT)
			snowfdw_report_bad_body(call,
									psprintf("a listed %s is not a JSON object",
											 f->info->noun));
		/* a keyset page may repeat the row it continues from */
		if (task->from_name)
		{
			name = row_name(row);
			if (name && strcmp(name, task->from_name) <= 0)
				continue;
		}
		f->current_rows++;
		snowfdw_progress_row(call);
		return row;
	}
}

/*
 * snowfdw_fetcher_next
 *		Next row (a JSON object) of the scan and its scope names, or NULL
 *
 * The row lives until the next call.  With nowait, a scan whose next rows
 * need answers that have not arrived sends what it needs, sets *waiting and
 * returns NULL instead of waiting (an asynchronous Append asks again later).
 * Rows of a body that has begun to arrive are read without that check.
 */
SnowfdwJson *
snowfdw_fetcher_next(SnowfdwFetcher *f, char ***scope, bool nowait,
					 bool *waiting)
{
	MemoryContext oldcxt = CurrentMemoryContext;

	*waiting = false;
	for (;;)
	{
		BatchEntry *entry = f->current;

		if (entry)
		{
			SnowfdwJson *row;

			if (entry->task->fetch)
				row = next_fetched(f, entry);
			else
			{
				if (f->listing == NULL)
				{
					MemoryContextSwitchTo(f->batch_cxt);
					f->listing = snowfdw_listing_open(f->conn, entry->call);
				}
				row = next_listed(f, entry);
			}
			MemoryContextSwitchTo(oldcxt);
			if (row)
			{
				*scope = entry->task->scope;
				return row;
			}
			end_current(f);
			continue;
		}
		if (f->batch != NIL)
		{
			f->current = linitial(f->batch);
			f->batch = list_delete_first(f->batch);
			/* a listing that is not there has no rows and no next page */
			if (f->current->call->status == 404)
				f->current = NULL;
			continue;
		}
		/* what the batch found runs before the rest of the queue */
		if (f->sent)
		{
			if (!receive_batch(f, nowait))
			{
				*waiting = true;
				return NULL;
			}
			continue;
		}
		MemoryContextSwitchTo(f->cxt);
		f->queue = list_concat(f->front, f->queue);
		f->front = NIL;
		MemoryContextSwitchTo(oldcxt);
		if (f->sent == NULL)
		{
			if (f->queue == NIL)
				return NULL;
			send_batch(f);
		}
		if (!receive_batch(f, nowait))
		{
			*waiting = true;
			return NULL;
		}
	}
}

/*
 * snowfdw_fetcher_send
 *		Send the scan's first calls now, before its rows are asked for
 *
 * Used for a sibling of the scan an Append reads first (siblings.c); the
 * answers are taken when the scan is read.
 */
void
snowfdw_fetcher_send(SnowfdwFetcher *f)
{
	if (f->sent != NULL || f->batch != NIL || f->current != NULL)
		return;
	f->queue = list_concat(f->front, f->queue);
	f->front = NIL;
	if (f->queue != NIL)
		send_batch(f);
}

/*
 * snowfdw_fetcher_end
 *		Abandon the transfers of a scan that stops before its end
 */
void
snowfdw_fetcher_end(SnowfdwFetcher *f)
{
	ListCell   *lc;
	int			i;

	if (f->current)
		snowfdw_call_close(f->conn, f->current->call);
	foreach(lc, f->batch)
		snowfdw_call_close(f->conn, ((BatchEntry *) lfirst(lc))->call);
	for (i = f->nreceived; i < f->nsent; i++)
		snowfdw_call_abort(f->conn, f->sent[i]);
	f->sent = NULL;
	f->nsent = 0;
	f->nreceived = 0;
	f->current = NULL;
	f->batch = NIL;
	f->listing = NULL;
}
