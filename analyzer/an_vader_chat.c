/* SPDX-License-Identifier: MIT */
/* an_vader_chat: chat-mode word valences and phrase rules layered on VADER (see docs/sentiment.md). */
#include "an_vader_chat.h"

/*
 * Word valences for customer-service chat. Three groups: request and
 * politeness words that VADER scores positive or negative but that in a
 * support chat carry no feeling ("please", "help", "like", "cancel",
 * "refund"); service-failure vocabulary VADER lacks; and chat praise.
 */
const an_chat_word an_chat_words[] = {
	/* requests and politeness: neutral in a support chat */
	{"please", 0.0}, {"pls", 0.0}, {"plz", 0.0}, {"help", 0.0}, {"like", 0.0}, {"want", 0.0},
	{"sure", 0.0}, {"yes", 0.0}, {"ok", 0.0}, {"okay", 0.0}, {"number", 0.0},
	{"original", 0.0}, {"pay", 0.0}, {"charged", 0.0}, {"cancel", 0.0}, {"cancelled", 0.0},
	{"canceled", 0.0}, {"cancellation", 0.0}, {"cancelling", 0.0}, {"refund", 0.0},
	{"refunds", 0.0}, {"hope", 0.0},
	/* service failures */
	{"nightmare", -2.5}, {"useless", -2.0}, {"overcharged", -2.0}, {"overcharging", -2.0},
	{"overcharge", -1.8}, {"crashing", -1.8}, {"crashes", -1.8}, {"crashed", -1.8},
	{"outage", -1.5}, {"expired", -1.0}, {"unable", -1.2}, {"cracked", -1.5}, {"late", -1.0},
	{"forever", -1.2}, {"twice", -1.2}, {"nobody", -1.2}, {"joke", -1.5},
	{"disconnected", -1.2}, {"unresponsive", -1.5}, {"overdue", -1.2}, {"undelivered", -1.5},
	{"ridiculous", -2.0}, {"pathetic", -2.5}, {"shambles", -2.5},
	/* chat praise */
	{"sorted", 1.5}, {"ty", 1.5}, {"tysm", 2.0}, {"star", 1.5}, {"lifesaver", 2.5},
	{"legend", 2.0},
};
const size_t an_chat_words_count = sizeof(an_chat_words) / sizeof(an_chat_words[0]);

/* Extra negators in chat ("nobody is helping me"). */
const char *const an_chat_negators[] = {"nobody", "noone", "no-one", NULL};

/* Sarcasm-prone openers: flipped when the rest of the message is only negative. */
const char *const an_chat_sarcasm[] = {
	"great", "fantastic", "wonderful", "brilliant", "perfect", "lovely", "awesome",
	"terrific", "marvellous", "marvelous", "wow", "thanks", "super", "excellent", NULL,
};

#define FAILS "work|works|working|worked|arrive|arrived|received|receive|show|showed|listen|" \
	"listening|respond|responded|reply|replied|answer|answered|fixed|resolved|sorted|" \
	"load|loading|connect|connecting|help|helped|helping|care"
#define PRAISE "great|wonderful|fantastic|brilliant|perfect|lovely|awesome|terrific|marvellous"

/* In table order: the first phrase that matches at a position wins, so longer ones come first. */
const an_chat_phrase an_chat_phrases[] = {
	/* "thanks for nothing" and friends */
	{{"thank", "you", "for", "nothing", NULL}, -2.5},
	{{"thanks|thank|thx", "for", "nothing", NULL}, -2.5},
	{{"could", "not", "be", "happier|better", NULL}, 2.5},
	{{"couldn't|couldnt", "be", "happier|better", NULL}, 2.5},
	/* service failures */
	{{"still", "#neg", NULL}, -2.0},
	{{"still", "no", NULL}, -2.0},
	{{"still", "waiting", NULL}, -1.5},
	{{"stopped", "work|working", NULL}, -1.8},
	{{"#neg", FAILS, NULL}, -1.6},
	{{"hung|hang", "up", NULL}, -2.0},
	{{"no", "response|reply|answer|update|callback|word", NULL}, -1.5},
	{{"without", "telling|asking|warning|notice|notifying|permission", NULL}, -1.5},
	{{"is|been|gone|went|was", "down", NULL}, -1.5},
	{{"fed", "up", NULL}, -2.0},
	{{"had", "enough", NULL}, -2.0},
	{{"i'm|im", "afraid", NULL}, -1.2},
	{{"what", "a", "joke|mess|nightmare|shambles|farce", NULL}, -2.0},
	{{"never", "again", NULL}, -1.5},
	{{"not", "again", NULL}, -1.2},
	/* waiting */
	{{"waiting|waited|wait", "for", "over|almost|nearly|about", "#num", "#time", NULL}, -2.0},
	{{"waiting|waited|wait", "for|over|almost|nearly", "#num", "#time", NULL}, -2.0},
	{{"waiting|waited", "#num", "#time", NULL}, -2.0},
	{{"hold", "for", "over|almost|nearly|about", "#num", "#time", NULL}, -1.8},
	{{"hold", "for|over|almost|nearly", "#num", "#time", NULL}, -1.8},
	{{"waited", "all", "day|morning|afternoon|week|night|evening", NULL}, -2.0},
	{{"been", "waiting", NULL}, -1.5},
	/* repetition */
	{{"#ord", "time", NULL}, -1.5},
	{{"#num", "times", NULL}, -1.2},
	{{"every", "single", "time", NULL}, -1.5},
	{{"every", "time", NULL}, -1.0},
	{{"again", "and", "again", NULL}, -1.5},
	{{"yet", "again", NULL}, -1.2},
	{{"repeat", "myself", NULL}, -1.5},
	{{"have", "to", "explain|repeat|ask|chase", NULL}, -1.5},
	{{"same", "question|questions|answer|thing|error|issue|problem|message", NULL}, -1.0},
	{{"different", "answer", NULL}, -1.0},
	{{"keep|keeps|kept", "crashing|failing|happening|getting|dropping|being|asking|freezing|"
	    "disconnecting|charging|overcharging|telling|sending|saying", NULL}, -1.5},
	/* sarcasm */
	{{"oh", PRAISE "|joy|good", NULL}, -1.8},
	{{"just", PRAISE, NULL}, -1.8},
	{{PRAISE, "another", NULL}, -2.0},
	/* formulas that carry no feeling */
	{{"sorry|apologies|apologise|apologize", "for", "the|any|this", "long", "wait|delay|hold", NULL}, 0.0},
	{{"sorry|apologies|apologise|apologize", "for", "the|any|this",
	    "wait|delay|inconvenience|confusion|trouble|hold", NULL}, 0.0},
	{{"sorry", "to", "hear", NULL}, 0.0},
	/* chat praise */
	{{"works|working", "now|again|perfectly|fine|great", NULL}, 1.5},
	{{"fixed|solved|sorted", "it|that", NULL}, 1.5},
	{{"top", "notch", NULL}, 2.5},
	{{"all", "set|sorted", NULL}, 1.2},
};
const size_t an_chat_phrases_count = sizeof(an_chat_phrases) / sizeof(an_chat_phrases[0]);

const char *const an_chat_class_num[] = {
	"a", "an", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
	"eleven", "twelve", "twenty", "thirty", "forty", "fifty", "several", "few", "many",
	"couple", "multiple", NULL,
};
const char *const an_chat_class_ord[] = {
	"second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
	"umpteenth", "nth", NULL,
};
const char *const an_chat_class_time[] = {
	"minute", "minutes", "mins", "min", "hour", "hours", "hrs", "hr", "day", "days", "week",
	"weeks", "month", "months", NULL,
};
