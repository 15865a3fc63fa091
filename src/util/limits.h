/* util/limits.h — every bound vow puts on what it is given, in one place
 * (SQLite's sqliteLimit.h style): what each limit protects and why it has
 * the value it has. Input over a limit is refused with an error naming the
 * field and the limit; nothing is ever cut to fit. Each may be overridden at
 * build time (-DVOW_MAX_...=N); the static assertions below keep the derived
 * sizes consistent. Lengths are in bytes and exclude the terminating NUL. */
#ifndef VOW_UTIL_LIMITS_H
#define VOW_UTIL_LIMITS_H

/* A dotted taxonomy key (category, purpose, subject kind) or a role or
 * recipient key: 8 segments of readable words fit easily; the bound keeps
 * every key a fixed-size column and an index entry of bounded size. */
#ifndef VOW_MAX_KEY
#define VOW_MAX_KEY 128
#endif

/* A staff member's id (the actor of an assigned-only role): an employee
 * number or an e-mail-like login, not a document. */
#ifndef VOW_MAX_ACTOR
#define VOW_MAX_ACTOR 128
#endif

/* One record's JSON value: profile-sized data, not media (files are for
 * media and stream with flat memory). Bounds the memory of one request. */
#ifndef VOW_MAX_VALUE
#define VOW_MAX_VALUE (1024 * 1024)
#endif

/* One profile field (e-mail, phone, locale): RFC 5321 caps a path at 256
 * octets; the rest is room for normalisation. */
#ifndef VOW_MAX_PROFILE_FIELD
#define VOW_MAX_PROFILE_FIELD 319
#endif

/* A file's name and media type as the uploader gives them (sealed with the
 * file): a file-system name is at most 255 bytes, RFC 6838 caps a media
 * type's two names at 127 each. */
#ifndef VOW_MAX_FILE_NAME
#define VOW_MAX_FILE_NAME 255
#endif
#ifndef VOW_MAX_MEDIA_TYPE
#define VOW_MAX_MEDIA_TYPE 127
#endif

/* A file's content language (a BCP 47 tag such as "nl-NL"): RFC 5646
 * recommends supporting at least 35 characters. */
#ifndef VOW_MAX_LANGUAGE
#define VOW_MAX_LANGUAGE 35
#endif

/* The controller's note on a rights request (a reason for an extension or
 * a denial the person is told): a few sentences. */
#ifndef VOW_MAX_NOTE
#define VOW_MAX_NOTE 255
#endif

/* How a consent was given ("unsubscribe_link", ...): one of a fixed list,
 * the longest of which must fit (checked below). */
#ifndef VOW_MAX_CONSENT_METHOD
#define VOW_MAX_CONSENT_METHOD 31
#endif

/* A secret a `hash` category keeps only as a password hash: long
 * passphrases fit; Argon2id's cost does not depend on it much, but an
 * unbounded input is an easy way to make a server hash megabytes. */
#ifndef VOW_MAX_SECRET
#define VOW_MAX_SECRET 1024
#endif

/* A new subject's stated age: people, not dates. */
#ifndef VOW_MAX_AGE
#define VOW_MAX_AGE 150
#endif

#define VOW_STATIC_FITS(literal, max) _Static_assert(sizeof(literal) - 1 <= (max), #literal " fits " #max)

VOW_STATIC_FITS("unsubscribe_link", VOW_MAX_CONSENT_METHOD);
VOW_STATIC_FITS("privacy_center", VOW_MAX_CONSENT_METHOD);
_Static_assert(VOW_MAX_KEY >= 64, "taxonomy keys need room");
_Static_assert(VOW_MAX_VALUE <= 64 * 1024 * 1024, "a record is held in memory");

#endif
