#define _GNU_SOURCE /* nftw */
#include "harness.h"
#include "contract.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <cmocka.h>

void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0)
		;
}

static void curl_once(void)
{
	static int done;
	if (!done) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		atexit(curl_global_cleanup);
		done = 1;
	}
}

int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof a;
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) != 0)
		fail_msg("cannot find a free port: %s", strerror(errno));
	int port = ntohs(a.sin_port);
	close(fd);
	return port;
}

const char *url_of(struct server_proc *s, const char *path, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s%s", s->base_url, path);
	return out;
}

static const char *bin_path(void)
{
	const char *bin = getenv("INSPECTD_BIN");
	if (!bin || !*bin)
		fail_msg("INSPECTD_BIN is not set (run the tests through ctest)");
	return bin;
}

static void print_log(const struct server_proc *s)
{
	struct buf b = BUF_INIT;
	if (read_file(s->log_path, &b) == 0)
		fprintf(stderr, "---- server log (%s) ----\n%s---- end of server log ----\n", s->log_path,
		        buf_cstr(&b));
	buf_release(&b);
}

static pid_t spawn(const char *const *args, const char *const *env, int out_fd)
{
	pid_t pid = fork();
	if (pid < 0)
		fail_msg("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(out_fd, STDOUT_FILENO);
		dup2(out_fd, STDERR_FILENO);
		int devnull = open("/dev/null", O_RDONLY);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		for (const char *const *e = env; e && *e; e++)
			putenv((char *)*e);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	return pid;
}

void server_start(struct server_proc *s, const char *const *env)
{
	curl_once();
	memset(s, 0, sizeof *s);
	snprintf(s->dir, sizeof s->dir, "/tmp/inspectd-test-XXXXXX");
	if (!mkdtemp(s->dir))
		fail_msg("mkdtemp: %s", strerror(errno));
	snprintf(s->data_dir, sizeof s->data_dir, "%s/data", s->dir);
	snprintf(s->log_path, sizeof s->log_path, "%s/server.log", s->dir);

	for (int attempt = 0; attempt < 3; attempt++) {
		/* in contract mode the first try listens behind the proxy */
		s->proxied = attempt == 0 && contract_claim(&s->port, s->base_url, sizeof s->base_url);
		if (!s->proxied)
			s->port = free_port();
		snprintf(s->direct_url, sizeof s->direct_url, "http://127.0.0.1:%d", s->port);
		if (!s->proxied)
			snprintf(s->base_url, sizeof s->base_url, "%s", s->direct_url);
		char listen_env[64], data_env[400];
		snprintf(listen_env, sizeof listen_env, "INSPECTD_LISTEN=127.0.0.1:%d", s->port);
		snprintf(data_env, sizeof data_env, "INSPECTD_DATA=%s", s->data_dir);
		const char *all_env[32] = {listen_env, data_env};
		size_t n = 2;
		for (const char *const *e = env; e && *e && n < 31; e++)
			all_env[n++] = *e;
		all_env[n] = NULL;
		int fd = open(s->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0)
			fail_msg("open %s: %s", s->log_path, strerror(errno));
		const char *args[] = {bin_path(), "serve", NULL};
		s->pid = spawn(args, all_env, fd);
		close(fd);

		char url[128];
		snprintf(url, sizeof url, "%s/readyz", s->direct_url);
		for (int i = 0; i < 750; i++) { /* 15 s */
			int status;
			if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
				s->pid = 0;
				break;
			}
			struct http_resp r;
			http_send("GET", url, NULL, NULL, 0, 0, &r);
			long code = r.status;
			http_resp_release(&r);
			if (code == 200)
				return;
			sleep_ms(20);
		}
		if (s->proxied) { /* it exited, or will be killed: the proxy's port is free again */
			contract_release();
			s->proxied = 0;
		}
		if (s->pid) {
			print_log(s);
			kill(s->pid, SIGKILL);
			waitpid(s->pid, NULL, 0);
			s->pid = 0;
			fail_msg("inspectd did not become ready on port %d", s->port);
		}
		/* it exited: most likely the port was taken meanwhile; try another */
	}
	print_log(s);
	fail_msg("inspectd exited during start-up three times");
}

static void server_unproxy(struct server_proc *s)
{
	if (s->proxied) {
		contract_release();
		s->proxied = 0;
	}
}

