/* SPDX-License-Identifier: MIT */
/* an_html: the self-contained HTML SLA report — the page, its writers, numbers and times. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "an_html_int.h"
#include "lc_utf8.h"

#define HTML_FMT_MAX 1024       /* one formatted fragment; longer ones go through the heap */

/* ---------------------------------------------------------------- output */

void
an_html_put(html *h, const char *s)
{
	if (h->rc == LC_OK)
		h->rc = lc_buf_append_str(h->b, s);
}

void
an_html_vputf(html *h, const char *fmt, va_list ap)
{
	char small[HTML_FMT_MAX];
	va_list again;
	int n;

	if (h->rc != LC_OK)
		return;
	va_copy(again, ap);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		h->rc = LC_EINTERNAL;
	} else if ((size_t)n < sizeof(small)) {
		h->rc = lc_buf_append(h->b, small, (size_t)n);
	} else {
		char *big = malloc((size_t)n + 1);

		if (big == NULL) {
			h->rc = LC_ENOMEM;
		} else {
			vsnprintf(big, (size_t)n + 1, fmt, again);
			h->rc = lc_buf_append(h->b, big, (size_t)n);
			free(big);
		}
	}
	va_end(again);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0 when it is not one. */

/*
 * Text from the tape into HTML text or an attribute value: markup characters
 * become entities, invalid UTF-8 and control characters U+FFFD, so nothing a
 * chat participant types can open a tag, end an attribute or break the page.
 */
void
an_html_esc_n(html *h, const void *p, size_t len)
{
	const uint8_t *s = p;
	size_t i = 0;

	while (h->rc == LC_OK && i < len) {
		size_t run = i, k;

		while (run < len && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '&' && s[run] != '<' &&
		    s[run] != '>' && s[run] != '"' && s[run] != '\'')
			run++;
		if (run > i) {
			h->rc = lc_buf_append(h->b, s + i, run - i);
			i = run;
			continue;
		}
		switch (s[i]) {
		case '&': put(h, "&amp;"); i++; continue;
		case '<': put(h, "&lt;"); i++; continue;
		case '>': put(h, "&gt;"); i++; continue;
		case '"': put(h, "&quot;"); i++; continue;
		case '\'': put(h, "&#39;"); i++; continue;
		case '\t': case '\n': put(h, " "); i++; continue;
		default: break;
		}
		k = s[i] >= 0x80 ? lc_utf8_len(s + i, len - i) : 0;
		if (k > 0)
			h->rc = lc_buf_append(h->b, s + i, k);
		else
			put(h, "\xef\xbf\xbd");
		i += k ? k : 1;
	}
}

void
an_html_esc(html *h, const char *s)
{
	esc_n(h, s, strlen(s));
}

/* ---------------------------------------------------------------- numbers and times */

double
an_html_us_ms(uint64_t us)
{
	return (double)us / 1000.0;
}

void
an_html_fmt_wall(int64_t wall_ns, const char *fmt, char *out, size_t cap)
{
	time_t t = (time_t)(wall_ns > 0 ? wall_ns / 1000000000 : 0);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, cap, fmt, &tm);
}

/* "2023-10-31T15:17:12.345Z" for datetime attributes. */
void
an_html_fmt_iso(int64_t wall_ns, char out[40])
{
	char s[32];

	an_html_fmt_wall(wall_ns, "%Y-%m-%dT%H:%M:%S", s, sizeof(s));
	snprintf(out, 40, "%s.%03dZ", s, (int)(wall_ns > 0 ? (wall_ns / 1000000) % 1000 : 0));
}

/* A duration for people: "850 ms", "4.2 s", "3 min 5 s", "2 h 4 min". */
void
an_html_fmt_dur(int64_t ms, char *out, size_t cap)
{
	if (ms < 0)
		snprintf(out, cap, "–");
	else if (ms < 1000)
		snprintf(out, cap, "%" PRId64 " ms", ms);
	else if (ms < 60000)
		snprintf(out, cap, "%.1f s", (double)ms / 1000.0);
	else if (ms < 3600000)
		snprintf(out, cap, "%" PRId64 " min %" PRId64 " s", ms / 60000, ms / 1000 % 60);
	else
		snprintf(out, cap, "%" PRId64 " h %" PRId64 " min", ms / 3600000, ms / 60000 % 60);
}

