#ifndef HV_JSON_HPP_
#define HV_JSON_HPP_

/*
 * json.hpp - nlohmann::json for programs that include libhv's "json.hpp".
 *
 * libhv bundles its own copy of https://github.com/nlohmann/json (3.9.1);
 * hv-rs uses the system one instead (Debian/Ubuntu: nlohmann-json3-dev,
 * version 3.11 or later), so this file only forwards to it.
 */

#include <nlohmann/json.hpp>

#endif /* HV_JSON_HPP_ */
