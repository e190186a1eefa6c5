/*-------------------------------------------------------------------------
 *
 * deparse.c
 *		  Which quals and limits become REST request parameters
 *
 * Pushdown here only narrows what Snowflake sends; every qual also stays
 * in the plan as a local qual, so the rows are always exactly those
 * PostgreSQL would return without pushdown.  What can be pushed:
 *	- database_name/schema_name/stage_name = value or IN (...): path params;
 *	- name = value: the fetch endpoint (identifiers quoted to match exactly);
 *	- name LIKE 'abc%': startsWith (case-sensitive prefix, exact);
 *	- name LIKE / ILIKE pattern: like (case-insensitive, a superset);
 *	- stage_files.name ~ regex or LIKE pattern: pattern, translated to a
 *	  whole-name regex matching the same names (a subset of regexes only;
 *	  the translation is text/pattern.c's);
 *	- dropped_on conditions on schemas: history=true (with pushdown off too:
 *	  it decides which rows exist, see clause_wants_history);
 *	- LIMIT: showLimit, paged on with fromName until the executor stops.
 * Values may be constants, query parameters or outer columns of a
 * parameterized join path; non-constant ones are evaluated at execution.
 * So are the values of name LIKE/ILIKE/~ and of LIMIT/OFFSET in a generic
 * plan (or from a stable function): they are translated when the scan
 * starts, by snowfdw_apply_name_filter, the rules constants follow.
 *
 * Copyright (c) 2026, snowfdw developers
 *
 * IDENTIFICATION
 *		  src/fdw/deparse.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "fdw/fdw.h"
#include "model/guc.h"
#include "model/objects.h"
#include "model/options.h"
#include "text/pattern.h"

static int64 snowfdw_show_limit(SnowfdwPushdown *pushdown, int page_size);

/*
 * column_name_of
 *		JSON field name of a Var of the scanned relation, or NULL
 */
static char *
column_name_of(PlannerInfo *root, RelOptInfo *baserel, Node *node)
{
	Var		   *var;
	RangeTblEntry *rte;

	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node == NULL || !IsA(node, Var))
		return NULL;
	var = (Var *) node;
	if (var->varno != (int) baserel->relid || var->varlevelsup != 0 ||
		var->varattno <= 0)
		return NULL;
	if (var->vartype != TEXTOID && var->vartype != VARCHAROID)
		return NULL;
	rte = planner_rt_fetch(baserel->relid, root);
	return snowfdw_column_json_name(rte->relid, var->varattno);
}

/*
 * is_runtime_value
 *		Whether an expression is a value known before the scan runs
 *
 * Constants, parameters and outer-relation columns qualify; anything that
 * reads the scanned relation or is volatile does not.
 */
static bool
is_runtime_value(RelOptInfo *baserel, Node *node)
{
	Relids		relids = pull_varnos(NULL, node);

	return !bms_is_member(baserel->relid, relids) &&
		!contain_volatile_functions(node) &&
		!contain_subplans(node);
}

/*
 * collation_is_exact
 *		Whether equality under a collation is byte equality
 */
static bool
collation_is_exact(Oid collid)
{
	return !OidIsValid(collid) || collid == DEFAULT_COLLATION_OID ||
		collid == C_COLLATION_OID || get_collation_isdeterministic(collid);
}

/*
 * const_text
 *		Text of a non-null text Const, or NULL
 */
static char *
const_text(Node *node)
{
	Const	   *c;

	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node == NULL || !IsA(node, Const))
		return NULL;
	c = (Const *) node;
	if (c->constisnull ||
		(c->consttype != TEXTOID && c->consttype != VARCHAROID &&
		 c->consttype != UNKNOWNOID))
		return NULL;
	return TextDatumGetCString(c->constvalue);
}

/*
 * add_scope_value
 *		Remember a value (or array of values) for a scope level
 */
static void
add_scope_value(SnowfdwPushdown *pushdown, int level, Expr *value)
{
	/* the first qual on a level decides; others stay local checks */
	if (pushdown->scope_exprs[level] == NIL)
		pushdown->scope_exprs[level] = list_make1(value);
}

/*
 * classify_equality
 *		Use "column = value" or "column = ANY (array)" if it fits
 */
