/* SPDX-License-Identifier: MIT */
/* lc_event: names of event kinds. */
#include "lc_event.h"

const char *
cx_kind_name(cx_kind k)
{
	switch (k) {
	case CX_STREAM_OPEN: return "stream_open";
	case CX_STREAM_CLOSE: return "stream_close";
	case CX_FRAME_IN: return "frame_in";
	case CX_FRAME_OUT: return "frame_out";
	case CX_HTTP_REQUEST: return "http_request";
	case CX_HTTP_RESPONSE: return "http_response";
	case CX_TOKEN_REFRESH: return "token_refresh";
	case CX_GAP: return "gap";
	case CX_ANNOTATION: return "annotation";
	}
	return "unknown";
}
