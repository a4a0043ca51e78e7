#ifndef HV_MAP_H_
#define HV_MAP_H_

/*
 * hmap.h (C++) - std::MultiMap (a multimap whose operator[] always inserts
 * a new entry) and the hv::KeyValue string map used by the HTTP classes.
 */

#include "hconfig.h"

#include <map>
#include <string>

/* libhv exposes MultiMap in namespace std; kept there for compatibility. */
namespace std {

template<typename Key, typename Value>
class MultiMap : public multimap<Key, Value> {
public:
    /* Adds a new (key, Value()) entry and returns a reference to its value,
     * so `m["k"] = a; m["k"] = b;` keeps both values. */
    Value& operator[](Key key) {
        typename multimap<Key, Value>::iterator it =
            this->insert(std::pair<Key, Value>(key, Value()));
        return it->second;
    }
};

} /* namespace std */

#ifdef USE_MULTIMAP
#define HV_MAP      std::MultiMap
#else
#define HV_MAP      std::map
#endif

namespace hv {
typedef std::map<std::string, std::string>      keyval_t;
typedef std::MultiMap<std::string, std::string> multi_keyval_t;
typedef HV_MAP<std::string, std::string>        KeyValue;
}

#endif /* HV_MAP_H_ */