static void
classify_equality(PlannerInfo *root, RelOptInfo *baserel, Node *left,
				  Node *right, Oid collid, SnowfdwPushdown *pushdown)
{
	char	   *column = column_name_of(root, baserel, left);
	int			level;

	if (column == NULL || !collation_is_exact(collid) ||
		!is_runtime_value(baserel, right))
		return;
	level = snowfdw_scope_level(pushdown->info, column);
	if (level >= 0)
		add_scope_value(pushdown, level, (Expr *) right);
	else if (strcmp(column, "name") == 0 && pushdown->info->has_fetch &&
			 pushdown->name_expr == NULL)
		pushdown->name_expr = (Expr *) right;
}

/*
 * filter_can_push
 *		Whether some value of "name <op> value" could become a request
 *		parameter of this kind
 */
static bool
filter_can_push(const SnowfdwObjectInfo *info, Oid opno)
{
	switch (opno)
	{
		case OID_TEXT_LIKE_OP:
			return (info->list_params & (SNOWFDW_PARAM_STARTS_WITH |
										 SNOWFDW_PARAM_LIKE |
										 SNOWFDW_PARAM_PATTERN)) != 0;
		case OID_TEXT_ICLIKE_OP:
			return (info->list_params & SNOWFDW_PARAM_LIKE) != 0;
		case OID_TEXT_REGEXEQ_OP:
			return (info->list_params & SNOWFDW_PARAM_PATTERN) != 0;
		default:
			return false;
	}
}

/*
 * name_pattern
 *		A translator of text/pattern.c run into palloc'd memory: the LIST
 *		pattern, or NULL when the qual stays local
 */
static char *
name_pattern(size_t (*translate) (char *, size_t, const char *, bool),
			 const char *text)
{
	bool		utf8 = GetDatabaseEncoding() == PG_UTF8;
	size_t		len = translate(NULL, 0, text, utf8);
	char	   *pattern;

	if (len == SNOWFDW_PATTERN_NONE)
		return NULL;
	pattern = palloc(len + 1);
	translate(pattern, len + 1, text, utf8);
	return pattern;
}

/*
 * snowfdw_apply_name_filter
 *		Push "name <op> value" (LIKE, ILIKE or ~) into the request where the
 *		translation is exact; otherwise it stays a local filter only
 *
 * Used at plan time for constants and when a scan starts for values known
 * only then: both follow the same rules.  The first filter to claim a
 * parameter keeps it.
 */
void
snowfdw_apply_name_filter(SnowfdwPushdown *pushdown, Oid opno,
						  const char *text)
{
	const SnowfdwObjectInfo *info = pushdown->info;

	if (opno == OID_TEXT_LIKE_OP)
	{
		size_t		prefix = snowfdw_like_prefix_length(text);

		if (prefix > 0 && (info->list_params & SNOWFDW_PARAM_STARTS_WITH) &&
			pushdown->starts_with == NULL)
			pushdown->starts_with = pnstrdup(text, prefix);
		else if ((info->list_params & SNOWFDW_PARAM_LIKE) &&
				 pushdown->like == NULL && strchr(text, '\\') == NULL)
			pushdown->like = pstrdup(text);
		else if ((info->list_params & SNOWFDW_PARAM_PATTERN) &&
				 pushdown->pattern == NULL)
			pushdown->pattern = name_pattern(snowfdw_like_to_pattern, text);
	}
	else if (opno == OID_TEXT_ICLIKE_OP)
	{
		if ((info->list_params & SNOWFDW_PARAM_LIKE) &&
			pushdown->like == NULL && strchr(text, '\\') == NULL)
			pushdown->like = pstrdup(text);
	}
	else if (opno == OID_TEXT_REGEXEQ_OP)
	{
		if ((info->list_params & SNOWFDW_PARAM_PATTERN) &&
			pushdown->pattern == NULL)
			pushdown->pattern = name_pattern(snowfdw_regex_to_pattern, text);
	}
}

/*
 * classify_clause
 *		Record what one qual contributes to the request
 */
