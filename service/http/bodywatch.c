#define _GNU_SOURCE
#include "bodywatch.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "base/log.h"
#include "base/ticker.h"
#include "base/xalloc.h"

enum { TICK_MS = 100 };

struct watch {
	int used, cut;
	uint64_t deadline_ms;
	char peer_addr[48];
	int peer_port, local_port;
};

struct bodywatch {
	struct ticker watchdog; /* its mu guards the slots */
	long long timeout_ms;
	size_t n;
	struct watch *w;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The address and port of a socket address, as civetweb writes them. */
static int addr_port(const struct sockaddr_storage *sa, char *addr, size_t addrlen, int *port)
{
	if (sa->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		*port = ntohs(a->sin_port);
		return inet_ntop(AF_INET, &a->sin_addr, addr, (socklen_t)addrlen) ? 0 : -1;
	}
	if (sa->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		*port = ntohs(a->sin6_port);
		return inet_ntop(AF_INET6, &a->sin6_addr, addr, (socklen_t)addrlen) ? 0 : -1;
	}
	return -1;
}

/* 1 when fd is the TCP connection w watches: its local port and its peer's
 * address and port (addr holds the local address, then the peer's). */
static int is_watched_socket(int fd, const struct watch *w)
{
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
		return 0;
	struct sockaddr_storage local, peer;
	socklen_t llen = sizeof local, plen = sizeof peer;
	char addr[INET6_ADDRSTRLEN];
	int lport = 0, pport = 0;
	if (getsockname(fd, (struct sockaddr *)&local, &llen) != 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &plen) != 0 ||
	    addr_port(&local, addr, sizeof addr, &lport) != 0 || addr_port(&peer, addr, sizeof addr, &pport) != 0)
		return 0;
	return lport == w->local_port && pport == w->peer_port && strcmp(addr, w->peer_addr) == 0;
}

/* Shuts the reading side of w's connection down. 0 when found. */
static int cut(const struct watch *w)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	int found = -1;
	struct dirent *e;
	while (found != 0 && (e = readdir(d)) != NULL) {
		char *end;
		long fd = strtol(e->d_name, &end, 10);
		if (*end || end == e->d_name || fd == dirfd(d))
			continue;
		if (is_watched_socket((int)fd, w) && shutdown((int)fd, SHUT_RD) == 0)
			found = 0;
	}
	closedir(d);
	return found;
}

static void *watchdog_main(void *arg)
{
	struct bodywatch *bw = arg;
	pthread_mutex_lock(&bw->watchdog.mu);
	do {
		uint64_t now = mono_ms();
		for (size_t i = 0; i < bw->n; i++) {
			struct watch *w = &bw->w[i];
			if (!w->used || w->cut || now < w->deadline_ms)
				continue;
			w->cut = 1;
			struct log_line l;
			int found = cut(w) == 0;
			if (log_begin(&l, found ? LOG_WARN : LOG_ERROR, "http",
			              found ? "request body too slow: connection cut"
			                    : "request body too slow, but its socket was not found")) {
				log_str(&l, "peer", w->peer_addr);
				log_int(&l, "timeout_ms", bw->timeout_ms);
				log_end(&l);
			}
		}
	} while (ticker_wait(&bw->watchdog, TICK_MS));
	pthread_mutex_unlock(&bw->watchdog.mu);
	return NULL;
}

struct bodywatch *bodywatch_start(size_t slots, long long timeout_ms)
{
	struct bodywatch *bw = xcalloc(1, sizeof *bw);
	bw->n = slots;
	bw->w = xcalloc(slots, sizeof *bw->w);
	bw->timeout_ms = timeout_ms;
	if (ticker_start(&bw->watchdog, watchdog_main, bw) != 0) {
		bodywatch_stop(bw);
		return NULL;
	}
	return bw;
}

void bodywatch_stop(struct bodywatch *bw)
{
	if (!bw)
		return;
	ticker_stop(&bw->watchdog);
	free(bw->w);
	free(bw);
}

struct watch *bodywatch_arm(struct bodywatch *bw, const char *peer_addr, int peer_port, int local_port)
{
	if (!bw)
		return NULL;
	struct watch *found = NULL;
	pthread_mutex_lock(&bw->watchdog.mu);
	for (size_t i = 0; i < bw->n && !found; i++) {
		if (bw->w[i].used)
			continue;
		found = &bw->w[i];
		*found = (struct watch){.used = 1,
		                        .deadline_ms = mono_ms() + (uint64_t)bw->timeout_ms,
		                        .peer_port = peer_port,
		                        .local_port = local_port};
		snprintf(found->peer_addr, sizeof found->peer_addr, "%s", peer_addr);
	}
	pthread_mutex_unlock(&bw->watchdog.mu);
	return found;
}

void bodywatch_renew(struct bodywatch *bw, struct watch *w)
{
	if (!bw || !w)
		return;
	pthread_mutex_lock(&bw->watchdog.mu);
	w->deadline_ms = mono_ms() + (uint64_t)bw->timeout_ms;
	pthread_mutex_unlock(&bw->watchdog.mu);
}

int bodywatch_disarm(struct bodywatch *bw, struct watch *w)
{
	if (!bw || !w)
		return 0;
	pthread_mutex_lock(&bw->watchdog.mu);
	int was_cut = w->cut;
	w->used = 0;
	w->cut = 0;
	pthread_mutex_unlock(&bw->watchdog.mu);
	return was_cut;
}
