#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# tutorial_client: an independent peer for cxsim, shaped like the tutorial's complete example.
#
# The code below follows "Managing NICE CXone Real-Time Chat Sessions with Python"
# (OAuthManager, TokenBucket, analyze_chat_message, CXoneChatSession, main) with the
# site URL replaced by a base URL from the command line, plus a stop condition so a
# test can tell it completed:
#
#   tutorial_client.py BASE_URL [--expect N] [--timeout S]
#
# It connects with python3-websockets (Debian 12: 10.4, extra_headers=) and
# python3-requests, handles routing/message/status frames, archives the transcript
# of every conversation that ends, and prints "PEER OK conversations=N messages=M
# transcript_messages=T" once N conversations ended (exit 0); exit 1 otherwise.
import asyncio
import json
import logging
import re
import sys
import time
from enum import Enum
from typing import Optional

import requests
import websockets

BASE_URL = sys.argv[1].rstrip("/") if len(sys.argv) > 1 else "http://127.0.0.1:8080"
WS_URL = BASE_URL.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
CLIENT_ID = "demo-client"
CLIENT_SECRET = "demo-secret"
TOKEN_ENDPOINT = f"{BASE_URL}/api/v2/oauth/token"


def _arg(name, default):
    if name in sys.argv:
        return type(default)(sys.argv[sys.argv.index(name) + 1])
    return default


EXPECT = _arg("--expect", 1)
TIMEOUT = _arg("--timeout", 60.0)


class OAuthManager:
    def __init__(self):
        self._token: Optional[str] = None
        self._expires_at: float = 0.0

    def get_token(self) -> str:
        if self._token and time.time() < self._expires_at - 60:
            return self._token
        payload = {
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "chat:read chat:write presence:read routing:read routing:write",
        }
        response = requests.post(TOKEN_ENDPOINT, data=payload)
        response.raise_for_status()
        data = response.json()
        self._token = data["access_token"]
        self._expires_at = time.time() + data["expires_in"]
        return self._token


class TokenBucket:
    def __init__(self, rate: float, capacity: int):
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.last_refill = time.time()

    def consume(self, tokens: int = 1) -> bool:
        now = time.time()
        elapsed = now - self.last_refill
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.last_refill = now
        if self.tokens >= tokens:
            self.tokens -= tokens
            return True
        return False


class Sentiment(Enum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class EscalationTrigger(Enum):
    NONE = "none"
    URGENT = "urgent"
    COMPLAINT = "complaint"
    LEGAL = "legal"


SENTIMENT_POSITIVE = {"thank", "great", "perfect", "resolved", "helpful"}
SENTIMENT_NEGATIVE = {"angry", "frustrated", "terrible", "refund", "cancellation", "lawyer", "attorney"}
ESCALATION_PATTERNS = {
    EscalationTrigger.URGENT: re.compile(r"\b(urgent|emergency|asap|immediately)\b", re.IGNORECASE),
    EscalationTrigger.COMPLAINT: re.compile(r"\b(complaint|supervisor|manager|not satisfied)\b", re.IGNORECASE),
    EscalationTrigger.LEGAL: re.compile(r"\b(lawyer|attorney|legal|regulatory|complaint filed)\b", re.IGNORECASE),
}


def analyze_chat_message(text: str) -> dict:
    words = set(re.findall(r"\b\w+\b", text.lower()))
    pos_count = len(words & SENTIMENT_POSITIVE)
    neg_count = len(words & SENTIMENT_NEGATIVE)
    sentiment = Sentiment.POSITIVE if pos_count > neg_count else (
        Sentiment.NEGATIVE if neg_count > pos_count else Sentiment.NEUTRAL)
    trigger = EscalationTrigger.NONE
    for pattern_trigger, pattern in ESCALATION_PATTERNS.items():
        if pattern.search(text):
            trigger = pattern_trigger
            break
    return {"sentiment": sentiment.value, "escalation_trigger": trigger.value}


class CXoneChatSession:
    def __init__(self, oauth: OAuthManager, user_id: str):
        self.oauth = oauth
        self.user_id = user_id
        self.rate_limiter = TokenBucket(rate=10.0, capacity=20)
        self.conversation_id: Optional[str] = None
        # added for the test: what completed
        self.ended = []
        self.messages = 0
        self.transcript_messages = 0

    async def handle_message(self, payload: dict) -> None:
        msg_type = payload.get("type")
        if msg_type == "routing" and payload.get("conversationId"):
            self.conversation_id = payload["conversationId"]
            logging.info(f"Assigned conversation: {self.conversation_id}")
            self._update_presence("available")
        elif msg_type == "message":
            self.messages += 1
            if not self.rate_limiter.consume():
                logging.warning("Rate limit exceeded. Dropping message.")
                return
            analysis = analyze_chat_message(payload.get("text", ""))
            logging.info(f"Analysis: {analysis}")
            if analysis["escalation_trigger"] != "none":
                logging.warning(f"ESCALATION TRIGGERED: {analysis['escalation_trigger']}")
            receive_ts = time.time()
            logging.info(f"Message received at {receive_ts}")
        elif msg_type == "status" and payload.get("status") == "ended":
            conv_id = payload["conversationId"]
            transcript = self._archive_transcript(conv_id)
            if transcript is None:
                raise RuntimeError(f"no transcript for ended conversation {conv_id}")
            self.transcript_messages += len(transcript.get("messages", []))
            self.ended.append(conv_id)

    def _update_presence(self, status: str) -> None:
        url = f"{BASE_URL}/api/v2/presence/users/{self.user_id}"
        headers = {"Authorization": f"Bearer {self.oauth.get_token()}", "Content-Type": "application/json"}
        requests.put(url, headers=headers, json={"status": {"statusName": status}})

    def _archive_transcript(self, conv_id: str) -> Optional[dict]:
        url = f"{BASE_URL}/api/v2/chat/conversations/{conv_id}/transcript"
        headers = {"Authorization": f"Bearer {self.oauth.get_token()}", "Accept": "application/json"}
        try:
            resp = requests.get(url, headers=headers)
            resp.raise_for_status()
            return resp.json()
        except requests.exceptions.HTTPError:
            return None


async def main() -> int:
    oauth = OAuthManager()
    session = CXoneChatSession(oauth, "agent-001")
    uri = f"{WS_URL}/api/v2/chat/stream"
    headers = {"Authorization": f"Bearer {oauth.get_token()}", "Content-Type": "application/json"}
    deadline = time.time() + TIMEOUT
    async with websockets.connect(uri, extra_headers=headers) as ws:
        logging.info("Connected to CXone chat stream")
        while len(session.ended) < EXPECT and time.time() < deadline:
            try:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.1, deadline - time.time()))
            except asyncio.TimeoutError:
                break
            await session.handle_message(json.loads(raw))
    if len(session.ended) >= EXPECT:
        print(f"PEER OK conversations={len(session.ended)} messages={session.messages} "
              f"transcript_messages={session.transcript_messages}", flush=True)
        return 0
    print(f"PEER FAILED: {len(session.ended)} of {EXPECT} conversations ended", flush=True)
    return 1


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s [%(levelname)s] %(message)s")
    sys.exit(asyncio.run(main()))
