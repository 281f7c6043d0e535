/**
 * @file authweight.h
 * @brief C ABI of authweight: weigh what email authentication proves.
 *
 * SYNOPSIS
 *   #include <authweight.h>
 *
 *   authweight_ctx_new(config_json, len, &ctx, &errmsg);
 *   authweight_eval_new(ctx, facts_json, len, message, msglen, &ev, &errmsg);
 *   while ((rc = authweight_eval_step(ev)) == AUTHWEIGHT_NEED_DNS) {
 *       for (i = 0; i < authweight_eval_query_count(ev); i++) {
 *           authweight_eval_query(ev, i, &name, &type);
 *           ... resolve name/type ...
 *           authweight_eval_answer(ev, name, type, "ok", records, n);
 *       }
 *   }
 *   authweight_eval_report_json(ev, &json, &len);
 *   authweight_free(json);
 *   authweight_eval_free(ev);
 *   authweight_ctx_free(ctx);
 *
 * DESCRIPTION
 *   A context holds a validated configuration (the JSON document described
 *   by schemas/authweight.schema.json). It is immutable once created: one
 *   context may serve any number of evaluations, from several threads.
 *   Its only shared state is a DNS cache (config dns_cache_ttl and
 *   dns_cache_size): answers given to one evaluation, except temporary
 *   failures and malformed ones, answer the same queries of later
 *   evaluations for dns_cache_ttl seconds, so those are never asked for.
 *
 *   An evaluation weighs one delivery: the connection and envelope facts
 *   (JSON) and, optionally, the raw message. It never blocks on DNS:
 *   authweight_eval_step() either finishes or returns AUTHWEIGHT_NEED_DNS
 *   with a list of queries; the caller resolves them in whatever way suits
 *   it (an asynchronous resolver, a blocking one, a zone file), hands each
 *   answer to authweight_eval_answer() and steps again. After the
 *   configured number of rounds, unanswered queries count as temporary
 *   failures, so the loop always ends. One evaluation must not be used by
 *   two threads at once. An evaluation keeps what it needs from its
 *   context: the context may be freed first.
 *
 *   Strings are UTF-8 unless said otherwise; lengths are in bytes and the
 *   text need not be NUL-terminated where a length is given. Strings the
 *   library returns through `char **` are allocated with malloc() and
 *   released with authweight_free(); those returned as `const char *`
 *   belong to the library.
 *
 * DIAGNOSTICS
 *   Functions returning int return AUTHWEIGHT_OK (0) on success, the
 *   positive AUTHWEIGHT_NEED_DNS from authweight_eval_step() when answers
 *   are missing (not an error), and a negative AUTHWEIGHT_E_* code on
 *   failure; authweight_strerror() turns a code into text. AUTHWEIGHT_E_INVAL
 *   reports a caller bug (a NULL pointer, an unknown DNS type or status
 *   word, a call in the wrong state); AUTHWEIGHT_E_CONFIG and
 *   AUTHWEIGHT_E_INPUT report bad data and come with a message in *errmsg
 *   naming the offending key or value. No function aborts, throws or
 *   longjmps. On failure the output handles are set to NULL and nothing
 *   needs to be freed except *errmsg.
 */
#ifndef AUTHWEIGHT_H
#define AUTHWEIGHT_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define AUTHWEIGHT_API __attribute__((visibility("default")))
#else
#define AUTHWEIGHT_API
#endif

/* C++ sees the functions as noexcept: the implementation declares them so
 * and a redeclaration must agree. */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define AUTHWEIGHT_NOEXCEPT noexcept
#else
#define AUTHWEIGHT_NOEXCEPT
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* AUTHWEIGHT_VERSION_STRING, the project version of CMakeLists.txt. */
#include "authweight_version.h"

#define AUTHWEIGHT_OK 0           /**< success; evaluation done */
#define AUTHWEIGHT_NEED_DNS 1     /**< evaluation needs DNS answers (not an error) */
#define AUTHWEIGHT_E_INVAL (-1)   /**< bad argument: NULL, unknown word, wrong state */
#define AUTHWEIGHT_E_CONFIG (-2)  /**< configuration rejected (see *errmsg) */
#define AUTHWEIGHT_E_INPUT (-3)   /**< facts or message rejected (see *errmsg) */
#define AUTHWEIGHT_E_NOMEM (-4)   /**< out of memory */
#define AUTHWEIGHT_E_INTERNAL (-5) /**< a library failed; not the input's fault */
#define AUTHWEIGHT_E_STORE (-6)   /**< the reputation store cannot be used (see *errmsg) */
#define AUTHWEIGHT_E_NOTFOUND (-7) /**< the file named does not exist (see *errmsg) */

