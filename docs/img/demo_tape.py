#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# A demo-like day of chat as cx_event JSON lines (cxrecord import), for the report screenshot.
#
#   /usr/bin/python3 docs/img/demo_tape.py [CONVERSATIONS] > day.jsonl
#   cxrecord import --tape ./t day.jsonl && cxanalyze report --tape ./t --format html -o r.html
#
# Deterministic (fixed seed). Agents answer after a think time, acks come back with a log-normal
# latency that degrades past the 2000 ms SLA for a while, a presence 429 storm is retried (once
# too early), the stream refuses one send with a 429 error frame, drops and comes back, and
# capture pauses once. No agent echoes: imported echoes would count as replies.
import json
import random
import sys

N = int(sys.argv[1]) if len(sys.argv) > 1 else 14
rnd = random.Random(7)
T0 = 1698742800 * 10**9          # 2023-10-31 09:00:00 UTC
SPAN = max(20 * 60, N * 45) * 10**9
MS = 10**6
events = []

CUSTOMER = [
    "Hi, I have a question about my last invoice.",
    "My parcel still has not arrived, it has been two weeks.",
    "Thanks, that was quick!",
    "I was charged twice this month and nobody has fixed it.",
    "Can you check the tracking number for me please?",
    "That is not helpful at all. I want to speak to a supervisor.",
    "This is urgent, I need it delivered by tomorrow.",
    "Great, thank you so much for your help :)",
    "I am really frustrated, this is the third time I contact you.",
    "If this is not resolved today my lawyer will be in touch.",
    "OK, I will wait for the confirmation email.",
    "Perfect, that solves it. Have a nice day!",
]
AGENT = [
    "Thanks for your message, I am looking into it now.",
    "I am sorry about the trouble. Let me check your account.",
    "I can see the double charge; the refund is on its way.",
    "The parcel is at the local depot and goes out for delivery today.",
    "You are welcome! Anything else I can help with?",
    "I understand. I have escalated this to my team lead.",
]


def ev(kind, t, **kw):
    e = {"kind": kind, "wall_ns": int(t), "mono_ns": int(t - T0 + 5 * 10**12)}
    e.update(kw)
    events.append(e)


def frame(kind, t, conv, obj):
    ev(kind, t, conversation=conv, raw=json.dumps(obj, separators=(",", ":")))


def slow(t):
    return 0.30 * SPAN < t - T0 < 0.42 * SPAN


ev("annotation", T0, raw='{"agent":"agent-demo"}', reason="session")
ev("stream_open", T0 + 5 * MS, path="/api/v2/chat/stream", status=101)
msg = 0
unacked_left = 1
for i in range(N):
    cid = "c-%04d-%s" % (i + 1, rnd.choice(["billing", "shipping"]))
    t = T0 + 10**9 + int(i * (SPAN * 0.85) / N) + rnd.randint(0, 20) * 10**9
    frame("frame_in", t, cid, {"type": "routing", "conversationId": cid,
                               "skill": cid.split("-")[-1], "queue": "q-main"})
    lines = rnd.randint(2, 5)
    mood = rnd.random()
    for k in range(lines):
        t += rnd.randint(4, 20) * 10**9
        pool = CUSTOMER[3:11] if mood < 0.35 else CUSTOMER
        msg += 1
        frame("frame_in", t, cid, {"type": "message", "conversationId": cid,
                                   "messageId": "m-c%d" % msg,
                                   "from": {"type": "customer", "id": "cust-%d" % i},
                                   "text": rnd.choice(pool)})
        think = rnd.lognormvariate(2.3, 0.6) * 10**9
        if rnd.random() < 0.04:
            think = rnd.randint(65, 90) * 10**9     # a slow answer: response breach
        t += int(think)
        msg += 1
        mid = "m-a%d" % msg
        frame("frame_out", t, cid, {"type": "message", "conversationId": cid, "messageId": mid,
                                    "text": rnd.choice(AGENT)})
        lat = rnd.lognormvariate(5.5, 0.5) * MS
        if slow(t):
            lat = rnd.randint(1800, 3600) * MS
        if unacked_left and i == N // 2 and k == 0:
            unacked_left = 0
            continue
        frame("frame_in", t + lat, cid, {"type": "ack", "messageId": mid, "conversationId": cid})
    t += rnd.randint(5, 30) * 10**9
    frame("frame_in", t, cid, {"type": "status", "conversationId": cid, "status": "ended"})

# A presence 429 storm: retried after Retry-After, once too early, then through.
x = 100
t = T0 + int(0.18 * SPAN)
for attempt, wait in enumerate([2.5, 1.0, 2.2, 2.4, 0]):
    x += 1
    ev("http_request", t, exchange=x, method="PUT", path="/api/v2/presence/users/agent-demo",
       raw='{"status":{"statusName":"available"}}')
    last = wait == 0
    ev("http_response", t + 40 * MS, exchange=x, method="PUT",
       path="/api/v2/presence/users/agent-demo", status=200 if last else 429,
       headers=[] if last else [["Retry-After", "2"]])
    t += int((wait + 0.04) * 10**9)
# The stream refuses a send with a 429 error frame; the resend waits as asked.
events.sort(key=lambda e: e["wall_ns"])
out = next(e for e in events if e["kind"] == "frame_out" and e["wall_ns"] > T0 + 0.55 * SPAN)
body = json.loads(out["raw"])
mid, cid, ts = body["messageId"], body["conversationId"], out["wall_ns"]
frame("frame_in", ts + 50 * MS, cid, {"type": "error", "code": 429, "retryAfter": 1,
                                      "messageId": mid, "conversationId": cid,
                                      "text": "rate limited"})
frame("frame_out", ts + 1100 * MS, cid, body)
for e in events:
    if e["kind"] == "frame_in" and '"ack"' in e.get("raw", "") and mid in e["raw"]:
        e["wall_ns"] = ts + 1250 * MS
        e["mono_ns"] = e["wall_ns"] - T0 + 5 * 10**12
# token refresh, disconnect + reconnect, a capture gap
ev("token_refresh", T0 + int(0.5 * SPAN), raw='{"access_token":"[redacted:00000000]","expires_in":3600}')
td = T0 + int(0.62 * SPAN)
ev("stream_close", td, path="/api/v2/chat/stream", close_code=1006,
   reason="connection lost (no close frame)")
ev("stream_open", td + 4200 * MS, path="/api/v2/chat/stream", status=101)
tg = T0 + int(0.78 * SPAN)
ev("gap", tg, raw='{"duration_ms":3000}', reason="recorder paused (disk full)")
events.sort(key=lambda e: e["wall_ns"])
for s, e in enumerate(events, 1):
    e["seq"] = s
    print(json.dumps(e, separators=(",", ":")))
