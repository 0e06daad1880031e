#include "checklist.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/xalloc.h"

static const char *const kinds[] = {"score", "yes_no", "number", "text", NULL};

static void path_add(struct verr *v, const char *fmt_path, const char *message)
{
	verr_add(v, fmt_path, message);
}

int checklist_parse(json_t *dimensions, const char *prefix, struct checklist *out, struct verr *v)
{
	memset(out, 0, sizeof *out);
	int before = (int)json_array_size(v->errors);
	char path[160];
	if (!json_is_array(dimensions) || json_array_size(dimensions) < 1 || json_array_size(dimensions) > 20) {
		path_add(v, prefix, "须为 1 到 20 个维度的数组");
		return -1;
	}
	out->root = json_incref(dimensions);
	out->ndims = json_array_size(dimensions);
	out->dims = xcalloc(out->ndims, sizeof *out->dims);
	size_t total_items = 0;
	for (size_t d = 0; d < out->ndims; d++) {
		json_t *items = json_object_get(json_array_get(dimensions, d), "items");
		total_items += json_is_array(items) ? json_array_size(items) : 0;
	}
	out->items = xcalloc(total_items ? total_items : 1, sizeof *out->items);
	long long weights = 0;
	for (size_t d = 0; d < out->ndims; d++) {
		json_t *dim = json_array_get(dimensions, d);
		snprintf(path, sizeof path, "%s[%zu]", prefix, d);
		if (!json_is_object(dim)) {
			path_add(v, path, "须为对象");
			continue;
		}
		static const char *const dim_fields[] = {"code", "label", "weight", "items", NULL};
		struct verr sub;
		verr_init(&sub);
		verr_unknown_fields(&sub, dim, dim_fields);
		const char *code = field_string(&sub, dim, "code", FIELD_REQUIRED, 1, 64, NULL);
		if (code && !is_code_chars(code))
			verr_add(&sub, "code", "只能包含字母、数字、点、下划线和连字符");
		const char *label = field_string(&sub, dim, "label", FIELD_REQUIRED, 1, 100, NULL);
		json_t *w = json_object_get(dim, "weight");
		if (!json_is_integer(w) || json_integer_value(w) < 0 || json_integer_value(w) > 100)
			verr_add(&sub, "weight", "须为 0 到 100 的整数");
		json_t *items = json_object_get(dim, "items");
		if (!json_is_array(items) || json_array_size(items) < 1 || json_array_size(items) > 100)
			verr_add(&sub, "items", "须为 1 到 100 个检查项的数组");
		/* re-home sub-errors under this dimension's path */
		size_t i;
		json_t *e;
		json_array_foreach(sub.errors, i, e)
		{
			char p2[200];
			snprintf(p2, sizeof p2, "%s.%s", path, json_string_value(json_object_get(e, "field")));
			verr_add(v, p2, json_string_value(json_object_get(e, "message")));
		}
		verr_release(&sub);
		for (size_t k = 0; k < d; k++)
			if (code && out->dims[k].code && strcmp(out->dims[k].code, code) == 0) {
				snprintf(path, sizeof path, "%s[%zu].code", prefix, d);
				path_add(v, path, "维度代码重复");
			}
		out->dims[d].code = code;
		out->dims[d].label = label;
		out->dims[d].weight = json_is_integer(w) ? json_integer_value(w) : 0;
		weights += out->dims[d].weight;
		if (!json_is_array(items))
			continue;
		json_t *item;
		size_t n;
		json_array_foreach(items, n, item)
		{
			char ipath[200];
			snprintf(ipath, sizeof ipath, "%s[%zu].items[%zu]", prefix, d, n);
			if (!json_is_object(item)) {
				path_add(v, ipath, "须为对象");
				continue;
			}
			struct verr is;
			verr_init(&is);
			static const char *const item_fields[] = {"code",        "text",   "kind",
			                                          "max_score",   "unit",   "threshold",
			                                          "needs_photo", "source", NULL};
			verr_unknown_fields(&is, item, item_fields);
			struct checklist_item *it = &out->items[out->nitems];
			it->dim = d;
			it->code = field_string(&is, item, "code", FIELD_REQUIRED, 1, 64, NULL);
			if (it->code && !is_code_chars(it->code))
				verr_add(&is, "code", "只能包含字母、数字、点、下划线和连字符");
			it->text = field_string(&is, item, "text", FIELD_REQUIRED, 1, 500, NULL);
			const char *kind = field_enum(&is, item, "kind", FIELD_REQUIRED, kinds, NULL);
			it->kind = !kind                         ? KIND_TEXT
			           : strcmp(kind, "score") == 0  ? KIND_SCORE
			           : strcmp(kind, "yes_no") == 0 ? KIND_YES_NO
			           : strcmp(kind, "number") == 0 ? KIND_NUMBER
			                                         : KIND_TEXT;
			json_t *max = json_object_get(item, "max_score");
			if (kind && it->kind != KIND_TEXT) {
				if (!json_is_integer(max) || json_integer_value(max) < 1 ||
				    json_integer_value(max) > 100)
					verr_add(&is, "max_score", "须为 1 到 100 的整数");
				else
					it->max_score = json_integer_value(max);
			} else if (kind && max) {
				verr_add(&is, "max_score", "文本项不计分，不能有 max_score");
			}
			int has_unit;
			it->unit = field_string(&is, item, "unit", FIELD_NULLABLE, 1, 20, &has_unit);
			if (has_unit && kind && it->kind != KIND_NUMBER)
				verr_add(&is, "unit", "只有数值项可以有单位");
			json_t *th = json_object_get(item, "threshold");
			if (kind && it->kind == KIND_NUMBER) {
				const char *op = json_string_value(json_object_get(th, "op"));
				json_t *val = json_object_get(th, "value");
				if (!json_is_object(th) || json_object_size(th) != 2 || !op ||
				    (strcmp(op, ">=") != 0 && strcmp(op, "<=") != 0) || !json_is_number(val)) {
					verr_add(&is, "threshold", "数值项须有 {op: \">=\" 或 \"<=\", value: 数字}");
				} else {
					it->threshold_ge = strcmp(op, ">=") == 0;
					it->threshold = json_number_value(val);
				}
			} else if (kind && th && !json_is_null(th)) {
				verr_add(&is, "threshold", "只有数值项可以设阈值");
			}
			json_t *np = json_object_get(item, "needs_photo");
			if (np && !json_is_boolean(np))
				verr_add(&is, "needs_photo", "须为 true 或 false");
			it->needs_photo = json_is_true(np);
			field_string(&is, item, "source", FIELD_NULLABLE, 1, 100, NULL);
			json_array_foreach(is.errors, i, e)
			{
				char p2[240];
				snprintf(p2, sizeof p2, "%s.%s", ipath, json_string_value(json_object_get(e, "field")));
				verr_add(v, p2, json_string_value(json_object_get(e, "message")));
			}
			verr_release(&is);
			if (it->code && checklist_find(out, it->code)) {
				snprintf(path, sizeof path, "%s[%zu].items[%zu].code", prefix, d, n);
				path_add(v, path, "检查项代码重复");
			}
			out->nitems++;
		}
	}
	if (weights != 100)
		path_add(v, prefix, "各维度权重之和须为 100");
	for (size_t d = 0; d < out->ndims; d++) { /* a weighted dimension must be able to score */
		int scored = 0;
		for (size_t i = 0; i < out->nitems; i++)
			scored |= out->items[i].dim == d && out->items[i].kind != KIND_TEXT;
		if (out->dims[d].weight > 0 && !scored) {
			snprintf(path, sizeof path, "%s[%zu].weight", prefix, d);
			path_add(v, path, "只有文本项的维度权重须为 0");
		}
	}
	return (int)json_array_size(v->errors) == before ? 0 : -1;
}

