/*
 * The organization department's reports: the yearly ranking of towns, the
 * overdue tasks and the villages by status — as JSON, as CSV for Excel
 * (UTF-8 with BOM, CRLF, RFC 4180 quoting, Chinese headers, formula
 * injection neutralised) or as XLSX (libxlsxwriter). One JSON list is built
 * per report; the spreadsheet forms render it through a column table.
 */
#include "reports.h"

#include <civetweb.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "api.h"
#include "base/buf.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "clock.h"
#include "evidence.h"
#include "photo_store.h"
#include "report_store.h"
#include "server.h"

#define XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

enum format { FMT_JSON, FMT_CSV, FMT_XLSX };

/* A spreadsheet column: its Chinese header, the item member, how to show it. */
enum cell_kind { CELL_TEXT, CELL_NUMBER, CELL_YESNO, CELL_MAPPED };
struct column {
	const char *header, *key;
	enum cell_kind kind;
	const char *const *map; /* CELL_MAPPED: value, label, value, label, ..., NULL */
};

static int reader_or_reply(struct req *req)
{
	enum role r = req->principal.role;
	if (r == ROLE_ADMIN || r == ROLE_SUPERVISOR || r == ROLE_VIEWER)
		return 0;
	reply_problem(req, 403, "forbidden", NULL, "报表仅供镇（街）党委、管理员和查看人员使用");
	return -1;
}

/* ?format=json|csv|xlsx, else the Accept header; -1 when it replied 422. */
static int format_or_reply(struct req *req, enum format *out)
{
	char f[16];
	int n = query_param(req, "format", f, sizeof f);
	*out = FMT_JSON;
	if (n >= 0) {
		if (strcmp(f, "json") == 0)
			return 0;
		if (strcmp(f, "csv") == 0)
			return *out = FMT_CSV, 0;
		if (strcmp(f, "xlsx") == 0)
			return *out = FMT_XLSX, 0;
	}
	if (n != -1) {
		json_t *extra =
		        json_pack("{s:[{s:s, s:s}]}", "errors", "field", "format", "message", "须为 json、csv 或 xlsx");
		reply_problem(req, 422, "validation_failed", extra, "format 须为 json、csv 或 xlsx");
		json_decref(extra);
		return -1;
	}
	const char *accept = mg_get_header(req->conn, "Accept");
	if (accept && strstr(accept, "text/csv"))
		*out = FMT_CSV;
	else if (accept && strstr(accept, XLSX_TYPE))
		*out = FMT_XLSX;
	return 0;
}

/* Half away from zero at 2 decimals. The inputs have at most a few decimals,
 * so a value like 79.665 (79.66499999… in binary) is nudged onto its half. */
static double round2(double x)
{
	return (x < 0 ? -1 : 1) * floor(fabs(x) * 100 + 0.5 + 1e-7) / 100;
}

