/*
 * Herald channel plugin ABI, version 1.2.
 *
 * This header is the only contract between the Herald host and a channel plugin. It is plain
 * C (C99 or later, or C++) so a plugin may be built by any compiler that follows the platform's
 * C calling convention.
 *
 * Compatibility policy
 * - HERALD_PLUGIN_ABI_MAJOR changes only on a breaking change. A host refuses a plugin whose
 *   major differs from its own.
 * - HERALD_PLUGIN_ABI_MINOR grows with additive changes: a new field at the end of a struct
 *   that carries `struct_size`, a new enum value, a new optional function pointer at the end of
 *   the descriptor. Existing fields never move, change type or change meaning.
 * - Every struct that may grow starts with `uint32_t struct_size`, set by whoever allocates it.
 *   A reader looks only at fields that lie inside `struct_size`; a field beyond it counts as
 *   absent (zero / NULL). A writer writes only fields that lie inside `struct_size`: result
 *   structs are allocated by the host, so a plugin built against a newer minor checks each
 *   newer field with HERALD_FITS before writing it (plugin.hpp does this for every field). So
 *   an old plugin loads in a new host, and a new plugin in an old host works with whatever the
 *   old host knows, never writing past the end of the host's struct.
 * - Structs without `struct_size` (herald_str, herald_header) are frozen.
 * - No enum has zero as a valid value: zero always means "not set".
 *
 * Ownership
 * - Inputs (pointers passed by the host into a plugin function) are borrowed for the duration
 *   of that call only. A plugin copies what it wants to keep.
 * - Outputs (strings and arrays a plugin writes into a result struct) are owned by the plugin.
 *   They stay valid until the host passes the result's `owner` to `release`, which it does
 *   exactly once for every result whose `owner` is non-NULL.
 * - The descriptor, its settings table and its delivery defaults are static data: valid for as
 *   long as the library is loaded. The host never unloads a plugin library.
 * - No C++ exception, C++ type or allocator crosses this boundary. A plugin catches everything
 *   at its entry points and reports failures through the result structs.
 *
 * Lifecycle
 * - `create` makes an instance; `destroy` is called exactly once for it, after every `render`
 *   and `classify` call on it has returned, and nothing is called on the instance afterwards.
 *   The host enforces this: it waits for calls in progress before it calls `destroy`.
 * - Since 1.1 the host merges each declared setting's `default_value` into `settings_json`
 *   for settings the channel does not give, so a plugin need not repeat its defaults in code
 *   (one that must also run in 1.0 hosts still does).
 *
 * Threading
 * - Every function in the descriptor may be called from several threads at once, including on
 *   the same instance. An instance is treated as immutable after `create`; a plugin that keeps
 *   mutable state synchronises it itself.
 * - The host services table may be called from any thread.
 *
 * I/O
 * - A plugin performs no I/O. It turns an event into an HTTP request (render) and judges the
 *   channel's HTTP response (classify). The host sends, times, retries, rate-limits and counts.
 *
 * Strings are UTF-8, passed as pointer + length, and are not NUL-terminated unless a field's
 * comment says so. A string with size 0 is empty; its data pointer may then be NULL.
 */
#ifndef HERALD_PLUGIN_H
#define HERALD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HERALD_PLUGIN_ABI_MAJOR 1
#define HERALD_PLUGIN_ABI_MINOR 2

/* The version of the event JSON handed to render and classify (herald_event.schema_version). */
#define HERALD_EVENT_SCHEMA_VERSION 1

/* Non-zero when `field` of the struct `ptr` points at lies inside its `struct_size`: read or
   write a field added in a later minor only when this holds. */
#define HERALD_FITS(ptr, field) \
    ((size_t)((const char*)&(ptr)->field - (const char*)(ptr)) + sizeof((ptr)->field) <= (size_t)(ptr)->struct_size)

/* The one symbol a plugin exports: `const herald_plugin_descriptor* herald_plugin_entry(void)`. */
#define HERALD_PLUGIN_ENTRY_SYMBOL "herald_plugin_entry"

#if defined(_WIN32)
#define HERALD_PLUGIN_EXPORT __declspec(dllexport)
#else
#define HERALD_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

/* Frozen. */
typedef struct herald_str {
    const char* data;
    size_t size;
} herald_str;

/* Frozen. */
typedef struct herald_header {
    herald_str name;
    herald_str value;
} herald_header;

/* Result of the functions that can fail. */
typedef enum herald_status { HERALD_STATUS_OK = 1, HERALD_STATUS_ERROR = 2 } herald_status;

