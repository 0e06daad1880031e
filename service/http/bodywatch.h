/*
 * Deadlines for reading request bodies.
 *
 * civetweb 1.15 restarts its socket read timeout on every byte it receives,
 * so a client that trickles a body a byte at a time holds a worker for as
 * long as it keeps trickling, and as many such clients as there are workers
 * stop the service. A worker about to read a body arms a watch on its
 * connection; once the deadline passes, the watchdog thread shuts the
 * reading side of that socket down (shutdown(SHUT_RD)): the blocked read
 * returns end-of-file at once, the handler answers 408 and civetweb closes
 * the connection. Streams (photo and tus uploads) renew the deadline as
 * their chunks arrive, so for them it bounds the wait for each chunk.
 *
 * civetweb does not expose a connection's socket: the watchdog finds it
 * among the process's descriptors by its peer address and port and its
 * local port, which name one TCP connection. The connection cannot end
 * while its watch is armed — disarming waits for the lock the watchdog
 * holds while it cuts — so the descriptor found is that connection's.
 */
#ifndef INSPECTD_BODYWATCH_H
#define INSPECTD_BODYWATCH_H

#include <stddef.h>

struct bodywatch;
struct watch;

/* slots: how many bodies may be watched at once (one per worker). NULL
 * when the thread cannot start. */
struct bodywatch *bodywatch_start(size_t slots, long long timeout_ms);
void bodywatch_stop(struct bodywatch *bw);

/* Watches the connection from peer_addr:peer_port to local_port with a
 * deadline of now + the timeout. NULL when every slot is taken (then the
 * body is read unwatched; there is one slot per worker). */
struct watch *bodywatch_arm(struct bodywatch *bw, const char *peer_addr, int peer_port, int local_port);
/* A chunk arrived: the deadline is now + the timeout again. */
void bodywatch_renew(struct bodywatch *bw, struct watch *w);
/* Ends the watch; 1 when the watchdog cut the connection. */
int bodywatch_disarm(struct bodywatch *bw, struct watch *w);

#endif