/* The text a cell shows (NULL: empty), or *num for numbers. */
static const char *cell_text(const struct column *c, const json_t *item, double *num, int *is_num, char *buf,
                             size_t buflen)
{
	const json_t *v = json_object_get(item, c->key);
	*is_num = 0;
	if (!v || json_is_null(v))
		return NULL;
	switch (c->kind) {
	case CELL_NUMBER:
		*is_num = 1;
		*num = json_number_value(v);
		snprintf(buf, buflen, "%.15g", *num);
		return buf;
	case CELL_YESNO: return json_is_true(v) ? "是" : "否";
	case CELL_MAPPED:
		for (const char *const *m = c->map; m[0]; m += 2)
			if (json_is_string(v) && strcmp(m[0], json_string_value(v)) == 0)
				return m[1];
		return json_string_value(v);
	case CELL_TEXT: break;
	}
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* Text a spreadsheet may run as a formula: = + - @ TAB CR first, also after
 * spaces (ASCII, no-break, ideographic), zero-width characters and a BOM,
 * and the full-width forms ＝ ＋ － ＠. */
static int formula_like(const char *s)
{
	static const char *const blanks[] = {" ", "\xc2\xa0", "\xe3\x80\x80", "\xe2\x80\x8b", "\xef\xbb\xbf", NULL};
	static const char *const wide[] = {"\xef\xbc\x9d", "\xef\xbc\x8b", "\xef\xbc\x8d", "\xef\xbc\xa0", NULL};
	if (s[0] == '\t' || s[0] == '\r')
		return 1;
	for (int skipped = 1; skipped;) {
		skipped = 0;
		for (const char *const *b = blanks; *b; b++)
			if (strncmp(s, *b, strlen(*b)) == 0) {
				s += strlen(*b);
				skipped = 1;
			}
	}
	if (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@')
		return 1;
	for (const char *const *w = wide; *w; w++)
		if (strncmp(s, *w, strlen(*w)) == 0)
			return 1;
	return 0;
}

/* One CSV field: quoted when needed, and text a spreadsheet would run as a
 * formula (= + - @ TAB CR first) prefixed with a quote. */
static void csv_field(struct buf *out, const char *s, int is_num)
{
	if (!s)
		return;
	int formula = !is_num && formula_like(s);
	int quote = strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		buf_addc(out, '"');
	if (formula)
		buf_addc(out, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '"')
			buf_addc(out, '"');
		buf_addc(out, *p);
	}
	if (quote)
		buf_addc(out, '"');
}

static void send_file_body(struct req *req, const char *type, const char *filename, const void *body, size_t len)
{
	char disposition[160];
	snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", filename);
	req_header_add(req, "Content-Disposition", disposition);
	reply_send(req, 200, type, body, len, 1);
}

static void reply_csv(struct req *req, const struct column *cols, size_t ncols, const json_t *items,
                      const char *filename)
{
	struct buf out = BUF_INIT;
	buf_adds(&out, "\xef\xbb\xbf");
	for (size_t i = 0; i < ncols; i++) {
		if (i)
			buf_addc(&out, ',');
		csv_field(&out, cols[i].header, 0);
	}
	buf_adds(&out, "\r\n");
	size_t k;
	json_t *item;
	json_array_foreach(items, k, item)
	{
		for (size_t i = 0; i < ncols; i++) {
			if (i)
				buf_addc(&out, ',');
			char tmp[64];
			double num;
			int is_num;
			const char *text = cell_text(&cols[i], item, &num, &is_num, tmp, sizeof tmp);
			csv_field(&out, text, is_num); /* (not in one call: argument order is unspecified) */
		}
		buf_adds(&out, "\r\n");
	}
	send_file_body(req, "text/csv; charset=utf-8", filename, out.data, out.len);
	buf_release(&out);
}

struct xlsx_job {
	const char *path, *tmpdir, *sheet;
	const struct column *cols;
	size_t ncols;
	const json_t *items;
	int ok;
};

/* Writes the workbook. Runs on its own thread: minizip (under libxlsxwriter)
 * keeps large buffers on the stack, more than a civetweb worker has. */
static void *xlsx_write(void *arg)
{
	struct xlsx_job *job = arg;
	lxw_workbook_options opt = {
	        .constant_memory = LXW_FALSE, .tmpdir = (char *)job->tmpdir, .use_zip64 = LXW_FALSE};
	lxw_workbook *wb = workbook_new_opt(job->path, &opt);
	lxw_worksheet *ws = wb ? workbook_add_worksheet(wb, job->sheet) : NULL;
	if (!ws) {
		if (wb)
			workbook_close(wb);
		return NULL;
	}
	lxw_format *bold = workbook_add_format(wb);
	format_set_bold(bold);
	for (size_t i = 0; i < job->ncols; i++) {
		worksheet_write_string(ws, 0, (lxw_col_t)i, job->cols[i].header, bold);
		worksheet_set_column(ws, (lxw_col_t)i, (lxw_col_t)i, 16, NULL);
	}
	size_t k;
	json_t *item;
	json_array_foreach(job->items, k, item)
	{
		for (size_t i = 0; i < job->ncols; i++) {
			char tmp[64];
			double num;
			int is_num;
			const char *s = cell_text(&job->cols[i], item, &num, &is_num, tmp, sizeof tmp);
			if (is_num)
				worksheet_write_number(ws, (lxw_row_t)(k + 1), (lxw_col_t)i, num, NULL);
			else if (s)
				worksheet_write_string(ws, (lxw_row_t)(k + 1), (lxw_col_t)i, s, NULL);
		}
	}
	job->ok = workbook_close(wb) == LXW_NO_ERROR;
	return NULL;
}

static void reply_xlsx(struct req *req, const char *sheet, const struct column *cols, size_t ncols, const json_t *items,
                       const char *filename)
{
	char dir[4096], path[4200];
	snprintf(dir, sizeof dir, "%s/tmp", req->srv->cfg->data_dir);
	mkdir_p(dir);
	snprintf(path, sizeof path, "%s/report-XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0) {
		reply_problem(req, 500, "internal_error", NULL, NULL);
		return;
	}
	close(fd);
	struct xlsx_job job = {path, dir, sheet, cols, ncols, items, 0};
	pthread_attr_t attr;
	pthread_t t;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 8u << 20);
	if (pthread_create(&t, &attr, xlsx_write, &job) == 0)
		pthread_join(t, NULL);
	pthread_attr_destroy(&attr);
	struct buf body = BUF_INIT;
	FILE *f = job.ok ? fopen(path, "rb") : NULL;
	if (f) {
		char *chunk = xmalloc(65536);
		size_t n;
		while ((n = fread(chunk, 1, 65536, f)) > 0)
			buf_add(&body, chunk, n);
		free(chunk);
		fclose(f);
	}
	unlink(path);
	if (!f) {
		buf_release(&body);
		log_msg(LOG_ERROR, "reports", "cannot write the XLSX workbook");
		reply_problem(req, 500, "internal_error", NULL, NULL);
		return;
	}
	send_file_body(req, XLSX_TYPE, filename, body.data, body.len);
	buf_release(&body);
}

