/*-------------------------------------------------------------------------
 *
 * report.c
 *		  Errors of REST calls
 *
 * The one place an HTTP status and Snowflake's error code become a
 * SQLSTATE (sqlstate_for_failure), and the one place a response body is
 * judged unusable (snowfdw_report_bad_body).  Detail carries Snowflake's
 * message, code and request ID; context names the request; text from the
 * network is quoted through snowfdw_quote_text.  Never a token: neither
 * headers nor the URL carry one into the text.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/calls/report.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"

#include "calls/connection.h"
#include "calls/report.h"
#include "calls/rest.h"
#include "compat.h"
#include "transport/auth.h"
#include "transport/http.h"
#include "transport/json.h"

/* Longest text of a response quoted in an error */
#define MAX_QUOTED 500

pg_noreturn static void report_transport_failure(SnowfdwConnection *conn,
												 SnowfdwCall *call,
												 SnowfdwHttpResponse *resp,
												 const char *attempts,
												 bool maybe_done);
static void read_error_body(SnowfdwHttpResponse *resp, const char **message,
							const char **code, const char **request_id);
static int	errhint_http_failure(SnowfdwConnection *conn,
								 SnowfdwHttpResponse *resp, bool maybe_done);
static char *as_sentence(const char *text, size_t len);

/*
 * snowfdw_call_may_have_acted
 *		Whether a write that failed this way may have been carried out:
 *		it was not repeated, and its answer did not say it was refused
 */
bool
snowfdw_call_may_have_acted(SnowfdwCall *call, SnowfdwHttpResponse *resp)
{
	return !call->retry_safe && call->poll_path == NULL &&
		((!resp->transport_ok && !resp->permanent_failure) ||
		 resp->status == 504);
}

/*
 * snowfdw_report_bad_body
 *		Raise the error for a response body snowfdw cannot use
 */
void
snowfdw_report_bad_body(SnowfdwCall *call, const char *problem)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_JSON_TEXT),
			 errmsg("Snowflake returned an invalid response: %s", problem),
			 errdetail("Request ID %s.", call->request_id ? call->request_id : "(none)"),
			 errcontext("Snowflake request: %s %s", call->method, call->path)));
}

/*
 * as_sentence
 *		A message from libcurl as a detail sentence: capitalized, with a
 *		final period, printable and bounded like quote_text
 */
static char *
as_sentence(const char *text, size_t len)
{
	char	   *s = snowfdw_quote_text(text, len);
	size_t		n = strlen(s);

	if (n > 0 && s[0] >= 'a' && s[0] <= 'z')
		s[0] = s[0] - 'a' + 'A';
	if (n > 0 && s[n - 1] != '.')
		s = psprintf("%s.", s);
	return s;
}

/*
 * snowfdw_quote_text
 *		Printable, bounded copy of text from the network
 *
 * The one sanitizer of header and body text quoted in a message: control
 * characters (an ESC could drive a terminal) become spaces.
 */
char *
snowfdw_quote_text(const char *text, size_t len)
{
	StringInfoData buf;
	size_t		i;

	initStringInfo(&buf);
	for (i = 0; i < len && i < MAX_QUOTED; i++)
	{
		unsigned char c = (unsigned char) text[i];

		appendStringInfoChar(&buf, (c < 0x20 || c == 0x7f) ? ' ' : (char) c);
	}
	if (len > MAX_QUOTED)
		appendStringInfoString(&buf, "...");
	return buf.data;
}

/*
 * sqlstate_for_failure
 *		The one mapping from an HTTP status and Snowflake code to a SQLSTATE
 *
 * A few Snowflake error codes say more than the status: 002003 "does not
 * exist or not authorized" and 002002 "already exists".  Everything else
 * follows the status; 429, 5xx and 408 are reported only once retries are
 * exhausted, as connection failures.
 */
static int
sqlstate_for_failure(long status, const char *code)
{
	if (code != NULL && status >= 400 && status < 500 &&
		status != 401 && status != 429)
	{
		if (strcmp(code, "002003") == 0)
			return ERRCODE_UNDEFINED_OBJECT;
		if (strcmp(code, "002002") == 0)
			return ERRCODE_DUPLICATE_TABLE;
	}
	switch (status)
	{
		case 400:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case 401:
			return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
		case 403:
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		case 404:
		case 410:
			return ERRCODE_UNDEFINED_OBJECT;
		case 405:
			return ERRCODE_FEATURE_NOT_SUPPORTED;
		case 409:
			return ERRCODE_DUPLICATE_TABLE;
		case 408:
		case 429:
			return ERRCODE_CONNECTION_FAILURE;
		default:
			if (status >= 500)
				return ERRCODE_CONNECTION_FAILURE;
			return ERRCODE_FDW_ERROR;
	}
}

/*
 * snowfdw_report_failure
 *		Raise the error for a call that failed for good
 *
 * Detail: Snowflake's message, code and request id.  Context: the request.
 * Never a token: neither headers nor the URL carry one into the text.
 */