/** authweight_rep_open() flag: lookups and export only; the file must exist. */
#define AUTHWEIGHT_REP_READ_ONLY 1
/** authweight_rep_open() flag: open (or create) the file now, not lazily. */
#define AUTHWEIGHT_REP_OPEN_NOW 2

/** A validated configuration and the services built from it. */
typedef struct authweight_ctx authweight_ctx;
/** One resumable evaluation of a delivery. */
typedef struct authweight_eval authweight_eval;
/** A handle on a reputation store (LMDB or Redis). */
typedef struct authweight_rep authweight_rep;
/** A zone file (DESIGN.md) loaded to answer an evaluation's queries. */
typedef struct authweight_zone authweight_zone;

/**
 * Describe a return code.
 * @param code a value returned by this library
 * @return a static, NUL-terminated description; never NULL
 */
AUTHWEIGHT_API const char *authweight_strerror(int code) AUTHWEIGHT_NOEXCEPT;

/**
 * Create a context from a JSON configuration document.
 * @param config_json the document (schemas/authweight.schema.json); NULL
 *        with len 0, or len 0, selects the defaults
 * @param len its length in bytes
 * @param out receives the context; set to NULL on failure
 * @param errmsg if not NULL, receives NULL on success or a malloc'ed
 *        message naming the offending key on failure
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (out NULL, or config_json NULL
 *         with len > 0), AUTHWEIGHT_E_CONFIG, AUTHWEIGHT_E_NOMEM or
 *         AUTHWEIGHT_E_INTERNAL
 */
AUTHWEIGHT_API int authweight_ctx_new(const char *config_json, size_t len, authweight_ctx **out,
                                      char **errmsg) AUTHWEIGHT_NOEXCEPT;

/**
 * The configuration the context runs with: the document it was created
 * from with every absent key set to the schema's default, as one JSON
 * object (a host reads its own settings here rather than interpreting the
 * schema again).
 * @param ctx the context
 * @param json receives the NUL-terminated text, owned by ctx (valid until
 *        authweight_ctx_free())
 * @param len if not NULL, receives its length
 * @return AUTHWEIGHT_OK, or AUTHWEIGHT_E_INVAL (a NULL pointer)
 */
AUTHWEIGHT_API int authweight_ctx_config_json(const authweight_ctx *ctx, const char **json,
                                              size_t *len) AUTHWEIGHT_NOEXCEPT;

/**
 * Release a context. Evaluations created from it stay usable.
 * @param ctx the context, or NULL (no-op)
 */
AUTHWEIGHT_API void authweight_ctx_free(authweight_ctx *ctx) AUTHWEIGHT_NOEXCEPT;

/**
 * Start an evaluation.
 * @param ctx the context
 * @param facts_json the delivery facts: an object with the optional keys
 *        ip, helo, hostname, fcrdns (boolean), tls_version, tls_cipher,
 *        tls_source, user, mail_from ("" is the null sender), rcpt (array
 *        of strings), message and external (array of {name, score});
 *        NULL with len 0, or len 0, means no facts
 * @param len its length in bytes
 * @param message the raw message (headers and body), any bytes including
 *        NUL; NULL means no message (then only the connection and envelope
 *        checks run, unless facts_json carries "message"); when not NULL it
 *        replaces a "message" key of facts_json
 * @param msglen its length in bytes
 * @param out receives the evaluation; set to NULL on failure
 * @param errmsg if not NULL, receives NULL on success or a malloc'ed
 *        message naming the offending key or value on failure
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (ctx or out NULL, a NULL
 *         pointer with a nonzero length), AUTHWEIGHT_E_INPUT (malformed
 *         facts, an invalid IP address, an unparseable message),
 *         AUTHWEIGHT_E_NOMEM or AUTHWEIGHT_E_INTERNAL
 */
AUTHWEIGHT_API int authweight_eval_new(authweight_ctx *ctx, const char *facts_json, size_t len,
                                       const char *message, size_t msglen, authweight_eval **out,
                                       char **errmsg) AUTHWEIGHT_NOEXCEPT;

