/*
 * The route table: the readable map of the API, one line per route, in the
 * order of ../shared/design/API.md. Flags: ROUTE_PUBLIC (no token),
 * ROUTE_BODY_JSON (takes a JSON object), ROUTE_METRICS (only when enabled).
 */
#include "auth_api.h"
#include "inspections.h"
#include "rounds.h"
#include "templates.h"
#include "http/server.h"
#include "ops.h"
#include "orgs.h"
#include "photos.h"
#include "rectify.h"
#include "uploads.h"
#include "reports.h"
#include "webhooks.h"
#include "users.h"
#ifdef INSPECTD_TEST_ROUTES
#include "testroutes.h"
#endif

/* clang-format off */
const struct route route_table[] = {
	/* Operations (at the root, outside /api/v1) */
	{"GET", "/healthz",      ops_healthz, ROUTE_PUBLIC},
	{"GET", "/readyz",       ops_readyz,  ROUTE_PUBLIC},
	{"GET", "/openapi.yaml", ops_openapi, ROUTE_PUBLIC},
	{"GET", "/docs", ops_docs, ROUTE_PUBLIC},
	{"GET", "/metrics",      ops_metrics, ROUTE_PUBLIC | ROUTE_METRICS},

	/* Sessions and the caller */
	{"POST", "/api/v1/auth/login",   auth_login,   ROUTE_PUBLIC | ROUTE_BODY_JSON},
	{"POST", "/api/v1/auth/refresh", auth_refresh, ROUTE_PUBLIC | ROUTE_BODY_JSON},
	{"POST", "/api/v1/auth/logout",  auth_logout,  ROUTE_BODY_JSON},
	{"GET",  "/api/v1/me",           me_get,       0},
	{"PUT",  "/api/v1/me/password",  me_password,  ROUTE_BODY_JSON},

	/* Accounts */
	{"GET",  "/api/v1/users",              users_list,    0},
	{"POST", "/api/v1/users",              users_create,  ROUTE_BODY_JSON},
	{"GET",  "/api/v1/users/{id}",         users_get,     0},
	{"PUT",  "/api/v1/users/{id}",         users_update,  ROUTE_BODY_JSON},
	{"POST", "/api/v1/users/{id}/disable", users_disable, ROUTE_BODY_JSON},

	/* The organization tree */
	{"GET",  "/api/v1/orgs",               orgs_list,     0},
	{"POST", "/api/v1/orgs",               orgs_create,   ROUTE_BODY_JSON},
	{"GET",  "/api/v1/orgs/{id}",          orgs_get,      0},
	{"PUT",  "/api/v1/orgs/{id}",          orgs_update,   ROUTE_BODY_JSON},
	{"GET",  "/api/v1/orgs/{id}/children", orgs_children, 0},

	/* Monthly observation: templates, rounds, inspections, findings */
	{"GET",    "/api/v1/templates",                  templates_list,      0},
	{"POST",   "/api/v1/templates",                  templates_create,    ROUTE_BODY_JSON},
	{"GET",    "/api/v1/templates/{id}",             templates_get,       0},
	{"GET",    "/api/v1/rounds",                     rounds_list,         0},
	{"POST",   "/api/v1/rounds",                     rounds_create,       ROUTE_BODY_JSON},
	{"GET",    "/api/v1/rounds/{id}",                rounds_get,          0},
	{"PUT",    "/api/v1/rounds/{id}",                rounds_update,       ROUTE_BODY_JSON},
	{"GET",    "/api/v1/me/assignments",             me_assignments,      0},
	{"GET",    "/api/v1/inspections",                inspections_list,    0},
	{"POST",   "/api/v1/inspections",                inspections_create,  ROUTE_BODY_JSON},
	{"GET",    "/api/v1/inspections/{id}",           inspections_get,     0},
	{"PUT",    "/api/v1/inspections/{id}",           inspections_update,  ROUTE_BODY_JSON},
	{"DELETE", "/api/v1/inspections/{id}",           inspections_delete,  0},
	{"POST",   "/api/v1/inspections/{id}/submit",    inspections_submit,  ROUTE_BODY_JSON},
	{"POST",   "/api/v1/inspections/{id}/approve",   inspections_approve, ROUTE_BODY_JSON},
	{"POST",   "/api/v1/inspections/{id}/return",    inspections_return,  ROUTE_BODY_JSON},
	{"GET",    "/api/v1/inspections/{id}/findings",  findings_list,       0},
	{"POST",   "/api/v1/inspections/{id}/findings",  findings_create,     ROUTE_BODY_JSON},
	{"GET",    "/api/v1/findings/{id}",              findings_get,        0},
	{"PUT",    "/api/v1/findings/{id}",              findings_update,     ROUTE_BODY_JSON},
	{"POST",   "/api/v1/findings/{id}/rectify",      findings_rectify,    ROUTE_BODY_JSON},

	/* Rectifying weak organizations: cases, tasks, progress, interviews, the inbox */
	{"GET",    "/api/v1/rectifications",                 rectifications_list,     0},
	{"POST",   "/api/v1/rectifications",                 rectifications_create,   ROUTE_BODY_JSON},
	{"GET",    "/api/v1/rectifications/{id}",            rectifications_get,      0},
	{"PUT",    "/api/v1/rectifications/{id}",            rectifications_update,   ROUTE_BODY_JSON},
	{"POST",   "/api/v1/rectifications/{id}/evaluate",   rectifications_evaluate, ROUTE_BODY_JSON},
	{"POST",   "/api/v1/rectifications/{id}/close",      rectifications_close,    ROUTE_BODY_JSON},
	{"POST",   "/api/v1/rectifications/{id}/reopen",     rectifications_reopen,   ROUTE_BODY_JSON},
	{"GET",    "/api/v1/rectifications/{id}/tasks",      tasks_list,              0},
	{"POST",   "/api/v1/rectifications/{id}/tasks",      tasks_create,            ROUTE_BODY_JSON},
	{"GET",    "/api/v1/rectifications/{id}/interviews", interviews_list,         0},
	{"POST",   "/api/v1/rectifications/{id}/interviews", interviews_create,       ROUTE_BODY_JSON},
	{"GET",    "/api/v1/tasks/{id}",                     tasks_get,               0},
	{"PUT",    "/api/v1/tasks/{id}",                     tasks_update,            ROUTE_BODY_JSON},
	{"POST",   "/api/v1/tasks/{id}/start",               tasks_start,             ROUTE_BODY_JSON},
	{"POST",   "/api/v1/tasks/{id}/submit",              tasks_submit,            ROUTE_BODY_JSON},
	{"POST",   "/api/v1/tasks/{id}/verify",              tasks_verify,            ROUTE_BODY_JSON},
	{"POST",   "/api/v1/tasks/{id}/return",              tasks_return,            ROUTE_BODY_JSON},
	{"GET",    "/api/v1/tasks/{id}/progress",            progress_list_route,     0},
	{"POST",   "/api/v1/tasks/{id}/progress",            progress_create,         ROUTE_BODY_JSON},
	{"GET",    "/api/v1/me/tasks",                       me_tasks,                0},

	/* Reports, the audit trail, webhooks */
	{"GET",    "/api/v1/reports/ranking",                reports_ranking,         0},
	{"GET",    "/api/v1/reports/overdue",                reports_overdue,         0},
	{"GET",    "/api/v1/reports/orgs-status",            reports_orgs_status,     0},
	{"GET",    "/api/v1/reports/evidence",               reports_evidence,        0},
	{"GET",    "/api/v1/audit",                          audit_list_route,        0},
	{"GET",    "/api/v1/webhooks",                       webhooks_list,           0},
	{"POST",   "/api/v1/webhooks",                       webhooks_create,         ROUTE_BODY_JSON},
	{"GET",    "/api/v1/webhooks/{id}",                  webhooks_get,            0},
	{"PUT",    "/api/v1/webhooks/{id}",                  webhooks_update,         ROUTE_BODY_JSON},
	{"DELETE", "/api/v1/webhooks/{id}",                  webhooks_delete,         0},
	{"GET",    "/api/v1/webhooks/{id}/deliveries",       webhooks_deliveries,     0},

	/* Evidence photos */
	{"POST",   "/api/v1/photos",                     photos_upload,       ROUTE_BODY_STREAM},
	{"GET",    "/api/v1/photos/{id}",                photos_get,          0},
	{"GET",    "/api/v1/photos/{id}/content",        photos_content,      0},
	{"GET",    "/api/v1/photos/{id}/thumbnail",      photos_thumbnail,    0},
	{"POST",   "/api/v1/uploads",                    uploads_create,      ROUTE_BODY_STREAM},
	{"GET",    "/api/v1/uploads/{id}",               uploads_get,         0},
	{"PATCH",  "/api/v1/uploads/{id}",               uploads_patch,       ROUTE_BODY_STREAM},
	{"DELETE", "/api/v1/uploads/{id}",               uploads_delete,      0},
#ifdef INSPECTD_TEST_ROUTES
	TEST_ROUTES
#endif
};
/* clang-format on */

const size_t route_table_count = sizeof route_table / sizeof route_table[0];
