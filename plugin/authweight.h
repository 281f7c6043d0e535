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

/** Library version, the project version of CMakeLists.txt. */
#define AUTHWEIGHT_VERSION_STRING "0.1.0"

#define AUTHWEIGHT_OK 0           /**< success; evaluation done */
#define AUTHWEIGHT_NEED_DNS 1     /**< evaluation needs DNS answers (not an error) */
#define AUTHWEIGHT_E_INVAL (-1)   /**< bad argument: NULL, unknown word, wrong state */
#define AUTHWEIGHT_E_CONFIG (-2)  /**< configuration rejected (see *errmsg) */
#define AUTHWEIGHT_E_INPUT (-3)   /**< facts or message rejected (see *errmsg) */
#define AUTHWEIGHT_E_NOMEM (-4)   /**< out of memory */
#define AUTHWEIGHT_E_INTERNAL (-5) /**< a library failed; not the input's fault */

/** A validated configuration and the services built from it. */
typedef struct authweight_ctx authweight_ctx;
/** One resumable evaluation of a delivery. */
typedef struct authweight_eval authweight_eval;

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
 *         embedded at build time), static and NUL-terminated; "" only if
 *         memory ran out on the first call
 */
AUTHWEIGHT_API const char *authweight_schema_json(void) AUTHWEIGHT_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* AUTHWEIGHT_H */