/**
 * Run the evaluation as far as the DNS answers given so far allow.
 * Calling it again after AUTHWEIGHT_OK returns AUTHWEIGHT_OK.
 * @param ev the evaluation
 * @return AUTHWEIGHT_OK when done (the report is ready),
 *         AUTHWEIGHT_NEED_DNS when queries are pending, AUTHWEIGHT_E_INVAL
 *         (ev NULL), AUTHWEIGHT_E_NOMEM or AUTHWEIGHT_E_INTERNAL (the
 *         evaluation is then unusable)
 */
AUTHWEIGHT_API int authweight_eval_step(authweight_eval *ev) AUTHWEIGHT_NOEXCEPT;

/**
 * @param ev the evaluation
 * @return the number of queries pending after authweight_eval_step()
 *         returned AUTHWEIGHT_NEED_DNS; 0 in any other state or for NULL
 */
AUTHWEIGHT_API size_t authweight_eval_query_count(const authweight_eval *ev) AUTHWEIGHT_NOEXCEPT;

/**
 * One pending query. The strings stay valid until the next
 * authweight_eval_step() or authweight_eval_free().
 * @param ev the evaluation
 * @param i index, below authweight_eval_query_count()
 * @param name receives the name (lower case, no trailing dot)
 * @param type receives the type: "A", "AAAA", "MX", "TXT", "PTR", "CNAME"
 * @return AUTHWEIGHT_OK, or AUTHWEIGHT_E_INVAL (NULL pointer, index out of
 *         range, no queries pending)
 */
AUTHWEIGHT_API int authweight_eval_query(const authweight_eval *ev, size_t i, const char **name,
                                         const char **type) AUTHWEIGHT_NOEXCEPT;

/**
 * Give the answer to a query (a pending one or any other; a later answer
 * to the same query replaces an earlier one).
 * @param ev the evaluation, not yet done
 * @param name the queried name (case and a trailing dot do not matter)
 * @param type "A", "AAAA", "MX", "TXT", "PTR" or "CNAME" (any case)
 * @param status "ok", "nxdomain", "nodata", "tempfail" (timeout, SERVFAIL)
 *        or "malformed"
 * @param records the RDATA in text form, NUL-terminated: "192.0.2.1",
 *        "10 mx.example.com", one TXT record with its strings concatenated;
 *        may be NULL when nrecords is 0
 * @param nrecords the number of records
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (NULL pointer, unknown type or
 *         status, evaluation already done), AUTHWEIGHT_E_NOMEM or
 *         AUTHWEIGHT_E_INTERNAL
 */
AUTHWEIGHT_API int authweight_eval_answer(authweight_eval *ev, const char *name, const char *type,
                                          const char *status, const char *const *records,
                                          size_t nrecords) AUTHWEIGHT_NOEXCEPT;

/**
 * The report as one JSON object: spf, senderid, dkim, dmarc, tls,
 * symbols, score and more (DESIGN.md, the CLI's output).
 * @param ev the evaluation; authweight_eval_step() must have returned
 *        AUTHWEIGHT_OK
 * @param json receives the malloc'ed, NUL-terminated text; free it with
 *        authweight_free()
 * @param len if not NULL, receives its length without the NUL
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (NULL pointer, not done),
 *         AUTHWEIGHT_E_NOMEM or AUTHWEIGHT_E_INTERNAL
 */
AUTHWEIGHT_API int authweight_eval_report_json(const authweight_eval *ev, char **json,
                                               size_t *len) AUTHWEIGHT_NOEXCEPT;

/**
 * The verdict's totals, without the JSON of authweight_eval_report_json()
 * (a host scoring every message reads these and the symbols directly).
 * @param ev the evaluation; authweight_eval_step() must have returned
 *        AUTHWEIGHT_OK
 * @param score if not NULL, receives the sum of authweight's symbols
 * @param aligned if not NULL, receives 1 when the From domain is
 *        authenticated by aligned SPF or DKIM, else 0
 * @param dns_rounds if not NULL, receives the DNS rounds used
 * @return AUTHWEIGHT_OK, or AUTHWEIGHT_E_INVAL (ev NULL or not done)
 */
AUTHWEIGHT_API int authweight_eval_summary(const authweight_eval *ev, double *score, int *aligned,
                                           int *dns_rounds) AUTHWEIGHT_NOEXCEPT;

/**
 * The verdict's RFC 8601 Authentication-Results value (the report's
 * "authentication_results"), without the JSON of the whole report.
 * @param ev the evaluation; authweight_eval_step() must have returned
 *        AUTHWEIGHT_OK
 * @param value receives a NUL-terminated string owned by ev, valid until
 *        authweight_eval_free()
 * @return AUTHWEIGHT_OK, or AUTHWEIGHT_E_INVAL (ev or value NULL, or not done)
 */