static void reply_report(struct req *req, enum format fmt, json_t *doc, const json_t *items, const char *sheet,
                         const struct column *cols, size_t ncols, const char *name)
{
	char filename[96];
	snprintf(filename, sizeof filename, "%s.%s", name, fmt == FMT_XLSX ? "xlsx" : "csv");
	if (fmt == FMT_CSV)
		reply_csv(req, cols, ncols, items, filename);
	else if (fmt == FMT_XLSX)
		reply_xlsx(req, sheet, cols, ncols, items, filename);
	else {
		reply_json_new(req, 200, doc);
		return;
	}
	json_decref(doc);
}

/* Reports are built whole in memory: a few at a time (the rest wait up to
 * 10 s, then 503), so a burst of exports cannot take the server's memory. */
enum { REPORTS_AT_ONCE = 2, REPORT_WAIT_S = 10 };
static sem_t report_slots;
static pthread_once_t report_slots_once = PTHREAD_ONCE_INIT;

static void report_slots_init(void)
{
	sem_init(&report_slots, 0, REPORTS_AT_ONCE);
}

/* Common start: role, format, a slot, database, scope. 0 (report_end
 * after), or -1 when it replied. */
static int report_begin(struct req *req, enum format *fmt, struct db **db, struct scope *sc)
{
	if (reader_or_reply(req) != 0 || format_or_reply(req, fmt) != 0)
		return -1;
	pthread_once(&report_slots_once, report_slots_init);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += REPORT_WAIT_S;
	int rc;
	while ((rc = sem_timedwait(&report_slots, &until)) != 0 && errno == EINTR) {
	}
	if (rc != 0) {
		req_header_add(req, "Retry-After", "5");
		reply_problem(req, 503, "service_unavailable", NULL, "报表生成繁忙，请稍后重试");
		return -1;
	}
	if (!(*db = req_db_or_reply(req))) {
		sem_post(&report_slots);
		return -1;
	}
	scope_of(&req->principal, sc);
	return 0;
}

static void report_end(void)
{
	sem_post(&report_slots);
}

/* ---- GET /api/v1/reports/ranking -------------------------------------------------------------- */

#define RANKING_FORMULA                                                                                                                               \
	"综合得分 = 0.6 × 观摩平均分 + 0.3 × 按期验收率（无整改任务按 100 计）− 0.1 × min(100, 10 × 逾期任务数)；" \
	"按综合得分从高到低排名，同分按名称排序；前一半（向上取整）推荐"

