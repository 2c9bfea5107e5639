/*
 * Dates of birth (see date.h).
 */
#include "input/date.h"

#include "input/derive.h"

bool sp_date_exists(int year, int month, int day)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (year < 1 || month < 1 || month > 12 || day < 1)
        return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int max = days[month - 1] + (month == 2 && leap ? 1 : 0);
    return day <= max;
}

/* Reads 1..max digits at *p (within end) into *v; returns the digit count. */
static int read_number(const char **p, const char *end, int max, int *v)
{
    int n = 0;

    *v = 0;
    while (*p < end && n < max + 1 && **p >= '0' && **p <= '9') {
        *v = *v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n;
}

/* "d<sep>m<sep>yyyy" or "yyyy<sep>m<sep>d" with 1-2 digit day and month. */
static int parse_separated(const char *p, const char *end, char sep, bool year_first,
                           struct sp_date *d)
{
    int a, b, c;
    int na = read_number(&p, end, 4, &a);

    if (p >= end || *p++ != sep)
        return SP_REJECT_FORMAT;
    int nb = read_number(&p, end, 2, &b);
    if (p >= end || *p++ != sep)
        return SP_REJECT_FORMAT;
    int nc = read_number(&p, end, 4, &c);
    if (p != end || nb < 1 || nb > 2)
        return SP_REJECT_FORMAT;
    if (year_first) {
        if (na != 4 || nc < 1 || nc > 2)
            return SP_REJECT_FORMAT; /* two-digit years are never guessed */
        *d = (struct sp_date){a, b, c};
    } else {
        if (nc != 4 || na < 1 || na > 2)
            return SP_REJECT_FORMAT;
        *d = (struct sp_date){c, b, a};
    }
    return 0;
}

static int parse_compact(const char *p, const char *end, struct sp_date *d)
{
    if (end - p != 8)
        return SP_REJECT_FORMAT;
    for (const char *q = p; q < end; q++)
        if (*q < '0' || *q > '9')
            return SP_REJECT_FORMAT;
    d->year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    d->month = (p[4] - '0') * 10 + (p[5] - '0');
    d->day = (p[6] - '0') * 10 + (p[7] - '0');
    return 0;
}

/* Range checks on parsed parts; unknown (0) parts are allowed here. */
static int check(const struct sp_date *d, int today)
{
    if (d->month > 12 || d->day > 31)
        return SP_REJECT_RANGE;
    if (d->year != 0 && d->year < SP_DATE_MIN_YEAR)
        return SP_REJECT_RANGE;
    if (d->year != 0 && d->month != 0 && d->day != 0 && !sp_date_exists(d->year, d->month, d->day))
        return SP_REJECT_RANGE;
    if (d->month == 2 && d->day > 29)
        return SP_REJECT_RANGE;
    if ((d->month == 4 || d->month == 6 || d->month == 9 || d->month == 11) && d->day > 30)
        return SP_REJECT_RANGE;
    if (today > 0 && d->year != 0) {
        int ty = today / 10000, tm = today / 100 % 100;
        long v = (long)d->year * 10000 + d->month * 100 + d->day;
        if (d->year > ty || (d->month != 0 && d->year == ty && d->month > tm) ||
            (d->day != 0 && d->month != 0 && v > today))
            return SP_REJECT_RANGE;
    }
    if (d->year == 0 || d->month == 0 || d->day == 0)
        return SP_REJECT_UNKNOWN_PART;
    return 0;
}

int sp_date_parse(int format, const char *text, size_t len, int today_yyyymmdd, struct sp_date *out)
{
    const char *p = text, *end = text + len;
    struct sp_date d = {0, 0, 0};
    int rc;

    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (p == end)
        return SP_REJECT_FORMAT;
    switch (format) {
    case SP_DATE_YYYYMMDD:
        rc = parse_compact(p, end, &d);
        break;
    case SP_DATE_ISO:
        rc = parse_separated(p, end, '-', true, &d);
        break;
    case SP_DATE_DMY_DASH:
        rc = parse_separated(p, end, '-', false, &d);
        break;
    case SP_DATE_DMY_SLASH:
        rc = parse_separated(p, end, '/', false, &d);
        break;
    default:
        return SP_REJECT_FORMAT;
    }
    if (rc != 0)
        return rc;
    rc = check(&d, today_yyyymmdd);
    if (rc == 0 || rc == SP_REJECT_UNKNOWN_PART)
        *out = d;
    return rc;
}

void sp_date_format8(const struct sp_date *d, char out[8])
{
    int v[3] = {d->year, d->month, d->day};
    int w[3] = {4, 2, 2};
    int k = 0;

    for (int i = 0; i < 3; i++)
        for (int j = w[i] - 1; j >= 0; j--) {
            int x = v[i];
            for (int s = 0; s < j; s++)
                x /= 10;
            out[k++] = (char)('0' + x % 10);
        }
}