int server_stop(struct server_proc *s)
{
	if (!s->pid)
		return -1;
	kill(s->pid, SIGTERM);
	int status = 0;
	pid_t got = 0;
	for (int i = 0; i < 3000; i++) { /* 30 s */
		got = waitpid(s->pid, &status, WNOHANG);
		if (got == s->pid)
			break;
		sleep_ms(10);
	}
	if (got != s->pid) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, &status, 0);
		s->pid = 0;
		server_unproxy(s);
		print_log(s);
		fprintf(stderr, "inspectd did not stop within 30 s of SIGTERM\n");
		return -1;
	}
	s->pid = 0;
	server_unproxy(s);
	int rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	if (rc != 0)
		print_log(s);
	return rc;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void remove_tree(const char *dir)
{
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void server_kill(struct server_proc *s)
{
	if (s->pid) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	server_unproxy(s);
}

void server_cleanup(struct server_proc *s)
{
	if (s->pid) {
		kill(s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	server_unproxy(s);
	if (s->dir[0])
		remove_tree(s->dir);
	s->dir[0] = '\0';
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
	buf_add(ud, data, size * nmemb);
	return size * nmemb;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
	struct buf *h = ud;
	size_t n = size * nmemb;
	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		buf_reset(h); /* a new response (after 100 Continue): keep only the final one */
	buf_add(h, data, n);
	return n;
}

struct upload {
	const char *data;
	size_t len, off;
};

static size_t on_read(char *dest, size_t size, size_t nmemb, void *ud)
{
	struct upload *u = ud;
	size_t n = size * nmemb;
	if (n > u->len - u->off)
		n = u->len - u->off;
	if (n > 4096)
		n = 4096; /* several chunks */
	memcpy(dest, u->data + u->off, n);
	u->off += n;
	return n;
}

void http_do(const char *method, const char *url, const char *const *headers, const void *body, size_t len, int chunked,
             struct http_resp *out)
{
	if (!contract_http_do(method, url, headers, body, len, chunked, out))
		http_send(method, url, headers, body, len, chunked, out);
}

void http_send(const char *method, const char *url, const char *const *headers, const void *body, size_t len,
               int chunked, struct http_resp *out)
{
	curl_once();
	memset(out, 0, sizeof *out);
	CURL *c = curl_easy_init();
	struct curl_slist *hl = NULL;
	struct upload up = {body, len, 0};
	hl = curl_slist_append(hl, "Expect:");
	for (const char *const *h = headers; h && *h; h++)
		hl = curl_slist_append(hl, *h);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 20000L);
	curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	else if (strcmp(method, "GET") != 0)
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (body && chunked) {
		hl = curl_slist_append(hl, "Transfer-Encoding: chunked");
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(c, CURLOPT_READDATA, &up);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	} else if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
	CURLcode rc = curl_easy_perform(c);
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
	else
		out->status = 0; /* connection-level failure */
	curl_slist_free_all(hl);
	curl_easy_cleanup(c);
}

void http_get(struct server_proc *s, const char *path, struct http_resp *out)
{
	char url[512];
	http_do("GET", url_of(s, path, url, sizeof url), NULL, NULL, 0, 0, out);
}

int http_header(const struct http_resp *r, const char *name, char *out, size_t outlen)
{
	size_t nlen = strlen(name);
	const char *p = buf_cstr(&r->headers);
	while (*p) {
		const char *eol = strstr(p, "\r\n");
		size_t llen = eol ? (size_t)(eol - p) : strlen(p);
		if (llen > nlen && strncasecmp(p, name, nlen) == 0 && p[nlen] == ':') {
			const char *v = p + nlen + 1;
			while (*v == ' ')
				v++;
			size_t vlen = llen - (size_t)(v - p);
			if (vlen >= outlen)
				vlen = outlen - 1;
			memcpy(out, v, vlen);
			out[vlen] = '\0';
			return 1;
		}
		if (!eol)
			break;
		p = eol + 2;
	}
	return 0;
}

void http_resp_release(struct http_resp *r)
{
	buf_release(&r->headers);
	buf_release(&r->body);
}

json_t *http_json(const struct http_resp *r)
{
	json_error_t err;
	json_t *j = json_loadb(buf_cstr(&r->body), r->body.len, JSON_REJECT_DUPLICATES, &err);
	if (!j)
		fail_msg("response is not JSON (%s): %.300s", err.text, buf_cstr(&r->body));
	return j;
}

void assert_problem(const struct http_resp *r, long status, const char *code)
{
	char ct[128], rid[128];
	if (r->status != status)
		fail_msg("expected status %ld, got %ld: %.400s", status, r->status, buf_cstr(&r->body));
	assert_true(http_header(r, "Content-Type", ct, sizeof ct));
	assert_string_equal(ct, "application/problem+json; charset=utf-8");
	assert_true(http_header(r, "X-Request-Id", rid, sizeof rid));
	json_t *j = http_json(r);
	assert_int_equal(json_integer_value(json_object_get(j, "status")), status);
	assert_string_equal(json_string_value(json_object_get(j, "code")), code);
	char type[128];
	snprintf(type, sizeof type, "urn:inspectd:problem:%s", code);
	assert_string_equal(json_string_value(json_object_get(j, "type")), type);
	assert_non_null(json_string_value(json_object_get(j, "title")));
	assert_string_equal(json_string_value(json_object_get(j, "request_id")), rid);
	json_decref(j);
}

size_t raw_exchange(int port, const void *data, size_t len, int timeout_ms, struct buf *out)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {
	        .sin_family = AF_INET, .sin_port = htons((uint16_t)port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0)
		fail_msg("connect to port %d: %s", port, strerror(errno));
	const char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = send(fd, p, left, MSG_NOSIGNAL);
		if (n <= 0)
			break; /* the server may close early (e.g. after an error) */
		p += n;
		left -= (size_t)n;
	}
	size_t total = 0;
	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (elapsed >= timeout_ms)
			break;
		struct pollfd pfd = {fd, POLLIN, 0};
		if (poll(&pfd, 1, (int)(timeout_ms - elapsed)) <= 0)
			break;
		char chunk[4096];
		ssize_t n = recv(fd, chunk, sizeof chunk, 0);
		if (n <= 0)
			break;
		buf_add(out, chunk, (size_t)n);
		total += (size_t)n;
	}
	close(fd);
	return total;
}

int run_inspectd(const char *const *args, const char *const *env, struct buf *out)
{
	int fds[2];
	if (pipe(fds) != 0)
		fail_msg("pipe: %s", strerror(errno));
	const char *argv[32] = {bin_path()};
	size_t n = 1;
	for (const char *const *a = args; a && *a && n < 31; a++)
		argv[n++] = *a;
	argv[n] = NULL;
	pid_t pid = spawn(argv, env, fds[1]);
	close(fds[1]);
	char chunk[4096];
	ssize_t got;
	while ((got = read(fds[0], chunk, sizeof chunk)) > 0)
		buf_add(out, chunk, (size_t)got);
	close(fds[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int read_file(const char *path, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_add(out, chunk, n);
	fclose(f);
	return 0;
}