static int by_composite(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	double cx = json_number_value(json_object_get(x, "composite"));
	double cy = json_number_value(json_object_get(y, "composite"));
	if (cx != cy)
		return cx > cy ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x, "org_name")),
	              json_string_value(json_object_get(y, "org_name")));
}

static void reports_ranking_in(struct req *req, enum format fmt, struct db *db, const struct scope *scp)
{
	struct scope sc = *scp;
	int year = clock_year();
	char y[8];
	int n = query_param(req, "year", y, sizeof y);
	if (n >= 0) {
		char *end;
		long v = strtol(y, &end, 10);
		if (*end || n != 4 || v < 2000 || v > 2100) {
			json_t *extra = json_pack("{s:[{s:s, s:s}]}", "errors", "field", "year", "message",
			                          "须为 2000 到 2100 之间的年份");
			reply_problem(req, 422, "validation_failed", extra, "year 须为 2000 到 2100 之间的年份");
			json_decref(extra);
			return;
		}
		year = (int)v;
	} else if (n == -2) {
		json_t *extra = json_pack("{s:[{s:s, s:s}]}", "errors", "field", "year", "message", "须为年份");
		reply_problem(req, 422, "validation_failed", extra, "year 须为年份");
		json_decref(extra);
		return;
	}
	char today[11];
	clock_today(today);
	json_t *items = json_array();
	enum store_status s = report_towns(db, sc.prefix, sc.end, year, today, items);
	if (s != STORE_OK) {
		json_decref(items);
		reply_store_error(req, s);
		return;
	}
	size_t count = json_array_size(items);
	json_t **order = xcalloc(count ? count : 1, sizeof *order);
	for (size_t i = 0; i < count; i++) {
		json_t *t = json_array_get(items, i);
		json_t *score = json_object_get(t, "inspection_score");
		long long tasks = json_integer_value(json_object_get(t, "tasks"));
		long long on_time = json_integer_value(json_object_get(t, "tasks_verified_on_time"));
		long long overdue = json_integer_value(json_object_get(t, "overdue_tasks"));
		double sc_v = json_is_number(score) ? json_number_value(score) : 0;
		double rate = tasks > 0 ? 100.0 * (double)on_time / (double)tasks : 100.0;
		double penalty = overdue * 10.0 > 100 ? 100 : overdue * 10.0;
		double composite = 0.6 * sc_v + 0.3 * rate - 0.1 * penalty;
		json_object_set_new(t, "inspection_score",
		                    json_is_number(score) ? json_real(round2(sc_v)) : json_null());
		json_object_set_new(t, "on_time_rate", tasks > 0 ? json_real(round2(rate)) : json_null());
		json_object_set_new(t, "composite", json_real(round2(composite)));
		order[i] = t;
	}
	qsort(order, count, sizeof *order, by_composite);
	json_t *ranked = json_array();
	for (size_t i = 0; i < count; i++) {
		json_t *t = order[i];
		json_object_set_new(t, "rank", json_integer((json_int_t)i + 1));
		json_object_set_new(t, "recommended", json_boolean(i < (count + 1) / 2));
		/* members in the documented order */
		json_array_append_new(ranked,
		                      json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "rank",
		                                json_object_get(t, "rank"), "org_id", json_object_get(t, "org_id"),
		                                "org_name", json_object_get(t, "org_name"), "inspection_score",
		                                json_object_get(t, "inspection_score"), "inspections",
		                                json_object_get(t, "inspections"), "tasks", json_object_get(t, "tasks"),
		                                "tasks_verified_on_time", json_object_get(t, "tasks_verified_on_time"),
		                                "on_time_rate", json_object_get(t, "on_time_rate"), "overdue_tasks",
		                                json_object_get(t, "overdue_tasks"), "composite",
		                                json_object_get(t, "composite"), "recommended",
		                                json_object_get(t, "recommended")));
	}
	free(order);
	json_decref(items);
	static const struct column cols[] = {
	        {"排名", "rank", CELL_NUMBER, NULL},
	        {"镇（街道）", "org_name", CELL_TEXT, NULL},
	        {"观摩平均分", "inspection_score", CELL_NUMBER, NULL},
	        {"观摩次数", "inspections", CELL_NUMBER, NULL},
	        {"整改任务数", "tasks", CELL_NUMBER, NULL},
	        {"按期验收数", "tasks_verified_on_time", CELL_NUMBER, NULL},
	        {"按期验收率(%)", "on_time_rate", CELL_NUMBER, NULL},
	        {"逾期任务数", "overdue_tasks", CELL_NUMBER, NULL},
	        {"综合得分", "composite", CELL_NUMBER, NULL},
	        {"推荐", "recommended", CELL_YESNO, NULL},
	};
	char name[32];
	snprintf(name, sizeof name, "ranking-%d", year);
	json_t *doc = json_pack("{s:i, s:s, s:O}", "year", year, "formula", RANKING_FORMULA, "items", ranked);
	reply_report(req, fmt, doc, ranked, "年度排名", cols, sizeof cols / sizeof cols[0], name);
	json_decref(ranked);
}

