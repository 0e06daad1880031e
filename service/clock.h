/*
 * The service's "now" for calendar questions — which local day it is (a
 * task due 2023-03-31 is overdue from 2023-04-01 00:00 in the configured
 * time zone) and which year is current. The process's TZ is the configured
 * zone (server.c sets it before any thread starts). Test builds can pin it
 * (PUT /api/v1/_test/clock); nothing else does.
 */
#ifndef INSPECTD_CLOCK_H
#define INSPECTD_CLOCK_H

/* Epoch seconds: the pinned time, or the real one. */
long long clock_now(void);
/* The local calendar day now, "YYYY-MM-DD". */
void clock_today(char out[11]);
/* Now as RFC 3339 UTC, "YYYY-MM-DDTHH:MM:SSZ". */
void clock_rfc3339(char out[24]);
/* The local year now. */
int clock_year(void);
/* Pins now to epoch (pinned 0: real time again). */
void clock_pin(int pinned, long long epoch);

#endif
