/* /api/v1/users: accounts. */
#ifndef INSPECTD_USERS_H
#define INSPECTD_USERS_H

struct req;

void users_list(struct req *req);
void users_create(struct req *req);
void users_get(struct req *req);
void users_update(struct req *req);
void users_disable(struct req *req);

extern const char *const user_roles[];

/* 1 for a phone number as people write it: digits, +, -, spaces (3+ digits, <= 20). */
int phone_is_valid(const char *s);

/* 1 when s is a valid username: 3..32 of [A-Za-z0-9._-]. */
int username_is_valid(const char *s);

#endif