void checklist_release(struct checklist *c)
{
	free(c->dims);
	free(c->items);
	json_decref(c->root);
	memset(c, 0, sizeof *c);
}

const struct checklist_item *checklist_find(const struct checklist *c, const char *code)
{
	for (size_t i = 0; i < c->nitems; i++)
		if (c->items[i].code && strcmp(c->items[i].code, code) == 0)
			return &c->items[i];
	return NULL;
}

json_t *checklist_answer(const json_t *answers, const char *code)
{
	size_t i;
	json_t *a;
	json_array_foreach((json_t *)answers, i, a)
	{
		const char *c = json_string_value(json_object_get(a, "item_code"));
		if (c && strcmp(c, code) == 0)
			return a;
	}
	return NULL;
}

int checklist_number_fails(const struct checklist_item *it, double value)
{
	return it->threshold_ge ? value < it->threshold : value > it->threshold;
}

void checklist_check_answers(const struct checklist *c, const json_t *answers, struct verr *v)
{
	if (!json_is_array(answers) || json_array_size(answers) > 500) {
		verr_add(v, "answers", "须为检查项答案数组");
		return;
	}
	size_t i;
	json_t *a;
	char path[160];
	json_array_foreach((json_t *)answers, i, a)
	{
		snprintf(path, sizeof path, "answers[%zu]", i);
		if (!json_is_object(a)) {
			verr_add(v, path, "须为对象");
			continue;
		}
		struct verr sub;
		verr_init(&sub);
		static const char *const fields[] = {"item_code", "value", "note", "photo_ids", NULL};
		verr_unknown_fields(&sub, a, fields);
		const char *code = field_string(&sub, a, "item_code", FIELD_REQUIRED, 1, 64, NULL);
		const struct checklist_item *it = code ? checklist_find(c, code) : NULL;
		if (code && !it)
			verr_add(&sub, "item_code", "模板中没有这个检查项");
		for (size_t k = 0; code && k < i; k++) {
			const char *other = json_string_value(json_object_get(json_array_get(answers, k), "item_code"));
			if (other && strcmp(other, code) == 0) {
				verr_add(&sub, "item_code", "同一检查项只能回答一次");
				break;
			}
		}
		json_t *value = json_object_get(a, "value");
		if (!value) {
			verr_add(&sub, "value", "必填");
		} else if (it) {
			switch (it->kind) {
			case KIND_SCORE:
				if (!json_is_number(value) || json_number_value(value) < 0 ||
				    json_number_value(value) > (double)it->max_score) {
					char msg[64];
					snprintf(msg, sizeof msg, "须为 0 到 %lld 的分数", it->max_score);
					verr_add(&sub, "value", msg);
				}
				break;
			case KIND_YES_NO:
				if (!json_is_boolean(value))
					verr_add(&sub, "value", "须为 true 或 false");
				break;
			case KIND_NUMBER:
				if (!json_is_number(value) || !isfinite(json_number_value(value)))
					verr_add(&sub, "value", "须为数字");
				break;
			case KIND_TEXT:
				if (!json_is_string(value) || json_string_length(value) > 2000 * 4)
					verr_add(&sub, "value", "须为不超过 2000 字的文本");
				else
					field_string(&sub, a, "value", FIELD_MULTILINE, 0, 2000, NULL);
				break;
			}
		}
		field_string(&sub, a, "note", FIELD_NULLABLE | FIELD_MULTILINE, 0, 1000, NULL);
		json_t *photos = json_object_get(a, "photo_ids");
		if (photos) {
			if (!json_is_array(photos) || json_array_size(photos) > 20) {
				verr_add(&sub, "photo_ids", "须为不超过 20 个照片 id 的数组");
			} else {
				size_t k;
				json_t *p;
				json_array_foreach(photos, k, p)
				{
					const char *s = json_string_value(p);
					if (!s || !uuid_is_valid(s, strlen(s))) {
						char f[40];
						snprintf(f, sizeof f, "photo_ids[%zu]", k);
						verr_add(&sub, f, "须为 UUID");
					}
				}
			}
		}
		size_t k;
		json_t *e;
		json_array_foreach(sub.errors, k, e)
		{
			char p2[240];
			snprintf(p2, sizeof p2, "%s.%s", path, json_string_value(json_object_get(e, "field")));
			verr_add(v, p2, json_string_value(json_object_get(e, "message")));
		}
		verr_release(&sub);
	}
}