/* ---------------------------------------------------------------------------------------- */
/* Host services: a table the host passes to `create`. Valid until `destroy` returns.        */

typedef enum herald_log_level {
    HERALD_LOG_DEBUG = 1,
    HERALD_LOG_INFO = 2,
    HERALD_LOG_WARN = 3,
    HERALD_LOG_ERROR = 4
} herald_log_level;

typedef struct herald_host_services {
    uint32_t struct_size;
    /* Opaque; pass back to every service function. */
    void* host_data;
    /* Writes one log line attributed to the plugin instance. Never log secret settings. */
    void (*log)(void* host_data, herald_log_level level, herald_str message);
    /* Current time, milliseconds since the Unix epoch (injected, so tests control it). */
    int64_t (*now_unix_ms)(void* host_data);
} herald_host_services;

/* ---------------------------------------------------------------------------------------- */
/* Settings: each plugin describes the channel settings it accepts.                           */

typedef enum herald_setting_type {
    HERALD_SETTING_STRING = 1,
    HERALD_SETTING_INTEGER = 2,
    HERALD_SETTING_BOOLEAN = 3,
    HERALD_SETTING_STRING_LIST = 4,
    HERALD_SETTING_STRING_MAP = 5 /* string -> string */
} herald_setting_type;

#define HERALD_SETTING_REQUIRED 0x1u /* the channel config must give it */
#define HERALD_SETTING_SECRET 0x2u   /* given only as a ${env:..} / ${file:..} reference; masked */

typedef struct herald_setting_desc {
    uint32_t struct_size;
    const char* name; /* NUL-terminated, [a-z0-9_]+ */
    herald_setting_type type;
    uint32_t flags;            /* HERALD_SETTING_REQUIRED | HERALD_SETTING_SECRET */
    const char* default_value; /* NUL-terminated JSON text, or NULL for none */
    const char* help;          /* NUL-terminated, one sentence */
} herald_setting_desc;

/* Per-channel delivery defaults; a channel's config may override them. */
typedef struct herald_delivery_defaults {
    uint32_t struct_size;
    uint32_t max_retries;        /* retries after the first attempt */
    uint32_t initial_backoff_ms; /* first retry delay; doubles each retry, with jitter */
    uint32_t max_backoff_ms;     /* cap on one retry delay */
    uint32_t give_up_after_ms;   /* dead-letter once this long has passed since the first try; 0 = no bound */
    double rate_per_second;      /* token bucket refill per destination; 0 = unlimited */
    uint32_t burst;              /* token bucket size */
    uint32_t max_body_bytes;     /* largest body the channel accepts; render stays within it */
} herald_delivery_defaults;

/* ---------------------------------------------------------------------------------------- */
/* Render: event -> HTTP request.                                                             */

/* What the host knows about an event beyond the event itself. */
typedef struct herald_event_context {
    uint32_t struct_size;
    uint32_t attempt;              /* 1 for the first attempt of this delivery */
    uint32_t is_recovery;          /* non-zero: a success after one or more failures */
    uint32_t failures_before;      /* failed deploys in the streak this success ends */
    int64_t failing_since_unix_ms; /* first failure of that streak; 0 when not a recovery */
    int64_t accepted_at_unix_ms;   /* when the host accepted the event */
    herald_str previous_receipt;   /* receipt an earlier delivery of the same deployment to this
                                      destination returned from classify; empty if none */
    herald_str team;               /* owning team as routed (may be empty for fallback) */
    herald_str channel_name;       /* channel name from the routing config */
    /* 1.2: the channel's message customisation, rendered by the host for this event, as a JSON
       object (see docs/messages.md): "title", "summary" (plain text), "fields" [{"name",
       "value"}], "links" [{"text", "url"}] (http/https), "show" [standard field names], "labels"
       [label keys], "mentions" [{"kind", "id", "name"}]. Every text is plain text that the
       plugin escapes for its format, like event text. Empty: the default message. */
    herald_str message_json;
    /* 1.2: which request of a multi-request delivery this render is for: 1 (or absent, 0) for
       the first; n + 1 after request n was delivered with `follow_up` set. previous_receipt
       then holds the receipt request n's classify returned (or the earlier one if it gave none). */
    uint32_t step;
} herald_event_context;

typedef struct herald_event {
    uint32_t struct_size;
    /* The validated deploy event as a JSON object (Herald's event contract), unknown fields kept. */
    herald_str json;
    /* 1.1: the event JSON's schema version (HERALD_EVENT_SCHEMA_VERSION); absent (0) means 1. */
    uint32_t schema_version;
} herald_event;