AUTHWEIGHT_API int authweight_eval_authentication_results(const authweight_eval *ev,
                                                          const char **value) AUTHWEIGHT_NOEXCEPT;

/**
 * @param ev the evaluation
 * @return the number of symbols in the verdict; 0 unless done, or for NULL
 */
AUTHWEIGHT_API size_t authweight_eval_symbol_count(const authweight_eval *ev) AUTHWEIGHT_NOEXCEPT;

/**
 * One symbol of the verdict. The strings belong to the evaluation and stay
 * valid until authweight_eval_free().
 * @param ev the evaluation, done
 * @param i index, below authweight_eval_symbol_count()
 * @param name if not NULL, receives the symbol's name
 * @param score if not NULL, receives its score (the contract's default, or
 *        the computed weight of a dynamic symbol)
 * @param reason if not NULL, receives one line for humans (may hold bytes
 *        of the message that are not UTF-8)
 * @param option_count if not NULL, receives the number of options
 * @return AUTHWEIGHT_OK, or AUTHWEIGHT_E_INVAL (NULL ev, not done, index
 *         out of range)
 */
AUTHWEIGHT_API int authweight_eval_symbol(const authweight_eval *ev, size_t i, const char **name,
                                          double *score, const char **reason,
                                          size_t *option_count) AUTHWEIGHT_NOEXCEPT;

/**
 * One option of a symbol (rspamd's symbol options).
 * @param ev the evaluation, done
 * @param i symbol index
 * @param j option index, below the symbol's option_count
 * @param option receives the option; valid until authweight_eval_free()
 * @return AUTHWEIGHT_OK, or AUTHWEIGHT_E_INVAL
 */
AUTHWEIGHT_API int authweight_eval_symbol_option(const authweight_eval *ev, size_t i, size_t j,
                                                 const char **option) AUTHWEIGHT_NOEXCEPT;

/**
 * The trust budget over a whole message (DESIGN principle 5), for a host
 * that applies it after every module has scored (rspamd's postfilter):
 * the sum of authentication-derived negative weight — authweight's own
 * symbols the contract marks so, and the context's trust_symbols — must
 * not go below -trust_budget.
 * @param ctx the context (its trust_budget and trust_symbols apply)
 * @param names the symbols on the message, authweight's own and other
 *        modules'; may be NULL when n is 0
 * @param scores their scores as the host weighed them (same order)
 * @param n the number of symbols, at most 65536
 * @param cap receives the positive weight to add back, 0 within budget
 *        (all of it when a veto applies: see authweight_ctx_trust_decision)
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (a NULL pointer, n too large,
 *         a score that is not finite), AUTHWEIGHT_E_NOMEM or
 *         AUTHWEIGHT_E_INTERNAL
 */
AUTHWEIGHT_API int authweight_ctx_trust_cap(const authweight_ctx *ctx, const char *const *names,
                                            const double *scores, size_t n,
                                            double *cap) AUTHWEIGHT_NOEXCEPT;

/**
 * The trust budget with its vetoes (DESIGN principle 5): when a symbol of
 * the context's veto_symbols hit, or the message's score without its
 * authentication-derived negative weight reaches veto_score, the budget
 * of the message is 0 and all that weight is given back.
 * authweight_ctx_trust_cap() is this call without groups or a reject
 * threshold.
 * @param groups for each symbol, its host groups separated by spaces (for
 *        "group:NAME" entries), or NULL; the array may be NULL
 * @param reject_score the host's reject threshold, used when veto_score is
 *        true; NaN when the host has none (veto_score's default, 15, then
 *        applies)
 * @param veto receives NULL, or "veto:SYMBOL" / "veto:score" (free it with
 *        authweight_free()); may be NULL
 * @return as authweight_ctx_trust_cap()
 */
AUTHWEIGHT_API int authweight_ctx_trust_decision(const authweight_ctx *ctx, const char *const *names,
                                                 const double *scores, const char *const *groups,
                                                 size_t n, double reject_score, double *cap,
                                                 char **veto) AUTHWEIGHT_NOEXCEPT;