static void
classify_clause(PlannerInfo *root, RelOptInfo *baserel, Expr *clause,
				SnowfdwPushdown *pushdown)
{
	const SnowfdwObjectInfo *info = pushdown->info;

	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *left;
		Node	   *right;
		char	   *column;
		char	   *text;

		if (list_length(op->args) != 2)
			return;
		left = linitial(op->args);
		right = lsecond(op->args);

		if (op->opno == TextEqualOperator)
		{
			classify_equality(root, baserel, left, right, op->inputcollid, pushdown);
			classify_equality(root, baserel, right, left, op->inputcollid, pushdown);
			return;
		}

		column = column_name_of(root, baserel, left);
		if (column == NULL || strcmp(column, "name") != 0 ||
			!collation_is_exact(op->inputcollid) ||
			!filter_can_push(info, op->opno))
			return;
		text = const_text(right);
		if (text)
			snowfdw_apply_name_filter(pushdown, op->opno, text);
		else if (is_runtime_value(baserel, right) &&
				 (exprType(right) == TEXTOID || exprType(right) == VARCHAROID))
		{
			/* translated when the scan starts, by the same rules */
			pushdown->filter_ops = lappend_oid(pushdown->filter_ops, op->opno);
			pushdown->filter_exprs = lappend(pushdown->filter_exprs, right);
		}
	}
	else if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) clause;

		if (saop->opno == TextEqualOperator && saop->useOr &&
			list_length(saop->args) == 2)
			classify_equality(root, baserel, linitial(saop->args),
							  lsecond(saop->args), saop->inputcollid,
							  pushdown);
	}
}

/*
 * clause_wants_history
 *		Whether a qual asks for dropped objects: it references dropped_on
 *		and cannot be true when dropped_on is NULL
 *
 * This is scope, not an optimization: it holds with pushdown off too, so
 * both settings return the same rows.
 */
static bool
clause_wants_history(PlannerInfo *root, RelOptInfo *baserel, Expr *clause)
{
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);
	List	   *vars = pull_var_clause((Node *) clause, 0);
	ListCell   *lc;
	AttrNumber	dropped_on = InvalidAttrNumber;

	foreach(lc, vars)
	{
		Var		   *var = lfirst(lc);

		if (var->varno == (int) baserel->relid && var->varattno > 0 &&
			strcmp(snowfdw_column_json_name(rte->relid, var->varattno),
				   "dropped_on") == 0)
			dropped_on = var->varattno;
	}
	if (dropped_on == InvalidAttrNumber)
		return false;
	if (IsA(clause, NullTest))
		return ((NullTest *) clause)->nulltesttype == IS_NOT_NULL;
	/* a strict operator on dropped_on is never true for a NULL */
	return IsA(clause, OpExpr) && op_strict(((OpExpr *) clause)->opno);
}

/*
 * snowfdw_classify_quals
 *		Fill a pushdown description from table options and quals
 *
 * clauses is a list of RestrictInfo: the relation's own quals plus, for a
 * parameterized path, its join clauses.
 */
void
snowfdw_classify_quals(PlannerInfo *root, RelOptInfo *baserel, List *clauses,
					   SnowfdwPushdown *pushdown, SnowfdwOptions *options)
{
	const char *scope_options[SNOWFDW_MAX_SCOPES];
	ListCell   *lc;
	int			level;

	for (level = 0; level < SNOWFDW_MAX_SCOPES; level++)
		scope_options[level] = snowfdw_scope_option(options, level);
	pushdown->history = options->history &&
		(pushdown->info->list_params & SNOWFDW_PARAM_HISTORY);
	pushdown->limit = -1;

	/* table options fix the scope whether or not pushdown is on */
	for (level = 0; level < pushdown->info->nscopes; level++)
		if (scope_options[level])
			pushdown->scope_exprs[level] =
				list_make1(makeConst(TEXTOID, -1, DEFAULT_COLLATION_OID, -1,
									 CStringGetTextDatum(scope_options[level]),
									 false, false));

	foreach(lc, clauses)
	{
		RestrictInfo *rinfo = lfirst_node(RestrictInfo, lc);

		if ((pushdown->info->list_params & SNOWFDW_PARAM_HISTORY) &&
			clause_wants_history(root, baserel, rinfo->clause))
			pushdown->history = true;
		if (snowfdw_enable_pushdown)
			classify_clause(root, baserel, rinfo->clause, pushdown);
	}
}

/*
 * snowfdw_is_scope_or_name_clause
 *		Whether a join clause would become a path value of this kind
 *
 * Used to pick join clauses worth a parameterized path.
 */
