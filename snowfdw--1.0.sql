/* snowfdw--1.0.sql */

-- complain if script is sourced in psql, rather than via CREATE EXTENSION
\echo Use "CREATE EXTENSION snowfdw" to load this file. \quit

CREATE FUNCTION snowfdw_handler()
RETURNS fdw_handler
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FUNCTION snowfdw_validator(text[], oid)
RETURNS void
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT;

CREATE FOREIGN DATA WRAPPER snowfdw
  HANDLER snowfdw_handler
  VALIDATOR snowfdw_validator;

-- Sessions cached by this backend: one per user mapping in use
CREATE FUNCTION snowfdw_get_connections(
    OUT server_name text, OUT user_name text, OUT valid boolean,
    OUT requests bigint)
RETURNS SETOF record
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT PARALLEL RESTRICTED;

CREATE FUNCTION snowfdw_disconnect(server name)
RETURNS boolean
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT PARALLEL RESTRICTED;

CREATE FUNCTION snowfdw_disconnect_all()
RETURNS boolean
AS 'MODULE_PATHNAME'
LANGUAGE C STRICT PARALLEL RESTRICTED;

-- Snowflake actions without a table form.  Each makes one REST call with
-- the caller's user mapping of the server and returns Snowflake's status
-- text (snowfdw_presign: the URL).  Like DML on the foreign tables, the
-- changes happen at once in Snowflake and ROLLBACK does not undo them.

-- POST .../schemas/{name}:clone; point_of_time_type is timestamp, offset or
-- statement, point_of_time its value, reference "at" or "before"
CREATE FUNCTION snowfdw_clone_schema(
    server name, database text, name text, new_name text,
    target_database text DEFAULT NULL,
    point_of_time_type text DEFAULT NULL,
    point_of_time text DEFAULT NULL,
    reference text DEFAULT 'at',
    create_mode text DEFAULT 'errorIfExists')
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C;

-- POST .../schemas/{name}:undrop
CREATE FUNCTION snowfdw_undrop_schema(server name, database text, name text)
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C;

-- POST .../streams/{name}:clone; the targets default to the source's
CREATE FUNCTION snowfdw_clone_stream(
    server name, database text, schema text, name text, new_name text,
    target_database text DEFAULT NULL,
    target_schema text DEFAULT NULL,
    copy_grants boolean DEFAULT false,
    create_mode text DEFAULT 'errorIfExists')
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C;

-- POST .../stages/{stage}/files/{file_path}:presigned-url
CREATE FUNCTION snowfdw_presign(
    server name, database text, schema text, stage text, file_path text,
    expiration_seconds integer DEFAULT NULL)
RETURNS text
AS 'MODULE_PATHNAME'
LANGUAGE C PARALLEL RESTRICTED;