/* An offset within a conversation: "+1:05.2". */
void
an_html_fmt_offset(int64_t ms, char *out, size_t cap)
{
	if (ms < 0)
		ms = 0;
	snprintf(out, cap, "+%" PRId64 ":%04.1f", ms / 60000, (double)(ms % 60000) / 1000.0);
}

/*
 * The time axes span the chat activity (conversations, latencies, timeline
 * events), not every event: an import's own annotation carries the time of
 * the import, which could stretch a day of chat over years.
 */
static void
activity_range(html *h)
{
	const an_engine *e = h->e;
	int64_t lo = INT64_MAX, hi = INT64_MIN;

#define SEE(w) do { if ((w) != 0) { lo = (w) < lo ? (w) : lo; hi = (w) > hi ? (w) : hi; } } while (0)
	for (uint32_t i = 0; i < e->n_convs; i++) {
		SEE(e->convs[i]->start.wall);
		SEE(e->convs[i]->end.wall);
	}
	for (uint32_t i = 0; i < e->n_lat; i++)
		SEE(e->lat_series[i].wall_ns);
	for (uint32_t i = 0; i < h->n_tl; i++)
		SEE(h->tl[i].wall_ns);
#undef SEE
	if (lo > hi) {
		lo = e->first_wall;
		hi = e->last_wall;
	}
	h->t0 = lo;
	h->t1 = hi;
	for (uint32_t i = 0; i < h->n_tl; i++)
		if (h->tl[i].wall_ns == 0)
			h->tl[i].wall_ns = hi;
}

/* ---------------------------------------------------------------- page */