/**
 * Aggressive mode for unauthenticated mail (DESIGN principle 6) over a
 * whole message: (unauthenticated_multiplier - 1) x the positive score of
 * the non-authentication symbols, capped by unauthenticated_cap; 0 when
 * the mode is off, the From is authenticated by aligned SPF or DKIM, or
 * the sender used SMTP AUTH. authweight's own symbols and trust_symbols
 * never count as content.
 * @param ctx the context
 * @param names, scores, n the symbols on the message, as for
 *        authweight_ctx_trust_cap()
 * @param aligned nonzero when the From domain is authenticated by aligned
 *        SPF or DKIM
 * @param smtp_authenticated nonzero for an SMTP AUTH submission
 * @param extra receives the weight to add (>= 0)
 * @return as authweight_ctx_trust_cap()
 */
AUTHWEIGHT_API int authweight_ctx_unauth_strict(const authweight_ctx *ctx, const char *const *names,
                                                const double *scores, size_t n, int aligned,
                                                int smtp_authenticated,
                                                double *extra) AUTHWEIGHT_NOEXCEPT;

/**
 * Release an evaluation.
 * @param ev the evaluation, or NULL (no-op)
 */
AUTHWEIGHT_API void authweight_eval_free(authweight_eval *ev) AUTHWEIGHT_NOEXCEPT;

/**
 * Release memory the library returned through a `char **`.
 * @param p the pointer, or NULL (no-op)
 */
AUTHWEIGHT_API void authweight_free(void *p) AUTHWEIGHT_NOEXCEPT;

/** @return the library version, e.g. "0.1.0" (static) */
AUTHWEIGHT_API const char *authweight_version(void) AUTHWEIGHT_NOEXCEPT;

/**
 * Every symbol of the contract, in a stable order, as a JSON array of
 * {"name", "score", "dynamic", "auth_derived", "description"}.
 * @param json receives the malloc'ed, NUL-terminated text; free it with
 *        authweight_free()
 * @param len if not NULL, receives its length without the NUL
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (json NULL), AUTHWEIGHT_E_NOMEM
 *         or AUTHWEIGHT_E_INTERNAL
 */
AUTHWEIGHT_API int authweight_symbols_json(char **json, size_t *len) AUTHWEIGHT_NOEXCEPT;

/**
 * @return the configuration's JSON Schema (schemas/authweight.schema.json,
 *         embedded at build time), static and NUL-terminated
 */
AUTHWEIGHT_API const char *authweight_schema_json(void) AUTHWEIGHT_NOEXCEPT;

/* ---- zone files ---------------------------------------------------------------
 *
 * A JSON zone file (DESIGN.md) answers an evaluation's queries without a
 * DNS server: for tests, demonstrations and offline checks.
 */

/**
 * Load a zone file.
 * @param path the file
 * @param out receives the zone; NULL on failure
 * @param errmsg as for authweight_ctx_new()
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (NULL pointer),
 *         AUTHWEIGHT_E_NOTFOUND (cannot read the file), AUTHWEIGHT_E_INPUT
 *         (not a valid zone file), AUTHWEIGHT_E_NOMEM
 */
AUTHWEIGHT_API int authweight_zone_load(const char *path, authweight_zone **out, char **errmsg) AUTHWEIGHT_NOEXCEPT;

/** Release a zone; NULL is a no-op. */
AUTHWEIGHT_API void authweight_zone_free(authweight_zone *zone) AUTHWEIGHT_NOEXCEPT;

/**
 * Answer every query pending after authweight_eval_step() returned
 * AUTHWEIGHT_NEED_DNS from the zone: an absent name is NXDOMAIN, a name
 * without the type NODATA, and a query the zone marks TIMEOUT a temporary
 * failure.
 * @param ev the evaluation
 * @param zone the zone
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (NULL pointer, no queries
 *         pending), AUTHWEIGHT_E_NOMEM or AUTHWEIGHT_E_INTERNAL
 */
AUTHWEIGHT_API int authweight_eval_answer_zone(authweight_eval *ev, const authweight_zone *zone) AUTHWEIGHT_NOEXCEPT;

/* ---- untrusted text ---------------------------------------------------------
 *
 * The library's own checks of text, for a host that logs text from a
 * message or writes it into its own documents: one validator and one
 * capper for every front end.
 */

/**
 * The UTF-8 sequence at the start of s (RFC 3629 4: no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 * @param s, len the bytes; s may be NULL when len is 0
 * @return the sequence's length (1 for ASCII, up to 4), or 0 when s does
 *         not start with a well-formed sequence (or len is 0)
 */
