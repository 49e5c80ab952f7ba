/* SPDX-License-Identifier: MIT */
/* an_vader_chat: chat-mode word valences and phrase rules layered on VADER (see docs/sentiment.md). */
#include "an_vader_chat.h"

const an_chat_word an_chat_words[] = {
	{"refund", 0.0},
};
const size_t an_chat_words_count = sizeof(an_chat_words) / sizeof(an_chat_words[0]);

const an_chat_phrase an_chat_phrases[] = {
	{{"thanks|thank", "for", "nothing", NULL}, -2.5},
};
const size_t an_chat_phrases_count = sizeof(an_chat_phrases) / sizeof(an_chat_phrases[0]);

const char *const an_chat_class_num[] = {
	"a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"several", "few", "many", "couple", "multiple", NULL,
};
const char *const an_chat_class_ord[] = {
	"second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
	"umpteenth", "nth", NULL,
};
const char *const an_chat_class_time[] = {
	"minute", "minutes", "mins", "min", "hour", "hours", "hrs", "hr", "day", "days", "week",
	"weeks", "month", "months", NULL,
};
