/*
 * A checklist template's definition ({"dimensions": [...]}) parsed for
 * validation and scoring. Strings point into the JSON, which the checklist
 * holds a reference to.
 *
 * Scoring: score items give their value, yes_no items max_score when true,
 * number items max_score when they meet their threshold, text items nothing.
 * A dimension scores 100 × points / max points of its scored items
 * (unanswered items count 0); the total is the weight-averaged dimension
 * score. Both rounded to one decimal.
 */
#ifndef INSPECTD_CHECKLIST_H
#define INSPECTD_CHECKLIST_H

#include <jansson.h>
#include <stddef.h>

#include "http/api.h"

enum item_kind { KIND_SCORE, KIND_YES_NO, KIND_NUMBER, KIND_TEXT };

struct checklist_item {
	const char *code, *text, *unit;
	enum item_kind kind;
	long long max_score; /* 0 for text */
	int threshold_ge;    /* number items: 1 for ">=", 0 for "<=" */
	double threshold;
	int needs_photo;
	size_t dim;
};

struct checklist_dim {
	const char *code, *label;
	long long weight;
};

struct checklist {
	json_t *root; /* the definition, referenced */
	size_t ndims, nitems;
	struct checklist_dim *dims;
	struct checklist_item *items;
};

/*
 * Parses and validates dimensions (a JSON array). Every problem goes to v
 * with a field path under prefix ("dimensions[1].items[0].kind"). Returns 0
 * when valid. Release with checklist_release in every case.
 */
int checklist_parse(json_t *dimensions, const char *prefix, struct checklist *out, struct verr *v);
void checklist_release(struct checklist *c);

const struct checklist_item *checklist_find(const struct checklist *c, const char *code);

/* Validates an answers array against the checklist (errors under "answers"). */
void checklist_check_answers(const struct checklist *c, const json_t *answers, struct verr *v);

/* {"total": x, "dimensions": [{code, label, weight, score}]}; answers valid. */
json_t *checklist_score(const struct checklist *c, const json_t *answers);

/* What keeps answers from being submitted: [{item_code, reason}], maybe
 * empty. A needs_photo item needs at least one photo id that is not in
 * missing_photo_ids (ids referenced but not uploaded; may be NULL). */
json_t *checklist_missing(const struct checklist *c, const json_t *answers, const json_t *missing_photo_ids);

/* 1 when a number item's value misses its threshold. */
int checklist_number_fails(const struct checklist_item *it, double value);

/* The answer object for code in answers, or NULL. */
json_t *checklist_answer(const json_t *answers, const char *code);

#endif