AUTHWEIGHT_API size_t authweight_utf8_sequence(const char *s, size_t len) AUTHWEIGHT_NOEXCEPT;

/**
 * Untrusted text for one log line or symbol option: control characters
 * (C0 and DEL) become spaces, and past cap bytes it is cut without
 * splitting a UTF-8 sequence and ends in "...".
 * @param s, len the text, any bytes; s may be NULL when len is 0
 * @param cap the most bytes of the text kept
 * @param buf receives the result, NUL-terminated; it needs cap + 4 bytes
 *        (fewer lower the cap to fit)
 * @param size buf's size in bytes; 0 writes nothing
 * @return the result's length without the NUL
 */
AUTHWEIGHT_API size_t authweight_text_cap(const char *s, size_t len, size_t cap, char *buf,
                                          size_t size) AUTHWEIGHT_NOEXCEPT;

/* ---- reputation of authenticated identities (DESIGN principle 7) ----------
 *
 * The report lists the message's authenticated identities under
 * "reputation": {"identities": [{"identity", "via"}]}. A host looks their
 * counts up (authweight_rep_lookup for LMDB, or its own Redis client and
 * authweight_ctx_rep_decode), hands them to authweight_eval_reputation,
 * which re-scores the evaluation with AUTHW_REP_BAD / AUTHW_REP_GOOD,
 * and after its verdict teaches the identities with authweight_rep_learn
 * (or the Redis script of authweight_rep_redis_script). Times are Unix
 * seconds.
 */

/**
 * Give an evaluation the reputation counts looked up for its identities
 * and score them: the report is scored again (the policy only; every
 * check's result stands, no DNS), so it gains AUTHW_REP_* and a trust
 * budget that counts them.
 * @param ev an evaluation whose authweight_eval_step() returned
 *        AUTHWEIGHT_OK
 * @param json {"identity": {"spam": n, "ham": n}, ...}, decayed counts;
 *        counts of identities the message does not prove are ignored
 * @param len its length
 * @param errmsg as for authweight_eval_new()
 * @return AUTHWEIGHT_OK (the report is updated),
 *         AUTHWEIGHT_E_INVAL (NULL pointer, not done), AUTHWEIGHT_E_INPUT
 *         (malformed counts), AUTHWEIGHT_E_NOMEM or AUTHWEIGHT_E_INTERNAL
 */
AUTHWEIGHT_API int authweight_eval_reputation(authweight_eval *ev, const char *json, size_t len,
                                              char **errmsg) AUTHWEIGHT_NOEXCEPT;

/**
 * Attach a store (authweight_rep_open, authweight_rep_connect) to a fresh evaluation: once
 * its checks are done, the evaluation looks its identities up there and
 * scores their counts in the same step, so authweight_eval_reputation is
 * not needed. A lookup that fails leaves the message scored without
 * reputation; authweight_eval_reputation_error() says why. The evaluation
 * keeps the store open for as long as it needs it.
 * @param ev an evaluation not yet stepped
 * @param rep the store
 * @param now Unix time the counts decay to
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (NULL pointer, already
 *         stepped) or AUTHWEIGHT_E_NOMEM
 */
AUTHWEIGHT_API int authweight_eval_use_store(authweight_eval *ev, const authweight_rep *rep,
                                             long long now) AUTHWEIGHT_NOEXCEPT;

/**
 * @param ev an evaluation whose authweight_eval_step() returned AUTHWEIGHT_OK
 * @return why its attached store gave no counts (static until the
 *         evaluation is freed), or NULL when it did, none is attached, or
 *         the evaluation is not done
 */
AUTHWEIGHT_API const char *authweight_eval_reputation_error(const authweight_eval *ev) AUTHWEIGHT_NOEXCEPT;

/**
 * @param ev an evaluation whose authweight_eval_step() returned AUTHWEIGHT_OK
 * @return the number of its authenticated identities (the report's
 *         reputation.identities); 0 in any other state or for NULL
 */
AUTHWEIGHT_API size_t authweight_eval_identity_count(const authweight_eval *ev) AUTHWEIGHT_NOEXCEPT;

/**
 * One authenticated identity: a lower-case domain, valid until the next
 * authweight_eval_step() or authweight_eval_reputation().
 * @param ev the evaluation
 * @param i index, below authweight_eval_identity_count()
 * @param name receives the identity
 * @return AUTHWEIGHT_OK, or AUTHWEIGHT_E_INVAL (NULL pointer, index out of
 *         range, not done)
 */
