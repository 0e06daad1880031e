/* JSON renderings of the stored objects, shared by the handlers. */
#ifndef INSPECTD_RENDER_H
#define INSPECTD_RENDER_H

#include <jansson.h>

#include "org_store.h"
#include "user_store.h"

json_t *org_json(const struct org *o);
json_t *user_json(const struct user *u);

#endif