static const char html_css[] =
":root{--fg:#1f2933;--muted:#616e7c;--line:#e4e7eb;--bg:#f7f7f4;--card:#fff;--accent:#2b6f8f;"
"--bad:#b83227;--warn:#c9861a;--ok:#2f855a;--blue:#4a86c5;--orange:#e07a5f}\n"
"*{box-sizing:border-box}\n"
"body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.45 system-ui,-apple-system,"
"'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif}\n"
"header,main,footer{max-width:1240px;margin:0 auto;padding:0 24px}\n"
"header{padding-top:22px}h1{font-size:26px;margin:0 0 4px;font-weight:650}"
"h2{font-size:19px;margin:34px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line)}"
"h3{font-size:15px;margin:0 0 6px}\n"
".range{color:var(--muted);margin:0}nav{margin:10px 0 0;display:flex;gap:16px;flex-wrap:wrap}"
"a{color:var(--accent)}nav a{text-decoration:none;font-weight:550}\n"
".tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}\n"
".tile{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--accent);"
"border-radius:6px;padding:10px 14px}.tile.bad{border-left-color:var(--bad)}\n"
".tile h3{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);"
"font-weight:600}.big{font-size:25px;font-weight:650;margin:2px 0}.big small{font-size:14px;"
"font-weight:500}.sub{margin:0;color:var(--muted);font-size:13px}\n"
".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(520px,1fr));gap:14px}\n"
"figure.chart{margin:0;background:var(--card);border:1px solid var(--line);border-radius:6px;"
"padding:10px 12px}figure.wide{grid-column:1/-1}figcaption{font-weight:600;font-size:14px;"
"margin-bottom:4px}\n"
".charts.timeline{margin-top:14px;grid-template-columns:1fr}\n"
"svg{width:100%;height:auto;display:block;font-family:inherit}\n"
".plot{fill:#fff;stroke:var(--line)}.grid{stroke:#eef0f3}.tk,.axis{stroke:#9aa5b1}"
".tick{font-size:11px;fill:var(--muted)}.atitle{font-size:12px;fill:var(--fg)}"
".ylab{font-size:11.5px;fill:var(--fg)}a .ylab{fill:var(--accent)}"
".empty{font-size:13px;fill:var(--muted)}\n"
".bar{fill:var(--blue)}.bar.over{fill:var(--orange)}.max{stroke:var(--fg);stroke-width:2}"
".first{fill:#fff;stroke:var(--fg);stroke-width:1.5}\n"
".sla line{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:6 4}.sla text{font-size:11px;"
"fill:var(--bad);font-weight:600}\n"
".pt{fill:var(--blue);fill-opacity:.75}.pt.over{fill:var(--bad)}\n"
".lane{stroke:#eef0f3}.ev.rl{fill:var(--warn)}.ev.viol{fill:var(--bad)}.ev.down{fill:#7b4397}"
".ev.up{fill:var(--ok)}.ev.gap{fill:#9aa5b1}.ev.tok{fill:var(--accent)}\n"
".band-neg{fill:#fbeceb}.band-pos{fill:#eaf6ee}.trend{fill:none;stroke:#9aa5b1;stroke-width:1.5}"
".sp.cust{fill:var(--blue)}.sp.agent{fill:#9aa5b1}\n"
".note{color:var(--muted);font-size:13px}.note.bad{color:var(--bad)}\n"
".scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;background:var(--card);"
"font-size:13px}th,td{padding:5px 7px;border-bottom:1px solid var(--line);text-align:left;"
"vertical-align:top}thead th{background:#f0f2f4;font-weight:600;font-size:12.5px;"
"position:sticky;top:0}tbody th{overflow-wrap:anywhere;min-width:7em}abbr{text-decoration:none}"
"#t-convs tbody th{min-width:19em}#t-convs td:nth-child(3),#t-agents tbody th{white-space:nowrap}\n"
"html[data-js] table.sortable thead th{cursor:pointer}th[aria-sort=ascending]::after{content:' ▲'}"
"th[aria-sort=descending]::after{content:' ▼'}\n"
"td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.bad{color:var(--bad);"
"font-weight:600}tbody tr:hover{background:#fafbfc}\n"
".filter input{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:4px;"
"width:280px}\n"
".badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;background:#eef0f3;"
"white-space:nowrap}.badge.late{background:#fde2dd;color:var(--bad);font-weight:600}\n"
".t-0{background:#fde2dd}.t-1{background:#fdebc8}.t-2{background:#e2e8fd}.t-3{background:#e0f2e9}"
".t-4{background:#efe2fb}.t-5{background:#e6e6e6}mark{border-radius:3px;padding:0 2px;color:inherit}\n"
"dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:8px 0;"
"font-size:13.5px}dl.facts dt{color:var(--muted)}dl.facts dd{margin:0}\n"
"article.conv{background:var(--card);border:1px solid var(--line);border-radius:6px;"
"padding:14px 16px;margin:0 0 18px}article.conv figure.chart{border:0;padding:0;max-width:760px}\n"
"a.up{font-weight:400;font-size:12px;margin-left:10px}\n"
"table.transcript caption{text-align:left;font-weight:600;padding:8px 0 4px}"
"table.transcript td.t{white-space:nowrap;color:var(--muted);font-variant-numeric:tabular-nums;"
"width:80px}table.transcript td.who{width:80px;color:var(--muted)}table.transcript td.notes{width:30%}\n"
"tr.m td:first-child{border-left:4px solid #cfd5db}tr.m.s-neg2 td:first-child{border-left-color:"
"#c0392b}tr.m.s-neg td:first-child{border-left-color:#eb9486}tr.m.s-pos td:first-child"
"{border-left-color:#8fd1a8}tr.m.s-pos2 td:first-child{border-left-color:#2f855a}\n"
"tr.m.customer{background:#f5f9fd}tr.m.agent td.txt{padding-left:20px}\n"
"tr.sep td{font-size:12.5px;color:var(--muted);background:repeating-linear-gradient(45deg,#fafafa,"
"#fafafa 6px,#f2f2f2 6px,#f2f2f2 12px)}tr.sep.down td,tr.sep.rl td{color:#7b4397;font-weight:600}\n"
".sent{display:inline-block;min-width:46px;text-align:center;border-radius:10px;font-size:12px;"
"font-variant-numeric:tabular-nums;padding:0 6px}.sent.s-neg2{background:#f6c9c2}.sent.s-neg"
"{background:#fbe3df}.sent.s-neu{background:#eef0f3}.sent.s-pos{background:#e0f2e9}.sent.s-pos2"
"{background:#bfe5cd}td.s-neg2,td.s-neg{color:var(--bad)}td.s-pos2,td.s-pos{color:var(--ok)}\n"
".cut{color:var(--muted)}footer{color:var(--muted);font-size:12.5px;padding:24px}\n"
"@media print{body{background:#fff;font-size:11pt}nav,.filter{display:none!important}"
".tile,figure.chart{break-inside:avoid}"
"thead th{position:static}.scroll{overflow:visible}a{color:inherit;text-decoration:none}"
"h2{break-after:avoid}tr{break-inside:avoid}}\n";