/* ---- GET /api/v1/reports/overdue -------------------------------------------------------------- */

static void reports_overdue_in(struct req *req, enum format fmt, struct db *db, const struct scope *scp)
{
	struct scope sc = *scp;
	char today[11];
	clock_today(today);
	json_t *items = json_array();
	enum store_status s = report_overdue(db, sc.prefix, sc.end, today, items);
	if (s != STORE_OK) {
		json_decref(items);
		reply_store_error(req, s);
		return;
	}
	static const char *const statuses[] = {"assigned", "已交办", "in_progress", "整改中", "submitted", "待验收",
	                                       "returned", "已退回", "verified",    "已验收", NULL};
	static const struct column cols[] = {
	        {"镇（街道）", "town_name", CELL_TEXT, NULL}, {"村（社区）", "org_name", CELL_TEXT, NULL},
	        {"整改任务", "title", CELL_TEXT, NULL},       {"承办人", "assignee_name", CELL_TEXT, NULL},
	        {"完成期限", "due_date", CELL_TEXT, NULL},    {"逾期天数", "days_overdue", CELL_NUMBER, NULL},
	        {"状态", "status", CELL_MAPPED, statuses},    {"是否约谈", "interviewed", CELL_YESNO, NULL},
	};
	char name[40];
	snprintf(name, sizeof name, "overdue-%s", today);
	json_t *doc = json_pack("{s:s, s:O}", "as_of", today, "items", items);
	reply_report(req, fmt, doc, items, "逾期任务", cols, sizeof cols / sizeof cols[0], name);
	json_decref(items);
}

/* ---- GET /api/v1/reports/orgs-status ---------------------------------------------------------- */

