/* /api/v1/templates: checklist templates (immutable; a change is a new version). */
#ifndef INSPECTD_TEMPLATES_H
#define INSPECTD_TEMPLATES_H

#include <jansson.h>

#include "obs_store.h"

struct req;

void templates_list(struct req *req);
void templates_create(struct req *req);
void templates_get(struct req *req);

json_t *template_json(const struct template_row *t);

#endif
