#ifndef HV_TIME_H_
#define HV_TIME_H_

/*
 * htime.h - clocks, calendar helpers and date formatting.
 * Header-only: every function is static inline.
 */

#include "hexport.h"
#include "hplatform.h"

BEGIN_EXTERN_C

#define SECONDS_PER_MINUTE  60
#define SECONDS_PER_HOUR    3600
#define SECONDS_PER_DAY     86400
#define SECONDS_PER_WEEK    604800

#define IS_LEAP_YEAR(year) \
    ((((year) % 4 == 0) && ((year) % 100 != 0)) || ((year) % 400 == 0))

/* Broken-down local time; month is 1..12, ms is 0..999. */
typedef struct datetime_s {
    int year;
    int month;
    int day;
    int hour;
    int min;
    int sec;
    int ms;
} datetime_t;

#define TIME_FMT            "%02d:%02d:%02d"
#define TIME_FMT_BUFLEN     12

#define DATETIME_FMT        "%04d-%02d-%02d %02d:%02d:%02d"
#define DATETIME_FMT_ISO    "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ"
#define DATETIME_FMT_BUFLEN 30

#define GMTIME_FMT          "%.3s, %02d %.3s %04d %02d:%02d:%02d GMT"
#define GMTIME_FMT_BUFLEN   30

/* ---- name tables ------------------------------------------------------- */
static inline const char* hvh_month_name(int idx0) {
    static const char* const names[12] = {
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December"
    };
    return (idx0 >= 0 && idx0 < 12) ? names[idx0] : "";
}

static inline const char* hvh_weekday_name(int idx0) {
    static const char* const names[7] = {
        "Sunday", "Monday", "Tuesday", "Wednesday",
        "Thursday", "Friday", "Saturday"
    };
    return (idx0 >= 0 && idx0 < 7) ? names[idx0] : "";
}

/* ---- clocks ------------------------------------------------------------ */

/* Monotonic milliseconds, wrapping at 2^32. */
static inline unsigned int gettick_ms(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (unsigned int)((unsigned long long)now.tv_sec * 1000ULL +
                          (unsigned long long)now.tv_nsec / 1000000ULL);
}

/* Wall-clock milliseconds since the Unix epoch. */
static inline unsigned long long gettimeofday_ms(void) {
    struct timeval now;
    gettimeofday(&now, NULL);
    return (unsigned long long)now.tv_sec * 1000ULL +
           (unsigned long long)now.tv_usec / 1000ULL;
}

/* Wall-clock microseconds since the Unix epoch. */
static inline unsigned long long gettimeofday_us(void) {
    struct timeval now;
    gettimeofday(&now, NULL);
    return (unsigned long long)now.tv_sec * 1000000ULL +
           (unsigned long long)now.tv_usec;
}

/* Monotonic high-resolution microseconds. */
static inline unsigned long long gethrtime_us(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (unsigned long long)now.tv_sec * 1000000ULL +
           (unsigned long long)now.tv_nsec / 1000ULL;
}

/* ---- calendar ---------------------------------------------------------- */

static inline datetime_t datetime_localtime(time_t seconds) {
    struct tm parts;
    datetime_t dt;
    memset(&parts, 0, sizeof(parts));
    localtime_r(&seconds, &parts);
    dt.year  = parts.tm_year + 1900;
    dt.month = parts.tm_mon + 1;
    dt.day   = parts.tm_mday;
    dt.hour  = parts.tm_hour;
    dt.min   = parts.tm_min;
    dt.sec   = parts.tm_sec;
    dt.ms    = 0;
    return dt;
}

static inline datetime_t datetime_now(void) {
    struct timeval now;
    datetime_t dt;
    gettimeofday(&now, NULL);
    dt = datetime_localtime(now.tv_sec);
    dt.ms = (int)(now.tv_usec / 1000);
    return dt;
}

/* Local broken-down time back to seconds since the epoch (ms ignored). */
static inline time_t datetime_mktime(datetime_t* dt) {
    struct tm parts;
    memset(&parts, 0, sizeof(parts));
    parts.tm_year  = dt->year - 1900;
    parts.tm_mon   = dt->month - 1;
    parts.tm_mday  = dt->day;
    parts.tm_hour  = dt->hour;
    parts.tm_min   = dt->min;
    parts.tm_sec   = dt->sec;
    parts.tm_isdst = -1;
    return mktime(&parts);
}