/*
 * The page's only script: sortable tables (click or Enter on a header) and the
 * conversation filter; without it the page is complete. The CSP allows exactly
 * this script by its hash, so anything injected would be refused. Edit both
 * together: `printf %s "$SCRIPT" | openssl dgst -sha256 -binary | base64`; the
 * browser test fails when they disagree (the script would not run).
 */
static const char html_script[] =
"(function(){var d=document,A=Array.prototype;"
"function key(r,i){var c=r.cells[i];if(!c)return'';var v=c.getAttribute('data-v');"
"return v!==null?parseFloat(v):c.textContent.trim().toLowerCase();}"
"A.forEach.call(d.querySelectorAll('table.sortable'),function(t){var hs=t.tHead.rows[0].cells;"
"A.forEach.call(hs,function(th,i){th.tabIndex=0;"
"function go(){var asc=th.getAttribute('aria-sort')!=='ascending';"
"A.forEach.call(hs,function(x){x.removeAttribute('aria-sort');});"
"th.setAttribute('aria-sort',asc?'ascending':'descending');"
"var b=t.tBodies[0],rs=A.slice.call(b.rows);"
"rs.sort(function(p,q){var x=key(p,i),y=key(q,i),r=x<y?-1:x>y?1:0;return asc?r:-r;});"
"rs.forEach(function(r){b.appendChild(r);});}"
"th.addEventListener('click',go);"
"th.addEventListener('keydown',function(ev){if(ev.key==='Enter'||ev.key===' '){ev.preventDefault();go();}});"
"});});"
"A.forEach.call(d.querySelectorAll('input[data-filter]'),function(inp){"
"var t=d.getElementById(inp.getAttribute('data-filter'));inp.closest('.filter').hidden=false;"
"inp.addEventListener('input',function(){var q=inp.value.toLowerCase();"
"A.forEach.call(t.tBodies[0].rows,function(r){r.hidden=q!==''&&r.textContent.toLowerCase().indexOf(q)<0;});});});"
"d.documentElement.setAttribute('data-js','ok');})();";

#define HTML_SCRIPT_SHA256 "+AZ/ATcSEzVZTdJhgOhB8OMegJKe75jHLP+gerK0f9Y="