AUTHWEIGHT_API int authweight_eval_identity(const authweight_eval *ev, size_t i,
                                            const char **name) AUTHWEIGHT_NOEXCEPT;

/**
 * @param ctx the context
 * @return its reputation.backend: "lmdb", "redis" or "none" (static);
 *         "none" for NULL
 */
AUTHWEIGHT_API const char *authweight_ctx_rep_backend(const authweight_ctx *ctx) AUTHWEIGHT_NOEXCEPT;

/**
 * Open the LMDB reputation store of a context's config
 * (reputation.lmdb_path, lmdb_map_size). With flags 0 the file is created
 * if needed and opened lazily on first use, and again in a process forked
 * after that (each rspamd worker has its own handle; LMDB serialises their
 * writes). AUTHWEIGHT_REP_OPEN_NOW opens it now, so a path that cannot
 * be used fails here; AUTHWEIGHT_REP_READ_ONLY opens it now, read-only.
 * @param ctx the context
 * @param path overrides reputation.lmdb_path when not NULL
 * @param flags 0, or AUTHWEIGHT_REP_READ_ONLY and AUTHWEIGHT_REP_OPEN_NOW
 * @param out receives the handle; NULL on failure
 * @param errmsg as for authweight_ctx_new()
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL, AUTHWEIGHT_E_NOTFOUND (read
 *         only, and no such file), AUTHWEIGHT_E_STORE (opened now, and the
 *         file cannot be opened or created), AUTHWEIGHT_E_NOMEM
 */
AUTHWEIGHT_API int authweight_rep_open(const authweight_ctx *ctx, const char *path, int flags,
                                       authweight_rep **out, char **errmsg) AUTHWEIGHT_NOEXCEPT;

/**
 * Connect to a Redis reputation store: keys reputation.redis_prefix +
 * identity, written with the script of authweight_rep_redis_script() and
 * reputation.redis_ttl. Lookups and lessons are synchronous, each bounded
 * by a 2 s timeout (for a tool; rspamd uses its own asynchronous client).
 * @param ctx the context
 * @param address "HOST", "HOST:PORT" or "[V6ADDR]:PORT" (port 6379 by default)
 * @param password AUTH with it when not NULL or ""
 * @param out receives the handle; NULL on failure
 * @param errmsg as for authweight_ctx_new()
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (NULL pointer, a malformed
 *         address), AUTHWEIGHT_E_STORE (cannot connect or authenticate),
 *         AUTHWEIGHT_E_NOMEM
 */
AUTHWEIGHT_API int authweight_rep_connect(const authweight_ctx *ctx, const char *address, const char *password,
                                          authweight_rep **out, char **errmsg) AUTHWEIGHT_NOEXCEPT;

/**
 * @param rep the handle
 * @return "lmdb PATH" or "redis HOST:PORT", for messages (static until
 *         authweight_rep_free()); "" for NULL
 */
AUTHWEIGHT_API const char *authweight_rep_describe(const authweight_rep *rep) AUTHWEIGHT_NOEXCEPT;

/**
 * Receives one record of authweight_rep_export(): its export line (JSON,
 * without the line end; doc/reputation.md), or, for a record that does not
 * decode, line NULL and why in error.
 */
typedef void (*authweight_export_fn)(void *arg, const char *identity, const char *line, size_t len,
                                     const char *error);

/**
 * Visit every record of the store, in no particular order.
 * @param rep the store
 * @param fn called once per record
 * @param arg passed to fn
 * @param errmsg as for authweight_ctx_new()
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL, AUTHWEIGHT_E_STORE,
 *         AUTHWEIGHT_E_NOMEM
 */
AUTHWEIGHT_API int authweight_rep_export(authweight_rep *rep, authweight_export_fn fn, void *arg,
                                         char **errmsg) AUTHWEIGHT_NOEXCEPT;

/**
 * Import one export line: its record replaces the identity's, in batches
 * of 10,000 and at authweight_rep_flush().
 * @param rep the store
 * @param line, len one line, without the line end
 * @param errmsg as for authweight_ctx_new()
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (NULL pointer),
 *         AUTHWEIGHT_E_INPUT (not a valid line: nothing imported, the
 *         batch stands), AUTHWEIGHT_E_STORE (a full batch could not be
 *         written), AUTHWEIGHT_E_NOMEM
 */
AUTHWEIGHT_API int authweight_rep_import(authweight_rep *rep, const char *line, size_t len,
                                         char **errmsg) AUTHWEIGHT_NOEXCEPT;

