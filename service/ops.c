#include "ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "http/req.h"
#include "http/server.h"
#include "random.h"

void ops_healthz(struct req *req)
{
	static const char body[] = "{\"status\":\"ok\"}";
	reply_send(req, 200, "application/json; charset=utf-8", body, sizeof body - 1, 1);
}

/* Proves the data directory takes a new file: create, write, fsync, remove. */
static const char *check_data_dir(const char *dir)
{
	char path[4096], name[17];
	rand_hex(name, 8);
	if ((size_t)snprintf(path, sizeof path, "%s/.readyz-%s", dir, name) >= sizeof path)
		return "path too long";
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == ENOSPC ? "disk full" : "not writable";
	const char *result = "ok";
	if (write(fd, "ok", 2) != 2 || fsync(fd) != 0)
		result = errno == ENOSPC ? "disk full" : "write failed";
	close(fd);
	unlink(path);
	return result;
}

void ops_readyz(struct req *req)
{
	struct db *db = server_worker_db(req->conn);
	const char *db_state = db && db_ping(db) == 0 ? "ok" : "unavailable";
	const char *dir_state = check_data_dir(req->srv->cfg->data_dir);
	json_t *checks = json_pack("{s:s, s:s}", "database", db_state, "data_dir", dir_state);
	if (strcmp(db_state, "ok") == 0 && strcmp(dir_state, "ok") == 0) {
		reply_json_new(req, 200, json_pack("{s:s, s:o}", "status", "ready", "checks", checks));
		return;
	}
	json_t *extra = json_pack("{s:o}", "checks", checks);
	req_header_add(req, "Retry-After", "5");
	reply_problem(req, 503, "not_ready", extra, "数据库：%s；数据目录：%s", db_state, dir_state);
	json_decref(extra);
}

void ops_openapi(struct req *req)
{
	req_header_add(req, "Cache-Control", "no-cache");
	reply_send(req, 200, "application/yaml; charset=utf-8", openapi_yaml, (size_t)(openapi_yaml_end - openapi_yaml),
	           0);
}

/* The interactive reference: Redoc renders /openapi.yaml in the browser. Its
 * script and styles are inline (one response, no CDN); the policy lets the
 * page reach nothing but this origin (Redoc's search runs in a blob: worker). */
void ops_docs(struct req *req)
{
	req_header_add(req, "Cache-Control", "no-cache");
	req_header_add(req, "Content-Security-Policy",
	               "default-src 'none'; script-src 'self' 'unsafe-inline' blob:; style-src 'self' 'unsafe-inline'; "
	               "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; "
	               "base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
	reply_send(req, 200, "text/html; charset=utf-8", docs_html, (size_t)(docs_html_end - docs_html), 0);
}

void ops_metrics(struct req *req)
{
	struct buf out = BUF_INIT;
	metrics_render(req->srv->metrics, &out);
	reply_send(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len, 1);
	buf_release(&out);
}
