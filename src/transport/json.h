/*-------------------------------------------------------------------------
 *
 * json.h
 *		  JSON access for snowfdw (cJSON behind an opaque type)
 *
 * Only json.c includes cJSON.h.  A tree lives and dies with the memory
 * context current when it was parsed (a reset callback frees it).
 * Numbers keep their exact source text: sizes and ids never pass through
 * double.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/transport/json.h
 *
 *-------------------------------------------------------------------------
 */
#ifndef SNOWFDW_JSON_H
#define SNOWFDW_JSON_H

#include "lib/stringinfo.h"

typedef struct SnowfdwJson SnowfdwJson;

typedef enum SnowfdwJsonType
{
	SNOWFDW_JSON_NULL,
	SNOWFDW_JSON_BOOL,
	SNOWFDW_JSON_NUMBER,
	SNOWFDW_JSON_STRING,
	SNOWFDW_JSON_ARRAY,
	SNOWFDW_JSON_OBJECT
} SnowfdwJsonType;

/* in json.c */
extern void snowfdw_json_init(void);
extern SnowfdwJson *snowfdw_json_parse(const char *text, size_t len,
									   char **error);
extern SnowfdwJson *snowfdw_json_parse_quietly(const char *text, size_t len,
											   char **error);
extern SnowfdwJsonType snowfdw_json_type(const SnowfdwJson *value);
extern SnowfdwJson *snowfdw_json_object_field(const SnowfdwJson *object,
											  const char *key);
extern const char *snowfdw_json_object_string(const SnowfdwJson *object,
											  const char *key);
extern char *snowfdw_json_scalar_text(const SnowfdwJson *value);
extern char *snowfdw_json_to_text(const SnowfdwJson *value);
extern void snowfdw_json_escape(StringInfo buf, const char *s);

/* Building request bodies: a flat object of typed members */
typedef struct SnowfdwJsonBuilder SnowfdwJsonBuilder;
extern SnowfdwJsonBuilder *snowfdw_json_builder_create(void);
extern void snowfdw_json_builder_add_string(SnowfdwJsonBuilder *builder,
											const char *key, const char *value);
extern void snowfdw_json_builder_add_raw(SnowfdwJsonBuilder *builder,
										 const char *key, const char *json_text);
extern void snowfdw_json_builder_add_number(SnowfdwJsonBuilder *builder,
											const char *key, const char *number_text);
extern void snowfdw_json_builder_add_bool(SnowfdwJsonBuilder *builder,
										  const char *key, bool value);
extern char *snowfdw_json_builder_finish(SnowfdwJsonBuilder *builder);

#endif							/* SNOWFDW_JSON_H */