/**
 * Release a store handle, committing what authweight_rep_learn queued
 * (best effort; errors are lost: call authweight_rep_flush first).
 * @param rep the handle, or NULL (no-op)
 */
AUTHWEIGHT_API void authweight_rep_free(authweight_rep *rep) AUTHWEIGHT_NOEXCEPT;

/**
 * Look identities up.
 * @param rep the store
 * @param ids identities (lower-case domains, as the report lists them)
 * @param n their number, at most 64
 * @param now Unix seconds: counts are decayed to this time
 * @param json receives {"identity": {"spam": n, "ham": n}, ...} for the
 *        identities found (absent or damaged records are left out), the
 *        input of authweight_eval_reputation(); free with authweight_free()
 * @param len if not NULL, receives its length
 * @param errmsg as for authweight_ctx_new()
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (NULL pointer, n too large, a
 *         string that is not an identity), AUTHWEIGHT_E_STORE (the store
 *         cannot be opened or read), AUTHWEIGHT_E_NOMEM
 */
AUTHWEIGHT_API int authweight_rep_lookup(authweight_rep *rep, const char *const *ids, size_t n, long long now,
                                         char **json, size_t *len, char **errmsg) AUTHWEIGHT_NOEXCEPT;

/**
 * Teach identities a verdict: an rspamd action ("reject", "add header",
 * "no action", ...) weighed by reputation.actions, or "spam" / "ham"
 * weighed by reputation.learn_weight.
 * @param rep the store
 * @param ids, n the identities, as for authweight_rep_lookup()
 * @param verdict the action or "spam" / "ham"
 * @param now Unix seconds
 * @param queued nonzero: queue the update for authweight_rep_flush()
 *        (group commit: one synced write transaction for many messages);
 *        0: commit it now, synced
 * @param errmsg as for authweight_ctx_new()
 * @return AUTHWEIGHT_OK (an unknown action or a weight of 0 learns
 *         nothing and is OK), AUTHWEIGHT_E_INVAL, AUTHWEIGHT_E_STORE (the
 *         store cannot be opened or written, or is full)
 */
AUTHWEIGHT_API int authweight_rep_learn(authweight_rep *rep, const char *const *ids, size_t n,
                                        const char *verdict, long long now, int queued,
                                        char **errmsg) AUTHWEIGHT_NOEXCEPT;

/**
 * Commit queued updates in one write transaction, and the imported
 * records not yet written.
 * @param rep the store
 * @param count if not NULL, receives the number of identities committed
 * @param errmsg as for authweight_ctx_new()
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL, AUTHWEIGHT_E_STORE (the queue
 *         is dropped)
 */
AUTHWEIGHT_API int authweight_rep_flush(authweight_rep *rep, size_t *count, char **errmsg) AUTHWEIGHT_NOEXCEPT;

/**
 * Decode a stored record (the value of a Redis key) and decay it.
 * @param ctx the context (its reputation.half_life)
 * @param bytes, len the msgpack record
 * @param now Unix seconds
 * @param spam, ham receive the decayed counts
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (NULL pointer),
 *         AUTHWEIGHT_E_INPUT (not a valid record)
 */
AUTHWEIGHT_API int authweight_ctx_rep_decode(const authweight_ctx *ctx, const char *bytes, size_t len,
                                             long long now, double *spam, double *ham) AUTHWEIGHT_NOEXCEPT;

/**
 * What a verdict teaches under a context's config (for the Redis script's
 * arguments).
 * @param ctx the context
 * @param verdict an rspamd action or "spam" / "ham"
 * @param spam, ham receive the amounts (0, 0 for an action weighted 0)
 * @return AUTHWEIGHT_OK, AUTHWEIGHT_E_INVAL (NULL pointer, unknown verdict)
 */
AUTHWEIGHT_API int authweight_ctx_rep_lesson(const authweight_ctx *ctx, const char *verdict, double *spam,
                                             double *ham) AUTHWEIGHT_NOEXCEPT;

/**
 * @return the Redis update script (Lua, static): KEYS[1] the key, ARGV now,
 *         half_life, spam, ham, max_count, ttl; it decays, adds, saturates
 *         and writes the msgpack record atomically with the TTL, and
 *         returns {spam, ham} as strings
 */
AUTHWEIGHT_API const char *authweight_rep_redis_script(void) AUTHWEIGHT_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* AUTHWEIGHT_H */
