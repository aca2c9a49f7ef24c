/* plugin.h must compile as plain C with every warning on. */
#include <herald/plugin.h>

int herald_header_compiles_as_c(void) { return (int)sizeof(herald_plugin_descriptor); }