static void reports_orgs_status_in(struct req *req, enum format fmt, struct db *db, const struct scope *scp)
{
	struct scope sc = *scp;
	char today[11];
	clock_today(today);
	json_t *items = json_array();
	enum store_status s = report_villages(db, sc.prefix, sc.end, items);
	if (s != STORE_OK) {
		json_decref(items);
		reply_store_error(req, s);
		return;
	}
	long long by_status[3] = {0}, by_category[4] = {0};
	static const char *const st_names[] = {"normal", "weak", "rectifying"};
	static const char *const cat_names[] = {"pilot", "consolidate", "breakthrough"};
	size_t i;
	json_t *v;
	json_array_foreach(items, i, v)
	{
		const char *st = json_string_value(json_object_get(v, "status"));
		const char *cat = json_string_value(json_object_get(v, "category"));
		for (int k = 0; k < 3; k++)
			if (st && strcmp(st, st_names[k]) == 0)
				by_status[k]++;
		int found = 0;
		for (int k = 0; k < 3; k++)
			if (cat && strcmp(cat, cat_names[k]) == 0)
				by_category[k]++, found = 1;
		if (!found)
			by_category[3]++;
	}
	static const char *const categories[] = {"pilot",        "先行示范", "consolidate", "巩固提升",
	                                         "breakthrough", "重点攻坚", NULL};
	static const char *const statuses[] = {"normal", "正常", "weak", "软弱涣散", "rectifying", "整顿中", NULL};
	static const struct column cols[] = {
	        {"镇（街道）", "town_name", CELL_TEXT, NULL},
	        {"村（社区）", "org_name", CELL_TEXT, NULL},
	        {"代码", "code", CELL_TEXT, NULL},
	        {"分类", "category_label", CELL_TEXT, NULL},
	        {"状态", "status", CELL_MAPPED, statuses},
	};
	/* the sheet shows 未分类 for no category; the JSON keeps null */
	json_t *rows = json_array();
	json_array_foreach(items, i, v)
	{
		json_t *row = json_deep_copy(v);
		const char *cat = json_string_value(json_object_get(v, "category"));
		const char *label = "未分类";
		for (const char *const *m = categories; cat && m[0]; m += 2)
			if (strcmp(m[0], cat) == 0)
				label = m[1];
		json_object_set_new(row, "category_label", json_string(label));
		json_array_append_new(rows, row);
	}
	char name[40];
	snprintf(name, sizeof name, "orgs-status-%s", today);
	json_t *doc = json_pack("{s:s, s:{s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I}}, s:O}", "as_of", today, "counts",
	                        "by_status", "normal", (json_int_t)by_status[0], "weak", (json_int_t)by_status[1],
	                        "rectifying", (json_int_t)by_status[2], "by_category", "pilot",
	                        (json_int_t)by_category[0], "consolidate", (json_int_t)by_category[1], "breakthrough",
	                        (json_int_t)by_category[2], "none", (json_int_t)by_category[3], "items", items);
	reply_report(req, fmt, doc, rows, "组织状态", cols, sizeof cols / sizeof cols[0], name);
	json_decref(rows);
	json_decref(items);
}

void reports_ranking(struct req *req)
{
	enum format fmt;
	struct db *db;
	struct scope sc;
	if (report_begin(req, &fmt, &db, &sc) != 0)
		return;
	reports_ranking_in(req, fmt, db, &sc);
	report_end();
}

void reports_overdue(struct req *req)
{
	enum format fmt;
	struct db *db;
	struct scope sc;
	if (report_begin(req, &fmt, &db, &sc) != 0)
		return;
	reports_overdue_in(req, fmt, db, &sc);
	report_end();
}

void reports_orgs_status(struct req *req)
{
	enum format fmt;
	struct db *db;
	struct scope sc;
	if (report_begin(req, &fmt, &db, &sc) != 0)
		return;
	reports_orgs_status_in(req, fmt, db, &sc);
	report_end();
}

/* ---- GET /api/v1/reports/evidence ------------------------------------------------------------- */

static const char *const signal_names[] = {"far_from_org",    "time_mismatch",  "exif_client_disagree",
                                           "duplicate_exact", "duplicate_near", NULL};
static const char *const signal_labels[] = {"异地拍摄", "时间不符", "EXIF与手机不一致", "重复照片", "近似照片", NULL};

static int fired(const json_t *checks, const char *name)
{
	const json_t *v = json_object_get(checks, name);
	return json_is_array(v) ? json_array_size(v) > 0 : v && !json_is_null(v);
}

enum { EVIDENCE_SCAN = 5000, EVIDENCE_ITEMS = 1000 };

