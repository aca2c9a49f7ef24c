/* One C plugin, compiled once per defect the loader must catch (ZOO_CASE selects which). */
#include <herald/plugin.h>

#include <stdlib.h>
#include <string.h>

#ifndef ZOO_NAME
#define ZOO_NAME "zoo-good"
#endif

/* Preprocessor values, since they select code with #if. */
#define ZOO_GOOD 1
#define ZOO_WRONG_MAJOR 2
#define ZOO_SMALL_STRUCT 3
#define ZOO_MISSING_FUNCTION 4
#define ZOO_EMPTY_NAME 5
#define ZOO_NULL_DESCRIPTOR 6
#define ZOO_NO_ENTRY 7
#define ZOO_BAD_SETTING 8
#define ZOO_OLD_MINOR 9

#ifndef ZOO_CASE
#define ZOO_CASE ZOO_GOOD
#endif

static int instance_token;

static void zoo_create(herald_str settings, const herald_host_services* host, herald_create_result* result) {
    (void)settings;
    (void)host;
    result->status = HERALD_STATUS_OK;
    result->instance = &instance_token;
}

static void zoo_destroy(void* instance) { (void)instance; }

static const char zoo_body[] = "{\"text\":\"hello\"}";
static const herald_header zoo_headers[] = {{{"Content-Type", 12}, {"application/json", 16}}};

static void zoo_render(void* instance, const herald_event* event, const herald_event_context* context,
                       herald_render_result* result) {
    (void)instance;
    (void)event;
    (void)context;
    result->status = HERALD_STATUS_OK;
    result->method.data = "POST";
    result->method.size = 4;
    result->url.data = "http://127.0.0.1:9/zoo";
    result->url.size = strlen(result->url.data);
    result->headers = zoo_headers;
    result->header_count = 1;
    result->body.data = zoo_body;
    result->body.size = sizeof zoo_body - 1;
}

static void zoo_classify(void* instance, const herald_event* event, const herald_response* response,
                         herald_classification* result) {
    (void)instance;
    (void)event;
    result->status = HERALD_STATUS_OK;
    result->outcome = response->status_code == 200 ? HERALD_OUTCOME_DELIVERED : HERALD_OUTCOME_REJECTED;
    result->retry_after_ms = -1;
}

static void zoo_release(void* owner) { free(owner); }

/* Keeps every function referenced whichever case is built. */
HERALD_PLUGIN_EXPORT void (*const zoo_render_ref)(void*, const herald_event*, const herald_event_context*,
                                                  herald_render_result*) = zoo_render;

static const herald_setting_desc zoo_url = {sizeof(herald_setting_desc),
                                            "url",
                                            HERALD_SETTING_STRING,
                                            HERALD_SETTING_REQUIRED | HERALD_SETTING_SECRET,
                                            NULL,
                                            "Where to post"};
#if ZOO_CASE == ZOO_BAD_SETTING
static const herald_setting_desc zoo_bad = {sizeof(herald_setting_desc), "bad", (herald_setting_type)99, 0, NULL,
                                            "A setting of no known type"};
static const herald_setting_desc* const zoo_settings[] = {&zoo_url, &zoo_bad};
#else
static const herald_setting_desc* const zoo_settings[] = {&zoo_url};
#endif

static const herald_delivery_defaults zoo_defaults = {sizeof(herald_delivery_defaults), 3, 100, 1000, 0, 0.0, 1, 65536};

static const herald_plugin_descriptor zoo_descriptor = {
#if ZOO_CASE == ZOO_SMALL_STRUCT
    16,
#else
    sizeof(herald_plugin_descriptor),
#endif
#if ZOO_CASE == ZOO_WRONG_MAJOR
    HERALD_PLUGIN_ABI_MAJOR + 1,
#else
    HERALD_PLUGIN_ABI_MAJOR,
#endif
#if ZOO_CASE == ZOO_OLD_MINOR
    0,
#else
    HERALD_PLUGIN_ABI_MINOR,
#endif
#if ZOO_CASE == ZOO_EMPTY_NAME
    "",
#else
    ZOO_NAME,
#endif
    "0.0.1",
    "Test plugin for the loader",
    zoo_settings,
    sizeof zoo_settings / sizeof zoo_settings[0],
    &zoo_defaults,
    zoo_create,
    zoo_destroy,
#if ZOO_CASE == ZOO_MISSING_FUNCTION
    NULL, /* zoo_render is still referenced below, so it compiles without warnings */
#else
    zoo_render,
#endif
    zoo_classify,
    zoo_release,
};

#if ZOO_CASE != ZOO_NO_ENTRY
HERALD_PLUGIN_EXPORT const herald_plugin_descriptor* herald_plugin_entry(void) {
#if ZOO_CASE == ZOO_NULL_DESCRIPTOR
    return zoo_descriptor.struct_size == 0 ? &zoo_descriptor : NULL;
#else
    return &zoo_descriptor;
#endif
}
#else
/* Exports something, just not the entry symbol. */
HERALD_PLUGIN_EXPORT const herald_plugin_descriptor* herald_plugin_entry_v0(void) { return &zoo_descriptor; }
#endif
