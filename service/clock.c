#include "clock.h"

#include <stdatomic.h>
#include <time.h>

static atomic_int pinned_on;
static atomic_llong pinned_at;

long long clock_now(void)
{
	return atomic_load(&pinned_on) ? atomic_load(&pinned_at) : (long long)time(NULL);
}

static void local_now(struct tm *tm)
{
	time_t t = (time_t)clock_now();
	localtime_r(&t, tm);
}

void clock_today(char out[11])
{
	struct tm tm;
	local_now(&tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

void clock_rfc3339(char out[24])
{
	time_t t = (time_t)clock_now();
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 24, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int clock_year(void)
{
	struct tm tm;
	local_now(&tm);
	return tm.tm_year + 1900;
}

void clock_pin(int pinned, long long epoch)
{
	atomic_store(&pinned_at, epoch);
	atomic_store(&pinned_on, pinned);
}