static void reports_evidence_in(struct req *req, enum format fmt, struct db *db, const struct scope *sc)
{
	struct verr v;
	verr_init(&v);
	char since_in[64], since[24], level[16];
	int n = query_param(req, "since", since_in, sizeof since_in);
	if (n >= 0) {
		if (timestamp_normalize(since_in, since, sizeof since, NULL) != 0)
			verr_add(&v, "since", "须为 RFC 3339 时间");
	} else if (n == -2) {
		verr_add(&v, "since", "须为 RFC 3339 时间");
	} else {
		time_t t = (time_t)(clock_now() - 30LL * 86400);
		struct tm tm;
		gmtime_r(&t, &tm);
		strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	int only_alert = 0;
	n = query_param(req, "level", level, sizeof level);
	if (n >= 0 && strcmp(level, "alert") == 0)
		only_alert = 1; /* (absent: warn and alert) */
	else if (n != -1)
		verr_add(&v, "level", "只能为 alert（不填则含存疑和警示）");
	int bad = verr_reply(req, &v);
	verr_release(&v);
	if (bad)
		return;
	json_t *candidates = json_array();
	enum store_status s = report_photos(db, sc->prefix, sc->end, since, EVIDENCE_SCAN, candidates);
	if (s != STORE_OK) {
		json_decref(candidates);
		reply_store_error(req, s);
		return;
	}
	json_t *items = json_array(), *rows = json_array();
	size_t i;
	json_t *c;
	json_array_foreach(candidates, i, c)
	{
		if (json_array_size(items) >= EVIDENCE_ITEMS)
			break;
		struct photo_row p;
		if (photo_get(db, json_string_value(json_object_get(c, "photo_id")), &p) != STORE_OK)
			continue;
		json_t *checks = photo_checks(req, db, &p);
		const char *lv = json_string_value(json_object_get(checks, "level"));
		if (!lv || !strcmp(lv, "ok") || (only_alert && strcmp(lv, "alert") != 0)) {
			json_decref(checks);
			continue;
		}
		json_t *signals = json_array();
		struct buf labels = BUF_INIT;
		for (int k = 0; signal_names[k]; k++)
			if (fired(checks, signal_names[k])) {
				json_array_append_new(signals, json_string(signal_names[k]));
				if (labels.len)
					buf_adds(&labels, "、");
				buf_adds(&labels, signal_labels[k]);
			}
		json_t *item = json_deep_copy(c);
		json_object_set_new(item, "level", json_string(lv));
		json_object_set_new(item, "signals", signals);
		json_object_set_new(item, "checks", checks);
		/* the sheet's view of it */
		json_t *row = json_deep_copy(item);
		json_object_set_new(row, "problems", json_string(buf_cstr(&labels)));
		buf_release(&labels);
		json_t *far = json_object_get(checks, "far_from_org");
		json_object_set_new(row, "distance_m",
		                    json_is_object(far) ? json_incref(json_object_get(far, "distance_m"))
		                                        : json_null());
		json_t *tm = json_object_get(checks, "time_mismatch");
		json_object_set_new(
		        row, "gap_h",
		        json_is_object(tm)
		                ? json_real(round(json_integer_value(json_object_get(tm, "gap_s")) / 360.0) / 10)
		                : json_null());
		json_object_set_new(
		        row, "copies",
		        json_integer((json_int_t)(json_array_size(json_object_get(checks, "duplicate_exact")) +
		                                  json_array_size(json_object_get(checks, "duplicate_near")))));
		json_array_append_new(items, item);
		json_array_append_new(rows, row);
	}
	json_decref(candidates);
	static const char *const linked[] = {"inspection", "观摩记录", "finding",  "问题", "task",
	                                     "整改任务",   "progress", "进展报告", NULL};
	static const char *const levels[] = {"alert", "警示", "warn", "存疑", NULL};
	static const struct column cols[] = {
	        {"上传时间", "uploaded_at", CELL_TEXT, NULL},   {"村（社区）", "org_name", CELL_TEXT, NULL},
	        {"关联对象", "linked", CELL_MAPPED, linked},    {"级别", "level", CELL_MAPPED, levels},
	        {"问题", "problems", CELL_TEXT, NULL},          {"距离(米)", "distance_m", CELL_NUMBER, NULL},
	        {"时间偏差(小时)", "gap_h", CELL_NUMBER, NULL}, {"重复数", "copies", CELL_NUMBER, NULL},
	};
	char today[11], name[40];
	clock_today(today);
	snprintf(name, sizeof name, "evidence-%s", today);
	json_t *doc = json_pack("{s:s, s:O}", "since", since, "items", items);
	reply_report(req, fmt, doc, rows, "证据存疑照片", cols, sizeof cols / sizeof cols[0], name);
	json_decref(rows);
	json_decref(items);
}

void reports_evidence(struct req *req)
{
	enum format fmt;
	struct db *db;
	struct scope sc;
	if (report_begin(req, &fmt, &db, &sc) != 0)
		return;
	reports_evidence_in(req, fmt, db, &sc);
	report_end();
}
