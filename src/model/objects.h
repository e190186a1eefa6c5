/*-------------------------------------------------------------------------
 *
 * objects.h
 *		  Object kinds, their fields and the paths of their requests
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/model/objects.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_OBJECTS_H
#define SNOWFDW_OBJECTS_H

#include "lib/stringinfo.h"
#include "utils/relcache.h"

#include "model/options.h"

/* Scope levels: the path parameters above an object */
#define SNOWFDW_MAX_SCOPES 3
#define SNOWFDW_SCOPE_DATABASE 0
#define SNOWFDW_SCOPE_SCHEMA 1
#define SNOWFDW_SCOPE_STAGE 2

/*
 * Most objects one list request may return: the maximum of the spec's
 * showLimit parameter (common.yaml), and so the cap of option page_size.
 */
#define SNOWFDW_MAX_PAGE_SIZE 10000

/* Query parameters a list endpoint declares (bit set) */
#define SNOWFDW_PARAM_LIKE			0x01
#define SNOWFDW_PARAM_STARTS_WITH	0x02
#define SNOWFDW_PARAM_SHOW_LIMIT	0x04
#define SNOWFDW_PARAM_FROM_NAME		0x08
#define SNOWFDW_PARAM_HISTORY		0x10
#define SNOWFDW_PARAM_PATTERN		0x20

/* Object kinds a foreign table can expose; databases serve enumeration */
typedef enum SnowfdwObjectKind
{
	SNOWFDW_OBJECT_DATABASES,
	SNOWFDW_OBJECT_SCHEMAS,
	SNOWFDW_OBJECT_STAGES,
	SNOWFDW_OBJECT_STREAMS,
	SNOWFDW_OBJECT_STAGE_FILES
} SnowfdwObjectKind;

/* JSON type of a field, and the SQL type IMPORT declares for it */
typedef enum SnowfdwFieldType
{
	SNOWFDW_FIELD_TEXT,
	SNOWFDW_FIELD_BOOLEAN,
	SNOWFDW_FIELD_INTEGER,
	SNOWFDW_FIELD_BIGINT,
	SNOWFDW_FIELD_TIMESTAMPTZ,	/* a string in JSON */
	SNOWFDW_FIELD_JSONB			/* an object or array */
} SnowfdwFieldType;

/* One field of a REST model, and the column IMPORT makes of it */
typedef struct SnowfdwFieldInfo
{
	const char *name;			/* JSON key and default column name */
	SnowfdwFieldType type;
	bool		read_only;		/* set by the service, never sent */
	bool		write_only;		/* sent, never returned */
	bool		required;		/* required in a create body */
} SnowfdwFieldInfo;

/* What snowfdw knows about one object kind */
typedef struct SnowfdwObjectInfo
{
	SnowfdwObjectKind kind;
	const char *object_option;	/* value of the "object" table option */
	const char *table_name;		/* name IMPORT FOREIGN SCHEMA gives */
	const char *collection;		/* last path segment of the list call */
	const char *noun;			/* for messages: "schema", "stage", ... */
	int			nscopes;		/* path parameters above the object */
	int			list_params;	/* SNOWFDW_PARAM_* the list call takes */
	bool		has_fetch;		/* GET <collection>/{name} exists */
	bool		has_create;
	bool		has_delete;
	bool		has_put;		/* PUT create-or-alter exists */
	const SnowfdwFieldInfo *fields; /* NULL-terminated */
} SnowfdwObjectInfo;

/* Scope column names, indexed by scope level */
extern const char *const snowfdw_scope_columns[SNOWFDW_MAX_SCOPES];

/* What a request does to a kind: its method and the shape of its path */
typedef enum SnowfdwAction
{
	SNOWFDW_ACTION_LIST,		/* GET .../<collection> */
	SNOWFDW_ACTION_FETCH,		/* GET .../<collection>/{name} */
	SNOWFDW_ACTION_CREATE,		/* POST .../<collection> */
	SNOWFDW_ACTION_REPLACE,		/* PUT .../<collection>/{name} */
	SNOWFDW_ACTION_DROP,		/* DELETE .../<collection>/{name} */
	SNOWFDW_ACTION_CLONE,		/* POST .../<collection>/{name}:clone */
	SNOWFDW_ACTION_UNDROP,		/* POST .../<collection>/{name}:undrop */
	SNOWFDW_ACTION_PRESIGN		/* POST .../files/{file}:presigned-url */
} SnowfdwAction;

/*
 * The query of a list request, as pushdown decided it: filters of the name,
 * dropped objects, and the showLimit of a first page (0: not paged).  The
 * placeholders are EXPLAIN's, for values known only at run time.
 */
typedef struct SnowfdwListQuery
{
	const char *like;
	const char *starts_with;
	const char *pattern;
	bool		history;
	int64		show_limit;
	bool		name_filter_placeholder;	/* {name_filter} */
	bool		limit_placeholder;	/* showLimit={limit} */
} SnowfdwListQuery;

/* in objects.c */
extern const SnowfdwObjectInfo *snowfdw_object_info(SnowfdwObjectKind kind);
extern const SnowfdwObjectInfo *snowfdw_object_by_option(const char *value);
extern const SnowfdwObjectInfo *snowfdw_object_by_table_name(const char *name);
extern const SnowfdwObjectInfo *snowfdw_relation_object(Relation rel,
														SnowfdwOptions *options);
extern const SnowfdwFieldInfo *snowfdw_find_field(const SnowfdwObjectInfo *info,
												  const char *name);
extern const char *snowfdw_field_type_name(SnowfdwFieldType type);
extern int	snowfdw_scope_level(const SnowfdwObjectInfo *info,
								const char *column);
extern char *snowfdw_quote_identifier(const char *name);
extern void snowfdw_append_query(StringInfo buf, const char *key,
								 const char *value);
extern const char *snowfdw_action_method(SnowfdwAction action);
extern const SnowfdwObjectInfo *snowfdw_scope_object(int level);
extern void snowfdw_append_request_path(StringInfo buf,
										const SnowfdwObjectInfo *info,
										SnowfdwAction action,
										const char *const *scope,
										const char *name);
extern char *snowfdw_request_path(const SnowfdwObjectInfo *info,
								  SnowfdwAction action,
								  const char *const *scope, const char *name);
extern char *snowfdw_list_request_path(const SnowfdwObjectInfo *info,
									   const char *const *scope,
									   const SnowfdwListQuery *query,
									   const char *from_name,
									   int64 *show_limit);
extern char *snowfdw_enumeration_path(int level, const char *const *scope,
									  int page_size, const char *from_name,
									  int64 *show_limit);

#endif							/* SNOWFDW_OBJECTS_H */
