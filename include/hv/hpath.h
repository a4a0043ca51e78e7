#ifndef HV_PATH_H_
#define HV_PATH_H_

/*
 * hpath.h (C++) - path queries and string manipulation.
 *
 *   filepath   /mnt/share/image/test.jpg
 *   basename   test.jpg
 *   dirname    /mnt/share/image
 *   filename   test
 *   suffixname jpg
 *
 * Both '/' and '\\' are accepted as separators when splitting.
 */

#include <string>

#include "hexport.h"
#include "hplatform.h"

class HPath {
public:
    static bool exists(const char* path) {
        return access(path, F_OK) == 0;
    }

    static bool isdir(const char* path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
    }

    static bool isfile(const char* path) {
        struct stat st;
        return stat(path, &st) == 0 && S_ISREG(st.st_mode);
    }

    static bool islink(const char* path) {
        struct stat st;
        return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
    }

    /* Last component, ignoring trailing separators; "/" for "/" or "". */
    static std::string basename(const std::string& filepath) {
        std::string::size_type last = filepath.find_last_not_of("/\\");
        if (last == std::string::npos) return "/";
        std::string::size_type sep = filepath.find_last_of("/\\", last);
        std::string::size_type first = (sep == std::string::npos) ? 0 : sep + 1;
        return filepath.substr(first, last - first + 1);
    }

    /* Everything before the last component; "." if there is no separator,
     * "/" for entries of the root directory. */
    static std::string dirname(const std::string& filepath) {
        std::string::size_type last = filepath.find_last_not_of("/\\");
        if (last == std::string::npos) return "/";
        std::string::size_type sep = filepath.find_last_of("/\\", last);
        if (sep == std::string::npos) return ".";
        if (sep == 0) return filepath.substr(0, 1);
        return filepath.substr(0, sep);
    }

    /* File name without directory and without the last extension. */
    static std::string filename(const std::string& filepath) {
        std::string file = fileOf(filepath);
        std::string::size_type dot = file.find_last_of('.');
        return dot == std::string::npos ? file : file.substr(0, dot);
    }

    /* Extension after the last '.' of the file name ("" if none). */
    static std::string suffixname(const std::string& filepath) {
        std::string file = fileOf(filepath);
        std::string::size_type dot = file.find_last_of('.');
        return dot == std::string::npos ? std::string() : file.substr(dot + 1);
    }

    /* dir + "/" + filename, without doubling an existing trailing '/'. */
    static std::string join(const std::string& dir, const std::string& filename) {
        std::string out(dir);
        if (out.empty() || out[out.size() - 1] != '/') {
            out += '/';
        }
        out += filename;
        return out;
    }

private:
    static std::string fileOf(const std::string& filepath) {
        std::string::size_type sep = filepath.find_last_of("/\\");
        return sep == std::string::npos ? filepath : filepath.substr(sep + 1);
    }
};

#endif /* HV_PATH_H_ */