static void
page_head(html *h)
{
	const an_engine *e = h->e;
	char t0[40], t1[40];

	an_html_fmt_wall(h->t0, "%Y-%m-%d %H:%M", t0, sizeof(t0));
	an_html_fmt_wall(h->t1, h->t1 - h->t0 < 86400000000000LL ? "%H:%M" : "%Y-%m-%d %H:%M", t1, sizeof(t1));
	putf(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	    "style-src 'unsafe-inline'; script-src 'sha256-%s'; base-uri 'none'; form-action 'none'\">\n"
	    "<meta name=\"generator\" content=\"cxtape %s\">\n"
	    "<title>cxtape SLA report · %s – %s UTC</title>\n<style>\n%s</style>\n</head>\n<body>\n",
	    HTML_SCRIPT_SHA256, CXTAPE_VERSION, t0, t1, html_css);
	an_html_fmt_wall(h->t0, "%Y-%m-%d %H:%M:%S", t0, sizeof(t0));
	an_html_fmt_wall(h->t1, "%Y-%m-%d %H:%M:%S", t1, sizeof(t1));
	putf(h, "<header><h1>SLA report</h1><p class=\"range\"><time>%s</time> – <time>%s</time> UTC · "
	    "%u session%s · %" PRIu64 " events · %s sentiment · latency SLA %u ms · response SLA %u ms"
	    "</p>\n", t0, t1, e->n_sessions, e->n_sessions == 1 ? "" : "s", e->events,
	    e->cfg.mode == AN_MODE_VADER ? "VADER" : "chat", e->cfg.latency_sla_ms,
	    e->cfg.response_sla_ms);
	put(h, "<nav aria-label=\"sections\"><a href=\"#summary\">Summary</a><a href=\"#charts\">Charts"
	    "</a><a href=\"#agents\">Agents</a><a href=\"#conversations\">Conversations</a>"
	    "<a href=\"#rate-limits\">Rate limits</a><a href=\"#transcripts\">Transcripts</a></nav>"
	    "</header>\n<main>\n");
}

static void
page_foot(html *h)
{
	const an_engine *e = h->e;

	putf(h, "</main>\n<footer>Made by cxtape %s from the tape's events alone (no clock): the same "
	    "events give the same page. Settings: latency SLA %u ms, first response SLA %u ms, response "
	    "SLA %u ms, bucket %g/s burst %g, %s sentiment.%s</footer>\n<script>%s</script>\n"
	    "</body>\n</html>\n", CXTAPE_VERSION, e->cfg.latency_sla_ms, e->cfg.first_response_sla_ms,
	    e->cfg.response_sla_ms, e->cfg.bucket_rate, e->cfg.bucket_burst,
	    e->cfg.mode == AN_MODE_VADER ? "VADER" : "chat",
	    h->marks_dropped ? " Some latency marks were left out (over the page's cap)." : "",
	    html_script);
}


lc_status
an_report_html(an_engine *e, an_html *sink, lc_buf *out, lc_err *err)
{
	html h = {.e = e, .b = out, .have_tape = sink != NULL, .sink = sink};
	size_t mark = out->len;
	lc_status rc = LC_OK;

	if (sink != NULL) {
		h.marks = sink->marks;
		h.tl = sink->tl;
		h.n_tl = sink->n_tl;
		h.tl_dropped = sink->tl_dropped;
		h.marks_dropped = sink->marks_dropped;
	}
	activity_range(&h);
	h.convs_shown = sink == NULL ? 0 : e->n_convs < AN_HTML_MAX_TRANSCRIPTS ? e->n_convs :
	    AN_HTML_MAX_TRANSCRIPTS;
	page_head(&h);
	an_html_section_tiles(&h);
	an_html_section_charts(&h);
	an_html_section_agents(&h);
	an_html_section_conversations(&h);
	an_html_section_rate_limits(&h);
	an_html_section_transcripts(&h);
	page_foot(&h);
	if (h.rc == LC_ETOOBIG)
		rc = lc_err_set(err, h.rc, "the HTML report is over its %zu-byte output cap; select less "
		    "with --session, --conversation or a time range", out->max);
	else if (h.rc != LC_OK)
		rc = lc_err_set(err, h.rc, "cannot build the HTML report: %s", lc_strerror(h.rc));
	if (rc != LC_OK) {
		out->len = mark;
		if (out->ptr != NULL)
			out->ptr[mark] = '\0';
	}
	return rc;
}
