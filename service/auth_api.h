/* Sessions: login, refresh, logout, the caller's profile and password. */
#ifndef INSPECTD_AUTH_API_H
#define INSPECTD_AUTH_API_H

struct req;

void auth_login(struct req *req);
void auth_refresh(struct req *req);
void auth_logout(struct req *req);
void me_get(struct req *req);
void me_password(struct req *req);

#endif