/* Number of days in `month` (1..12) of `year`; 0 for an invalid month. */
static inline int days_of_month(int month, int year) {
    switch (month) {
    case 1: case 3: case 5: case 7: case 8: case 10: case 12:
        return 31;
    case 4: case 6: case 9: case 11:
        return 30;
    case 2:
        return IS_LEAP_YEAR(year) ? 29 : 28;
    default:
        return 0;
    }
}

/* Move dt back by `days` calendar days (date part only). */
static inline datetime_t* datetime_past(datetime_t* dt, int days DEFAULT(1)) {
    int left = days;
    assert(days >= 0);
    while (left > 0) {
        if (dt->day > left) {
            dt->day -= left;
            break;
        }
        /* consume the rest of this month and land on the last day of the previous one */
        left -= dt->day;
        dt->month -= 1;
        if (dt->month < 1) {
            dt->month = 12;
            dt->year -= 1;
        }
        dt->day = days_of_month(dt->month, dt->year);
    }
    return dt;
}

/* Move dt forward by `days` calendar days (date part only). */
static inline datetime_t* datetime_future(datetime_t* dt, int days DEFAULT(1)) {
    int left = days;
    assert(days >= 0);
    while (left > 0) {
        int month_len = days_of_month(dt->month, dt->year);
        if (dt->day + left <= month_len) {
            dt->day += left;
            break;
        }
        /* jump to the first day of the next month */
        left -= month_len - dt->day + 1;
        dt->month += 1;
        if (dt->month > 12) {
            dt->month = 1;
            dt->year += 1;
        }
        dt->day = 1;
    }
    return dt;
}

/* ---- formatting ---------------------------------------------------------
 * The output buffers must hold at least the matching *_BUFLEN bytes. */

/* seconds -> "hh:mm:ss" */
static inline char* duration_fmt(int sec, char* buf) {
    if (snprintf(buf, TIME_FMT_BUFLEN, TIME_FMT, sec / 3600, (sec / 60) % 60, sec % 60) < 0) {
        buf[0] = '\0';
    }
    return buf;
}

/* "YYYY-MM-DD hh:mm:ss" */
static inline char* datetime_fmt(datetime_t* dt, char* buf) {
    if (snprintf(buf, DATETIME_FMT_BUFLEN, DATETIME_FMT,
                 dt->year, dt->month, dt->day, dt->hour, dt->min, dt->sec) < 0) {
        buf[0] = '\0';
    }
    return buf;
}

/* "YYYY-MM-DDThh:mm:ss.mmmZ" */
static inline char* datetime_fmt_iso(datetime_t* dt, char* buf) {
    if (snprintf(buf, DATETIME_FMT_BUFLEN, DATETIME_FMT_ISO,
                 dt->year, dt->month, dt->day, dt->hour, dt->min, dt->sec, dt->ms) < 0) {
        buf[0] = '\0';
    }
    return buf;
}

/* HTTP date, e.g. "Sun, 06 Nov 1994 08:49:37 GMT" */
static inline char* gmtime_fmt(time_t time, char* buf) {
    struct tm parts;
    memset(&parts, 0, sizeof(parts));
    gmtime_r(&time, &parts);
    if (snprintf(buf, GMTIME_FMT_BUFLEN, GMTIME_FMT,
                 hvh_weekday_name(parts.tm_wday), parts.tm_mday,
                 hvh_month_name(parts.tm_mon), parts.tm_year + 1900,
                 parts.tm_hour, parts.tm_min, parts.tm_sec) < 0) {
        buf[0] = '\0';
    }
    return buf;
}

/* Case-insensitive prefix match against English month names: "jan" -> 1.
 * Returns 0 when nothing matches. */
static inline int month_atoi(const char* month) {
    size_t n = strlen(month);
    int i;
    for (i = 0; i < 12; ++i) {
        if (strncasecmp(month, hvh_month_name(i), n) == 0) return i + 1;
    }
    return 0;
}

static inline const char* month_itoa(int month) {
    assert(month >= 1 && month <= 12);
    return hvh_month_name(month - 1);
}