bool
snowfdw_is_scope_or_name_clause(PlannerInfo *root, RelOptInfo *baserel,
								RestrictInfo *rinfo,
								const SnowfdwObjectInfo *info)
{
	Expr	   *value;

	return snowfdw_clause_scope_level(root, baserel, rinfo, info, &value) >= 0;
}

/*
 * snowfdw_clause_scope_level
 *		Scope level a join clause gives a path value for, SNOWFDW_MAX_SCOPES
 *		for name, or -1; *value is the expression giving the value
 */
int
snowfdw_clause_scope_level(PlannerInfo *root, RelOptInfo *baserel,
						   RestrictInfo *rinfo, const SnowfdwObjectInfo *info,
						   Expr **value)
{
	SnowfdwPushdown probe;
	int			level;

	*value = NULL;
	if (!snowfdw_enable_pushdown)
		return -1;
	memset(&probe, 0, sizeof(probe));
	probe.info = info;
	classify_clause(root, baserel, rinfo->clause, &probe);
	for (level = 0; level < info->nscopes; level++)
	{
		if (probe.scope_exprs[level] != NIL)
		{
			*value = linitial(probe.scope_exprs[level]);
			return level;
		}
	}
	if (probe.name_expr)
	{
		*value = probe.name_expr;
		return SNOWFDW_MAX_SCOPES;
	}
	return -1;
}

/*
 * is_limit_value
 *		Whether a LIMIT or OFFSET expression can be evaluated when the scan
 *		starts: no columns, nothing volatile, no subquery
 */
static bool
is_limit_value(Node *node)
{
	return bms_is_empty(pull_varnos(NULL, node)) &&
		!contain_volatile_functions(node) && !contain_subplans(node);
}

/*
 * snowfdw_query_limit
 *		Set the rows the query needs from this scan: pushdown->limit for a
 *		constant LIMIT, limit_expr and offset_expr for one known only at
 *		run time (a generic plan's $n); neither if not known
 *
 * Only a plain single-table query whose LIMIT applies directly to the
 * scan's output qualifies: no ORDER BY, grouping, aggregates, window
 * functions, DISTINCT, set-returning functions or row locks.
 */
void
snowfdw_query_limit(PlannerInfo *root, RelOptInfo *baserel,
					SnowfdwPushdown *pushdown)
{
	Query	   *parse = root->parse;
	int64		count;
	int64		offset = 0;

	pushdown->limit = -1;
	if (!snowfdw_enable_pushdown || parse->limitCount == NULL ||
		parse->limitOption != LIMIT_OPTION_COUNT ||
		parse->sortClause || parse->groupClause || parse->groupingSets ||
		parse->hasAggs || parse->hasWindowFuncs || parse->distinctClause ||
		parse->hasTargetSRFs || parse->havingQual || parse->rowMarks ||
		parse->setOperations || parse->hasSubLinks ||
		root->parent_root != NULL ||
		bms_membership(root->all_baserels) != BMS_SINGLETON)
		return;
	if (!IsA(parse->limitCount, Const) ||
		(parse->limitOffset && !IsA(parse->limitOffset, Const)))
	{
		if (is_limit_value(parse->limitCount) &&
			(parse->limitOffset == NULL || is_limit_value(parse->limitOffset)))
		{
			pushdown->limit_expr = (Expr *) parse->limitCount;
			pushdown->offset_expr = (Expr *) parse->limitOffset;
		}
		return;
	}
	if (((Const *) parse->limitCount)->constisnull)
		return;
	count = DatumGetInt64(((Const *) parse->limitCount)->constvalue);
	if (parse->limitOffset &&
		!((Const *) parse->limitOffset)->constisnull)
		offset = DatumGetInt64(((Const *) parse->limitOffset)->constvalue);
	pushdown->limit = snowfdw_rows_needed(count, offset);
}

/*
 * snowfdw_rows_needed
 *		Rows LIMIT count OFFSET offset takes from a scan, or -1 for all
 */
int64
snowfdw_rows_needed(int64 count, int64 offset)
{
	if (count < 0 || offset < 0 || count > PG_INT64_MAX - offset)
		return -1;
	return count + offset;
}

