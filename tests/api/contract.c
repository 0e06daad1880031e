#define _GNU_SOURCE /* prctl */
#include "contract.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <cmocka.h>

#define PRISM_ERROR_TYPE "https://stoplight.io/prism/errors#"

static struct {
	int mode; /* -1 not yet known */
	pid_t pid; /* the proxy */
	int proxy_port, upstream_port;
	int claimed; /* a server of this process listens on upstream_port */
	char proxy_base[64], direct_base[64];
	char dir[64]; /* proxy log and recorded exchanges */
	char log_path[128], exchanges_path[128];
	FILE *exchanges;
	unsigned long proxied, offline, refused, refetched;
} C = {.mode = -1};

int contract_mode(void)
{
	if (C.mode < 0) {
		const char *p = getenv("INSPECTD_TEST_PRISM");
		C.mode = p && *p;
	}
	return C.mode;
}

static const char *env_or_fail(const char *name)
{
	const char *v = getenv(name);
	if (!v || !*v)
		fail_msg("contract mode needs $%s", name);
	return v;
}

static int port_accepts(int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {
	        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static void print_file(const char *title, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	fprintf(stderr, "---- %s (%s) ----\n", title, path);
	char line[4096];
	while (fgets(line, sizeof line, f))
		fputs(line, stderr);
	fprintf(stderr, "---- end of %s ----\n", title);
	fclose(f);
}

/* At exit: stop the proxy, check what it could not carry, and fail the
 * process (exit status 1) on any violation. Runs before the sanitizers'
 * own exit checks, which still run when everything is valid. */
static void contract_finish(void)
{
	if (C.pid > 0) {
		kill(C.pid, SIGTERM);
		waitpid(C.pid, NULL, 0);
		C.pid = 0;
	}
	if (C.exchanges) {
		fclose(C.exchanges);
		C.exchanges = NULL;
	}
	fprintf(stderr, "contract: %lu requests through prism proxy --errors (%lu binary bodies re-fetched directly), "
	                "%lu checked offline, %lu of them refused by the spec and by inspectd\n",
	        C.proxied, C.refetched, C.offline, C.refused);
	int rc = 0;
	if (C.offline) {
		pid_t pid = fork();
		if (pid == 0) {
			const char *node = getenv("INSPECTD_TEST_NODE");
			const char *argv[] = {node && *node ? node : "node", env_or_fail("INSPECTD_TEST_CHECK_EXCHANGES"),
			                      env_or_fail("INSPECTD_TEST_SPEC"), C.exchanges_path, NULL};
			execvp(argv[0], (char *const *)argv);
			_exit(127);
		}
		int status = 0;
		if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			rc = 1;
	}
	if (rc) {
		fprintf(stderr, "contract: responses violate api-spec/openapi.yaml (see above)\n");
		_exit(1);
	}
	if (C.dir[0])
		remove_tree(C.dir);
}

static void proxy_start(void)
{
	const char *prism = env_or_fail("INSPECTD_TEST_PRISM");
	const char *spec = env_or_fail("INSPECTD_TEST_SPEC");
	snprintf(C.dir, sizeof C.dir, "/tmp/inspectd-contract-XXXXXX");
	if (!mkdtemp(C.dir))
		fail_msg("mkdtemp: %s", strerror(errno));
	snprintf(C.log_path, sizeof C.log_path, "%s/prism.log", C.dir);
	snprintf(C.exchanges_path, sizeof C.exchanges_path, "%s/exchanges.jsonl", C.dir);
	C.exchanges = fopen(C.exchanges_path, "we");
	if (!C.exchanges)
		fail_msg("open %s: %s", C.exchanges_path, strerror(errno));
	atexit(contract_finish);

	C.upstream_port = free_port();
	C.proxy_port = free_port();
	char upstream[64], port[16];
	snprintf(upstream, sizeof upstream, "http://127.0.0.1:%d", C.upstream_port);
	snprintf(port, sizeof port, "%d", C.proxy_port);
	snprintf(C.proxy_base, sizeof C.proxy_base, "http://127.0.0.1:%d", C.proxy_port);
	snprintf(C.direct_base, sizeof C.direct_base, "%s", upstream);

	int fd = open(C.log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		fail_msg("open %s: %s", C.log_path, strerror(errno));
	pid_t parent = getpid();
	C.pid = fork();
	if (C.pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (C.pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* no orphan proxy if the test is killed */
		if (getppid() != parent)
			_exit(1);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		/* no usage reporting from the npm packages (the network is closed anyway) */
		setenv("SCARF_ANALYTICS", "false", 1);
		setenv("DO_NOT_TRACK", "1", 1);
		const char *argv[] = {prism, "proxy", spec, upstream, "--errors", "--cors=false", "-h", "127.0.0.1",
		                      "-p", port, "-v", "warn", NULL};
		execv(prism, (char *const *)argv);
		_exit(127);
	}
	close(fd);
	for (int i = 0; i < 1200; i++) { /* 60 s: node and the spec's bundling, under a loaded machine */
		if (port_accepts(C.proxy_port))
			return;
		int status;
		if (waitpid(C.pid, &status, WNOHANG) == C.pid) {
			C.pid = 0;
			print_file("prism log", C.log_path);
			fail_msg("prism proxy exited during start-up");
		}
		sleep_ms(50);
	}
	print_file("prism log", C.log_path);
	fail_msg("prism proxy did not listen on port %d within 60 s", C.proxy_port);
}

int contract_claim(int *port, char *base_url, size_t len)
{
	if (!contract_mode() || C.claimed)
		return 0;
	if (!C.pid)
		proxy_start();
	C.claimed = 1;
	*port = C.upstream_port;
	snprintf(base_url, len, "%s", C.proxy_base);
	return 1;
}

void contract_release(void)
{
	C.claimed = 0;
}

/* ---- one exchange ----------------------------------------------------------- */

static int has_prefix(const char *s, const char *prefix, const char **rest)
{
	size_t n = strlen(prefix);
	if (!prefix[0] || strncmp(s, prefix, n) != 0 || (s[n] != '/' && s[n] != '\0' && s[n] != '?'))
		return 0;
	*rest = s + n;
	return 1;
}

static const char *request_header(const char *const *headers, const char *name)
{
	size_t n = strlen(name);
	for (const char *const *h = headers; h && *h; h++)
		if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':') {
			const char *v = *h + n + 1;
			while (*v == ' ')
				v++;
			return v;
		}
	return NULL;
}

static int is_json_type(const char *ct)
{
	if (!ct)
		return 0;
	size_t n = strcspn(ct, ";");
	while (n && ct[n - 1] == ' ')
		n--;
	return (n == 16 && strncasecmp(ct, "application/json", 16) == 0) ||
	       (n > 5 && strncasecmp(ct + n - 5, "+json", 5) == 0 && strncasecmp(ct, "application/", 12) == 0);
}

/* The response's headers as a JSON object with lower-case names. */
static json_t *headers_json(const struct http_resp *r)
{
	json_t *o = json_object();
	const char *p = buf_cstr(&r->headers);
	while (*p) {
		const char *eol = strstr(p, "\r\n");
		size_t llen = eol ? (size_t)(eol - p) : strlen(p);
		const char *colon = memchr(p, ':', llen);
		if (colon && strncmp(p, "HTTP/", 5) != 0) {
			char name[128];
			size_t nlen = (size_t)(colon - p);
			if (nlen < sizeof name) {
				for (size_t i = 0; i < nlen; i++)
					name[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
				name[nlen] = '\0';
				const char *v = colon + 1;
				while (*v == ' ')
					v++;
				json_object_set_new(o, name, json_stringn(v, llen - (size_t)(v - p)));
			}
		}
		if (!eol)
			break;
		p = eol + 2;
	}
	return o;
}

/* Records an exchange inspectd answered directly, for the offline check. */
static void record(const char *method, const char *rest, const struct http_resp *r)
{
	char lower[16];
	size_t i = 0;
	for (; method[i] && i + 1 < sizeof lower; i++)
		lower[i] = (char)((method[i] >= 'A' && method[i] <= 'Z') ? method[i] + 32 : method[i]);
	lower[i] = '\0';
	size_t plen = strcspn(rest, "?");
	json_t *hdrs = headers_json(r);
	json_t *body = json_null();
	const char *ct = json_string_value(json_object_get(hdrs, "content-type"));
	if (r->body.len && is_json_type(ct)) {
		body = json_loadb(buf_cstr(&r->body), r->body.len, 0, NULL);
		if (!body)
			body = json_stringn(buf_cstr(&r->body), r->body.len); /* the validator will say it isn't JSON */
	} else if (r->body.len && ct && strncasecmp(ct, "text/", 5) == 0) {
		body = json_stringn(buf_cstr(&r->body), r->body.len);
	}
	json_t *x = json_pack("{s:s, s:s%, s:s, s:I, s:o, s:o}", "method", lower, "path", rest[0] ? rest : "/",
	                      rest[0] ? plen : (size_t)1, "query", rest[plen] == '?' ? rest + plen + 1 : "", "status",
	                      (json_int_t)r->status, "headers", hdrs, "body", body);
	if (!x)
		fail_msg("contract: cannot record %s %s", method, rest);
	char *line = json_dumps(x, JSON_COMPACT);
	fprintf(C.exchanges, "%s\n", line);
	fflush(C.exchanges);
	free(line);
	json_decref(x);
	C.offline++;
}

/* A Prism-made problem (its type is Prism's), or NULL. Caller decrefs. */
static json_t *prism_problem(const struct http_resp *r)
{
	char ct[128];
	if (!http_header(r, "Content-Type", ct, sizeof ct) || !is_json_type(ct))
		return NULL;
	json_t *j = json_loadb(buf_cstr(&r->body), r->body.len, 0, NULL);
	const char *type = json_string_value(json_object_get(j, "type"));
	if (type && strncmp(type, PRISM_ERROR_TYPE, strlen(PRISM_ERROR_TYPE)) == 0)
		return j;
	json_decref(j);
	return NULL;
}

/* 1 when every number survives JavaScript's JSON.parse unchanged. */
static int js_exact(json_t *v)
{
	const long long limit = 9007199254740991LL; /* 2^53 - 1 */
	size_t i;
	const char *k;
	json_t *x;
	if (json_is_integer(v))
		return json_integer_value(v) <= limit && json_integer_value(v) >= -limit;
	if (json_is_array(v))
		json_array_foreach(v, i, x) if (!js_exact(x)) return 0;
	if (json_is_object(v))
		json_object_foreach(v, k, x) if (!js_exact(x)) return 0;
	return 1;
}

/*
 * Prism reads a JSON body with JSON.parse and sends inspectd its own
 * serialisation, anything else as text; its HTTP server (Node's) has a
 * 16 KiB header limit and a 10 MB body limit of its own. A request the proxy
 * would change or refuse itself would not test inspectd: malformed or
 * non-JSON bodies, duplicate names, integers beyond 2^53, oversized bodies
 * (inspectd's JSON limit is 1 MiB) and header blocks.
 */
static int proxy_cannot_carry(const char *const *headers, const void *body, size_t len)
{
	size_t header_bytes = 0;
	for (const char *const *h = headers; h && *h; h++)
		header_bytes += strlen(*h) + 2;
	if (header_bytes > 8192)
		return 1;
	if (!body || !len)
		return 0;
	if (len > 1024 * 1024 || !is_json_type(request_header(headers, "Content-Type")))
		return 1;
	json_t *j = json_loadb(body, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	int exact = j && js_exact(j);
	json_decref(j);
	return !exact;
}

/* The test-only routes (INSPECTD_TEST_ROUTES: the clock, echo) are not part
 * of the product or its contract; HEAD is GET without the body (RFC 9110),
 * which the spec describes as GET; OPTIONS (Allow, CORS preflight) is
 * answered for every route alike, as the spec's introduction says. */
static int outside_contract(const char *method, const char *path)
{
	return strncmp(path, "/api/v1/_test/", 14) == 0 || strcmp(method, "HEAD") == 0 ||
	       strcmp(method, "OPTIONS") == 0;
}

void contract_record(const struct server_proc *s, const char *method, const char *path, const struct http_resp *r)
{
	if (s->proxied && !outside_contract(method, path))
		record(method, path, r);
}

int contract_http_do(const char *method, const char *url, const char *const *headers, const void *body, size_t len,
                     int chunked, struct http_resp *out)
{
	const char *rest;
	if (!contract_mode() || !C.claimed ||
	    !(has_prefix(url, C.proxy_base, &rest) || has_prefix(url, C.direct_base, &rest)))
		return 0;
	char direct[4096], proxied[4096];
	snprintf(direct, sizeof direct, "%s%s", C.direct_base, rest);
	if (outside_contract(method, rest)) {
		http_send(method, direct, headers, body, len, chunked, out);
		return 1;
	}
	snprintf(proxied, sizeof proxied, "%s%s", C.proxy_base, rest);

	/* What the proxy would alter or refuse on its own goes directly and is
	 * checked offline. */
	if (proxy_cannot_carry(headers, body, len)) {
		http_send(method, direct, headers, body, len, chunked, out);
		record(method, rest, out);
		return 1;
	}

	http_send(method, proxied, headers, body, len, chunked, out);
	C.proxied++;
	char violations[8192];
	if (http_header(out, "sl-violations", violations, sizeof violations) && strstr(violations, "\"response\""))
		fail_msg("contract: %s %s → %ld: the response violates the spec: %s", method, rest, out->status,
		         violations);
	json_t *problem = prism_problem(out);
	if (problem) {
		char type[64];
		snprintf(type, sizeof type, "%s", json_string_value(json_object_get(problem, "type")) + strlen(PRISM_ERROR_TYPE));
		char *detail = json_dumps(problem, JSON_COMPACT);
		json_decref(problem);
		if (strcmp(type, "VIOLATIONS") == 0 || strncmp(type, "UPSTREAM", 8) == 0 || out->status >= 500)
			fail_msg("contract: %s %s: %s", method, rest, detail);
		/* The spec refuses the request (a test's deliberate bad input):
		 * inspectd must refuse it too; its answer is checked offline. */
		http_resp_release(out);
		http_send(method, direct, headers, body, len, chunked, out);
		if (out->status < 400 || out->status >= 500)
			fail_msg("contract: the spec refuses %s %s (%s) but inspectd answered %ld: %.300s", method, rest,
			         detail, out->status, buf_cstr(&out->body));
		free(detail);
		record(method, rest, out);
		C.refused++;
		return 1;
	}
	/* Prism re-encodes non-JSON bodies as text: validated above, the
	 * bytes come from inspectd itself (reads only). */
	char ct[128];
	if (out->body.len && !(http_header(out, "Content-Type", ct, sizeof ct) && is_json_type(ct))) {
		if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
			fail_msg("contract: %s %s answered a non-JSON body the proxy cannot carry", method, rest);
		long status = out->status;
		http_resp_release(out);
		http_send(method, direct, headers, body, len, chunked, out);
		if (out->status != status)
			fail_msg("contract: %s %s answered %ld through the proxy and %ld directly", method, rest, status,
			         out->status);
		C.refetched++;
	}
	return 1;
}