/* Case-insensitive prefix match: "sun" -> 0 ... "sat" -> 6; 0 if unknown. */
static inline int weekday_atoi(const char* weekday) {
    size_t n = strlen(weekday);
    int i;
    for (i = 0; i < 7; ++i) {
        if (strncasecmp(weekday, hvh_weekday_name(i), n) == 0) return i;
    }
    return 0;
}

/* 0..6 with 0 = Sunday; 7 is accepted as Sunday too. */
static inline const char* weekday_itoa(int weekday) {
    assert(weekday >= 0 && weekday <= 7);
    return hvh_weekday_name(weekday % 7);
}

/* Build time of the translation unit that calls this (from __DATE__ and
 * __TIME__).  In libhv this was the build time of the library itself. */
static inline datetime_t hv_compile_datetime(void) {
    datetime_t dt;
    char mon[16];
    memset(&dt, 0, sizeof(dt));
    memset(mon, 0, sizeof(mon));
    if (sscanf(__DATE__, "%15s %d %d", mon, &dt.day, &dt.year) != 3) {
        dt.day = 0;
        dt.year = 0;
    }
    if (sscanf(__TIME__, "%d:%d:%d", &dt.hour, &dt.min, &dt.sec) != 3) {
        dt.hour = dt.min = dt.sec = 0;
    }
    dt.month = month_atoi(mon);
    return dt;
}

/*
 * cron_next_timeout: the next time (seconds since the epoch, local time
 * zone) matching a crontab-like spec.  A negative field means "any":
 *
 *   minute  hour  day   week  month   period
 *    -1     -1    -1    -1    -1      every minute
 *    30     -1    -1    -1    -1      hourly at :30
 *    30      1    -1    -1    -1      daily at 01:30
 *    30      1    15    -1    -1      monthly, the 15th at 01:30
 *    30      1    -1     0    -1      weekly, Sunday 01:30
 *    30      1     1    -1    10      yearly, October 1st 01:30
 *
 * minute 0..59, hour 0..23, day 1..31, week 0..6 (0 = Sunday), month 1..12.
 */
static inline time_t cron_next_timeout(int minute, int hour, int day, int week, int month) {
    enum { HVH_EVERY_MINUTE, HVH_HOURLY, HVH_DAILY, HVH_WEEKLY, HVH_MONTHLY, HVH_YEARLY } period;
    time_t now = time(NULL);
    time_t candidate;
    struct tm when;

    memset(&when, 0, sizeof(when));
    localtime_r(&now, &when);
    when.tm_sec = 0;
    period = HVH_EVERY_MINUTE;

    if (minute >= 0) {
        period = HVH_HOURLY;
        when.tm_min = minute;
    }
    if (hour >= 0) {
        period = HVH_DAILY;
        when.tm_hour = hour;
    }
    if (week >= 0) {
        period = HVH_WEEKLY;
    } else if (day > 0) {
        period = HVH_MONTHLY;
        when.tm_mday = day;
        if (month > 0) {
            period = HVH_YEARLY;
            when.tm_mon = month - 1;
        }
    }

    candidate = mktime(&when);
    if (week >= 0) {
        /* mktime filled in tm_wday: shift to the requested weekday of this week */
        candidate += (time_t)(week - when.tm_wday) * SECONDS_PER_DAY;
    }
    if (candidate > now) {
        return candidate;
    }

    /* The slot of the current period already passed: take the next one. */
    switch (period) {
    case HVH_EVERY_MINUTE: return candidate + SECONDS_PER_MINUTE;
    case HVH_HOURLY:       return candidate + SECONDS_PER_HOUR;
    case HVH_DAILY:        return candidate + SECONDS_PER_DAY;
    case HVH_WEEKLY:       return candidate + SECONDS_PER_WEEK;
    case HVH_MONTHLY:
        when.tm_mon += 1;
        if (when.tm_mon > 11) {
            when.tm_mon = 0;
            when.tm_year += 1;
        }
        return mktime(&when);
    case HVH_YEARLY:
        when.tm_year += 1;
        return mktime(&when);
    default:
        break;
    }
    return -1;
}

END_EXTERN_C

#endif /* HV_TIME_H_ */