/*
 * snowfdw_show_limit
 *		showLimit of the first page of a final list call, 0 when not paged
 *
 * Keyset paging (showLimit + fromName) bounds every response; a LIMIT
 * shrinks the first page to what the query needs.  Dropped schemas share
 * names with live ones, which keyset paging cannot tell apart.
 */
static int64
snowfdw_show_limit(SnowfdwPushdown *pushdown, int page_size)
{
	const SnowfdwObjectInfo *info = pushdown->info;
	int64		limit = page_size;

	if (!(info->list_params & SNOWFDW_PARAM_SHOW_LIMIT) ||
		!(info->list_params & SNOWFDW_PARAM_FROM_NAME) || pushdown->history)
		return 0;
	if (pushdown->limit >= 0 && pushdown->limit < limit)
		limit = Max(pushdown->limit, 1);
	return limit;
}

/*
 * list_path
 *		Path and query of a final list request; *show_limit is the showLimit
 *		sent, 0 for none
 *
 * With placeholders (EXPLAIN at plan time), run-time name filters show as
 * {name_filter} (startsWith, like or pattern, as the value allows, or
 * nothing when no translation is exact) and a run-time LIMIT as
 * showLimit={limit}.
 */
static char *
list_path(SnowfdwPushdown *pushdown, const char *const *scope, int page_size,
		  const char *from_name, int64 *show_limit, bool placeholders)
{
	SnowfdwListQuery query = {0};

	query.like = pushdown->like;
	query.starts_with = pushdown->starts_with;
	query.pattern = pushdown->pattern;
	query.history = pushdown->history;
	query.show_limit = snowfdw_show_limit(pushdown, page_size);
	query.name_filter_placeholder = placeholders && pushdown->filter_ops != NIL;
	query.limit_placeholder = placeholders && pushdown->limit_expr != NULL;
	return snowfdw_list_request_path(pushdown->info, scope, &query, from_name,
									 show_limit);
}

/*
 * snowfdw_list_path
 *		Path and query of a final list request; *show_limit is the showLimit
 *		sent, 0 for none
 */
char *
snowfdw_list_path(SnowfdwPushdown *pushdown, const char *const *scope,
				  int page_size, const char *from_name, int64 *show_limit)
{
	return list_path(pushdown, scope, page_size, from_name, show_limit, false);
}

/*
 * plan_time_value
 *		The one constant a scope or name gives, or NULL if known only at run
 *		time (a parameter, an outer column, an IN list)
 */
static char *
plan_time_value(List *exprs)
{
	return list_length(exprs) == 1 ? const_text(linitial(exprs)) : NULL;
}

/*
 * snowfdw_describe_requests
 *		The requests a scan will send, for EXPLAIN
 *
 * Built by the functions that build the requests, from what is known at
 * plan time: scope levels without a value are listed first ("GET
 * /api/v2/databases?showLimit=1000 -> ..."), values known only at
 * execution show as {column}.
 */
char *
snowfdw_describe_requests(SnowfdwPushdown *pushdown, int page_size)
{
	const SnowfdwObjectInfo *info = pushdown->info;
	const char *scope[SNOWFDW_MAX_SCOPES] = {NULL};
	StringInfoData buf;
	int64		show_limit;
	int			level;

	for (level = 0; level < info->nscopes; level++)
		scope[level] = plan_time_value(pushdown->scope_exprs[level]);

	initStringInfo(&buf);
	for (level = 0; level < info->nscopes; level++)
	{
		if (pushdown->scope_exprs[level] != NIL)
			continue;
		appendStringInfo(&buf, "%s %s -> ",
						 snowfdw_action_method(SNOWFDW_ACTION_LIST),
						 snowfdw_enumeration_path(level, scope, page_size,
												  NULL, &show_limit));
	}
	if (pushdown->name_expr)
		appendStringInfo(&buf, "%s %s",
						 snowfdw_action_method(SNOWFDW_ACTION_FETCH),
						 snowfdw_request_path(info, SNOWFDW_ACTION_FETCH, scope,
											  plan_time_value(list_make1(pushdown->name_expr))));
	else
		appendStringInfo(&buf, "%s %s",
						 snowfdw_action_method(SNOWFDW_ACTION_LIST),
						 list_path(pushdown, scope, page_size, NULL,
								   &show_limit, true));
	return buf.data;
}