static double points(const struct checklist_item *it, const json_t *value)
{
	switch (it->kind) {
	case KIND_SCORE: return json_is_number(value) ? json_number_value(value) : 0;
	case KIND_YES_NO: return json_is_true(value) ? (double)it->max_score : 0;
	case KIND_NUMBER:
		return json_is_number(value) && !checklist_number_fails(it, json_number_value(value))
		               ? (double)it->max_score
		               : 0;
	case KIND_TEXT: return 0;
	}
	return 0;
}

static double round1(double x)
{
	return round(x * 10.0) / 10.0;
}

json_t *checklist_score(const struct checklist *c, const json_t *answers)
{
	json_t *dims = json_array();
	double total = 0;
	for (size_t d = 0; d < c->ndims; d++) {
		double got = 0, max = 0;
		for (size_t i = 0; i < c->nitems; i++) {
			const struct checklist_item *it = &c->items[i];
			if (it->dim != d || it->kind == KIND_TEXT)
				continue;
			max += (double)it->max_score;
			json_t *a = checklist_answer(answers, it->code);
			if (a)
				got += points(it, json_object_get(a, "value"));
		}
		double score = max > 0 ? 100.0 * got / max : 0;
		total += score * (double)c->dims[d].weight / 100.0;
		json_array_append_new(dims, json_pack("{s:s, s:s, s:I, s:f}", "code", c->dims[d].code, "label",
		                                      c->dims[d].label, "weight", (json_int_t)c->dims[d].weight,
		                                      "score", round1(score)));
	}
	return json_pack("{s:f, s:o}", "total", round1(total), "dimensions", dims);
}

/* Photo ids of an answer that have been uploaded. */
static size_t uploaded_photos(const json_t *answer, const json_t *missing)
{
	size_t n = 0, i, k;
	json_t *id, *m;
	json_array_foreach(json_object_get(answer, "photo_ids"), i, id)
	{
		int absent = 0;
		json_array_foreach((json_t *)missing, k, m) absent |= json_equal(id, m);
		n += !absent;
	}
	return n;
}

json_t *checklist_missing(const struct checklist *c, const json_t *answers, const json_t *missing_photo_ids)
{
	json_t *missing = json_array();
	for (size_t i = 0; i < c->nitems; i++) {
		const struct checklist_item *it = &c->items[i];
		json_t *a = checklist_answer(answers, it->code);
		if (!a && it->kind != KIND_TEXT) {
			json_array_append_new(missing,
			                      json_pack("{s:s, s:s}", "item_code", it->code, "reason", "unanswered"));
			continue;
		}
		if (it->needs_photo && (!a || uploaded_photos(a, missing_photo_ids) == 0))
			json_array_append_new(
			        missing, json_pack("{s:s, s:s}", "item_code", it->code, "reason", "photo_required"));
	}
	return missing;
}
