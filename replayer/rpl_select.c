/* SPDX-License-Identifier: MIT */
/* rpl_select: parse times and offsets, and turn the selection flags into cursor options. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rpl_select.h"

#define NS_PER_S 1000000000LL
#define ISO_FORMS "use 2023-10-31T15:00:00Z, 2023-10-31T15:00:00.250+02:00 or an offset like +5m"

/* n digits at *p as a number; advances *p. -1 when they are not all digits. */
static int
digits(const char **p, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return -1;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return v;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian), no libc time zone involved. */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static lc_status
parse_zone(const char *p, int64_t *off_s)
{
	int sign, hh, mm = 0;

	*off_s = 0;
	if (*p == 0 || ((*p == 'Z' || *p == 'z') && p[1] == 0))
		return LC_OK;
	if (*p != '+' && *p != '-')
		return LC_EINVAL;
	sign = *p++ == '-' ? -1 : 1;
	if ((hh = digits(&p, 2)) < 0 || hh > 23)
		return LC_EINVAL;
	if (*p == ':')
		p++;
	if (*p && ((mm = digits(&p, 2)) < 0 || mm > 59))
		return LC_EINVAL;
	if (*p)
		return LC_EINVAL;
	*off_s = sign * (hh * 3600 + mm * 60);
	return LC_OK;
}

lc_status
rpl_time_parse_iso(const char *s, int64_t *out_ns, lc_err *err)
{
	const char *p = s;
	int y, mo, d, h, mi, se;
	int64_t frac = 0, scale = NS_PER_S, off;

	if ((y = digits(&p, 4)) < 0 || *p++ != '-' || (mo = digits(&p, 2)) < 1 || mo > 12 ||
	    *p++ != '-' || (d = digits(&p, 2)) < 1 || d > 31 || (*p != 'T' && *p != 't' && *p != ' '))
		goto bad;
	p++;
	if ((h = digits(&p, 2)) < 0 || h > 23 || *p++ != ':' || (mi = digits(&p, 2)) < 0 ||
	    mi > 59 || *p++ != ':' || (se = digits(&p, 2)) < 0 || se > 60)
		goto bad;
	if (*p == '.' || *p == ',') {
		p++;
		if (!isdigit((unsigned char)*p))
			goto bad;
		while (isdigit((unsigned char)*p)) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
			p++;
		}
	}
	if (parse_zone(p, &off) != LC_OK)
		goto bad;
	*out_ns = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se) - off) * NS_PER_S +
	    frac;
	return LC_OK;
bad:
	return lc_err_set(err, LC_EINVAL, "cannot read time '%s'; %s", s, ISO_FORMS);
}

lc_status
rpl_time_parse_offset(const char *s, int64_t *out_ns, lc_err *err)
{
	const char *p = s;
	int64_t total = 0;

	if (*p++ != '+' || *p == 0)
		goto bad;
	while (*p) {
		int64_t v = 0, unit;
		int nd = 0;

		while (isdigit((unsigned char)*p) && nd < 12) {
			v = v * 10 + (*p++ - '0');
			nd++;
		}
		if (nd == 0 || isdigit((unsigned char)*p))
			goto bad;
		if (strncmp(p, "ms", 2) == 0) {
			unit = 1000000LL; p += 2;
		} else if (*p == 's') {
			unit = NS_PER_S; p++;
		} else if (*p == 'm') {
			unit = 60 * NS_PER_S; p++;
		} else if (*p == 'h') {
			unit = 3600 * NS_PER_S; p++;
		} else if (*p == 'd') {
			unit = 86400 * NS_PER_S; p++;
		} else {
			goto bad;
		}
		if (v > INT64_MAX / unit || total > INT64_MAX - v * unit)
			goto bad;
		total += v * unit;
	}
	*out_ns = total;
	return LC_OK;
bad:
	return lc_err_set(err, LC_EINVAL, "cannot read offset '%s'; use +90s, +5m, +1h30m or +250ms",
	    s);
}

/* Wall time of the first event the session/conversation filters select (the offsets' origin). */
static lc_status
selection_origin(lc_tape *t, const lc_cursor_opts *base, int64_t *out, lc_err *err)
{
	lc_cursor *c = NULL;
	const cx_event *ev;
	lc_cursor_opts o = *base;
	lc_status rc;

	o.from_ns = INT64_MIN;
	o.to_ns = INT64_MAX;
	rc = lc_cursor_open(t, &o, &c, err);
	if (rc == LC_OK)
		rc = lc_cursor_next(c, &ev, err);
	if (rc == LC_OK)
		*out = ev->wall_ns;
	else if (rc == LC_DONE)
		*out = 0, rc = LC_OK;   /* nothing selected: any range selects nothing too */
	lc_cursor_close(c);
	return rc;
}

static lc_status
resolve_time(lc_tape *t, const lc_cursor_opts *o, const char *s, int64_t *origin, int *have,
    int64_t *out, lc_err *err)
{
	int64_t off;
	lc_status rc;

	if (s[0] != '+')
		return rpl_time_parse_iso(s, out, err);
	rc = rpl_time_parse_offset(s, &off, err);
	if (rc == LC_OK && !*have) {
		rc = selection_origin(t, o, origin, err);
		*have = 1;
	}
	if (rc == LC_OK)
		*out = *origin + off;
	return rc;
}

lc_status
rpl_select_resolve(lc_tape *t, const rpl_select *sel, lc_cursor_opts *out, lc_err *err)
{
	lc_session_info si;
	int64_t origin = 0;
	int have = 0;
	lc_status rc = LC_OK;

	lc_cursor_opts_init(out);
	out->session = sel->session;
	out->conversation = sel->conversation;
	if (sel->session != NULL) {
		rc = lc_tape_session_get(t, sel->session, &si, err);
		if (rc == LC_ENOTFOUND) {
			lc_err_clear(err);
			return lc_err_set(err, LC_ENOTFOUND, "no session '%s' on this tape; "
			    "`cxreplay ls --tape DIR` lists them", sel->session);
		}
		if (rc != LC_OK)
			return rc;
	}
	if (sel->from != NULL)
		rc = resolve_time(t, out, sel->from, &origin, &have, &out->from_ns, err);
	if (rc == LC_OK && sel->to != NULL)
		rc = resolve_time(t, out, sel->to, &origin, &have, &out->to_ns, err);
	if (rc == LC_OK && out->from_ns > out->to_ns)
		rc = lc_err_set(err, LC_EINVAL, "--from is after --to: nothing to select");
	return rc;
}

void
rpl_time_format(int64_t ns, char *out, size_t cap)
{
	time_t s = (time_t)(ns >= 0 ? ns / NS_PER_S : (ns - NS_PER_S + 1) / NS_PER_S);
	int ms = (int)((ns - (int64_t)s * NS_PER_S) / 1000000);
	struct tm tm;

	if (gmtime_r(&s, &tm) == NULL) {
		snprintf(out, cap, "%" PRId64 "ns", ns);
		return;
	}
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
	    tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}