/* Filled by render. The host zero-fills it and sets struct_size before the call. */
typedef struct herald_render_result {
    uint32_t struct_size;
    herald_status status;
    herald_str error; /* when status is ERROR: why, never quoting a secret setting */
    herald_str method;
    herald_str url;
    const herald_header* headers;
    size_t header_count;
    herald_str body;
    /* Optional: events sharing a non-empty key share one rate limit (e.g. a Slack channel that
       several webhook URLs post into). Empty: the host keys the limit by URL. */
    herald_str rate_limit_key;
    /* Non-zero: nothing needs to be sent for this event (status is then OK and the request
       fields are ignored), e.g. a resolve that is switched off. */
    uint32_t skip;
    void* owner; /* passed to release once the host is done with the result */
    /* 1.2, optional: non-zero asks the host, once this request is delivered, to render the same
       event again with context->step one higher and send that too (e.g. an update in place and
       then a thread reply). The delivery is done when a step returns zero. The host stops after
       4 steps. A retry or a restart of the host may repeat earlier steps, so each step must be
       safe to repeat. */
    uint32_t follow_up;
} herald_render_result;

/* ---------------------------------------------------------------------------------------- */
/* Classify: HTTP response -> outcome. Transport failures (no response) never reach a plugin:
   the host retries them itself. */

typedef struct herald_response {
    uint32_t struct_size;
    int32_t status_code;
    const herald_header* headers; /* names as received; compare case-insensitively */
    size_t header_count;
    herald_str body; /* may be truncated by the host to a few hundred KiB */
} herald_response;

typedef enum herald_outcome {
    HERALD_OUTCOME_DELIVERED = 1, /* the channel confirmed the message */
    HERALD_OUTCOME_ACCEPTED = 2,  /* the channel accepted it but cannot confirm it was posted */
    HERALD_OUTCOME_RETRY = 3,     /* transient: try again (after retry_after_ms if >= 0) */
    HERALD_OUTCOME_REJECTED = 4   /* permanent: dead-letter with reason */
} herald_outcome;

/* Filled by classify. The host zero-fills it and sets struct_size before the call. */
typedef struct herald_classification {
    uint32_t struct_size;
    herald_status status; /* ERROR: the plugin failed; the host retries and logs `reason` */
    herald_outcome outcome;
    int64_t retry_after_ms; /* with RETRY: the channel's requested delay; -1 = host backoff */
    herald_str reason;      /* short, human-readable; required with REJECTED and ERROR */
    herald_str receipt;     /* optional: stored per destination + deployment, handed back to
                               later renders as previous_receipt (a Slack ts, a dedup_key) */
    void* owner;
} herald_classification;

/* ---------------------------------------------------------------------------------------- */
/* Create: channel settings -> instance. Also the plugin's own validation of settings. */

typedef struct herald_create_result {
    uint32_t struct_size;
    herald_status status;
    void* instance;   /* with OK: passed to render, classify and destroy */
    herald_str error; /* with ERROR: names the setting and the rule, never its secret value */
    void* owner;
    /* 1.1, optional with ERROR: the name of the setting the error is about (empty: none or
       several), so the host can point at that setting in the config file. */
    herald_str error_setting;
} herald_create_result;

/* ---------------------------------------------------------------------------------------- */
/* The descriptor. */

typedef struct herald_plugin_descriptor {
    uint32_t struct_size;
    uint16_t abi_major; /* HERALD_PLUGIN_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor;
    const char* name;        /* NUL-terminated, unique, [a-z0-9_-]+: the channel `type` */
    const char* version;     /* NUL-terminated, the plugin's own version */
    const char* description; /* NUL-terminated, one line */

    const herald_setting_desc* const* settings; /* `setting_count` pointers */
    size_t setting_count;
    const herald_delivery_defaults* delivery_defaults;

    /* `settings_json` is a JSON object holding the channel's settings with secrets resolved.
       `host` stays valid until destroy returns. */
    void (*create)(herald_str settings_json, const herald_host_services* host, herald_create_result* result);
    void (*destroy)(void* instance);
    void (*render)(void* instance, const herald_event* event, const herald_event_context* context,
                   herald_render_result* result);
    void (*classify)(void* instance, const herald_event* event, const herald_response* response,
                     herald_classification* result);
    /* Frees what a result's `owner` holds. Called once per non-NULL owner. */
    void (*release)(void* owner);
} herald_plugin_descriptor;

typedef const herald_plugin_descriptor* (*herald_plugin_entry_fn)(void);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* HERALD_PLUGIN_H */