void
snowfdw_report_failure(SnowfdwConnection *conn, SnowfdwCall *call,
					   SnowfdwHttpResponse *resp)
{
	const char *message = NULL;
	const char *code = NULL;
	const char *request_id = resp->request_id;
	char	   *attempts;

	/* a write that failed this way was not repeated: say why */
	bool		maybe_done = snowfdw_call_may_have_acted(call, resp);

	CHECK_FOR_INTERRUPTS();
	attempts = call->retries > 0 ?
		psprintf(" after %d attempts", call->retries + 1) : pstrdup("");

	if (!resp->transport_ok)
		report_transport_failure(conn, call, resp, attempts, maybe_done);

	read_error_body(resp, &message, &code, &request_id);

	ereport(ERROR,
			(errcode(sqlstate_for_failure(resp->status, code)),
			 errmsg("Snowflake request failed with HTTP status %ld%s: %s",
					resp->status, attempts, snowfdw_quote_text(message, strlen(message))),
			 errdetail("Snowflake error code %s, request ID %s.",
					   code ? snowfdw_quote_text(code, strlen(code)) : "(none)",
					   request_id ? snowfdw_quote_text(request_id, strlen(request_id)) : "(none)"),
			 errhint_http_failure(conn, resp, maybe_done),
			 errcontext("Snowflake request: %s %s", call->method, call->path)));
	pg_unreachable();
}

/*
 * report_transport_failure
 *		Raise the error for a call whose last transfer got no HTTP answer
 *
 * attempts is the " after N attempts" part of the message, maybe_done
 * whether a write may have been carried out (see snowfdw_report_failure).
 */
static void
report_transport_failure(SnowfdwConnection *conn, SnowfdwCall *call,
						 SnowfdwHttpResponse *resp, const char *attempts,
						 bool maybe_done)
{
	if (resp->timed_out)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("Snowflake request timed out%s", attempts),
				 errdetail("%s", as_sentence(resp->transport_error,
											strlen(resp->transport_error))),
				 maybe_done ?
				 errhint("Snowflake may have carried out the request; it was not repeated, because repeating it could change the outcome.") :
				 errhint("The server options \"connect_timeout\" and \"request_timeout\" bound each attempt."),
				 errcontext("Snowflake request: %s %s", call->method, call->path)));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
			 errmsg("could not complete request to Snowflake server \"%s\"%s",
					conn->server_name, attempts),
			 errdetail("%s", as_sentence(resp->transport_error,
										strlen(resp->transport_error))),
			 maybe_done ?
			 errhint("Snowflake may have carried out the request; it was not repeated, because repeating it could change the outcome.") : 0,
			 errcontext("Snowflake request: %s %s", call->method, call->path)));
	pg_unreachable();
}

/*
 * read_error_body
 *		Snowflake's message, error code and request ID from an error answer
 *
 * A JSON object body gives "message", "code" (or "error_code") and
 * "request_id"; a request ID from the header is kept over the body's.  A
 * body that is not such an object is quoted as the message.  *message is
 * never NULL on return; *code may be.
 */
static void
read_error_body(SnowfdwHttpResponse *resp, const char **message,
				const char **code, const char **request_id)
{
	if (resp->body_len > 0)
	{
		char	   *error = NULL;
		SnowfdwJson *body = snowfdw_json_parse_quietly(resp->body,
													   resp->body_len, &error);

		if (body && snowfdw_json_type(body) == SNOWFDW_JSON_OBJECT)
		{
			*message = snowfdw_json_object_string(body, "message");
			*code = snowfdw_json_object_string(body, "code");
			if (*code == NULL)
				*code = snowfdw_json_object_string(body, "error_code");
			if (*request_id == NULL)
				*request_id = snowfdw_json_object_string(body, "request_id");
		}
		if (*message == NULL)
			*message = snowfdw_quote_text(resp->body, resp->body_len);
	}
	if (*message == NULL)
		*message = "(no error message)";
}

/*
 * errhint_http_failure
 *		The hint of an HTTP failure's error, if it has one
 *
 * Called within snowfdw_report_failure's ereport, like errhint itself.
 */
static int
errhint_http_failure(SnowfdwConnection *conn, SnowfdwHttpResponse *resp,
					 bool maybe_done)
{
	if (resp->status == 401 && conn->options->private_key)
		return errhint("Check that the public key of the user mapping's private key is registered for Snowflake user \"%s\" of account \"%s\", and that the database server's clock is right.",
					   snowfdw_jwt_user_name(conn->options->user),
					   snowfdw_jwt_account_name(conn->options->account));
	if (resp->status == 401)
		return errhint("Check the credentials in the user mapping for server \"%s\".",
					   conn->server_name);
	if (resp->status == 403)
		return errhint("Check the privileges of the Snowflake user and role of the user mapping for server \"%s\".",
					   conn->server_name);
	if (maybe_done)
		return errhint("Snowflake may have carried out the request; it was not repeated, because repeating it could change the outcome.");
	if (resp->status == 429 || resp->status == 503 || resp->status == 504)
		return errhint("The server options \"max_retries\" and \"retry_max_time\" bound the retries.");
	return 0;
}

