/* SPDX-License-Identifier: MIT */
/* an_vader_chat: the chat-mode overlay on VADER: word valences and phrase rules (constant tables). */
#ifndef AN_VADER_CHAT_H
#define AN_VADER_CHAT_H

#include <stddef.h>

#define AN_PHRASE_WORDS_MAX 6   /* slots in one phrase rule */

/* A chat valence for a word; AN_CHAT_NOT_LEX removes it from the lexicon in chat mode. */
#define AN_CHAT_NOT_LEX 99.0
typedef struct an_chat_word {
	const char *word;   /* lower case, as tokens are looked up */
	double val;
} an_chat_word;

/*
 * A phrase: up to AN_PHRASE_WORDS_MAX slots, NULL-terminated. A slot is a
 * word, alternatives "a|b|c", "*" (any one token) or a class: "#num"
 * (digits or a number word), "#ord" (second, 3rd, ...), "#time" (minute,
 * hours, days, ...), "#neg" (a VADER negator or a word with n't).
 * A match sets the first token's valence to val and the others' to 0.
 */
typedef struct an_chat_phrase {
	const char *slot[AN_PHRASE_WORDS_MAX + 1];
	double val;
} an_chat_phrase;

extern const an_chat_word an_chat_words[];
extern const size_t an_chat_words_count;
extern const an_chat_phrase an_chat_phrases[];
extern const size_t an_chat_phrases_count;
extern const char *const an_chat_negators[];     /* NULL-terminated lists from here on */
extern const char *const an_chat_sarcasm[];
extern const char *const an_chat_class_num[];
extern const char *const an_chat_class_ord[];
extern const char *const an_chat_class_time[];

#endif
